//! Firing isolation: a work-item timer that cannot fire (a stored duration beyond what a time
//! can hold, a transition its item or case refuses, …) must not stop the others.
//!
//! When a firing fails with such an error, the batch in the making is dropped (it may hold
//! half of that firing) and the pass runs again with the timer marked: on meeting it, the
//! sweep records `timer-failed` on its case and drops the timer instead of firing it. Store
//! and IO failures still stop the sweep (its uncommitted batch stays due).

use std::collections::HashMap;

use super::{work_item_firing, write_change, DueKey, Overlay};
use crate::api::{ApiError, Firing};
use crate::domain::{CaseId, EventKind, RequestId, TimerRef, WorkItemId};
use crate::engine::{Engine, Tx};

/// What a sweep has done so far, over its passes.
#[derive(Default)]
pub(super) struct Run {
    pub fired: Vec<Firing>,
    pub failed: Vec<Firing>,
    /// How many of `fired` and `failed` are committed (a dry run: none but the exports).
    kept: (usize, usize),
    /// The timers that cannot fire, with their error.
    pub skip: HashMap<DueKey, String>,
}

impl Run {
    /// What is reported so far is committed: a later restart keeps it.
    pub fn keep(&mut self) {
        self.kept = (self.fired.len(), self.failed.len());
    }

    /// Forgets what the dropped batch reported; the next pass skips `key`.
    pub fn restart(&mut self, key: DueKey, error: String) {
        self.fired.truncate(self.kept.0);
        self.failed.truncate(self.kept.1);
        self.skip.insert(key, error);
    }
}

/// Why a pass stopped.
pub(super) enum Stop {
    /// The timer at this key cannot fire, for this reason.
    Failed(DueKey, String),
    /// The sweep cannot go on.
    Fatal(ApiError),
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
        Stop::Fatal(e)
    }
}

/// Whether a firing's error is about that timer alone (not the store, not the machine).
pub(super) fn isolated(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::BadInput(_)
            | ApiError::NotFound(_)
            | ApiError::NotAllowed(_)
            | ApiError::IllegalState(_)
    )
}

impl Engine {
    /// Records that `timer` cannot fire (`error`) on its case and removes it from its work
    /// item, hence from `due`: retrying a timer that cannot fire would fail every later
    /// sweep the same way, so it is dropped once, with the reason in the history.
    pub(super) fn drop_failed(
        &self,
        o: &mut Overlay,
        tx: &mut Tx<'_>,
        timer: TimerRef,
        item_id: WorkItemId,
        case_id: CaseId,
        error: &str,
    ) -> Result<Option<Firing>, ApiError> {
        let Some((prev_item, item, case)) = self.live(o, timer, item_id, case_id)? else {
            return Ok(None);
        };
        tx.now = timer.due;
        let policy = case.policy.clone().unwrap_or_default();
        let what = EventKind::TimerFailed {
            work_item: item.id,
            policy: policy.clone(),
            rule: timer.rule() as u32,
            error: error.to_string(),
        };
        tx.event(Some(case.id), what, None);
        let failed = work_item_firing(timer, case.id, item.id, &policy, error.to_string());
        write_change(o, tx, (&case, &prev_item, item), None, false);
        Ok(Some(failed))
    }
}

impl Engine {
    /// Drops a request's, approval step's, resource's or campaign's timer that cannot fire
    /// (`error`) from its owner, hence from `due`, with an event saying so.
    pub(super) fn drop_failed_other(
        &self,
        tx: &mut Tx<'_>,
        (due, kind, id, slot): DueKey,
        error: &str,
    ) -> Result<Option<Firing>, ApiError> {
        use crate::store::trees::{TIMER_APPROVAL, TIMER_CAMPAIGN, TIMER_REQUEST, TIMER_RESOURCE};
        tx.now = due;
        let (label, request) = match kind {
            TIMER_REQUEST | TIMER_APPROVAL => {
                let Some(prev) = self.store.request(RequestId(id))? else {
                    return Ok(None);
                };
                let mut r = prev.clone();
                let what = if kind == TIMER_REQUEST {
                    r.timers
                        .retain(|t| !(t.due == due && t.kind.code() == slot));
                    "validity"
                } else {
                    if let Some(a) = r.approval.as_mut() {
                        a.timers.retain(|t| !(t.due == due && t.slot() == slot));
                    }
                    "approval"
                };
                tx.ws.put_request(Some(&prev), &r);
                (format!("the {what} timer of {}", r.id), Some(r.id))
            }
            TIMER_RESOURCE => {
                let Some(prev) = self.store.resource_by_seq(id)? else {
                    return Ok(None);
                };
                let mut r = prev.clone();
                let what = if slot == 0 {
                    r.propagation_due = None;
                    "propagation"
                } else {
                    r.grace_due = None;
                    "export-grace"
                };
                tx.ws.put_resource(Some(&prev), &r);
                (format!("the {what} timer of resource {}", r.id), None)
            }
            TIMER_CAMPAIGN => {
                let Some(prev) = self.store.campaign_run(id)? else {
                    return Ok(None);
                };
                let mut run = prev.clone();
                run.timers.retain(|t| !(t.at == due && t.slot() == slot));
                tx.ws.put_campaign_run(Some(&prev), &run);
                (format!("a timer of campaign {}", run.label()), None)
            }
            _ => return Ok(None),
        };
        let what = EventKind::TimerDropped {
            timer: label.clone(),
            error: error.to_string(),
        };
        match request {
            Some(r) => tx.request_event(r, what, None),
            None => tx.event(None, what, None),
        }
        Ok(Some(Firing {
            due,
            timer: "timer-failed".into(),
            case: None,
            work_item: None,
            request,
            policy: None,
            rule: None,
            action: format!("{label} dropped: {error}"),
        }))
    }
}
