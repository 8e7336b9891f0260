//! The IT Shop's reference data: the org structure, the product catalogue and approval
//! policies — imported all-or-nothing by administrators, read by everyone.
//!
//! Refusals name what they are about (`org unit "finance": no user "x"`,
//! `product "vpn": no approval policy "p"`) so a front end can point at the file's line.

use std::collections::{BTreeMap, BTreeSet};

use super::{authz, Engine, Tx};
use crate::api::{
    ApiError, CatalogueImport, OrgImport, OrgStructure, OrgUnitDetail, ProductDetail,
};
use crate::domain::duration::MAX_DAYS;
use crate::domain::org::valid_name;
use crate::domain::product::closest;
use crate::domain::{
    EventKind, GapRule, Group, OrgSettings, OrgUnit, Product, ShopSettings, Target, User,
};

fn bad(context: String, what: String) -> ApiError {
    ApiError::BadInput(format!("{context}{what}"))
}

impl Engine {
    pub(super) fn import_orgs(
        &self,
        tx: &mut Tx,
        user: &User,
        import: OrgImport,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import the org structure")?;
        if let Some(g) = &import.chief_approvers {
            self.must_exist(&Target::Group(g.clone()))
                .map_err(|e| bad("chief approval team: ".into(), e.to_string()))?;
        }
        self.check_units(&import.units)?;
        let mut groups: BTreeMap<String, Group> = self
            .store
            .groups()?
            .into_iter()
            .map(|g| (g.name.clone(), g))
            .collect();
        let mut changed = vec![];
        for g in &import.groups {
            let at = format!("group @{}: ", g.name);
            let Some(mut group) = groups.get(&g.name).cloned() else {
                return Err(bad(at, format!("no group @{}", g.name)));
            };
            if let Some(m) = &g.manager {
                self.must_exist(&Target::User(m.clone()))
                    .map_err(|e| bad(at.clone(), e.to_string()))?;
            }
            if let Some(f) = &g.fallback {
                if f == &g.name {
                    return Err(bad(at, "a group cannot be its own fallback".into()));
                }
                self.must_exist(&Target::Group(f.clone()))
                    .map_err(|e| bad(at.clone(), e.to_string()))?;
            }
            self.check_calendar_for(g.calendar.as_deref(), None, &at)?;
            group.manager = g.manager.clone();
            group.fallback = g.fallback.clone();
            group.calendar = g.calendar.clone();
            groups.insert(g.name.clone(), group.clone());
            changed.push(group);
        }
        for g in &changed {
            let mut at = g.name.as_str();
            let mut chain = vec![at.to_string()];
            while let Some(next) = groups.get(at).and_then(|g| g.fallback.as_deref()) {
                chain.push(format!("@{next}"));
                if next == g.name || chain.len() > groups.len() + 1 {
                    return Err(bad(
                        format!("group @{}: ", g.name),
                        format!("fallback cycle @{}", chain.join(" → ")),
                    ));
                }
                at = next;
            }
        }
        for u in &import.units {
            tx.ws.put_org_unit(u);
            tx.event(None, EventKind::OrgUnitImported { id: u.id.clone() }, None);
        }
        let before = self.store.org_units()?;
        for g in &changed {
            tx.ws.put_group(g);
            tx.event(
                None,
                EventKind::GroupUpdated {
                    name: g.name.clone(),
                },
                None,
            );
        }
        if let Some(chief) = &import.chief_approvers {
            tx.ws.put_org_settings(&OrgSettings {
                chief_approvers: Some(chief.clone()),
            });
            tx.event(
                None,
                EventKind::ChiefApproversSet {
                    group: Some(chief.clone()),
                },
                None,
            );
        }
        let relocated = self.relocate(tx, &before)?;
        Ok(format!(
            "imported the org structure: {} org units, {} workgroups{}{relocated}",
            import.units.len(),
            changed.len(),
            import
                .chief_approvers
                .map(|c| format!(", chief approval team @{c}"))
                .unwrap_or_default()
        ))
    }

