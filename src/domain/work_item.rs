//! A work item: the part of a case waiting for a person.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseId, DomainError, EventKind, Outcome, WorkItemId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkItemState {
    Open,
    Completed,
    Cancelled,
}

impl WorkItemState {
    pub const ALL: [WorkItemState; 3] = [
        WorkItemState::Open,
        WorkItemState::Completed,
        WorkItemState::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WorkItemState::Open => "open",
            WorkItemState::Completed => "completed",
            WorkItemState::Cancelled => "cancelled",
        }
    }

    pub fn can_go_to(self, to: WorkItemState) -> bool {
        self == WorkItemState::Open && to != WorkItemState::Open
    }
}

impl fmt::Display for WorkItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whom a work item is delegated or escalated to: a user, or a group (`@name`) whose
/// members may claim it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    User(String),
    Group(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::User(u) => f.write_str(u),
            Target::Group(g) => write!(f, "@{g}"),
        }
    }
}

impl FromStr for Target {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || DomainError::BadValue {
            what: "target",
            value: s.to_string(),
            expected: "a user login or @group",
        };
        let valid = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match t.strip_prefix('@') {
            Some(g) if valid(g) => Ok(Target::Group(g.to_string())),
            None if valid(t) => Ok(Target::User(t.to_string())),
            _ => Err(bad()),
        }
    }
}

/// midPoint's delegation methods: `Add` keeps assignees and candidates, `Replace` replaces the
/// assignees and clears the candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DelegationMethod {
    Add,
    Replace,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    pub id: WorkItemId,
    pub case: CaseId,
    pub stage: u32,
    pub name: String,
    /// Users who may decide it; the first who acts decides.
    pub assignees: Vec<String>,
    /// Groups any member of which may claim it.
    pub candidates: Vec<String>,
    pub original_assignee: Option<String>,
    /// Users who delegated it away while it was open (the "delegated by me" queue).
    pub delegated_by: Vec<String>,
    #[serde(with = "super::time::ts_opt")]
    pub deadline: Option<DateTime<Utc>>,
    pub escalation_level: u32,
    /// When the current escalation level started (creation for level 0).
    #[serde(with = "super::time::ts")]
    pub level_start: DateTime<Utc>,
    /// Pending policy timers; indexed in the store's `due` tree while the item is open.
    pub timers: Vec<super::TimerRef>,
    pub state: WorkItemState,
    pub outcome: Option<Outcome>,
    pub comment: Option<String>,
    pub performer: Option<String>,
    #[serde(with = "super::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "super::time::ts_opt")]
    pub closed: Option<DateTime<Utc>>,
}

