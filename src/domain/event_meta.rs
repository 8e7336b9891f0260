//! What an event is about, for replay and history views.

use super::{EventKind, WorkItemId};

impl EventKind {
    /// Bookkeeping that completes another event for replay (what a case or work item was
    /// opened with, in whose name a change was made): the workbench's history leaves it
    /// out; `case history` and `--json` keep it.
    pub fn is_supplement(&self) -> bool {
        matches!(
            self,
            EventKind::CaseOpened { .. }
                | EventKind::WorkItemOpened { .. }
                | EventKind::ActingFor { .. }
        )
    }

    /// The work item the event is about, if any.
    pub fn work_item(&self) -> Option<WorkItemId> {
        match self {
            EventKind::WorkItemCreated { work_item, .. }
            | EventKind::Claimed { work_item }
            | EventKind::Reassigned { work_item, .. }
            | EventKind::Delegated { work_item, .. }
            | EventKind::Escalated { work_item, .. }
            | EventKind::EscalatedUntil { work_item, .. }
            | EventKind::WorkItemCompleted { work_item, .. }
            | EventKind::WorkItemCancelled { work_item }
            | EventKind::TimerFired { work_item, .. }
            | EventKind::TimerFailed { work_item, .. }
            | EventKind::WorkItemOpened { work_item, .. }
            | EventKind::DeadlineSet { work_item, .. }
            | EventKind::ActingFor { work_item, .. } => Some(*work_item),
            EventKind::ApprovalStepOpened { work_item, .. } => *work_item,
            _ => None,
        }
    }
}
