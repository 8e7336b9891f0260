//! `Query::QueueAsOf`: an inbox queue as it stood at a past time, read-only.
//!
//! The work is bounded by the indexes: the candidates are the cases alive at `at` (a case
//! closed before `at` is read from `idx_closed` and skipped without decoding anything, a
//! case created after `at` is skipped on its record); only the candidates' events are
//! decoded and replayed, and the queue's rule is evaluated on what they say at `at`. The
//! asking user's groups are today's (group memberships keep no history). Archived cases
//! count as hot ones do: the segments of the months after `at` are read for the cases
//! alive then, and the closed and all queues read those before too.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::{replay, Replayed};
use crate::api::{ApiError, CaseList, CaseQuery, Queue};
use crate::domain::{CaseId, User};
use crate::engine::query::{row_of, Rows};
use crate::engine::Engine;
use crate::store::PeriodIndex;

impl Engine {
    /// The queue `q` for `user` as the events up to `at` leave it; `at` may not be later
    /// than now. The same list, order and limit as `ListCases` gives for now.
    pub(crate) fn queue_as_of(
        &self,
        user: &User,
        q: &CaseQuery,
        at: DateTime<Utc>,
    ) -> Result<CaseList, ApiError> {
        super::query::not_in_future(at, self.now())?;
        let mut rows = Rows::new(q);
        let hot = self.candidates(q.queue, at)?;
        let seen: HashSet<CaseId> = hot.iter().copied().collect();
        for id in hot {
            let Some(case) = self.store.case(id)? else {
                continue;
            };
            if case.created > at {
                continue;
            }
            let events = self.store.case_events(id)?;
            let Some(r) = replay(id, &events, at) else {
                continue;
            };
            keep(&mut rows, user, q.queue, at, r);
        }
        // Archived cases stood where their histories say, like hot ones: those closed after
        // `at` (alive then, perhaps), and for the closed and all queues those closed before.
        let first = DateTime::<Utc>::UNIX_EPOCH;
        let spans = match q.queue {
            Queue::Closed => vec![(first, at + Duration::milliseconds(1))],
            Queue::All => vec![(first, self.now() + Duration::days(1))],
            _ => vec![(
                at + Duration::milliseconds(1),
                self.now() + Duration::days(1),
            )],
        };
        for span in spans {
            self.archive.each_closed_between(span, |a| {
                // A case in both (an archive run cut short) counts once, as the hot one.
                if a.case.created <= at && !seen.contains(&a.case.id) {
                    if let Some(r) = replay(a.case.id, &a.events, at) {
                        keep(&mut rows, user, q.queue, at, r);
                    }
                }
                Ok::<(), ApiError>(())
            })?;
        }
        Ok(rows.finish())
    }

    /// The cases that may have been in `queue` at `at`: for the closed queue those closed
    /// by then, for every other queue all but those (the all queue: every case).
    fn candidates(&self, queue: Queue, at: DateTime<Utc>) -> Result<Vec<CaseId>, ApiError> {
        // `[since, until)`: the cases closed at `at` or before.
        let span = (DateTime::<Utc>::MIN_UTC, at + Duration::milliseconds(1));
        let closed = || self.store.ids_between(PeriodIndex::Closed, span);
        Ok(match queue {
            Queue::Closed => closed()?.into_iter().map(CaseId).collect(),
            Queue::All => self.store.case_ids(usize::MAX)?,
            _ => {
                let gone: HashSet<u64> = closed()?.into_iter().collect();
                let mut ids = self.store.case_ids(usize::MAX)?;
                ids.retain(|id| !gone.contains(&id.0));
                ids
            }
        })
    }
}

/// Keeps the replayed case's row when it was in the queue at `at` and matches the query.
fn keep(rows: &mut Rows, user: &User, queue: Queue, at: DateTime<Utc>, r: Replayed) {
    if in_queue(user, queue, at, &r) && rows.wants(&r.case) {
        let object = r.case.object.clone();
        let row = row_of(user, queue, r.case, &r.items);
        rows.push(row, object.as_deref(), &r.items);
    }
}

/// Whether the replayed case is in `queue` for `user` at `at`: the rule each queue's index
/// keeps for now (src/engine/query.rs), on the case and items as they stood.
fn in_queue(user: &User, queue: Queue, at: DateTime<Utc>, r: &Replayed) -> bool {
    let login = user.login.as_str();
    let mut open = r.items.iter().filter(|i| i.is_open());
    match queue {
        Queue::Mine => open.any(|i| i.is_assignee(login)),
        Queue::Claimable => {
            open.any(|i| !i.is_assignee(login) && i.candidates.iter().any(|g| user.in_group(g)))
        }
        Queue::Delegated => open.any(|i| i.delegated_by.iter().any(|d| d == login)),
        Queue::Overdue => open.any(|i| i.deadline.is_some_and(|d| d <= at)),
        Queue::Open => r.case.state.is_active(),
        Queue::Closed => !r.case.state.is_active(),
        Queue::All => true,
        Queue::Outsourced => r.outsourced && r.case.state.is_active(),
    }
}
