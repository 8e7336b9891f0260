//! A message in the outbox: queued by the engine, delivered by a configured command,
//! marked sent exactly once; a failed delivery stays queued and visible with its error.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CaseId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub seq: u64,
    /// Recipient login and address.
    pub to: String,
    pub email: String,
    pub subject: String,
    pub body: String,
    pub case: Option<CaseId>,
    #[serde(with = "super::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "super::time::ts_opt")]
    pub sent: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub last_error: Option<String>,
}
