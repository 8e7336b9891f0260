//! The audit trail: every change is an event; a case's history is the list of its events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::approval::{ApprovalTimerKind, Decision};
use super::{
    CaseId, CaseKind, CaseState, Correlation, DelegationMethod, OpRef, OpResult, Outcome,
    RequestId, RequestState, Target, ValidityKind, WorkItemId,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    #[serde(with = "super::time::ts")]
    pub time: DateTime<Utc>,
    pub actor: String,
    pub case: Option<CaseId>,
    /// The access request the event is about, if any.
    pub request: Option<RequestId>,
    pub what: EventKind,
    /// The comment that came with the change (for `Commented`, the comment itself).
    pub why: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    StoreInitialized,
    UserCreated {
        login: String,
    },
    UserUpdated {
        login: String,
    },
    GroupCreated {
        name: String,
    },
    CaseCreated {
        kind: CaseKind,
        title: String,
    },
    StateChanged {
        from: CaseState,
        to: CaseState,
        outcome: Option<Outcome>,
    },
    WorkItemCreated {
        work_item: WorkItemId,
        assignees: Vec<String>,
        candidates: Vec<String>,
    },
    Claimed {
        work_item: WorkItemId,
    },
    Reassigned {
        work_item: WorkItemId,
        from: Vec<String>,
        to: String,
    },
    Delegated {
        work_item: WorkItemId,
        to: Target,
        method: DelegationMethod,
    },
    Escalated {
        work_item: WorkItemId,
        to: Target,
        level: u32,
    },
    WorkItemCompleted {
        work_item: WorkItemId,
        outcome: Outcome,
    },
    WorkItemCancelled {
        work_item: WorkItemId,
    },
    Commented,
    PolicyImported {
        name: String,
    },
    /// A policy timer fired; the changes it made follow as their own events.
    TimerFired {
        work_item: WorkItemId,
        policy: String,
        rule: u32,
        action: String,
    },
    NotificationSent {
        notification: u64,
        to: String,
    },
    ResourceImported {
        id: String,
    },
    OperationRequested {
        resource: String,
        account: String,
        op: u64,
        what: String,
    },
    /// Queued operations merged into an earlier one (propagation).
    OperationMerged {
        resource: String,
        account: String,
        op: u64,
        into: Option<u64>,
    },
    OperationCompleted {
        resource: String,
        account: String,
        op: u64,
        result: OpResult,
    },
    FeedRead {
        resource: String,
        accounts: u64,
        confirmed: u64,
        remediations: u64,
        correlations: u64,
    },
    Correlated {
        resource: String,
        account: String,
        owner: Option<String>,
    },
    RequestCreated {
        request: RequestId,
        product: String,
        recipient: String,
    },
    RequestStateChanged {
        request: RequestId,
        from: RequestState,
        to: RequestState,
    },
    /// A validity timer of a request fired; its changes follow.
    ValidityFired {
        request: RequestId,
        timer: ValidityKind,
    },
    /// The access starts: provisioning of the product for the recipient begins.
    AccessGranted {
        request: RequestId,
        product: String,
        recipient: String,
    },
    /// The access ends: deprovisioning begins.
    AccessRevoked {
        request: RequestId,
        product: String,
        recipient: String,
    },
    /// A policy timer could not fire (e.g. a stored duration beyond what a time can hold):
    /// the sweep dropped it and went on with the others.
    TimerFailed {
        work_item: WorkItemId,
        policy: String,
        rule: u32,
        error: String,
    },
    OrgUnitImported {
        id: String,
    },
    /// A workgroup's manager or fallback changed.
    GroupUpdated {
        name: String,
    },
    ChiefApproversSet {
        group: Option<String>,
    },
    ProductImported {
        id: String,
    },
    ApprovalPolicyImported {
        name: String,
    },
    /// A step of a request's approval opened for its approvers (`work_item` none when it
    /// was decided at once).
    ApprovalStepOpened {
        request: RequestId,
        level: u32,
        step: String,
        work_item: Option<WorkItemId>,
        approvers: Vec<String>,
    },
    /// A decision on a step (`level` counts from 1).
    ApprovalDecided {
        request: RequestId,
        level: u32,
        step: String,
        decision: Decision,
    },
    /// A step's reminder or timeout fired; its changes follow.
    ApprovalTimerFired {
        request: RequestId,
        level: u32,
        step: String,
        timer: ApprovalTimerKind,
        action: String,
    },
    /// The approval starts again from its first level (why: the reason, e.g. a move to
    /// another org unit).
    ApprovalRestarted {
        request: RequestId,
    },
    CampaignImported {
        name: String,
    },
    /// A campaign run changed state or stage (`q4#1`, `in-review (stage 2 of 2)`).
    CampaignChanged {
        campaign: String,
        state: String,
    },
    /// A reviewer's decision on an item (on the certification case).
    CertDecided {
        campaign: String,
        item: u32,
        subject: String,
        decision: String,
    },
    /// A stage ended for items nobody decided: what the no-response rule made of them.
    CertNoResponse {
        campaign: String,
        stage: u32,
        items: u32,
        rule: String,
    },
    /// A revocation is carried out (on the certification case of the item's last stage).
    CertRemediation {
        campaign: String,
        item: u32,
        subject: String,
        state: String,
    },
    /// A request's, approval step's, resource's or campaign's timer could not fire and was
    /// dropped (a work item's is `TimerFailed`).
    TimerDropped {
        timer: String,
        error: String,
    },
    /// A working-time calendar was added or replaced (`default`: it is now the store's).
    CalendarImported {
        name: String,
        default: bool,
    },
    /// What a case was opened with beyond its kind and title (follows `CaseCreated`; a
    /// later one replaces the earlier).
    CaseOpened {
        requester: String,
        description: Option<String>,
        resource: Option<String>,
        object: Option<String>,
        parent: Option<CaseId>,
        policy: Option<String>,
        external_ticket: Option<String>,
        request: Option<RequestId>,
        operations: Vec<OpRef>,
        correlation: Option<Correlation>,
    },
    /// A work item's name, stage and first deadline (follows `WorkItemCreated`).
    WorkItemOpened {
        work_item: WorkItemId,
        name: String,
        stage: u32,
        #[serde(with = "super::time::ts_opt")]
        deadline: Option<DateTime<Utc>>,
    },
    /// A work item's deadline moved (an escalation level's, an approval step's timeout).
    DeadlineSet {
        work_item: WorkItemId,
        #[serde(with = "super::time::ts_opt")]
        deadline: Option<DateTime<Utc>>,
    },
    /// The next change to `work_item` is made in the name of `login` (the event's actor
    /// being whoever ran it, e.g. a feed confirming what the account's owner did).
    ActingFor {
        work_item: WorkItemId,
        login: String,
    },
    /// What happened to the case's ticket in a ticket system.
    Ticket(super::TicketEvent),
    /// An escalation by a policy timer with the new level's deadline: one event where
    /// `Escalated` and `DeadlineSet` were two (last, so stored events keep their numbers).
    EscalatedUntil {
        work_item: WorkItemId,
        to: Target,
        level: u32,
        #[serde(with = "super::time::ts_opt")]
        deadline: Option<DateTime<Utc>>,
    },
    /// An archive run moved `count` closed cases (closed before `before`) out of the hot
    /// store (a store-wide event).
    CasesArchived {
        count: u64,
        #[serde(with = "super::time::ts")]
        before: DateTime<Utc>,
    },
    /// A policy timer delegated a work item: the firing's one event (no `TimerFired`).
    DelegatedByRule {
        work_item: WorkItemId,
        to: Target,
        method: DelegationMethod,
        policy: String,
        rule: u32,
    },
    /// A policy timer escalated a work item, with the new level's deadline: the firing's
    /// one event (no `TimerFired`; `EscalatedUntil` before it, in older histories).
    EscalatedByRule {
        work_item: WorkItemId,
        to: Target,
        level: u32,
        #[serde(with = "super::time::ts_opt")]
        deadline: Option<DateTime<Utc>>,
        policy: String,
        rule: u32,
    },
}

