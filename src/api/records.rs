//! What front ends hand the engine to create: a new case, a user read from a file.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::duration::Span;
use crate::domain::{CaseKind, Target};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCase {
    pub kind: CaseKind,
    pub title: String,
    pub description: Option<String>,
    pub resource: Option<String>,
    pub object: Option<String>,
    /// Whom the case's first work item goes to.
    pub target: Target,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub deadline: Option<DateTime<Utc>>,
    /// A deadline as a duration from the case's creation (`3bd`, `6bh`, `2d`), counted in
    /// the calendar of the first holder (else the resource's, else the default); exclusive
    /// with `deadline`.
    pub deadline_in: Option<Span>,
    pub policy: Option<String>,
}

/// One user as read from an import file; `line` locates it for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub line: u64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub manager: Option<String>,
    pub groups: Vec<String>,
    /// The user's working-time calendar (the optional `calendar` column).
    pub calendar: Option<String>,
}
