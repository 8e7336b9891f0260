//! What an event is about, for replay and history views.

use super::{EventKind, WorkItemId};

impl EventKind {
    /// A short verb for tables and the history view.
    pub fn verb(&self) -> &'static str {
        match self {
            EventKind::StoreInitialized => "initialized",
            EventKind::UserCreated { .. } => "user-created",
            EventKind::UserUpdated { .. } => "user-updated",
            EventKind::GroupCreated { .. } => "group-created",
            EventKind::CaseCreated { .. } => "created",
            EventKind::StateChanged { .. } => "state",
            EventKind::WorkItemCreated { .. } => "work-item",
            EventKind::Claimed { .. } => "claimed",
            EventKind::Reassigned { .. } => "reassigned",
            EventKind::Delegated { .. } => "delegated",
            EventKind::Escalated { .. } => "escalated",
            EventKind::WorkItemCompleted { .. } => "completed",
            EventKind::WorkItemCancelled { .. } => "cancelled",
            EventKind::Commented => "commented",
            EventKind::PolicyImported { .. } => "policy",
            EventKind::TimerFired { .. } => "timer",
            EventKind::NotificationSent { .. } => "notified",
            EventKind::ResourceImported { .. } => "resource",
            EventKind::OperationRequested { .. } => "operation",
            EventKind::OperationMerged { .. } => "merged",
            EventKind::OperationCompleted { .. } => "op-done",
            EventKind::FeedRead { .. } => "feed",
            EventKind::Correlated { .. } => "correlated",
            EventKind::RequestCreated { .. } => "requested",
            EventKind::RequestStateChanged { .. } => "state",
            EventKind::ValidityFired { .. } => "timer",
            EventKind::AccessGranted { .. } => "granted",
            EventKind::AccessRevoked { .. } => "revoked",
            EventKind::TimerFailed { .. } => "timer-failed",
            EventKind::OrgUnitImported { .. } => "org-unit",
            EventKind::GroupUpdated { .. } => "group-updated",
            EventKind::ChiefApproversSet { .. } => "chief-team",
            EventKind::ProductImported { .. } => "product",
            EventKind::ApprovalPolicyImported { .. } => "approval-policy",
            EventKind::ApprovalStepOpened { .. } => "step",
            EventKind::ApprovalDecided { decision, .. } => {
                if decision.approve {
                    "approved"
                } else {
                    "denied"
                }
            }
            EventKind::ApprovalTimerFired { .. } => "timer",
            EventKind::ApprovalRestarted { .. } => "restarted",
            EventKind::CampaignImported { .. } => "campaign",
            EventKind::CampaignChanged { .. } => "campaign",
            EventKind::CertDecided { .. } => "decided",
            EventKind::CertNoResponse { .. } => "no-response",
            EventKind::CertRemediation { .. } => "remediation",
            EventKind::TimerDropped { .. } => "timer-failed",
            EventKind::CalendarImported { .. } => "calendar",
            EventKind::CaseOpened { .. } => "details",
            EventKind::WorkItemOpened { .. } => "work-item",
            EventKind::DeadlineSet { .. } => "deadline",
            EventKind::ActingFor { .. } => "on-behalf",
            EventKind::Ticket(t) => t.verb(),
            EventKind::EscalatedUntil { .. } => "escalated",
        }
    }

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