impl EventKind {
    /// One line describing the event's details.
    pub fn describe(&self) -> String {
        match self {
            EventKind::StoreInitialized => "store created".into(),
            EventKind::UserCreated { login } => format!("user {login}"),
            EventKind::UserUpdated { login } => format!("user {login}"),
            EventKind::GroupCreated { name } => format!("group @{name}"),
            EventKind::CaseCreated { kind, title } => format!("{kind}: {title}"),
            EventKind::StateChanged { from, to, outcome } => match outcome {
                Some(o) => format!("{from} → {to} ({o})"),
                None => format!("{from} → {to}"),
            },
            EventKind::WorkItemCreated {
                work_item,
                assignees,
                candidates,
            } => {
                let mut who: Vec<String> = assignees.clone();
                who.extend(candidates.iter().map(|g| format!("@{g}")));
                format!("{work_item} for {}", who.join(", "))
            }
            EventKind::Claimed { work_item } => format!("{work_item}"),
            EventKind::Reassigned {
                work_item,
                from,
                to,
            } => format!("{work_item} {} → {to}", from.join(", ")),
            EventKind::Delegated {
                work_item,
                to,
                method,
            } => match method {
                DelegationMethod::Add => format!("{work_item} also to {to}"),
                DelegationMethod::Replace => format!("{work_item} to {to}"),
            },
            EventKind::Escalated {
                work_item,
                to,
                level,
            } => format!("{work_item} to {to}, level {level}"),
            EventKind::WorkItemCompleted { work_item, outcome } => {
                format!("{work_item} {outcome}")
            }
            EventKind::WorkItemCancelled { work_item } => format!("{work_item}"),
            EventKind::Commented => String::new(),
            EventKind::PolicyImported { name } => format!("policy {name}"),
            EventKind::TimerFired {
                work_item,
                policy,
                rule,
                action,
            } => format!("{work_item} {policy}#{rule}: {action}"),
            EventKind::NotificationSent { notification, to } => {
                format!("message {notification} to {to}")
            }
            EventKind::ResourceImported { id } => format!("resource {id}"),
            EventKind::OperationRequested {
                resource,
                account,
                op,
                what,
            } => format!("op {op} on {account}@{resource}: {what}"),
            EventKind::OperationMerged {
                account,
                op,
                into,
                ..
            } => match into {
                Some(i) => format!("op {op} on {account} merged into op {i}"),
                None => format!("op {op} on {account} cancels the queued add"),
            },
            EventKind::OperationCompleted {
                resource,
                account,
                op,
                result,
            } => format!("op {op} on {account}@{resource}: {result:?}"),
            EventKind::FeedRead {
                resource,
                accounts,
                confirmed,
                remediations,
                correlations,
            } => format!(
                "{resource}: {accounts} accounts, {confirmed} confirmed, {remediations} remediation, {correlations} correlation"
            ),
            EventKind::Correlated {
                resource,
                account,
                owner,
            } => match owner {
                Some(o) => format!("{account}@{resource} owned by {o}"),
                None => format!("{account}@{resource} is an orphan"),
            },
            EventKind::RequestCreated {
                request,
                product,
                recipient,
            } => format!("{request}: {product} for {recipient}"),
            EventKind::RequestStateChanged { request, from, to } => {
                format!("{request} {from} → {to}")
            }
            EventKind::ValidityFired { request, timer } => format!("{request} {}", timer.name()),
            EventKind::AccessGranted {
                request,
                product,
                recipient,
            } => format!("{request}: {product} granted to {recipient}"),
            EventKind::AccessRevoked {
                request,
                product,
                recipient,
            } => format!("{request}: {product} revoked from {recipient}"),
            failed @ EventKind::TimerFailed { .. } => failed.failure(),
            shop => shop.describe_shop(),
        }
    }
}
