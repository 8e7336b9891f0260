//! The events replay needs beyond the domain's own (`CaseOpened`, `WorkItemOpened`,
//! `DeadlineSet`, `ActingFor`): how the engine records them, and how replay reads them.

use chrono::{DateTime, Utc};

use crate::domain::{Case, EventKind, WorkItem, WorkItemId};
use crate::engine::Tx;

impl Tx<'_> {
    /// Records what `case` was opened with (after its `CaseCreated`).
    pub fn record_case_opened(&mut self, case: &Case) {
        let what = EventKind::CaseOpened {
            requester: case.requester.clone(),
            description: case.description.clone(),
            resource: case.resource.clone(),
            object: case.object.clone(),
            parent: case.parent,
            policy: case.policy.clone(),
            external_ticket: case.external_ticket.clone(),
            request: case.request,
            operations: case.operations.clone(),
            correlation: case.correlation.clone(),
        };
        self.event(Some(case.id), what, None);
    }

    /// Records a new work item's name, stage and deadline (after its `WorkItemCreated`).
    pub fn record_item_opened(&mut self, item: &WorkItem) {
        let what = EventKind::WorkItemOpened {
            work_item: item.id,
            name: item.name.clone(),
            stage: item.stage,
            deadline: item.deadline,
        };
        self.event(Some(item.case), what, None);
    }

    /// Records the move of `item`'s deadline, if it moved from `before`.
    pub fn record_deadline(&mut self, before: Option<DateTime<Utc>>, item: &WorkItem) {
        if before != item.deadline {
            let what = EventKind::DeadlineSet {
                work_item: item.id,
                deadline: item.deadline,
            };
            self.event(Some(item.case), what, None);
        }
    }

    /// Records that the next change to `item` is made for `login`, when that is not the
    /// change set's actor.
    pub fn record_acting_for(&mut self, item: &WorkItem, login: &str) {
        if login != self.actor {
            let what = EventKind::ActingFor {
                work_item: item.id,
                login: login.to_string(),
            };
            self.event(Some(item.case), what, None);
        }
    }
}

/// Fills `case` from a `CaseOpened` event.
pub(super) fn fill_case(case: &mut Case, what: &EventKind) {
    if let EventKind::CaseOpened {
        requester,
        description,
        resource,
        object,
        parent,
        policy,
        external_ticket,
        request,
        operations,
        correlation,
    } = what
    {
        case.requester = requester.clone();
        case.description = description.clone();
        case.resource = resource.clone();
        case.object = object.clone();
        case.parent = *parent;
        case.policy = policy.clone();
        case.external_ticket = external_ticket.clone();
        case.request = *request;
        case.operations = operations.clone();
        case.correlation = correlation.clone();
    }
}

/// A work item as `WorkItemCreated` opens it (its name until `WorkItemOpened` says more).
pub(super) fn new_item(
    case: &Case,
    id: WorkItemId,
    assignees: &[String],
    candidates: &[String],
    now: DateTime<Utc>,
) -> WorkItem {
    let nobody = crate::domain::Target::User(String::new());
    let mut item = WorkItem::new(id, case.id, case.kind.name(), &nobody, None, now);
    item.assignees = assignees.to_vec();
    item.candidates = candidates.to_vec();
    item.original_assignee = assignees.first().cloned();
    item
}
