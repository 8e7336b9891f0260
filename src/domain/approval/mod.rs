//! Approval workflows (One Identity's IT Shop approval policies, midPoint's approval
//! stages): a policy is a sequence of levels; the steps of one level run in parallel, the
//! levels in sequence. A step needs `count` approvals from distinct approvers; one
//! rejection at any step denies the request.
//!
//! [`Approval`] is one request's workflow as it runs: a copy of its policy (a policy changed
//! later does not change requests already in approval), the state and decisions of every
//! step, and the step timers (reminders, timeouts) the sweep fires. The engine resolves
//! approvers and opens work items; the arithmetic of counts, levels and timers is here.
//!
//! Timeouts: a step's timeout counts from the last time one of its approvers got their
//! chance (the step opening, a delegation, an escalation), so with several approvers it runs
//! until all of them had theirs, and delegating restarts it for the new approver.

use serde::{Deserialize, Serialize};

use super::duration::Span;
use super::{DomainError, Target};

mod run;

pub use run::{
    Approval, ApprovalTimer, ApprovalTimerKind, Decision, How, LevelOutcome, Purpose, StepRun,
    StepState,
};

/// At most this many levels per policy and steps per level (timer slots hold them).
pub const MAX_LEVELS: usize = 16;
pub const MAX_STEPS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPolicy {
    pub name: String,
    /// The chief approval team of this policy; none = the store-wide one.
    pub chief: Option<String>,
    pub levels: Vec<Level>,
    /// The working-time calendar its steps' working durations count in when the approver
    /// and the product have none (docs/cli.md "Business durations").
    pub calendar: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub approvers: Approvers,
    /// Approvals needed from distinct approvers (at least 1).
    pub count: u32,
    /// Remind the approvers this long before the timeout (wall-clock or working time).
    pub reminder: Option<Span>,
    /// How long the approvers have (positive; wall-clock or working time, counted in the
    /// approver's calendar); none = no timeout.
    pub timeout: Option<Span>,
    pub on_timeout: OnTimeout,
    pub no_approver: NoApprover,
    pub self_approval: SelfApproval,
}

/// Where a step's approvers come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Approvers {
    /// The recipient's manager (users.csv).
    Manager,
    /// The manager of the recipient's org unit.
    OrgManager,
    /// The product's owner group.
    ProductOwners,
    /// The owner group of the resource the product grants on.
    ResourceOwners,
    User(String),
    Group(String),
    /// The chief approval team.
    Chief,
}

impl Approvers {
    pub fn name(&self) -> String {
        match self {
            Approvers::Manager => "manager".into(),
            Approvers::OrgManager => "org-manager".into(),
            Approvers::ProductOwners => "product-owners".into(),
            Approvers::ResourceOwners => "resource-owners".into(),
            Approvers::User(u) => u.clone(),
            Approvers::Group(g) => format!("@{g}"),
            Approvers::Chief => "chief".into(),
        }
    }

    /// The user or group it names, to check the store knows it.
    pub fn names(&self) -> Option<Target> {
        match self {
            Approvers::User(u) => Some(Target::User(u.clone())),
            Approvers::Group(g) => Some(Target::Group(g.clone())),
            _ => None,
        }
    }
}

/// What a step's timeout does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnTimeout {
    /// The step is approved.
    Approve,
    /// The request is aborted.
    Abort,
    /// The step goes to the chief approval team, once; its timeout starts again, and a
    /// second timeout aborts.
    EscalateChief,
    /// The step goes to its approvers' managers, once (as above).
    EscalateManagers,
}

/// What a step does when its source finds nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoApprover {
    /// The chief approval team decides (aborted when there is none).
    Chief,
    Approve,
    /// One Identity's default: the request is cancelled, saying no approver was found.
    Abort,
}

/// When the requester or the recipient is among a step's approvers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SelfApproval {
    /// They are not asked (and may not decide); the others are.
    Skipped,
    /// Their approval is recorded at once.
    AutoApproved,
    /// They decide like anyone else.
    Allowed,
}