    /// Units name known users, known or imported parents, and make no cycle.
    fn check_units(&self, new: &[OrgUnit]) -> Result<(), ApiError> {
        let mut units: BTreeMap<String, OrgUnit> = self
            .store
            .org_units()?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        let mut seen = BTreeSet::new();
        for u in new {
            let at = format!("org unit {:?}: ", u.id);
            if !valid_name(&u.id) {
                return Err(bad(at, "invalid id".into()));
            }
            if !seen.insert(u.id.clone()) {
                return Err(bad(at, "defined twice".into()));
            }
            if let Some(m) = &u.manager {
                self.must_exist(&Target::User(m.clone()))
                    .map_err(|e| bad(at.clone(), e.to_string()))?;
            }
            for m in &u.members {
                self.must_exist(&Target::User(m.clone()))
                    .map_err(|e| bad(at.clone(), e.to_string()))?;
            }
        }
        for u in new {
            units.insert(u.id.clone(), u.clone());
        }
        for u in new {
            if let Some(p) = &u.parent {
                if !units.contains_key(p) {
                    return Err(bad(
                        format!("org unit {:?}: ", u.id),
                        format!("no org unit {p:?}"),
                    ));
                }
            }
            let chain = org_chain(&units, &u.id);
            if chain.last().is_some_and(|last| last == &u.id) && chain.len() > 1 {
                return Err(bad(
                    format!("org unit {:?}: ", u.id),
                    format!("cycle in the org tree {}", chain.join(" → ")),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn import_products(
        &self,
        tx: &mut Tx,
        user: &User,
        import: CatalogueImport,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import products")?;
        let CatalogueImport {
            products,
            policies,
            settings,
        } = import;
        check_settings(&settings)?;
        let mut policy_names = BTreeSet::new();
        for p in &policies {
            let at = format!("approval policy {:?}: ", p.name);
            if !valid_name(&p.name) {
                return Err(bad(at, "invalid name".into()));
            }
            if !policy_names.insert(p.name.clone()) {
                return Err(bad(at, "defined twice".into()));
            }
            p.validate().map_err(|e| bad(at.clone(), e.to_string()))?;
            for t in p.names() {
                self.must_exist(&t)
                    .map_err(|e| bad(at.clone(), e.to_string()))?;
            }
            self.check_calendar_for(p.calendar.as_deref(), p.work_span(), &at)?;
        }
        let mut ids = BTreeSet::new();
        for p in &products {
            let at = format!("product {:?}: ", p.id);
            if !valid_name(&p.id) {
                return Err(bad(at, "invalid id".into()));
            }
            if !ids.insert(p.id.clone()) {
                return Err(bad(at, "defined twice".into()));
            }
            if p.name.trim().is_empty() {
                return Err(bad(at, "no name".into()));
            }
            if let Some(r) = &p.resource {
                if self.store.resource(r)?.is_none() {
                    return Err(bad(at, format!("no resource {r:?}")));
                }
            } else if p.entitlement.is_some() {
                return Err(bad(at, "an entitlement needs a resource".into()));
            }
            self.check_product_names(p, &at, &policy_names)?;
            self.check_calendar_for(p.calendar.as_deref(), None, &at)?;
            match p.validity_secs {
                Some(v) if v <= 0 => {
                    return Err(bad(at, "a validity of zero".into()));
                }
                Some(v) if v > MAX_DAYS * 86_400 => {
                    return Err(bad(at, format!("validity longer than {MAX_DAYS}d")));
                }
                _ => {}
            }
            if p.max_renewals.is_some() && !p.renewable {
                return Err(bad(
                    at,
                    "max_renewals on a product that is not renewable".into(),
                ));
            }
            if let Some(g) = &p.gap {
                check_gap(g).map_err(|e| bad(at, e))?;
            }
        }
        let shop = if settings == ShopSettings::default() {
            String::new()
        } else {
            let s = self.store.shop_settings()?.merged(&settings);
            tx.ws.put_shop_settings(&s);
            format!(
                "; zone {}, gap rule {}",
                s.zone.as_deref().unwrap_or("UTC"),
                s.gap.unwrap_or_default()
            )
        };
        for p in &policies {
            tx.ws.put_approval_policy(p);
            tx.event(
                None,
                EventKind::ApprovalPolicyImported {
                    name: p.name.clone(),
                },
                None,
            );
        }
        for p in &products {
            tx.ws.put_product(p);
            tx.event(None, EventKind::ProductImported { id: p.id.clone() }, None);
        }
        Ok(format!(
            "imported {} products and {} approval policies{shop}",
            products.len(),
            policies.len()
        ))
    }

    /// The calendar `name` exists; with a `working` duration, some calendar applies (the
    /// one named, else the store default).
    pub(super) fn check_calendar_for(
        &self,
        name: Option<&str>,
        working: Option<crate::domain::duration::Span>,
        at: &str,
    ) -> Result<(), ApiError> {
        match name {
            Some(n) if self.store.calendar(n)?.is_none() => {
                Err(bad(at.to_string(), crate::import::no_calendar(n)))
            }
            None if working.is_some() && self.store.default_calendar()?.is_none() => {
                let s = working.expect("checked");
                Err(bad(at.to_string(), crate::import::needs_calendar(&s)))
            }
            _ => Ok(()),
        }
    }

    /// The groups, policies and org units a product names exist (the policies in the
    /// store or in the same import).
    fn check_product_names(
        &self,
        p: &Product,
        at: &str,
        policy_names: &BTreeSet<String>,
    ) -> Result<(), ApiError> {
        let at = at.to_string();
        if let Some(g) = &p.owners {
            self.must_exist(&Target::Group(g.clone()))
                .map_err(|e| bad(at.clone(), e.to_string()))?;
        }
        if let Some(name) = &p.policy {
            if !policy_names.contains(name) && self.store.approval_policy(name)?.is_none() {
                return Err(bad(at.clone(), format!("no approval policy {name:?}")));
            }
        }
        for u in &p.units {
            if self.store.org_unit(u)?.is_none() {
                return Err(bad(at.clone(), format!("no org unit {u:?}")));
            }
        }
        if let Some(name) = &p.unsubscription_policy {
            if !policy_names.contains(name) && self.store.approval_policy(name)?.is_none() {
                return Err(bad(
                    at.clone(),
                    format!("no unsubscription policy {name:?}"),
                ));
            }
            if !p.unsubscribable {
                return Err(bad(
                    at,
                    "an unsubscription policy on a product that is not unsubscribable".into(),
                ));
            }
        }
        Ok(())
    }

    /// The product named, or bad input naming it and the closest catalogue entries.
    pub(crate) fn load_product(&self, id: &str) -> Result<Product, ApiError> {
        if let Some(p) = self.store.product(id.trim())? {
            return Ok(p);
        }
        let all = self.store.products()?;
        let near = closest(id, all.iter().map(|p| p.id.as_str()));
        let hint = if near.is_empty() {
            "; `casebench product list` shows the catalogue".to_string()
        } else {
            format!("; did you mean {}?", near.join(", "))
        };
        Err(ApiError::BadInput(format!("no product {id:?}{hint}")))
    }

    pub(super) fn product_view(&self, id: &str) -> Result<ProductDetail, ApiError> {
        let product = self.load_product(id).map_err(|e| match e {
            ApiError::BadInput(m) => ApiError::NotFound(m),
            e => e,
        })?;
        let policy = match &product.policy {
            Some(p) => self.store.approval_policy(p)?,
            None => None,
        };
        let resource_owners = match &product.resource {
            Some(r) => self.store.resource(r)?.map(|r| r.owners),
            None => None,
        };
        Ok(ProductDetail {
            product,
            policy,
            resource_owners,
        })
    }

    pub(super) fn org_structure(&self) -> Result<OrgStructure, ApiError> {
        Ok(OrgStructure {
            settings: self.store.org_settings()?,
            units: self.store.org_units()?,
            groups: self.store.groups()?,
        })
    }

    pub(super) fn org_unit_view(&self, id: &str) -> Result<OrgUnitDetail, ApiError> {
        let units: BTreeMap<String, OrgUnit> = self
            .store
            .org_units()?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        let unit = units
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("no org unit {id:?}")))?;
        let mut path = org_chain(&units, id);
        path.remove(0);
        path.reverse();
        let children = units
            .values()
            .filter(|u| u.parent.as_deref() == Some(id))
            .map(|u| u.id.clone())
            .collect();
        Ok(OrgUnitDetail {
            unit,
            path,
            children,
        })
    }
}

/// A zone the store can count days in and a gap rule that counts something.
fn check_settings(s: &ShopSettings) -> Result<(), ApiError> {
    if let Some(z) = &s.zone {
        crate::domain::shop::parse_zone(z).map_err(|e| bad("zone: ".into(), e.to_string()))?;
    }
    if let Some(g) = &s.gap {
        check_gap(g).map_err(|e| bad("gap: ".into(), e))?;
    }
    Ok(())
}

fn check_gap(g: &GapRule) -> Result<(), String> {
    if g.counts.is_empty() {
        return Err("counts names no request state (pending, approved, assigned)".into());
    }
    Ok(())
}

/// `id` and its ancestors, nearest first; ends at `id` again when the tree loops.
pub(super) fn org_chain(units: &BTreeMap<String, OrgUnit>, id: &str) -> Vec<String> {
    let mut chain = vec![id.to_string()];
    let mut at = id;
    while let Some(p) = units.get(at).and_then(|u| u.parent.as_deref()) {
        chain.push(p.to_string());
        if p == id || chain.len() > units.len() + 1 {
            break;
        }
        at = p;
    }
    chain
}
