//! What an archive run did, and what the archive holds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveReport {
    /// Cases closed before this were due.
    #[serde(with = "crate::domain::time::ts")]
    pub before: DateTime<Utc>,
    pub dry_run: bool,
    /// Cases moved to the archive (in a dry run: that would be).
    pub archived: u64,
    /// Cases a run cut short had left in both places, now only in the archive.
    pub mended: u64,
    /// Cases due but kept because something live still needs them.
    pub kept: u64,
    /// Whether it stopped at its `max` with more left to do.
    pub more: bool,
    /// The archive's directory and how many cases it holds now.
    pub path: String,
    pub total: u64,
    pub secs: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveStatus {
    pub path: String,
    pub cases: u64,
    /// Its segments, one per month of closing (`2026-03`).
    pub months: Vec<String>,
}

/// What `casebench compact` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompactReport {
    /// Archived cases whose leftovers (events, search entries) were removed first.
    pub cleared: u64,
    pub keys: u64,
    pub trees: usize,
    pub archive_files: usize,
    /// The store's files (the archive's included) before and after, in bytes.
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub secs: f64,
}
