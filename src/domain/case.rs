//! A case: a piece of work the IDM could not do or decide by itself.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseId, DomainError, EventKind, WorkItemId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    ManualProvisioning,
    Approval,
    Remediation,
    Correlation,
    Certification,
    Generic,
}

impl CaseKind {
    pub const ALL: [CaseKind; 6] = [
        CaseKind::ManualProvisioning,
        CaseKind::Approval,
        CaseKind::Remediation,
        CaseKind::Correlation,
        CaseKind::Certification,
        CaseKind::Generic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CaseKind::ManualProvisioning => "manual-provisioning",
            CaseKind::Approval => "approval",
            CaseKind::Remediation => "remediation",
            CaseKind::Correlation => "correlation",
            CaseKind::Certification => "certification",
            CaseKind::Generic => "generic",
        }
    }

    /// A short label for tables.
    pub fn short(self) -> &'static str {
        match self {
            CaseKind::ManualProvisioning => "manual",
            CaseKind::Approval => "approval",
            CaseKind::Remediation => "remediate",
            CaseKind::Correlation => "correlate",
            CaseKind::Certification => "certify",
            CaseKind::Generic => "generic",
        }
    }
}

impl fmt::Display for CaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CaseKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        CaseKind::ALL
            .into_iter()
            .find(|k| k.name() == norm || k.short() == norm)
            .ok_or(DomainError::BadValue {
                what: "case kind",
                value: s.to_string(),
                expected: "manual-provisioning, approval, remediation, correlation, certification, generic",
            })
    }
}

/// `Created → Open → Closing → (Executing →) Closed`, and `Cancelled` from any active state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseState {
    Created,
    Open,
    Closing,
    Executing,
    Closed,
    Cancelled,
}

impl CaseState {
    pub const ALL: [CaseState; 6] = [
        CaseState::Created,
        CaseState::Open,
        CaseState::Closing,
        CaseState::Executing,
        CaseState::Closed,
        CaseState::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CaseState::Created => "created",
            CaseState::Open => "open",
            CaseState::Closing => "closing",
            CaseState::Executing => "executing",
            CaseState::Closed => "closed",
            CaseState::Cancelled => "cancelled",
        }
    }

    /// A stable one-byte code for index keys.
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn is_active(self) -> bool {
        !matches!(self, CaseState::Closed | CaseState::Cancelled)
    }

    pub fn can_go_to(self, to: CaseState) -> bool {
        use CaseState::*;
        matches!(
            (self, to),
            (Created, Open)
                | (Created, Cancelled)
                | (Open, Closing)
                | (Open, Closed)
                | (Open, Cancelled)
                | (Closing, Executing)
                | (Closing, Closed)
                | (Closing, Cancelled)
                | (Executing, Closed)
        )
    }

    pub fn go_to(self, to: CaseState) -> Result<CaseState, DomainError> {
        if self.can_go_to(to) {
            Ok(to)
        } else {
            Err(DomainError::CaseTransition { from: self, to })
        }
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CaseState {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        CaseState::ALL
            .into_iter()
            .find(|k| k.name() == norm || (norm == "canceled" && *k == CaseState::Cancelled))
            .ok_or(DomainError::BadValue {
                what: "case state",
                value: s.to_string(),
                expected: "created, open, closing, executing, closed, cancelled",
            })
    }
}

/// The result of a work item or a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Success,
    Failure,
    Approved,
    Rejected,
    /// Several work items ended with different outcomes.
    Unknown,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Approved => "approved",
            Outcome::Rejected => "rejected",
            Outcome::Unknown => "unknown",
        }
    }

    /// The case outcome from its work items' outcomes: the common one, or `Unknown`.
    pub fn combine(outcomes: impl IntoIterator<Item = Outcome>) -> Option<Outcome> {
        let mut it = outcomes.into_iter();
        let first = it.next()?;
        Some(if it.all(|o| o == first) {
            first
        } else {
            Outcome::Unknown
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Outcome {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "success" | "succeeded" | "done" => Ok(Outcome::Success),
            "failure" | "failed" | "fail" => Ok(Outcome::Failure),
            "approve" | "approved" => Ok(Outcome::Approved),
            "reject" | "rejected" => Ok(Outcome::Rejected),
            _ => Err(DomainError::BadValue {
                what: "outcome",
                value: s.to_string(),
                expected: "success, failure, approve, reject",
            }),
        }
    }
}

/// A pending operation on a shadow: resource, account, operation number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpRef {
    pub resource: String,
    pub account: String,
    pub op: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub kind: CaseKind,
    pub title: String,
    pub description: Option<String>,
    pub state: CaseState,
    pub outcome: Option<Outcome>,
    /// Login of the user who asked for the case.
    pub requester: String,
    /// The resource the case is about, if any.
    pub resource: Option<String>,
    /// The object (user, account, product) the case is about, if any.
    pub object: Option<String>,
    pub parent: Option<CaseId>,
    pub policy: Option<String>,
    pub external_ticket: Option<String>,
    pub work_items: Vec<WorkItemId>,
    /// Pending operations this case carries (manual provisioning).
    pub operations: Vec<OpRef>,
    /// The account to correlate (correlation cases).
    pub correlation: Option<super::Correlation>,
    #[serde(with = "super::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "super::time::ts")]
    pub modified: DateTime<Utc>,
    #[serde(with = "super::time::ts_opt")]
    pub closed: Option<DateTime<Utc>>,
    /// The access request an approval case decides.
    pub request: Option<super::RequestId>,
}

