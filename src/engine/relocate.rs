//! Who may request what, by org unit, and what a move to another org unit does to the
//! mover's requests in approval (One Identity's "relocating a customer"): a request for a
//! product the new unit may not request is aborted; any other starts its approval again
//! from the first level, approvers resolved anew. Each with an event saying why.

use std::collections::{BTreeMap, BTreeSet};

use super::catalogue::org_chain;
use super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::{OrgUnit, Product};

type Units = BTreeMap<String, OrgUnit>;

/// Whether `login` may have `product`: anyone, when it names no units; else a member of one
/// of them or of a unit below one.
pub(crate) fn may_have(units: &Units, product: &Product, login: &str) -> bool {
    product.units.is_empty()
        || units_of(units, login).iter().any(|u| {
            org_chain(units, u)
                .iter()
                .any(|c| product.units.contains(c))
        })
}

/// The ids of the units `login` is a member of.
fn units_of(units: &Units, login: &str) -> BTreeSet<String> {
    units
        .values()
        .filter(|u| u.members.iter().any(|m| m == login))
        .map(|u| u.id.clone())
        .collect()
}

impl Engine {
    /// The org units as they stand with what `tx` writes.
    pub(crate) fn units_now(&self, tx: &Tx) -> Result<Units, ApiError> {
        let mut units: Units = self
            .store
            .org_units()?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        for u in tx.ws.org_units() {
            units.insert(u.id.clone(), u);
        }
        Ok(units)
    }

    /// The org unit `login` is a member of (the first by id, if several), as `tx` leaves it.
    pub(crate) fn org_unit_of(&self, tx: &Tx, login: &str) -> Result<Option<OrgUnit>, ApiError> {
        Ok(self
            .units_now(tx)?
            .into_values()
            .find(|u| u.members.iter().any(|m| m == login)))
    }

    /// Refuses `product` for `recipient` outside its org units.
    pub(crate) fn check_may_have(
        &self,
        tx: &Tx,
        product: &Product,
        recipient: &str,
    ) -> Result<(), ApiError> {
        if may_have(&self.units_now(tx)?, product, recipient) {
            return Ok(());
        }
        Err(ApiError::NotAllowed(format!(
            "{recipient} may not have {}: it is for members of {}",
            product.id,
            product.units.join(", ")
        )))
    }

    /// After an org import (`before`: the units as they were): every user whose units
    /// changed has their requests in approval aborted or restarted. Returns what it did,
    /// for the import's message ("" when nobody moved).
    pub(crate) fn relocate(&self, tx: &mut Tx, before: &[OrgUnit]) -> Result<String, ApiError> {
        let old: Units = before.iter().map(|u| (u.id.clone(), u.clone())).collect();
        let new = self.units_now(tx)?;
        let mut people: BTreeSet<String> = BTreeSet::new();
        for u in old.values().chain(new.values()) {
            people.extend(u.members.iter().cloned());
        }
        let (mut aborted, mut restarted) = (0, 0);
        for login in people {
            let (was, is) = (units_of(&old, &login), units_of(&new, &login));
            if was == is {
                continue;
            }
            let moved = format!("{login} moved from {} to {}", names(&was), names(&is));
            for r in self.store.requests(Some(&login), usize::MAX)? {
                if !r.in_approval() || r.approval.is_none() {
                    continue;
                }
                let mut flow = self.load_flow(r)?;
                if !may_have(&new, &flow.product, &login) {
                    let why = format!("{moved}, whose members may not have {}", flow.product.id);
                    self.abort_flow(tx, &mut flow, why)?;
                    aborted += 1;
                } else {
                    self.restart_flow(tx, &mut flow, format!("{moved}: approval starts again"))?;
                    restarted += 1;
                }
                flow.write(tx);
            }
        }
        Ok(match (aborted, restarted) {
            (0, 0) => String::new(),
            (a, r) => format!("; relocations: {a} requests aborted, {r} approvals restarted"),
        })
    }
}

fn names(units: &BTreeSet<String>) -> String {
    if units.is_empty() {
        "no org unit".into()
    } else {
        units.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}
