//! One request's approval as it runs: steps, decisions, timers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApprovalPolicy, Step};
use crate::domain::{Calendar, CaseId, DomainError, WorkItemId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    /// Its level has not started.
    Waiting,
    /// Waiting for its approvers (a work item is open).
    Open,
    Approved,
    Denied,
    /// The request was aborted or cancelled while the step was open or waiting.
    Aborted,
}

impl StepState {
    pub fn name(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Open => "open",
            StepState::Approved => "approved",
            StepState::Denied => "denied",
            StepState::Aborted => "aborted",
        }
    }
}

/// How a decision came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// One of the step's approvers decided.
    Approver,
    /// A member of the chief approval team decided (for the whole step).
    Chief,
    /// The requester or recipient was the approver (self-approval `auto-approved`).
    SelfApproval,
    /// The step's timeout.
    Timeout,
    /// Nobody was found and the policy says approve.
    NoApprover,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub by: String,
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    pub approve: bool,
    pub how: How,
    pub comment: Option<String>,
}

impl Decision {
    /// "approved by jdoe", "denied by …", "auto-approved on timeout".
    pub fn describe(&self) -> String {
        let verb = if self.approve { "approved" } else { "denied" };
        match self.how {
            How::Approver => format!("{verb} by {}", self.by),
            How::Chief => format!("{verb} by {} (chief approval team)", self.by),
            How::SelfApproval => format!("auto-approved: {} approves their own request", self.by),
            How::Timeout => format!("auto-{verb} on timeout"),
            How::NoApprover => "no approver: approved".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRun {
    /// 0-based level and step within it.
    pub level: u32,
    pub step: u32,
    pub name: String,
    pub state: StepState,
    /// The users who may decide it now (resolved, then as delegated).
    pub approvers: Vec<String>,
    /// The groups any member of which may decide it.
    pub groups: Vec<String>,
    /// The work item while it is open (kept after, for the history).
    pub work_item: Option<WorkItemId>,
    pub decisions: Vec<Decision>,
    /// Since when the last approver has had their chance (the timeout counts from here).
    #[serde(with = "crate::domain::time::ts_opt")]
    pub chance_from: Option<DateTime<Utc>>,
    /// Escalated on timeout already (a second timeout aborts).
    pub escalated: bool,
    /// Why it ended without decisions ("no approver: aborted"), if so.
    pub note: Option<String>,
}

impl StepRun {
    pub fn approvals(&self) -> usize {
        self.decisions.iter().filter(|d| d.approve).count()
    }

    pub fn is_open(&self) -> bool {
        self.state == StepState::Open
    }

    pub fn has_decided(&self, login: &str) -> bool {
        self.decisions.iter().any(|d| d.by == login)
    }

    /// Users and `@groups` who may decide it, for messages and events.
    pub fn holders(&self) -> Vec<String> {
        crate::domain::work_item::holders(&self.approvers, &self.groups)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalTimerKind {
    Reminder,
    Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApprovalTimer {
    #[serde(with = "crate::domain::time::ts")]
    pub due: DateTime<Utc>,
    pub level: u32,
    pub step: u32,
    pub kind: ApprovalTimerKind,
}

impl ApprovalTimer {
    /// The timer's slot in the `due` tree: `level << 9 | step << 1 | timeout`.
    pub fn slot(&self) -> u16 {
        ((self.level as u16 & 0x3f) << 9)
            | ((self.step as u16 & 0xff) << 1)
            | (self.kind == ApprovalTimerKind::Timeout) as u16
    }

    pub fn from_slot(due: DateTime<Utc>, slot: u16) -> ApprovalTimer {
        ApprovalTimer {
            due,
            level: (slot >> 9) as u32,
            step: ((slot >> 1) & 0xff) as u32,
            kind: if slot & 1 == 1 {
                ApprovalTimerKind::Timeout
            } else {
                ApprovalTimerKind::Reminder
            },
        }
    }

    pub fn name(&self) -> &'static str {
        match self.kind {
            ApprovalTimerKind::Reminder => "approval-reminder",
            ApprovalTimerKind::Timeout => "approval-timeout",
        }
    }
}

/// Where the current level stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelOutcome {
    /// Some step is still open.
    Open,
    /// Every step approved.
    Passed,
    /// A step was denied (or aborted).
    Denied,
}

/// One request's approval workflow as it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub policy: ApprovalPolicy,
    /// The chief approval team in force for this request (the policy's or the store's).
    pub chief: Option<String>,
    /// The approval case holding the steps' work items.
    pub case: CaseId,
    /// The current level (0-based); past the last when decided.
    pub level: u32,
    pub steps: Vec<StepRun>,
    /// Pending step timers; indexed in the store's `due` tree.
    pub timers: Vec<ApprovalTimer>,
    /// What is being approved: the request itself, a renewal, an unsubscription.
    pub purpose: Purpose,
}

/// What an approval decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// The request itself (state `request`).
    Request,
    /// A longer validity for an assigned request (state `renewal`).
    Renewal {
        #[serde(with = "crate::domain::time::ts")]
        until: DateTime<Utc>,
    },
    /// The end of an assigned request, now or `from` (state `unsubscription`).
    Unsubscription {
        #[serde(with = "crate::domain::time::ts_opt")]
        from: Option<DateTime<Utc>>,
    },
}

impl Approval {
    pub fn new(policy: ApprovalPolicy, chief: Option<String>, case: CaseId) -> Approval {
        let steps = policy
            .levels
            .iter()
            .enumerate()
            .flat_map(|(l, level)| {
                level
                    .steps
                    .iter()
                    .enumerate()
                    .map(move |(s, step)| StepRun {
                        level: l as u32,
                        step: s as u32,
                        name: step.name.clone(),
                        state: StepState::Waiting,
                        approvers: vec![],
                        groups: vec![],
                        work_item: None,
                        decisions: vec![],
                        chance_from: None,
                        escalated: false,
                        note: None,
                    })
            })
            .collect();
        Approval {
            policy,
            chief,
            case,
            level: 0,
            steps,
            timers: vec![],
            purpose: Purpose::Request,
        }
    }

    /// The definition of a step.
    pub fn def(&self, level: u32, step: u32) -> Option<&Step> {
        self.policy
            .levels
            .get(level as usize)?
            .steps
            .get(step as usize)
    }

    pub fn run(&self, level: u32, step: u32) -> Option<&StepRun> {
        self.steps
            .iter()
            .find(|s| s.level == level && s.step == step)
    }

    pub fn run_mut(&mut self, level: u32, step: u32) -> Option<&mut StepRun> {
        self.steps
            .iter_mut()
            .find(|s| s.level == level && s.step == step)
    }

    /// The step a work item is for.
    pub fn step_of(&self, item: WorkItemId) -> Option<&StepRun> {
        self.steps.iter().find(|s| s.work_item == Some(item))
    }

    pub fn open_steps(&self) -> impl Iterator<Item = &StepRun> {
        self.steps.iter().filter(|s| s.is_open())
    }

    pub fn levels(&self) -> u32 {
        self.policy.levels.len() as u32
    }

    /// Records `decision` on an open step and returns its state after: denied at once;
    /// approved when a chief, a timeout or the no-approver rule approves, or when the step
    /// has its `count` approvals from distinct approvers.
    pub fn record(
        &mut self,
        level: u32,
        step: u32,
        decision: Decision,
    ) -> Result<StepState, DomainError> {
        let count = self.def(level, step).map_or(1, |d| d.count.max(1)) as usize;
        let run = self.run_mut(level, step).ok_or(DomainError::BadValue {
            what: "approval step",
            value: format!("level {} step {}", level + 1, step + 1),
            expected: "a step of the request's policy",
        })?;
        if !run.is_open() {
            return Err(DomainError::BadValue {
                what: "approval step",
                value: format!("{} is {}", run.name, run.state.name()),
                expected: "an open step",
            });
        }
        let whole = matches!(decision.how, How::Chief | How::Timeout | How::NoApprover);
        let approve = decision.approve;
        let by = decision.by.clone();
        if approve && !whole && run.has_decided(&by) {
            return Err(DomainError::BadValue {
                what: "approval",
                value: format!("{by} already approved {}", run.name),
                expected: "approvals from distinct approvers",
            });
        }
        run.decisions.push(decision);
        run.state = if !approve {
            StepState::Denied
        } else if whole || run.approvals() >= count {
            StepState::Approved
        } else {
            StepState::Open
        };
        if run.state != StepState::Open {
            self.timers
                .retain(|t| !(t.level == level && t.step == step));
        }
        Ok(self.run(level, step).map_or(StepState::Open, |r| r.state))
    }

    /// Where the current level stands.
    pub fn level_outcome(&self) -> LevelOutcome {
        let mut steps = self
            .steps
            .iter()
            .filter(|s| s.level == self.level)
            .peekable();
        if steps.peek().is_none() {
            return LevelOutcome::Passed;
        }
        let mut open = false;
        for s in steps {
            match s.state {
                StepState::Denied | StepState::Aborted => return LevelOutcome::Denied,
                StepState::Open | StepState::Waiting => open = true,
                StepState::Approved => {}
            }
        }
        if open {
            LevelOutcome::Open
        } else {
            LevelOutcome::Passed
        }
    }

    /// The step's timers anew from its `chance_from` (reminder and timeout still ahead of
    /// `now`), replacing the old ones; working durations count in `calendar` (the one of
    /// the step's approver, chosen by the engine).
    pub fn schedule(
        &mut self,
        level: u32,
        step: u32,
        now: DateTime<Utc>,
        calendar: Option<&Calendar>,
    ) -> Result<(), DomainError> {
        self.timers
            .retain(|t| !(t.level == level && t.step == step));
        let (Some(def), Some(run)) = (self.def(level, step), self.run(level, step)) else {
            return Ok(());
        };
        if !run.is_open() {
            return Ok(());
        }
        let (Some(timeout), Some(from)) = (def.timeout, run.chance_from) else {
            return Ok(());
        };
        let due = timeout.after(from, calendar)?;
        let mut new = vec![];
        if let Some(r) = def.reminder {
            let at = r.before(due, calendar)?;
            if at > now {
                new.push(ApprovalTimer {
                    due: at,
                    level,
                    step,
                    kind: ApprovalTimerKind::Reminder,
                });
            }
        }
        new.push(ApprovalTimer {
            due: due.max(now),
            level,
            step,
            kind: ApprovalTimerKind::Timeout,
        });
        self.timers.extend(new);
        self.timers.sort();
        Ok(())
    }

    /// When the step times out, if it is scheduled to.
    pub fn timeout_of(&self, level: u32, step: u32) -> Option<DateTime<Utc>> {
        self.timers
            .iter()
            .find(|t| t.level == level && t.step == step && t.kind == ApprovalTimerKind::Timeout)
            .map(|t| t.due)
    }

    /// Ends every step not yet decided (the request was denied, aborted or cancelled).
    pub fn abort_rest(&mut self) {
        for s in &mut self.steps {
            if matches!(s.state, StepState::Open | StepState::Waiting) {
                s.state = StepState::Aborted;
            }
        }
        self.timers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::approval::{Approvers, Level, NoApprover, OnTimeout, SelfApproval};
    use crate::domain::duration::Span;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn step(name: &str, count: u32, timeout_h: Option<i64>, reminder_h: Option<i64>) -> Step {
        Step {
            name: name.into(),
            approvers: Approvers::Manager,
            count,
            reminder: reminder_h.map(|h| Span::Wall(h * 3600)),
            timeout: timeout_h.map(|h| Span::Wall(h * 3600)),
            on_timeout: OnTimeout::Abort,
            no_approver: NoApprover::Abort,
            self_approval: SelfApproval::Skipped,
        }
    }

    fn policy(levels: Vec<Vec<Step>>) -> ApprovalPolicy {
        ApprovalPolicy {
            name: "p".into(),
            chief: None,
            levels: levels.into_iter().map(|steps| Level { steps }).collect(),
            calendar: None,
        }
    }

    fn decision(by: &str, approve: bool, how: How) -> Decision {
        Decision {
            by: by.into(),
            at: t0(),
            approve,
            how,
            comment: None,
        }
    }

    fn open(a: &mut Approval, level: u32, step: u32) {
        let r = a.run_mut(level, step).unwrap();
        r.state = StepState::Open;
        r.chance_from = Some(t0());
    }

    #[test]
    fn a_count_of_two_needs_two_distinct_approvers() {
        let mut a = Approval::new(
            policy(vec![vec![step("owners", 2, None, None)]]),
            None,
            CaseId(1),
        );
        open(&mut a, 0, 0);
        assert_eq!(
            a.record(0, 0, decision("ann", true, How::Approver))
                .unwrap(),
            StepState::Open
        );
        assert!(
            a.record(0, 0, decision("ann", true, How::Approver))
                .is_err(),
            "not twice"
        );
        assert_eq!(a.level_outcome(), LevelOutcome::Open);
        assert_eq!(
            a.record(0, 0, decision("bob", true, How::Approver))
                .unwrap(),
            StepState::Approved
        );
        assert_eq!(a.level_outcome(), LevelOutcome::Passed);
        assert!(
            a.record(0, 0, decision("cid", true, How::Approver))
                .is_err(),
            "decided"
        );
    }

    #[test]
    fn one_rejection_denies_the_level_and_a_chief_decides_a_step_whole() {
        let mut a = Approval::new(
            policy(vec![vec![
                step("a", 2, None, None),
                step("b", 1, None, None),
            ]]),
            None,
            CaseId(1),
        );
        open(&mut a, 0, 0);
        open(&mut a, 0, 1);
        assert_eq!(
            a.record(0, 0, decision("boss", true, How::Chief)).unwrap(),
            StepState::Approved
        );
        assert_eq!(a.level_outcome(), LevelOutcome::Open);
        assert_eq!(
            a.record(0, 1, decision("x", false, How::Approver)).unwrap(),
            StepState::Denied
        );
        assert_eq!(a.level_outcome(), LevelOutcome::Denied);
    }

    #[test]
    fn timers_follow_the_last_chance_and_slots_round_trip() {
        let mut a = Approval::new(
            policy(vec![vec![step("m", 1, Some(48), Some(24))]]),
            None,
            CaseId(1),
        );
        open(&mut a, 0, 0);
        a.schedule(0, 0, t0(), None).unwrap();
        let dues: Vec<_> = a
            .timers
            .iter()
            .map(|t| ((t.due - t0()).num_hours(), t.kind))
            .collect();
        assert_eq!(
            dues,
            vec![
                (24, ApprovalTimerKind::Reminder),
                (48, ApprovalTimerKind::Timeout)
            ]
        );
        // A delegation 30 hours in: the new approver has the whole 48 hours.
        a.run_mut(0, 0).unwrap().chance_from = Some(t0() + Duration::hours(30));
        a.schedule(0, 0, t0() + Duration::hours(30), None).unwrap();
        let dues: Vec<_> = a
            .timers
            .iter()
            .map(|t| (t.due - t0()).num_hours())
            .collect();
        assert_eq!(dues, vec![54, 78]);
        for t in a.timers.clone() {
            assert_eq!(ApprovalTimer::from_slot(t.due, t.slot()), t);
        }
        let t = ApprovalTimer {
            due: t0(),
            level: 15,
            step: 31,
            kind: ApprovalTimerKind::Timeout,
        };
        assert_eq!(ApprovalTimer::from_slot(t0(), t.slot()), t);
    }

    #[test]
    fn validate_refuses_what_cannot_run() {
        assert!(policy(vec![]).validate().is_err());
        assert!(policy(vec![vec![]]).validate().is_err());
        assert!(policy(vec![vec![step("z", 0, None, None)]])
            .validate()
            .is_err());
        let mut zero = step("z", 1, None, None);
        zero.timeout = Some(Span::Wall(0));
        assert!(policy(vec![vec![zero]]).validate().is_err());
        assert!(policy(vec![vec![step("r", 1, Some(2), Some(3))]])
            .validate()
            .is_err());
        let mut esc = step("e", 1, None, None);
        esc.on_timeout = OnTimeout::EscalateChief;
        assert!(policy(vec![vec![esc]]).validate().is_err());
        assert!(policy(vec![vec![step("ok", 1, Some(48), Some(24))]])
            .validate()
            .is_ok());
    }
}