impl Case {
    /// A case just created (`Created`, no work item yet), asked for by `requester` at `now`;
    /// the caller fills in what it knows beyond kind and title.
    pub fn new(
        id: CaseId,
        kind: CaseKind,
        title: impl Into<String>,
        requester: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Case {
        Case {
            id,
            kind,
            title: title.into(),
            description: None,
            state: CaseState::Created,
            outcome: None,
            requester: requester.into(),
            resource: None,
            object: None,
            parent: None,
            policy: None,
            external_ticket: None,
            work_items: vec![],
            operations: vec![],
            correlation: None,
            created: now,
            modified: now,
            closed: None,
            request: None,
        }
    }

    /// Moves the case to `to`, stamping `modified` (and `closed` for a terminal state).
    /// Returns the event that records the change.
    pub fn transition(
        &mut self,
        to: CaseState,
        now: DateTime<Utc>,
    ) -> Result<EventKind, DomainError> {
        let from = self.state;
        self.state = from.go_to(to)?;
        self.modified = now;
        if !to.is_active() {
            self.closed = Some(now);
        }
        Ok(EventKind::StateChanged {
            from,
            to,
            outcome: None,
        })
    }

    /// Ends the case in `to` (closed or cancelled) with `outcome`.
    pub fn end(
        &mut self,
        to: CaseState,
        outcome: Option<Outcome>,
        now: DateTime<Utc>,
    ) -> Result<EventKind, DomainError> {
        let from = self.state;
        self.transition(to, now)?;
        self.outcome = outcome;
        Ok(EventKind::StateChanged { from, to, outcome })
    }

    /// The human work is over: `Open → Closing → Closed` with `outcome`.
    pub fn close(
        &mut self,
        outcome: Option<Outcome>,
        now: DateTime<Utc>,
    ) -> Result<[EventKind; 2], DomainError> {
        let closing = self.transition(CaseState::Closing, now)?;
        let closed = self.end(CaseState::Closed, outcome, now)?;
        Ok([closing, closed])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseState::*;

    #[test]
    fn legal_transitions() {
        let legal = [
            (Created, Open),
            (Created, Cancelled),
            (Open, Closing),
            (Open, Closed),
            (Open, Cancelled),
            (Closing, Executing),
            (Closing, Closed),
            (Closing, Cancelled),
            (Executing, Closed),
        ];
        for from in CaseState::ALL {
            for to in CaseState::ALL {
                let expected = legal.contains(&(from, to));
                assert_eq!(from.can_go_to(to), expected, "{from} -> {to}");
                match from.go_to(to) {
                    Ok(s) => assert!(expected && s == to),
                    Err(e) => {
                        assert!(!expected);
                        assert_eq!(e, DomainError::CaseTransition { from, to });
                        assert_eq!(e.to_string(), format!("case cannot go from {from} to {to}"));
                    }
                }
            }
        }
    }

    #[test]
    fn terminal_states_are_final() {
        for to in CaseState::ALL {
            assert!(!Closed.can_go_to(to));
            assert!(!Cancelled.can_go_to(to));
        }
    }

    #[test]
    fn parse_names() {
        for k in CaseKind::ALL {
            assert_eq!(k.name().parse::<CaseKind>().unwrap(), k);
            assert_eq!(k.short().parse::<CaseKind>().unwrap(), k);
        }
        for s in CaseState::ALL {
            assert_eq!(s.name().parse::<CaseState>().unwrap(), s);
        }
        assert_eq!("approve".parse::<Outcome>().unwrap(), Outcome::Approved);
        assert!("maybe".parse::<Outcome>().is_err());
        assert!("unknown".parse::<Outcome>().is_err());
        assert!("thing".parse::<CaseKind>().is_err());
    }

    #[test]
    fn combined_outcome() {
        use Outcome::*;
        assert_eq!(Outcome::combine([]), None);
        assert_eq!(Outcome::combine([Success, Success]), Some(Success));
        assert_eq!(Outcome::combine([Success, Failure]), Some(Unknown));
    }
}