/// A span longer than nothing.
fn positive(s: Span) -> bool {
    use super::duration::WorkAmount;
    match s {
        Span::Wall(secs) => secs > 0,
        Span::Work(WorkAmount::Days(n) | WorkAmount::Hours(n)) => n > 0,
    }
}

/// A reminder `r` that is not shorter than the timeout `t`, where the two can be compared
/// without a calendar (both wall-clock, or both in the same working unit).
pub(crate) fn not_shorter(r: Span, t: Span) -> bool {
    use super::duration::WorkAmount::{Days, Hours};
    match (r, t) {
        (Span::Wall(r), Span::Wall(t)) => r >= t,
        (Span::Work(Days(r)), Span::Work(Days(t)))
        | (Span::Work(Hours(r)), Span::Work(Hours(t))) => r >= t,
        _ => false,
    }
}

impl ApprovalPolicy {
    /// The rules a policy must keep, whatever sent it: levels with steps, positive counts
    /// and timeouts, a reminder before its timeout, bounded sizes.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |value: String, expected: &'static str| DomainError::BadValue {
            what: "approval policy",
            value,
            expected,
        };
        let p = &self.name;
        if self.levels.is_empty() {
            return Err(bad(format!("{p} has no levels"), "at least one level"));
        }
        if self.levels.len() > MAX_LEVELS {
            return Err(bad(
                format!("{p} has {} levels", self.levels.len()),
                "at most 16",
            ));
        }
        for (i, level) in self.levels.iter().enumerate() {
            let l = i + 1;
            if level.steps.is_empty() {
                return Err(bad(
                    format!("{p} level {l} has no steps"),
                    "at least one step per level",
                ));
            }
            if level.steps.len() > MAX_STEPS {
                return Err(bad(format!("{p} level {l}"), "at most 32 steps per level"));
            }
            for s in &level.steps {
                let at = format!("{p} level {l} step {:?}", s.name);
                if s.count == 0 {
                    return Err(bad(format!("{at}: count 0"), "a count of at least 1"));
                }
                if s.timeout.is_some_and(|t| !positive(t)) {
                    return Err(bad(format!("{at}: timeout of zero"), "a positive timeout"));
                }
                if s.reminder.is_some_and(|r| !positive(r)) {
                    return Err(bad(
                        format!("{at}: reminder of zero"),
                        "a positive reminder",
                    ));
                }
                match (s.reminder, s.timeout) {
                    (Some(_), None) => {
                        return Err(bad(
                            format!("{at}: a reminder without a timeout"),
                            "a timeout to remind before",
                        ))
                    }
                    (Some(r), Some(t)) if not_shorter(r, t) => {
                        return Err(bad(
                            format!("{at}: reminder not shorter than the timeout"),
                            "a reminder shorter than the timeout",
                        ))
                    }
                    _ => {}
                }
                if matches!(
                    s.on_timeout,
                    OnTimeout::EscalateChief | OnTimeout::EscalateManagers
                ) && s.timeout.is_none()
                {
                    return Err(bad(
                        format!("{at}: escalate on timeout without a timeout"),
                        "a timeout",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The first step timeout or reminder in working time (which needs a calendar).
    pub fn work_span(&self) -> Option<Span> {
        self.levels
            .iter()
            .flat_map(|l| &l.steps)
            .flat_map(|s| [s.timeout, s.reminder])
            .flatten()
            .find(|s| s.is_work())
    }

    /// Every user and group the policy names, to check the store knows them.
    pub fn names(&self) -> Vec<Target> {
        let mut out: Vec<Target> = self
            .levels
            .iter()
            .flat_map(|l| &l.steps)
            .filter_map(|s| s.approvers.names())
            .collect();
        if let Some(c) = &self.chief {
            out.push(Target::Group(c.clone()));
        }
        out
    }
}
