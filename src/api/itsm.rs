//! What a ticket sync reports, and where the ticket systems stand (`itsm sync`, `itsm status`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{CaseId, Outsourcing};

/// One case a sync did something for (or, in a dry run, would).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncLine {
    pub case: CaseId,
    pub target: String,
    pub reference: Option<String>,
    /// `created`, `found`, `polled`, `changed`, `completed`, `failed`, `released`,
    /// `waiting` (backing off), and in a dry run `would-create`, `would-poll`.
    pub action: String,
    /// What happened, in one line (the error for `failed`).
    pub detail: String,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncReport {
    pub dry_run: bool,
    pub lines: Vec<SyncLine>,
    /// Tickets created, looked at, whose state changed, whose case they settled, and calls
    /// that failed (kept on their case, tried again later).
    pub created: usize,
    pub polled: usize,
    pub changed: usize,
    pub settled: usize,
    pub failed: usize,
    /// Milliseconds the whole sync took.
    pub millis: u64,
}

/// A configured ticket system and its cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetStatus {
    pub name: String,
    /// `rt`, `jira`, `command`, or `unknown` for a target cases name that is no longer
    /// configured.
    pub kind: String,
    /// Case kinds sent to it.
    pub kinds: Vec<String>,
    /// Cases waiting for their ticket, tickets open, and records whose last call failed.
    pub queued: usize,
    pub open: usize,
    pub failing: usize,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub last_sync: Option<DateTime<Utc>>,
}

/// `itsm status`: every target, and the records not settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItsmStatus {
    pub targets: Vec<TargetStatus>,
    pub live: Vec<Outsourcing>,
}
