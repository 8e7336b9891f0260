use thiserror::Error;

use super::{CaseState, WorkItemState};

/// A rule of the domain was broken. Each variant says what and why in one line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid {what} {value:?}: expected e.g. {prefix}-123 or 123")]
    BadId {
        what: &'static str,
        prefix: &'static str,
        value: String,
    },
    #[error("invalid duration {0:?}: expected a number and a unit, e.g. 90m, 12h, 3d, 2w")]
    BadDuration(String),
    #[error("{0:?} is too long (at most {max}d)", max = super::duration::MAX_DAYS)]
    DurationTooLong(String),
    #[error("{0} is out of range: the time it gives is too far off")]
    TimeOverflow(String),
    #[error("case cannot go from {from} to {to}")]
    CaseTransition { from: CaseState, to: CaseState },
    #[error("work item cannot go from {from} to {to}")]
    WorkItemTransition {
        from: WorkItemState,
        to: WorkItemState,
    },
    #[error("invalid {what} {value:?}: expected one of {expected}")]
    BadValue {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A definition breaks one of its own rules; the text says which.
    #[error("{0}")]
    Invalid(String),
}
