//! A person's decision on a step, and the requests waiting for one.

use super::{decision, Flow};
use crate::api::{ApiError, PendingApproval};
use crate::domain::approval::{How, SelfApproval};
use crate::domain::{CaseKind, RequestId, User, WorkItemId};
use crate::engine::execute::clean;
use crate::engine::{Engine, Tx};

impl Engine {
    /// `request approve|deny`: the actor's decision on an open step.
    pub(crate) fn decide(
        &self,
        tx: &mut Tx,
        user: &User,
        request: RequestId,
        work_item: Option<WorkItemId>,
        approve: bool,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let r = self
            .store
            .request(request)?
            .ok_or_else(|| ApiError::NotFound(format!("no request {request}")))?;
        if !r.in_approval() || r.approval.is_none() {
            return Err(ApiError::IllegalState(format!(
                "cannot decide {request}: it is {}",
                r.state
            )));
        }
        let mut flow = self.load_flow(r)?;
        let (level, step, how) = self.pick_step(&flow, user, work_item)?;
        let d = decision(&user.login, approve, how, clean(comment), tx.now);
        let said = format!("{request}: {} at level {}", d.describe(), level + 1);
        self.record(tx, &mut flow, level, step, d)?;
        flow.write(tx);
        tx.applied.request = Some(request);
        tx.applied.case = Some(flow.case.id);
        tx.applied.work_item = flow.approval().run(level, step).and_then(|s| s.work_item);
        Ok(format!("{said}; {}", flow.status()))
    }

    /// The open step `user` decides: the one named by its work item, else the only one
    /// they hold, else (a member of the chief approval team) the only open one.
    fn pick_step(
        &self,
        flow: &Flow,
        user: &User,
        wanted: Option<WorkItemId>,
    ) -> Result<(u32, u32, How), ApiError> {
        let a = flow.approval();
        let id = flow.request.id;
        let chief = a.chief.as_deref().is_some_and(|c| user.in_group(c));
        let holds = |s: &crate::domain::StepRun| self.holds(flow, s, user);
        let open: Vec<&crate::domain::StepRun> = a.open_steps().collect();
        let pick = |s: &crate::domain::StepRun| -> Result<(u32, u32, How), ApiError> {
            if holds(s) {
                Ok((s.level, s.step, How::Approver))
            } else if chief {
                Ok((s.level, s.step, How::Chief))
            } else {
                Err(self.refusal(flow, user))
            }
        };
        if let Some(w) = wanted {
            let s = open
                .iter()
                .find(|s| s.work_item == Some(w))
                .ok_or_else(|| {
                    ApiError::IllegalState(format!("{w} is not an open step of {id}"))
                })?;
            return pick(s);
        }
        let mine: Vec<&&crate::domain::StepRun> = open.iter().filter(|s| holds(s)).collect();
        let several = |steps: Vec<String>| {
            ApiError::BadInput(format!(
                "{id} has several open steps you may decide ({}): name one with --step",
                steps.join(", ")
            ))
        };
        let named = |s: &crate::domain::StepRun| {
            format!(
                "{} {}",
                s.work_item.map(|w| w.to_string()).unwrap_or_default(),
                s.name
            )
        };
        match (mine.len(), chief, open.len()) {
            (1, _, _) => pick(mine[0]),
            (0, true, 1) => pick(open[0]),
            (0, true, n) if n > 1 => Err(several(open.iter().map(|s| named(s)).collect())),
            (n, _, _) if n > 1 => Err(several(mine.iter().map(|s| named(s)).collect())),
            _ => Err(self.refusal(flow, user)),
        }
    }

    /// `user` holds the step's work item and may decide it (not decided yet, not their own
    /// request unless the step allows it).
    fn holds(&self, flow: &Flow, s: &crate::domain::StepRun, user: &User) -> bool {
        let Some(item) = s.work_item.and_then(|w| flow.item(w)) else {
            return false;
        };
        let holder =
            item.is_assignee(&user.login) || item.candidates.iter().any(|g| user.in_group(g));
        holder && !s.has_decided(&user.login) && self.may_self_decide(flow, s, user)
    }

    fn may_self_decide(&self, flow: &Flow, s: &crate::domain::StepRun, user: &User) -> bool {
        let own = user.login == flow.request.requester || user.login == flow.request.recipient;
        let rule = flow
            .approval()
            .def(s.level, s.step)
            .map_or(SelfApproval::Skipped, |d| d.self_approval);
        !own || rule == SelfApproval::Allowed
    }

    fn refusal(&self, flow: &Flow, user: &User) -> ApiError {
        ApiError::NotAllowed(format!(
            "{} may not decide {}: {}",
            user.login,
            flow.request.id,
            flow.status()
        ))
    }

    /// Requests with an open step `user` holds and may decide, oldest first.
    pub(crate) fn pending_approvals(
        &self,
        user: &User,
        limit: usize,
    ) -> Result<Vec<PendingApproval>, ApiError> {
        let mut items = self.store.assigned_to(&user.login)?;
        for g in &user.groups {
            items.extend(self.store.offered_to(g)?);
        }
        let mut requests = std::collections::BTreeSet::new();
        for (_, c) in items {
            if let Some(case) = self.store.case(c)? {
                if let (Some(r), CaseKind::Approval) = (case.request, case.kind) {
                    requests.insert(r);
                }
            }
        }
        let mut out = vec![];
        for id in requests {
            if out.len() >= limit {
                break;
            }
            let Some(request) = self.store.request(id)?.filter(|r| r.in_approval()) else {
                continue;
            };
            let flow = self.load_flow(request)?;
            let steps: Vec<(WorkItemId, String)> = flow
                .approval()
                .open_steps()
                .filter(|s| self.holds(&flow, s, user))
                .filter_map(|s| Some((s.work_item?, s.name.clone())))
                .collect();
            if steps.is_empty() {
                continue;
            }
            out.push(PendingApproval {
                product: Some(flow.product.clone()),
                request: flow.request,
                steps,
            });
        }
        Ok(out)
    }
}
