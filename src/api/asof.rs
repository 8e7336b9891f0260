//! A case as it stood at a past time, rebuilt from its events (read-only).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CaseDetail;

/// `case show ID --as-of T`: the case, its work items and the comments up to `at`. The
/// pending operations, request and campaign of the detail are left empty: they are
/// today's, not the past's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAsOf {
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    pub detail: CaseDetail,
}
