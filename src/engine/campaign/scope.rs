//! The snapshot of a campaign's scope: the accounts of its resources (not dead) and the
//! assigned requests of its products, narrowed by org unit and attribute, numbered 1..n.

use std::collections::{BTreeMap, BTreeSet};

use super::super::catalogue::org_chain;
use super::super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::campaign::{CampaignDef, CertItem, Flags, Subject};
use crate::domain::{OrgUnit, ShadowState, User};

impl Engine {
    pub(super) fn snapshot(
        &self,
        tx: &Tx,
        def: &CampaignDef,
        run: u64,
    ) -> Result<Vec<CertItem>, ApiError> {
        let users: BTreeMap<String, User> = self
            .store
            .users()?
            .into_iter()
            .map(|u| (u.login.clone(), u))
            .collect();
        let units = self.units_now(tx)?;
        let in_unit = in_unit(&units, def.scope.org_unit.as_deref());
        let mut out = vec![];
        let mut push = |mut item: CertItem| {
            item.no = out.len() as u32 + 1;
            out.push(item);
        };
        let blank = |subject: Subject, owner: Option<String>| CertItem {
            run,
            no: 0,
            subject,
            owner_name: owner
                .as_ref()
                .and_then(|o| users.get(o))
                .map(|u| u.name.clone()),
            owner,
            resource: None,
            attributes: BTreeMap::new(),
            since: None,
            last_seen: None,
            flags: Flags::default(),
            stage: 0,
            reviewer: None,
            case: None,
            work_item: None,
            current: None,
            results: vec![],
            remediation: None,
        };
        for res in &def.scope.resources {
            for s in self.store.shadows(res)? {
                if s.state == ShadowState::Dead || s.expected_state() == ShadowState::Dead {
                    continue;
                }
                if let Some((a, v)) = &def.scope.attribute {
                    let has = s
                        .attributes
                        .get(a)
                        .is_some_and(|h| h.split(';').map(str::trim).any(|x| x == v));
                    if !has {
                        continue;
                    }
                }
                if !in_unit(s.owner.as_deref()) {
                    continue;
                }
                let subject = Subject::Account {
                    resource: s.resource.clone(),
                    key: s.key.clone(),
                };
                let mut item = blank(subject, s.owner.clone());
                item.resource = Some(s.resource.clone());
                item.attributes = s.attributes.clone();
                item.last_seen = s.last_seen;
                item.flags = Flags {
                    orphan: s.owner.is_none() || s.orphan,
                    divergent: s.remediation.is_some(),
                    owner_left: s.owner.as_ref().is_some_and(|o| !users.contains_key(o)),
                };
                push(item);
            }
        }
        if !def.scope.products.is_empty() {
            let wanted: BTreeSet<&String> = def.scope.products.iter().collect();
            let products: BTreeMap<String, crate::domain::Product> = self
                .store
                .products()?
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect();
            let mut requests: Vec<_> = self
                .store
                .requests(None, usize::MAX)?
                .into_iter()
                .filter(|r| wanted.contains(&r.product) && r.state.holds_access())
                .filter(|r| in_unit(Some(&r.recipient)))
                .collect();
            requests.sort_by_key(|r| r.id);
            for r in requests {
                let subject = Subject::Request {
                    id: r.id,
                    product: r.product.clone(),
                };
                let mut item = blank(subject, Some(r.recipient.clone()));
                let product = products.get(&r.product);
                item.resource = product.and_then(|p| p.resource.clone());
                if let Some(e) = product.and_then(|p| p.entitlement.clone()) {
                    item.attributes.insert("entitlement".into(), e);
                }
                if let Some(u) = r.valid_until {
                    item.attributes
                        .insert("valid-until".into(), u.format("%Y-%m-%d").to_string());
                }
                item.since = r.provisioned_at.or(r.approved_at).or(Some(r.created));
                item.flags.owner_left = !users.contains_key(&r.recipient);
                push(item);
            }
        }
        Ok(out)
    }
}

/// Whether an owner is in `unit` or a unit below it (everyone, without a unit; nobody
/// without an owner, when a unit is asked).
fn in_unit(units: &BTreeMap<String, OrgUnit>, unit: Option<&str>) -> impl Fn(Option<&str>) -> bool {
    let members: Option<BTreeSet<String>> = unit.map(|want| {
        units
            .values()
            .filter(|u| org_chain(units, &u.id).iter().any(|c| c == want))
            .flat_map(|u| u.members.iter().cloned())
            .collect()
    });
    move |owner: Option<&str>| match (&members, owner) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(m), Some(o)) => m.contains(o),
    }
}
