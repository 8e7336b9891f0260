//! A closed or cancelled case moved out of the hot store into the archive beside it: the
//! case with everything that was filed under it, read-only from then on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::kpi::CaseFacts;
use super::{Case, Event, Outsourcing, PendingOperation, Product, Request, WorkItem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedCase {
    pub case: Case,
    pub work_items: Vec<WorkItem>,
    /// Its events, oldest first (comments are events).
    pub events: Vec<Event>,
    /// Its KPI facts as `idx_closed` held them (none: never settled).
    pub facts: Option<CaseFacts>,
    /// When it was archived.
    #[serde(with = "super::time::ts")]
    pub archived: DateTime<Utc>,
    /// What its detail showed from the hot store as it was archived (none in a record
    /// written before records carried them: those are read from the hot store). Kept apart
    /// from the record's first part, whose layout older archives share (`store::archive`).
    #[serde(skip)]
    pub links: Option<ArchivedLinks>,
}

/// The records a case's detail shows beside it, as they stood when it was archived, so an
/// archived case is shown whole without the hot store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedLinks {
    /// The access request it decided.
    pub request: Option<Request>,
    /// That request's product.
    pub product: Option<Product>,
    /// Its certification campaign run's label and its stage.
    pub campaign: Option<(String, u32)>,
    /// Its ticket in a ticket system.
    pub ticket: Option<Outsourcing>,
    /// The pending operations it carried.
    pub operations: Vec<ArchivedOperation>,
}

/// A pending operation on an account a case carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedOperation {
    pub resource: String,
    pub account: String,
    pub operation: PendingOperation,
}

impl ArchivedCase {
    /// The refusal of every change to it.
    pub fn read_only(&self) -> String {
        read_only(self.case.id, self.archived)
    }
}

/// "C-12 is archived (2027-03-01): archived cases are read-only".
pub fn read_only(id: super::CaseId, archived: DateTime<Utc>) -> String {
    format!(
        "{id} is archived ({}): archived cases are read-only",
        archived.format("%Y-%m-%d")
    )
}