impl WorkItem {
    /// A new open work item for `target`.
    pub fn new(
        id: WorkItemId,
        case: CaseId,
        name: impl Into<String>,
        target: &Target,
        deadline: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> WorkItem {
        let (assignees, candidates) = match target {
            Target::User(u) => (vec![u.clone()], vec![]),
            Target::Group(g) => (vec![], vec![g.clone()]),
        };
        WorkItem {
            id,
            case,
            stage: 1,
            name: name.into(),
            original_assignee: assignees.first().cloned(),
            assignees,
            candidates,
            delegated_by: vec![],
            deadline,
            escalation_level: 0,
            level_start: now,
            timers: vec![],
            state: WorkItemState::Open,
            outcome: None,
            comment: None,
            performer: None,
            created: now,
            closed: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == WorkItemState::Open
    }

    /// Assignees and `@groups`.
    pub fn holders(&self) -> Vec<String> {
        holders(&self.assignees, &self.candidates)
    }

    pub fn is_assignee(&self, login: &str) -> bool {
        self.assignees.iter().any(|a| a == login)
    }

    fn require_open(&self, to: WorkItemState) -> Result<(), DomainError> {
        if self.state.can_go_to(to) || (self.is_open() && to == WorkItemState::Open) {
            Ok(())
        } else {
            Err(DomainError::WorkItemTransition {
                from: self.state,
                to,
            })
        }
    }

    /// `actor` takes the item: they become its only assignee and the offer to groups ends.
    /// Each transition returns the event that records it.
    pub fn claim(&mut self, actor: &str) -> Result<EventKind, DomainError> {
        self.require_open(WorkItemState::Open)?;
        self.assignees = vec![actor.to_string()];
        self.candidates.clear();
        if self.original_assignee.is_none() {
            self.original_assignee = Some(actor.to_string());
        }
        Ok(EventKind::Claimed { work_item: self.id })
    }

    /// Replaces the assignees with `to` (reassign).
    pub fn reassign(&mut self, by: &str, to: &str) -> Result<EventKind, DomainError> {
        let from = self.assignees.clone();
        self.delegate(by, &Target::User(to.to_string()), DelegationMethod::Replace)?;
        Ok(EventKind::Reassigned {
            work_item: self.id,
            from,
            to: to.to_string(),
        })
    }

    pub fn delegate(
        &mut self,
        by: &str,
        to: &Target,
        method: DelegationMethod,
    ) -> Result<EventKind, DomainError> {
        self.require_open(WorkItemState::Open)?;
        match (method, to) {
            (DelegationMethod::Replace, Target::User(u)) => {
                self.assignees = vec![u.clone()];
                self.candidates.clear();
            }
            (DelegationMethod::Replace, Target::Group(g)) => {
                self.assignees.clear();
                self.candidates = vec![g.clone()];
            }
            (DelegationMethod::Add, Target::User(u)) => push_unique(&mut self.assignees, u),
            (DelegationMethod::Add, Target::Group(g)) => push_unique(&mut self.candidates, g),
        }
        if !self.is_assignee(by) {
            push_unique(&mut self.delegated_by, by);
        }
        // Whoever holds it now is no longer "someone who delegated it away".
        let assignees = self.assignees.clone();
        self.delegated_by.retain(|d| !assignees.contains(d));
        Ok(EventKind::Delegated {
            work_item: self.id,
            to: to.clone(),
            method,
        })
    }

    /// Escalation: a replacing delegation to `to` that raises the escalation level; the new
    /// level's deadline (if any) replaces the old one.
    pub fn escalate(
        &mut self,
        by: &str,
        to: &Target,
        new_deadline: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<EventKind, DomainError> {
        self.delegate(by, to, DelegationMethod::Replace)?;
        self.escalation_level += 1;
        self.level_start = now;
        if new_deadline.is_some() {
            self.deadline = new_deadline;
        }
        Ok(EventKind::Escalated {
            work_item: self.id,
            to: to.clone(),
            level: self.escalation_level,
        })
    }

    pub fn complete(
        &mut self,
        by: &str,
        outcome: Outcome,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<EventKind, DomainError> {
        self.require_open(WorkItemState::Completed)?;
        self.state = WorkItemState::Completed;
        self.outcome = Some(outcome);
        self.comment = comment;
        self.performer = Some(by.to_string());
        self.closed = Some(now);
        self.delegated_by.clear();
        Ok(EventKind::WorkItemCompleted {
            work_item: self.id,
            outcome,
        })
    }

    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<EventKind, DomainError> {
        self.require_open(WorkItemState::Cancelled)?;
        self.state = WorkItemState::Cancelled;
        self.closed = Some(now);
        self.delegated_by.clear();
        Ok(EventKind::WorkItemCancelled { work_item: self.id })
    }
}

/// Who holds a work item, for people: its assignees, then its groups as `@group`.
pub fn holders(assignees: &[String], candidates: &[String]) -> Vec<String> {
    let mut all = assignees.to_vec();
    all.extend(candidates.iter().map(|g| format!("@{g}")));
    all
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
    }

    fn item(target: &str) -> WorkItem {
        WorkItem::new(
            WorkItemId(1),
            CaseId(1),
            "do it",
            &target.parse().unwrap(),
            None,
            t0(),
        )
    }

    #[test]
    fn state_machine() {
        use WorkItemState::*;
        for from in WorkItemState::ALL {
            for to in WorkItemState::ALL {
                let legal = matches!((from, to), (Open, Completed) | (Open, Cancelled));
                assert_eq!(from.can_go_to(to), legal, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn completed_item_refuses_everything() {
        let mut w = item("alice");
        w.complete("alice", Outcome::Success, None, t0()).unwrap();
        assert_eq!(w.performer.as_deref(), Some("alice"));
        let err = DomainError::WorkItemTransition {
            from: WorkItemState::Completed,
            to: WorkItemState::Completed,
        };
        assert_eq!(w.complete("alice", Outcome::Success, None, t0()), Err(err));
        assert!(w.claim("bob").is_err());
        assert!(w.cancel(t0()).is_err());
        assert!(w
            .delegate("alice", &Target::User("bob".into()), DelegationMethod::Add)
            .is_err());
        assert!(w
            .escalate("alice", &Target::User("bob".into()), None, t0())
            .is_err());
    }

    #[test]
    fn cancelled_item_cannot_complete() {
        let mut w = item("alice");
        w.cancel(t0()).unwrap();
        assert!(w.complete("alice", Outcome::Success, None, t0()).is_err());
    }

    #[test]
    fn claim_takes_the_offer() {
        let mut w = item("@db-admins");
        assert!(w.assignees.is_empty());
        assert_eq!(w.candidates, vec!["db-admins"]);
        w.claim("alice").unwrap();
        assert_eq!(w.assignees, vec!["alice"]);
        assert!(w.candidates.is_empty());
        assert_eq!(w.original_assignee.as_deref(), Some("alice"));
    }

    #[test]
    fn delegation_methods() {
        let mut w = item("alice");
        w.delegate("alice", &"bob".parse().unwrap(), DelegationMethod::Add)
            .unwrap();
        assert_eq!(w.assignees, vec!["alice", "bob"]);
        assert!(w.delegated_by.is_empty(), "alice still holds it");
        w.delegate("alice", &"@ops".parse().unwrap(), DelegationMethod::Add)
            .unwrap();
        assert_eq!(w.candidates, vec!["ops"]);
        w.delegate(
            "alice",
            &"carol".parse().unwrap(),
            DelegationMethod::Replace,
        )
        .unwrap();
        assert_eq!(w.assignees, vec!["carol"]);
        assert!(w.candidates.is_empty());
        assert_eq!(w.delegated_by, vec!["alice"]);
        assert_eq!(w.original_assignee.as_deref(), Some("alice"));
        w.delegate("carol", &"@ops".parse().unwrap(), DelegationMethod::Replace)
            .unwrap();
        assert!(w.assignees.is_empty());
        assert_eq!(w.candidates, vec!["ops"]);
        assert_eq!(w.delegated_by, vec!["alice", "carol"]);
        w.claim("alice").unwrap();
        w.delegate("alice", &"dave".parse().unwrap(), DelegationMethod::Add)
            .unwrap();
        assert_eq!(w.delegated_by, vec!["carol"], "alice holds it again");
    }

    #[test]
    fn escalation_raises_level_and_moves_deadline() {
        let mut w = item("alice");
        let d = t0() + chrono::Duration::days(1);
        assert_eq!(
            w.escalate("admin", &"boss".parse().unwrap(), Some(d), t0()),
            Ok(EventKind::Escalated {
                work_item: WorkItemId(1),
                to: Target::User("boss".into()),
                level: 1
            })
        );
        assert_eq!(w.assignees, vec!["boss"]);
        assert_eq!(w.deadline, Some(d));
        assert_eq!(
            w.escalate("admin", &"ceo".parse().unwrap(), None, t0()),
            Ok(EventKind::Escalated {
                work_item: WorkItemId(1),
                to: Target::User("ceo".into()),
                level: 2
            })
        );
        assert_eq!(w.deadline, Some(d));
        assert_eq!(w.original_assignee.as_deref(), Some("alice"));
    }

    #[test]
    fn targets() {
        assert_eq!(
            "@ops".parse::<Target>().unwrap(),
            Target::Group("ops".into())
        );
        assert_eq!("bob".parse::<Target>().unwrap(), Target::User("bob".into()));
        for bad in ["", "@", "a b", "@x y", "a,b"] {
            assert!(bad.parse::<Target>().is_err(), "{bad:?}");
        }
        assert_eq!(Target::Group("ops".into()).to_string(), "@ops");
    }
}
