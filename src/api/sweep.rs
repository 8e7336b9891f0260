//! What a sweep is asked and what it reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{CaseId, WorkItemId};

/// What a sweep fired (or, in a dry run, would fire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    /// When the timer was due.
    #[serde(with = "crate::domain::time::ts")]
    pub due: DateTime<Utc>,
    /// The timer's kind: `escalation`, `valid-from`, `valid-until`, `expiry-notice`, …
    pub timer: String,
    pub case: Option<CaseId>,
    pub work_item: Option<WorkItemId>,
    pub request: Option<crate::domain::RequestId>,
    pub policy: Option<String>,
    /// The index of the policy rule that fired (0-based), if any.
    pub rule: Option<usize>,
    /// What happened, in one line: `escalated W-3 to bob (level 1)`.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    #[serde(with = "crate::domain::time::ts")]
    pub now: DateTime<Utc>,
    pub dry_run: bool,
    pub fired: Vec<Firing>,
    /// Timers that could not fire, each with its error as `action`: recorded on their case
    /// (`timer-failed`) and dropped, the other timers fired.
    #[serde(default)]
    pub failed: Vec<Firing>,
    /// Notifications handed to the delivery command in this sweep, and failures.
    pub delivered: usize,
    pub delivery_failures: usize,
    /// The ticket sync that followed (when ticket systems are configured), or its error.
    #[serde(default)]
    pub itsm: Option<Result<super::SyncReport, String>>,
    /// Closed cases the archive retention moved to the archive, or its error.
    #[serde(default)]
    pub archived: Option<Result<u64, String>>,
    /// Archived cases whose leftovers in the hot store (events, index entries) it removed.
    #[serde(default)]
    pub archive_cleared: u64,
}

/// When a sweep runs and what it may fire: every timer due at or before `until` (default:
/// `now`); `now` defaults to the engine's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SweepArgs {
    #[serde(with = "crate::domain::time::ts_opt")]
    pub now: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub until: Option<DateTime<Utc>>,
    pub dry_run: bool,
}

impl SweepArgs {
    /// Fire what is due now, by the engine's clock.
    pub fn due() -> SweepArgs {
        SweepArgs::default()
    }

    /// Fire what is due at `now`.
    pub fn at(now: DateTime<Utc>) -> SweepArgs {
        SweepArgs {
            now: Some(now),
            until: Some(now),
            dry_run: false,
        }
    }

    /// List, without firing, what would fire from `now` until `until`.
    pub fn preview(now: DateTime<Utc>, until: DateTime<Utc>) -> SweepArgs {
        SweepArgs {
            now: Some(now),
            until: Some(until),
            dry_run: true,
        }
    }
}
