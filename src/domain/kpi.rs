//! What the KPI report needs of one case, taken from the case, its work items and its
//! events: written beside the case's entry in `idx_closed` when it closes, so a report over
//! a year reads one range of that index instead of every case's records and events.
//!
//! Facts hold times, not durations: working time is counted at report time, in the calendar
//! the report uses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Case, CaseKind, Event, EventKind, WorkItem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub kind: CaseKind,
    pub resource: Option<String>,
    /// The product of the case's access request.
    pub product: Option<String>,
    /// Who completed the last work item completed.
    pub approver: Option<String>,
    /// The first group a work item was offered to.
    pub group: Option<String>,
    #[serde(with = "super::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "super::time::ts_opt")]
    pub closed: Option<DateTime<Utc>>,
    /// The first claim, comment or decision by a person.
    #[serde(with = "super::time::ts_opt")]
    pub first_action: Option<DateTime<Utc>>,
    pub escalations: u32,
    /// Each work item with a deadline: (deadline, closed), in milliseconds since the epoch.
    pub deadlines: Vec<(i64, Option<i64>)>,
}

impl CaseFacts {
    /// The facts of `case` from its work items and (for a closed case) its events; events
    /// by `system` are not a person's first action.
    pub fn of(
        case: &Case,
        items: &[WorkItem],
        events: &[Event],
        product: Option<String>,
        system: &str,
    ) -> CaseFacts {
        let mut escalations = 0;
        let mut first_action = None;
        // What happened after the case closed (a late comment, even in the same second) is
        // not part of its figures: its events end with the change to closed or cancelled.
        let end = match case.closed {
            None => events.len(),
            Some(_) => events
                .iter()
                .rposition(
                    |e| matches!(&e.what, EventKind::StateChanged { to, .. } if !to.is_active()),
                )
                .map_or(events.len(), |i| i + 1),
        };
        for e in &events[..end] {
            match e.what {
                EventKind::Escalated { .. }
                | EventKind::EscalatedUntil { .. }
                | EventKind::EscalatedByRule { .. } => escalations += 1,
                EventKind::Claimed { .. }
                | EventKind::Commented
                | EventKind::WorkItemCompleted { .. }
                | EventKind::ApprovalDecided { .. }
                | EventKind::CertDecided { .. }
                    if e.actor != system && first_action.is_none() =>
                {
                    first_action = Some(e.time)
                }
                _ => {}
            }
        }
        CaseFacts {
            kind: case.kind,
            resource: case.resource.clone(),
            product,
            approver: items
                .iter()
                .filter(|w| w.closed.is_some())
                .max_by_key(|w| w.closed)
                .and_then(|w| w.performer.clone()),
            group: items.iter().find_map(|w| w.candidates.first().cloned()),
            created: case.created,
            closed: case.closed,
            first_action,
            escalations,
            deadlines: items
                .iter()
                .filter_map(|w| {
                    let d = w.deadline?;
                    Some((d.timestamp_millis(), w.closed.map(|c| c.timestamp_millis())))
                })
                .collect(),
        }
    }

    /// Work items done after their deadline, or still open past it at `until`.
    pub fn breaches(&self, until: DateTime<Utc>) -> usize {
        let until = until.timestamp_millis();
        self.deadlines
            .iter()
            .filter(|(d, closed)| closed.unwrap_or(until) > *d)
            .count()
    }
}
