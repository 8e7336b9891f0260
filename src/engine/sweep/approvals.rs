//! Approval step timers in the sweep: read through the overlay (a dry run writes nothing),
//! fired by the workflow's own rules (`engine::approval::timers`).

use chrono::{DateTime, Utc};

use super::Overlay;
use crate::api::{ApiError, Firing};
use crate::domain::{ApprovalTimer, CaseId, RequestId};
use crate::engine::{Engine, Tx};

impl Engine {
    /// Fires one approval timer; returns what fired and the request's timers now, or `None`
    /// when the timer no longer applies (the step was decided, the request moved on).
    pub(super) fn fire_approval(
        &self,
        o: &mut Overlay,
        tx: &mut Tx,
        due: DateTime<Utc>,
        rid: RequestId,
        slot: u16,
        case_id: CaseId,
    ) -> Result<Option<(Firing, Vec<ApprovalTimer>)>, ApiError> {
        let timer = ApprovalTimer::from_slot(due, slot);
        let request = match o.requests.get(&rid) {
            Some(r) => Some(r.clone()),
            None => self.store.request(rid)?,
        };
        let Some(mut request) = request else {
            return Ok(None);
        };
        let live = request.in_approval()
            && request
                .approval
                .as_ref()
                .is_some_and(|a| a.timers.contains(&timer) && a.case == case_id);
        if !live {
            return Ok(None);
        }
        let case = self
            .overlay_case(o, case_id)?
            .ok_or_else(|| ApiError::Internal(format!("{rid} names missing {case_id}")))?;
        let mut items = vec![];
        for w in &case.work_items {
            items.extend(self.overlay_item(o, *w)?);
        }
        let prev = request.clone();
        if let Some(a) = request.approval.as_mut() {
            a.timers.retain(|t| *t != timer);
        }
        let mut flow = self.flow_of(request, case, items)?;
        flow.prev_request = Some(prev);
        tx.now = due;
        let action = self.approval_timer(tx, &mut flow, timer)?;
        flow.write(tx);
        let work_item = flow
            .approval()
            .run(timer.level, timer.step)
            .and_then(|r| r.work_item);
        let policy = flow.approval().policy.name.clone();
        let next = flow.approval().timers.clone();
        o.cases.insert(flow.case.id, flow.case.clone());
        for (_, item) in &flow.items {
            o.items.insert(item.id, item.clone());
        }
        o.requests.insert(rid, flow.request);
        Ok(Some((
            Firing {
                due,
                timer: timer.name().to_string(),
                case: Some(case_id),
                work_item,
                request: Some(rid),
                policy: Some(policy),
                rule: None,
                action,
            },
            next,
        )))
    }
}
