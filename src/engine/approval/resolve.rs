//! Who a step goes to.

use super::Flow;
use crate::api::ApiError;
use crate::domain::approval::{Approvers, How, NoApprover, SelfApproval, Step, StepRun};
use crate::engine::{Engine, Tx, SYSTEM_ACTOR};

/// A step's approvers as resolved: users, groups, and the requester or recipient whose
/// approval is recorded at once (self-approval `auto-approved`).
pub(super) struct Resolved {
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub auto: Vec<String>,
}

impl Engine {
    /// Who a step goes to, from its source, with self-approval and group fallbacks applied.
    pub(super) fn resolve(&self, tx: &Tx, flow: &Flow, def: &Step) -> Result<Resolved, ApiError> {
        let r = &flow.request;
        let (mut users, mut groups) = (vec![], vec![]);
        let manager_of = |login: &str| -> Result<Option<String>, ApiError> {
            Ok(self.store.user(login)?.and_then(|u| u.manager))
        };
        match &def.approvers {
            Approvers::Manager => users.extend(manager_of(&r.recipient)?),
            Approvers::OrgManager => {
                users.extend(self.org_unit_of(tx, &r.recipient)?.and_then(|u| u.manager))
            }
            Approvers::ProductOwners => groups.extend(flow.product.owners.clone()),
            Approvers::ResourceOwners => {
                if let Some(res) = &flow.product.resource {
                    groups.extend(self.store.resource(res)?.map(|r| r.owners));
                }
            }
            Approvers::User(u) => users.push(u.clone()),
            Approvers::Group(g) => groups.push(g.clone()),
            Approvers::Chief => groups.extend(flow.approval().chief.clone()),
        }
        let selves = [r.requester.as_str(), r.recipient.as_str()];
        let mut auto = vec![];
        let mut kept = vec![];
        for u in users.drain(..) {
            if self.store.user(&u)?.is_none() {
                continue;
            }
            if selves.contains(&u.as_str()) {
                match def.self_approval {
                    SelfApproval::Skipped => continue,
                    SelfApproval::AutoApproved => {
                        auto.push(u);
                        continue;
                    }
                    SelfApproval::Allowed => {}
                }
            }
            kept.push(u);
        }
        let mut usable = vec![];
        for g in groups.drain(..) {
            let skip: &[&str] = if def.self_approval == SelfApproval::Skipped {
                &selves
            } else {
                &[]
            };
            if let Some(g) = self.usable_group(&g, skip)? {
                if def.self_approval == SelfApproval::AutoApproved {
                    for s in selves {
                        if self.store.user(s)?.is_some_and(|u| u.in_group(&g)) {
                            auto.push(s.to_string());
                        }
                    }
                }
                usable.push(g);
            }
        }
        auto.dedup();
        kept.dedup();
        usable.dedup();
        Ok(Resolved {
            users: kept,
            groups: usable,
            auto,
        })
    }

    /// `group`, or its fallback (and the fallback's, up to 8), whichever first has a member
    /// other than `skip`; none when no group in the chain has one.
    fn usable_group(&self, group: &str, skip: &[&str]) -> Result<Option<String>, ApiError> {
        let mut at = group.to_string();
        for _ in 0..8 {
            let Some(g) = self.store.group(&at)? else {
                return Ok(None);
            };
            let members = self.store.group_members(&at)?;
            if members.iter().any(|m| !skip.contains(&m.as_str())) {
                return Ok(Some(at));
            }
            match g.fallback {
                Some(f) => at = f,
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// A member of one of the step's groups has not decided yet.
    pub(super) fn group_has_undecided(&self, run: &StepRun) -> Result<bool, ApiError> {
        for g in &run.groups {
            if self
                .store
                .group_members(g)?
                .iter()
                .any(|m| !run.has_decided(m))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A step short of its count with nobody left to decide it: its `no_approver` rule, as
    /// when nobody was found (the chief approval team, approved, or aborted).
    pub(super) fn nobody_left(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        level: u32,
        step: u32,
    ) -> Result<(), ApiError> {
        let Some(def) = flow.approval().def(level, step).cloned() else {
            return Ok(());
        };
        let at = format!("level {} step {}", level + 1, def.name);
        let chief = match def.no_approver {
            NoApprover::Chief => self.usable_chief(flow)?,
            _ => None,
        };
        match (def.no_approver, chief) {
            (NoApprover::Approve, _) => {
                let d = super::decision(SYSTEM_ACTOR, true, How::NoApprover, None, tx.now);
                self.record(tx, flow, level, step, d)
            }
            (NoApprover::Chief, Some(c)) => {
                let run = flow
                    .approval_mut()
                    .run_mut(level, step)
                    .expect("the step exists");
                run.approvers.clear();
                run.groups = vec![c.clone()];
                run.note = Some("nobody left to approve: to the chief approval team".into());
                let item = run.work_item;
                if let Some(item) = item.and_then(|id| flow.item_mut(id)) {
                    item.assignees.clear();
                    item.candidates = vec![c.clone()];
                }
                self.tell_approvers(tx, flow, &[format!("@{c}")])
            }
            _ => self.abort_flow(tx, flow, format!("nobody is left to approve {at}")),
        }
    }
}
