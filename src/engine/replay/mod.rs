//! A case and its work items as they stood at a past time, rebuilt from the case's events
//! alone (in `seq` order, up to the time asked for). Also the test that the events are
//! complete: replayed up to now, a case gives back what is stored (tests/replay.rs).
//!
//! What replay does not rebuild: a work item's pending policy `timers` (the sweep's
//! schedule, derived from the policy as it was then; the deadline they lead to is rebuilt).

mod query;
mod queue;
mod record;

use chrono::{DateTime, Utc};

use super::SYSTEM_ACTOR;
use crate::domain::{Case, CaseId, Event, EventKind, WorkItem, WorkItemId, WorkItemState};

/// A case as replayed, with its work items in the order of `case.work_items`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub case: Case,
    pub items: Vec<WorkItem>,
    /// Whether its ticket in a ticket system was followed (outsourced, not settled).
    pub outsourced: bool,
}

/// Replays `events` (a case's history) up to `at`; `None` when the case did not exist yet.
pub fn replay(id: CaseId, events: &[Event], at: DateTime<Utc>) -> Option<Replayed> {
    let mut sorted: Vec<&Event> = events.iter().filter(|e| e.time <= at).collect();
    sorted.sort_by_key(|e| e.seq);
    let mut r: Option<Replayed> = None;
    let mut acting: Option<(WorkItemId, String)> = None;
    for e in sorted {
        if let EventKind::CaseCreated { kind, title } = &e.what {
            r = Some(Replayed {
                case: skeleton(id, *kind, title, e),
                items: vec![],
                outsourced: false,
            });
            continue;
        }
        let Some(r) = r.as_mut() else { continue };
        if let EventKind::ActingFor { work_item, login } = &e.what {
            acting = Some((*work_item, login.clone()));
            continue;
        }
        let by = match (&acting, e.what.work_item()) {
            (Some((w, login)), Some(item)) if *w == item => {
                let login = login.clone();
                acting = None;
                login
            }
            _ => e.actor.clone(),
        };
        r.apply(e, &by);
    }
    r
}

fn skeleton(id: CaseId, kind: crate::domain::CaseKind, title: &str, e: &Event) -> Case {
    let mut case = Case::new(id, kind, title, e.actor.clone(), e.time);
    case.request = e.request;
    case
}

impl Replayed {
    pub fn item(&self, id: WorkItemId) -> Option<&WorkItem> {
        self.items.iter().find(|i| i.id == id)
    }

    fn item_mut(&mut self, id: WorkItemId) -> Option<&mut WorkItem> {
        self.items.iter_mut().find(|i| i.id == id)
    }

    /// One event's change. A change the domain refuses (a history that does not follow
    /// its rules) leaves the item as it was: replay shows what the events say.
    fn apply(&mut self, e: &Event, by: &str) {
        let now = e.time;
        // Every change to a case stamps it (a comment too), but for a certification's
        // decisions and remediations, which are the campaign's (its items change).
        if !matches!(
            e.what,
            EventKind::CertDecided { .. }
                | EventKind::CertRemediation { .. }
                | EventKind::CertNoResponse { .. }
                | EventKind::CampaignChanged { .. }
        ) && !matches!(&e.what, EventKind::Ticket(t) if !t.touches_case())
        {
            self.case.modified = now;
        }
        match &e.what {
            EventKind::CaseOpened { .. } => record::fill_case(&mut self.case, &e.what),
            EventKind::Ticket(t) => self.apply_ticket(t),
            EventKind::StateChanged { to, outcome, .. } => {
                self.case.state = *to;
                if !to.is_active() {
                    self.case.closed = Some(now);
                    self.case.outcome = *outcome;
                }
            }
            EventKind::WorkItemCreated {
                work_item,
                assignees,
                candidates,
            } => {
                let item = record::new_item(&self.case, *work_item, assignees, candidates, now);
                if !self.case.work_items.contains(work_item) {
                    self.case.work_items.push(*work_item);
                }
                self.items.push(item);
            }
            _ => self.apply_item(e, by),
        }
    }

    fn apply_ticket(&mut self, t: &crate::domain::TicketEvent) {
        use crate::domain::TicketEvent as T;
        match t {
            T::Outsourced { .. } => self.outsourced = true,
            T::Linked { reference, .. } => self.case.external_ticket = Some(reference.clone()),
            T::Released { .. } => self.outsourced = false,
            T::Changed { state, .. } if state.is_final() => self.outsourced = false,
            _ => {}
        }
    }

    fn apply_item(&mut self, e: &Event, by: &str) {
        let now = e.time;
        let Some(id) = e.what.work_item() else { return };
        let Some(item) = self.item_mut(id) else {
            return;
        };
        // Errors are a history the domain refuses: the item stays as it was.
        let _ = match &e.what {
            EventKind::WorkItemOpened {
                name,
                stage,
                deadline,
                ..
            } => {
                item.name = name.clone();
                item.stage = *stage;
                item.deadline = *deadline;
                Ok(e.what.clone())
            }
            EventKind::DeadlineSet { deadline, .. } => {
                item.deadline = *deadline;
                Ok(e.what.clone())
            }
            EventKind::Claimed { .. } => item.claim(by),
            EventKind::Reassigned { to, .. } => item.reassign(by, to),
            EventKind::Delegated { to, method, .. }
            | EventKind::DelegatedByRule { to, method, .. } => {
                let done = item.delegate(by, to, *method);
                item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                done
            }
            EventKind::Escalated { to, .. } => {
                let done = item.escalate(by, to, None, now);
                item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                done
            }
            EventKind::EscalatedUntil { to, deadline, .. }
            | EventKind::EscalatedByRule { to, deadline, .. } => {
                let done = item.escalate(by, to, *deadline, now);
                item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                done
            }
            EventKind::WorkItemCompleted { outcome, .. } => {
                item.complete(by, *outcome, e.why.clone(), now)
            }
            EventKind::WorkItemCancelled { .. } => item.cancel(now),
            _ => Ok(e.what.clone()),
        };
        debug_assert!(item.state != WorkItemState::Open || item.closed.is_none());
    }
}
