//! `Query::CaseAsOf`: a case as it stood at a past time, read-only.

use chrono::{DateTime, Utc};

use super::replay;
use crate::api::{ApiError, CaseAsOf, CaseDetail};
use crate::domain::CaseId;
use crate::engine::Engine;

impl Engine {
    /// The case `id` as its events up to `at` leave it; `at` may not be later than now.
    pub(crate) fn case_as_of(&self, id: CaseId, at: DateTime<Utc>) -> Result<CaseAsOf, ApiError> {
        not_in_future(at, self.now())?;
        let mut events = self.store.case_events(id)?;
        if events.is_empty() && self.store.case(id)?.is_none() {
            // An archived case keeps its whole history: it replays as a hot one does.
            match self.archive.get(id)? {
                Some(a) => events = a.events,
                None => return Err(ApiError::NotFound(format!("no case {id}"))),
            }
        }
        let Some(r) = replay(id, &events, at) else {
            return Err(ApiError::NotFound(format!(
                "case {id} did not exist yet at {}",
                at.format("%Y-%m-%d %H:%M UTC")
            )));
        };
        let past = events.into_iter().filter(|e| e.time <= at).collect();
        Ok(CaseAsOf {
            at,
            detail: CaseDetail {
                case: r.case,
                work_items: r.items,
                comments: crate::engine::query::comment_views(past),
                operations: vec![],
                request: None,
                product: None,
                campaign: None,
                ticket: None,
                archived: None,
            },
        })
    }
}

/// Refuses a time later than the clock: only the past may be replayed.
pub(super) fn not_in_future(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ApiError> {
    if at <= now {
        return Ok(());
    }
    Err(ApiError::BadInput(format!(
        "--as-of {} is in the future (now is {}): the past only",
        at.format("%Y-%m-%d %H:%M UTC"),
        now.format("%Y-%m-%d %H:%M UTC")
    )))
}
