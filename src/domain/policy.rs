//! Escalation policies: ordered timed actions on a work item (after midPoint's work item
//! timed actions), and the pure arithmetic of when each fires.
//!
//! Trigger semantics: `after` counts from the start of the work item's current escalation
//! level (its creation for level 0, the escalation for later levels); `before_deadline` and
//! `after_deadline` count from its deadline (`after_deadline = "0m"` is at the deadline).
//! Each rule applies to a set of escalation levels (none given = level 0 only).
//! `notify_before` adds a reminder to the assignees that long before the rule's action.
//! Actions of one instant run notify → delegate → escalate → complete.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::duration::{add_secs, Span};
use super::{Calendar, DelegationMethod, DomainError, Target, WorkItem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    /// The deadline of a work item created under this policy, when none is given.
    pub deadline: Option<Span>,
    /// The deadline of each new escalation level, counted from the escalation.
    pub level_deadline: Option<Span>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub trigger: Trigger,
    /// Escalation levels the rule applies to; empty = level 0 only.
    pub levels: Vec<u32>,
    pub notify_before: Option<Span>,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// This long after the start of the current level.
    After(Span),
    /// This long before the deadline.
    BeforeDeadline(Span),
    /// This long after the deadline (0 = at the deadline).
    AfterDeadline(Span),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recipient {
    Assignees,
    Managers,
    Requester,
    Group(String),
    User(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EscalationTarget {
    Manager,
    Target(Target),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AutoOutcome {
    Approve,
    Reject,
    /// Cancel the case.
    Abort,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Notify(Vec<Recipient>),
    Delegate {
        to: Target,
        method: DelegationMethod,
    },
    Escalate(EscalationTarget),
    Complete(AutoOutcome),
}

impl Action {
    /// The users and groups the action names (to check they exist).
    pub fn names(&self) -> Vec<Target> {
        match self {
            Action::Notify(rs) => rs
                .iter()
                .filter_map(|r| match r {
                    Recipient::Group(g) => Some(Target::Group(g.clone())),
                    Recipient::User(u) => Some(Target::User(u.clone())),
                    _ => None,
                })
                .collect(),
            Action::Delegate { to, .. } | Action::Escalate(EscalationTarget::Target(to)) => {
                vec![to.clone()]
            }
            Action::Escalate(EscalationTarget::Manager) | Action::Complete(_) => vec![],
        }
    }

    /// Order of actions firing at the same instant.
    pub fn rank(&self) -> u16 {
        match self {
            Action::Notify(_) => 0,
            Action::Delegate { .. } => 1,
            Action::Escalate(_) => 2,
            Action::Complete(_) => 3,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Notify(_) => "notify",
            Action::Delegate { .. } => "delegate",
            Action::Escalate(_) => "escalate",
            Action::Complete(_) => "complete",
        }
    }
}

/// One scheduled firing of a rule on a work item. `slot` orders firings of one instant and
/// names the rule: `rank << 12 | rule << 1 | reminder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimerRef {
    #[serde(with = "super::time::ts")]
    pub due: DateTime<Utc>,
    pub slot: u16,
}

impl TimerRef {
    pub fn new(due: DateTime<Utc>, rank: u16, rule: usize, reminder: bool) -> TimerRef {
        let reminder_rank = if reminder { 0 } else { rank };
        TimerRef {
            due,
            slot: (reminder_rank << 12) | ((rule as u16 & 0x7ff) << 1) | reminder as u16,
        }
    }

    pub fn rule(&self) -> usize {
        ((self.slot >> 1) & 0x7ff) as usize
    }

    pub fn is_reminder(&self) -> bool {
        self.slot & 1 == 1
    }
}

impl Rule {
    pub fn applies_to_level(&self, level: u32) -> bool {
        if self.levels.is_empty() {
            level == 0
        } else {
            self.levels.contains(&level)
        }
    }

    /// When the rule's action fires for a level that started at `level_start`, working
    /// time counted in `cal`; an error when that is beyond what a time can be (a stored
    /// rule from before durations were bounded) or a working duration has no calendar.
    pub fn fires_at(
        &self,
        level_start: DateTime<Utc>,
        deadline: Option<DateTime<Utc>>,
        cal: Option<&Calendar>,
    ) -> Result<Option<DateTime<Utc>>, DomainError> {
        Ok(match self.trigger {
            Trigger::After(s) => Some(s.after(level_start, cal)?),
            Trigger::BeforeDeadline(s) => deadline.map(|d| s.before(d, cal)).transpose()?,
            Trigger::AfterDeadline(s) => deadline.map(|d| s.after(d, cal)).transpose()?,
        })
    }
}

impl Policy {
    /// Every timer of `item` at its current level, which started at `level_start`, oldest
    /// first, working time counted in `cal` (the holder's calendar). A rule is limited to
    /// 2047 per policy (checked at import).
    pub fn schedule(
        &self,
        item: &WorkItem,
        level_start: DateTime<Utc>,
        cal: Option<&Calendar>,
    ) -> Result<Vec<TimerRef>, DomainError> {
        let mut out = vec![];
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.applies_to_level(item.escalation_level) {
                continue;
            }
            let Some(at) = rule.fires_at(level_start, item.deadline, cal)? else {
                continue;
            };
            out.push(TimerRef::new(at, rule.action.rank(), i, false));
            if let Some(nb) = rule.notify_before {
                let before = nb.before(at, cal)?;
                out.push(TimerRef::new(before, 0, i, true));
            }
        }
        out.sort();
        Ok(out)
    }

    /// The deadline of a new level starting at `start`, working time counted in `cal`.
    pub fn level_deadline(
        &self,
        start: DateTime<Utc>,
        cal: Option<&Calendar>,
    ) -> Result<Option<DateTime<Utc>>, DomainError> {
        self.level_deadline
            .map(|s| match s {
                Span::Wall(secs) => add_secs(start, secs, "the level deadline"),
                work => work.after(start, cal),
            })
            .transpose()
    }

    /// Every duration of the policy, to check at import that a working one has a calendar.
    pub fn spans(&self) -> Vec<Span> {
        let rules = self.rules.iter().flat_map(|r| {
            let (Trigger::After(s) | Trigger::BeforeDeadline(s) | Trigger::AfterDeadline(s)) =
                r.trigger;
            std::iter::once(s).chain(r.notify_before)
        });
        self.deadline
            .into_iter()
            .chain(self.level_deadline)
            .chain(rules)
            .collect()
    }

    /// The highest escalation level any rule applies to.
    pub fn max_level(&self) -> u32 {
        self.rules
            .iter()
            .flat_map(|r| r.levels.iter().copied().chain([0]))
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CaseId, WorkItemId};
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    fn rule(trigger: Trigger, levels: Vec<u32>, action: Action) -> Rule {
        Rule {
            trigger,
            levels,
            notify_before: None,
            action,
        }
    }

    fn three_levels() -> Policy {
        Policy {
            name: "p".into(),
            deadline: Some(Span::Wall(86_400)),
            level_deadline: Some(Span::Wall(86_400)),
            rules: vec![
                rule(
                    Trigger::BeforeDeadline(Span::Wall(4 * 3600)),
                    vec![0, 1, 2],
                    Action::Notify(vec![Recipient::Assignees]),
                ),
                rule(
                    Trigger::AfterDeadline(Span::Wall(0)),
                    vec![0, 1],
                    Action::Escalate(EscalationTarget::Manager),
                ),
                rule(
                    Trigger::AfterDeadline(Span::Wall(0)),
                    vec![2],
                    Action::Complete(AutoOutcome::Reject),
                ),
            ],
        }
    }

    #[test]
    fn schedule_per_level() {
        let p = three_levels();
        let mut w = WorkItem::new(
            WorkItemId(1),
            CaseId(1),
            "x",
            &"alice".parse().unwrap(),
            Some(t0() + Duration::days(1)),
            t0(),
        );
        let timers = p.schedule(&w, t0(), None).unwrap();
        assert_eq!(timers.len(), 2);
        assert_eq!(timers[0].due, t0() + Duration::hours(20));
        assert_eq!(timers[0].rule(), 0);
        assert_eq!(timers[1].due, t0() + Duration::days(1));
        assert_eq!(timers[1].rule(), 1);
        // Level 2: the complete rule instead of escalate.
        w.escalation_level = 2;
        let at = t0() + Duration::days(2);
        w.deadline = p.level_deadline(at, None).unwrap();
        let timers = p.schedule(&w, at, None).unwrap();
        assert_eq!(
            timers.iter().map(|t| t.rule()).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert_eq!(p.max_level(), 2);
    }

    #[test]
    fn same_instant_runs_notify_delegate_escalate_complete() {
        let at = t0();
        let mut v = [
            TimerRef::new(at, 3, 0, false),
            TimerRef::new(at, 2, 1, false),
            TimerRef::new(at, 1, 2, false),
            TimerRef::new(at, 0, 3, false),
            TimerRef::new(at, 2, 4, true),
        ];
        v.sort();
        let ranks: Vec<usize> = v.iter().map(|t| t.rule()).collect();
        assert_eq!(ranks, vec![3, 4, 2, 1, 0]);
        assert!(v[1].is_reminder());
    }

    #[test]
    fn deadline_rules_need_a_deadline() {
        let p = three_levels();
        let w = WorkItem::new(
            WorkItemId(1),
            CaseId(1),
            "x",
            &"alice".parse().unwrap(),
            None,
            t0(),
        );
        assert!(p.schedule(&w, t0(), None).unwrap().is_empty());
    }

    #[test]
    fn a_rule_beyond_any_time_is_an_error() {
        let mut p = three_levels();
        p.rules[0].trigger = Trigger::After(Span::Wall(i64::MAX / 2));
        let w = WorkItem::new(
            WorkItemId(1),
            CaseId(1),
            "x",
            &"alice".parse().unwrap(),
            None,
            t0(),
        );
        assert!(matches!(
            p.schedule(&w, t0(), None),
            Err(DomainError::TimeOverflow(_))
        ));
        p.level_deadline = Some(Span::Wall(i64::MAX / 2));
        assert!(p.level_deadline(t0(), None).is_err());
    }

    #[test]
    fn after_counts_from_level_start_and_reminder_before() {
        let p = Policy {
            name: "p".into(),
            deadline: None,
            level_deadline: None,
            rules: vec![Rule {
                trigger: Trigger::After(Span::Wall(2 * 86_400)),
                levels: vec![],
                notify_before: Some(Span::Wall(3600)),
                action: Action::Delegate {
                    to: "@ops".parse().unwrap(),
                    method: DelegationMethod::Add,
                },
            }],
        };
        let w = WorkItem::new(
            WorkItemId(1),
            CaseId(1),
            "x",
            &"alice".parse().unwrap(),
            None,
            t0(),
        );
        let timers = p.schedule(&w, t0(), None).unwrap();
        assert_eq!(timers.len(), 2);
        assert!(timers[0].is_reminder());
        assert_eq!(timers[0].due, t0() + Duration::hours(47));
        assert_eq!(timers[1].due, t0() + Duration::days(2));
    }
}
