//! What an event is about, for replay and history views.

use chrono::{DateTime, Utc};

use super::{DelegationMethod, EventKind, Target, WorkItemId};

/// An escalation's line: to whom, the level, and its deadline if it has one.
fn escalated(
    work_item: WorkItemId,
    to: &Target,
    level: u32,
    deadline: Option<DateTime<Utc>>,
) -> String {
    match deadline {
        Some(d) => format!(
            "{work_item} to {to}, level {level}, due {}",
            d.format("%Y-%m-%d %H:%M UTC")
        ),
        None => format!("{work_item} to {to}, level {level}"),
    }
}

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
            EventKind::EscalatedUntil { .. } | EventKind::EscalatedByRule { .. } => "escalated",
            EventKind::DelegatedByRule { .. } => "delegated",
            EventKind::CasesArchived { .. } => "archived",
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

    /// The policy and rule of the work-item timer whose firing this event records: its
    /// `TimerFired`, or the delegation or escalation that is a firing's one event.
    pub fn fired_by(&self) -> Option<(&str, u32)> {
        match self {
            EventKind::TimerFired { policy, rule, .. }
            | EventKind::DelegatedByRule { policy, rule, .. }
            | EventKind::EscalatedByRule { policy, rule, .. } => Some((policy, *rule)),
            _ => None,
        }
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
            | EventKind::EscalatedByRule { work_item, .. }
            | EventKind::DelegatedByRule { work_item, .. }
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

/// The lines of the events `EventKind::describe` leaves to these.
impl EventKind {
    /// The IT Shop's events (imports of its reference data, approval workflows).
    pub(super) fn describe_shop(&self) -> String {
        match self {
            EventKind::OrgUnitImported { id } => format!("org unit {id}"),
            EventKind::GroupUpdated { name } => format!("group @{name}"),
            EventKind::ChiefApproversSet { group } => match group {
                Some(g) => format!("chief approval team @{g}"),
                None => "no chief approval team".into(),
            },
            EventKind::ProductImported { id } => format!("product {id}"),
            EventKind::ApprovalPolicyImported { name } => format!("approval policy {name}"),
            EventKind::ApprovalStepOpened {
                request,
                level,
                step,
                work_item,
                approvers,
            } => {
                let item = work_item.map(|w| format!(" {w}")).unwrap_or_default();
                format!(
                    "{request} level {level} step {step}{item} for {}",
                    if approvers.is_empty() {
                        "nobody".to_string()
                    } else {
                        approvers.join(", ")
                    }
                )
            }
            EventKind::ApprovalDecided {
                request,
                level,
                step,
                decision,
            } => format!(
                "{request} {} at level {level} ({step})",
                decision.describe()
            ),
            EventKind::ApprovalTimerFired {
                request,
                level,
                step,
                action,
                ..
            } => format!("{request} level {level} step {step}: {action}"),
            EventKind::ApprovalRestarted { request } => {
                format!("{request}: the approval starts again from level 1")
            }
            EventKind::CampaignImported { name } => format!("campaign {name}"),
            EventKind::CalendarImported { name, default } => {
                format!(
                    "calendar {name}{}",
                    if *default { " (the default)" } else { "" }
                )
            }
            EventKind::CampaignChanged { campaign, state } => format!("{campaign}: {state}"),
            EventKind::CertDecided {
                campaign,
                item,
                subject,
                decision,
            } => format!("{campaign} item {item} ({subject}): {decision}"),
            EventKind::CertNoResponse {
                campaign,
                stage,
                items,
                rule,
            } => format!("{campaign} stage {stage}: {items} items without response: {rule}"),
            EventKind::CertRemediation {
                campaign,
                item,
                subject,
                state,
            } => format!("{campaign} item {item} ({subject}): {state}"),
            EventKind::TimerDropped { timer, error } => format!("{timer} dropped: {error}"),
            EventKind::CaseOpened {
                requester, policy, ..
            } => match policy {
                Some(p) => format!("requested by {requester}, policy {p}"),
                None => format!("requested by {requester}"),
            },
            EventKind::WorkItemOpened {
                work_item,
                name,
                deadline,
                ..
            } => match deadline {
                Some(d) => format!("{work_item} {name}, due {}", d.format("%Y-%m-%d %H:%M UTC")),
                None => format!("{work_item} {name}"),
            },
            EventKind::DeadlineSet {
                work_item,
                deadline,
            } => match deadline {
                Some(d) => format!("{work_item} due {}", d.format("%Y-%m-%d %H:%M UTC")),
                None => format!("{work_item} no deadline"),
            },
            EventKind::ActingFor { work_item, login } => format!("{work_item} for {login}"),
            EventKind::Ticket(t) => t.describe(),
            EventKind::EscalatedUntil { .. }
            | EventKind::EscalatedByRule { .. }
            | EventKind::DelegatedByRule { .. } => self.describe_escalation(),
            EventKind::CasesArchived { count, before } => format!(
                "{count} closed cases archived (closed before {})",
                before.format("%Y-%m-%d %H:%M UTC")
            ),
            _ => String::new(),
        }
    }

    /// The escalations and delegations a policy timer made.
    fn describe_escalation(&self) -> String {
        match self {
            EventKind::EscalatedUntil {
                work_item,
                to,
                level,
                deadline,
            } => escalated(*work_item, to, *level, *deadline),
            EventKind::EscalatedByRule {
                work_item,
                to,
                level,
                deadline,
                policy,
                rule,
            } => format!(
                "{} ({policy}#{rule})",
                escalated(*work_item, to, *level, *deadline)
            ),
            EventKind::DelegatedByRule {
                work_item,
                to,
                method,
                policy,
                rule,
            } => match method {
                DelegationMethod::Add => format!("{work_item} also to {to} ({policy}#{rule})"),
                DelegationMethod::Replace => format!("{work_item} to {to} ({policy}#{rule})"),
            },
            _ => String::new(),
        }
    }

    /// The line of a `TimerFailed` (empty for any other event).
    pub(super) fn failure(&self) -> String {
        match self {
            EventKind::TimerFailed {
                work_item,
                policy,
                rule,
                error,
            } => format!("{work_item} {policy}#{rule} could not fire: {error}"),
            _ => String::new(),
        }
    }
}
