//! What the engine answers about one case or request: its detail, comments, operations and
//! history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Case, CaseId, Event, Request, WorkItem};

/// A comment in a case's thread: a comment, or the comment that came with a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub seq: u64,
    #[serde(with = "crate::domain::time::ts")]
    pub time: DateTime<Utc>,
    pub author: String,
    /// `commented`, or the verb of the change it came with (`delegated`, `completed`, …).
    pub on: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub case: Case,
    pub work_items: Vec<WorkItem>,
    pub comments: Vec<CommentView>,
    /// The pending operations the case carries, as they stand now.
    #[serde(default)]
    pub operations: Vec<OperationView>,
    /// The access request an approval case decides, with its workflow.
    #[serde(default)]
    pub request: Option<Request>,
    /// The product of that request.
    #[serde(default)]
    pub product: Option<crate::domain::Product>,
    /// The campaign run a certification case belongs to: its label and the stage.
    #[serde(default)]
    pub campaign: Option<(String, u32)>,
    /// The case's ticket in a ticket system, when it was outsourced.
    #[serde(default)]
    pub ticket: Option<crate::domain::Outsourcing>,
    /// When the case was archived: it is read-only ("archived 2027-03-01").
    #[serde(default, with = "crate::domain::time::ts_opt")]
    pub archived: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationView {
    pub resource: String,
    pub account: String,
    pub operation: crate::domain::PendingOperation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetail {
    pub request: crate::domain::Request,
    /// The request's events and those of its approval case, in order.
    pub events: Vec<Event>,
    #[serde(default)]
    pub product: Option<crate::domain::Product>,
    /// Where provisioning stands, one line per operation of the request.
    #[serde(default)]
    pub provisioning: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseHistory {
    pub case: CaseId,
    pub events: Vec<Event>,
    /// When the case was archived.
    #[serde(default, with = "crate::domain::time::ts_opt")]
    pub archived: Option<DateTime<Utc>>,
}
