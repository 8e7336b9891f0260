//! A closed or cancelled case moved out of the hot store into the archive beside it: the
//! case with everything that was filed under it, read-only from then on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::kpi::CaseFacts;
use super::{Case, Event, WorkItem};

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
