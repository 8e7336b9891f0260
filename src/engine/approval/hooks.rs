//! What a change made outside the workflow does to it: a step's work item moved by hand,
//! the approval case cancelled, `case complete` on a step.

use super::{End, Flow};
use crate::api::ApiError;
use crate::domain::{Case, Outcome, User, WorkItem, WorkItemId};
use crate::engine::{Engine, Tx};

impl Engine {
    /// Aborts a workflow still in approval (a timeout, its case cancelled).
    pub(crate) fn abort_flow(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        reason: String,
    ) -> Result<(), ApiError> {
        self.end_flow(tx, flow, End::Aborted(reason))
    }

    /// The request `case` decides, while it is in approval.
    fn in_approval(&self, case: &Case) -> Result<Option<crate::domain::Request>, ApiError> {
        let Some(id) = case.request else {
            return Ok(None);
        };
        Ok(self.store.request(id)?.filter(|r| r.in_approval()))
    }

    /// A person moved a step's work item (delegated, reassigned, escalated it): the step's
    /// approvers are its holders now, and its timeout starts again for them.
    pub(crate) fn follow_item(
        &self,
        tx: &mut Tx,
        case: &Case,
        item: &mut WorkItem,
    ) -> Result<(), ApiError> {
        let Some(prev) = self.in_approval(case)? else {
            return Ok(());
        };
        let mut r = prev.clone();
        let Some(a) = r.approval.as_mut() else {
            return Ok(());
        };
        let Some(run) = a
            .steps
            .iter_mut()
            .find(|s| s.work_item == Some(item.id) && s.is_open())
        else {
            return Ok(());
        };
        run.approvers = item.assignees.clone();
        run.groups = item.candidates.clone();
        run.chance_from = Some(tx.now);
        let (level, step) = (run.level, run.step);
        match self.store.product(&prev.product)? {
            Some(p) => self.schedule_step(a, &p, (level, step), tx.now)?,
            None => a.schedule(level, step, tx.now, None)?,
        }
        item.deadline = a.timeout_of(level, step);
        tx.ws.put_request(Some(&prev), &r);
        Ok(())
    }

    /// The approval case of a request in approval was cancelled: the request is aborted
    /// (the case and its work items are already written as cancelled).
    pub(crate) fn abort_for_case(
        &self,
        tx: &mut Tx,
        case: &Case,
        why: String,
    ) -> Result<(), ApiError> {
        let Some(prev) = self.in_approval(case)? else {
            return Ok(());
        };
        let mut r = prev.clone();
        if let Some(a) = r.approval.as_mut() {
            a.abort_rest();
        }
        let from = r.state;
        if from == crate::domain::RequestState::Request {
            r.abort(tx.now)?;
            self.request_changed(tx, &r, from, why.clone());
            self.tell_the_end(tx, &r, "aborted", &why)?;
        } else {
            // A renewal or unsubscription aborted: the request stays as it was.
            r.keep(tx.now)?;
            let why = format!(
                "the {from} was aborted: {why}; {}",
                crate::engine::request_change::kept(&r)
            );
            self.request_changed(tx, &r, from, why);
        }
        tx.ws.put_request(Some(&prev), &r);
        tx.applied.request = Some(r.id);
        Ok(())
    }

    /// `case complete` on a step's work item: the same decision as `request approve|deny`.
    pub(crate) fn decide_item(
        &self,
        tx: &mut Tx,
        user: &User,
        case: &Case,
        item: WorkItemId,
        outcome: Outcome,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let approve = match outcome {
            Outcome::Approved => true,
            Outcome::Rejected => false,
            o => {
                return Err(ApiError::BadInput(format!(
                    "{item} is an approval step: its outcome is approved or rejected, not {o}"
                )))
            }
        };
        let request = case.request.expect("an approval case of a request");
        self.decide(tx, user, request, Some(item), approve, comment)
    }

    /// Ends the approval running on `r` without a decision (its access ended first): open
    /// steps aborted, their work items cancelled, the case cancelled with `why`. `r` is
    /// changed in memory for its caller to write; the case and items are written here.
    pub(crate) fn drop_approval(
        &self,
        tx: &mut Tx,
        r: &mut crate::domain::Request,
        why: &str,
    ) -> Result<(), ApiError> {
        if !r.in_approval() {
            return Ok(());
        }
        let Some(a) = r.approval.as_mut() else {
            return Ok(());
        };
        a.abort_rest();
        let Some(case) = self.store.case(a.case)? else {
            return Ok(());
        };
        let items = self.load_work_items(&case)?;
        tx.cancel_open_items(items)?;
        let mut ended = case.clone();
        super::end_case(tx, &mut ended, &End::Aborted(why.to_string()))?;
        tx.ws.put_case(Some(&case), &ended);
        Ok(())
    }

    /// The workflow starts again from its first level, its approvers resolved anew: the
    /// open steps' work items are cancelled; earlier decisions stay in the history only.
    pub(crate) fn restart_flow(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        why: String,
    ) -> Result<(), ApiError> {
        for (_, item) in flow.items.iter_mut() {
            if item.is_open() {
                tx.cancel_item(item)?;
            }
        }
        let a = flow.approval();
        let mut fresh = crate::domain::Approval::new(a.policy.clone(), a.chief.clone(), a.case);
        fresh.purpose = a.purpose;
        *flow.approval_mut() = fresh;
        let what = crate::domain::EventKind::ApprovalRestarted {
            request: flow.request.id,
        };
        tx.event(Some(flow.case.id), what, Some(why));
        match self.open_level(tx, flow)? {
            Some(reason) => self.abort_flow(tx, flow, reason),
            None => self.advance(tx, flow),
        }
    }
}
