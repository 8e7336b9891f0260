//! The idle sweep: `casebench sweep` from cron on a store with nothing due answers from
//! the idle card (`store::idle`) the last sweep left, without opening the hot store.
//!
//! A sweep leaves a card only when time alone can give the next one work: no ticket system
//! to sync, no export to watch, no leftovers of archived cases, and no notification waiting
//! for a delivery command. The card says the first time anything falls due: the first timer
//! of `due`, and with an archive retention the oldest hot closed case passing it.

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};

use super::super::Engine;
use crate::api::{ApiError, SweepReport};
use crate::domain::User;
use crate::store::idle::{self, Left, Setting};
use crate::store::trees;

impl Engine {
    /// After a sweep by `user` that was not a dry run: the idle card says until when the
    /// next one has nothing to do, or is forgotten when it may have something.
    pub(crate) fn note_idle(&self, user: &User, report: &SweepReport) {
        let path = self.store.path();
        match self.idle_left() {
            Ok(Some(left)) if left.until > report.now => {
                idle::note(path, left, self.idle_setting(), &user.login)
            }
            _ => idle::forget(path),
        }
    }

    fn idle_setting(&self) -> Setting {
        Setting {
            retention: self.archive_retention,
            delivers: self.notify_command.is_some(),
        }
    }

    /// What the store leaves the next sweep, when only time can give it work.
    fn idle_left(&self) -> Result<Option<Left>, ApiError> {
        let waiting = !self.store.notifications(true, 1)?.is_empty();
        if self.has_itsm()
            || (waiting && self.notify_command.is_some())
            || !self.store.evicted(1)?.is_empty()
            || self.store.resources()?.iter().any(|r| r.is_semi_manual())
        {
            return Ok(None);
        }
        let latest = DateTime::<Utc>::MAX_UTC;
        let mut until = match self.store.due_until(latest, 1)?.first() {
            Some(d) => d.0,
            None => latest,
        };
        if let Some(keep) = self.archive_retention {
            if let Some((closed, _, _)) = self.store.closed_page(None, latest, 1)?.first() {
                until = until.min(closed.checked_add_signed(keep).unwrap_or(latest));
            }
        }
        Ok(Some(Left {
            events: self.store.counter(trees::KEY_NEXT_EVENT)?,
            until,
            waiting,
        }))
    }
}

/// The report of a sweep by `actor` at `now` that finds nothing to do, when the idle card
/// vouches for it (else none: the sweep opens the store). `retention` and `delivers` are
/// the sweep's configuration, `itsm` whether ticket systems are configured.
pub fn idle_sweep(
    db: &Path,
    actor: &str,
    now: DateTime<Utc>,
    retention: Option<TimeDelta>,
    delivers: bool,
    itsm: bool,
) -> Option<SweepReport> {
    let setting = Setting {
        retention,
        delivers,
    };
    if itsm || !idle::vouches(db, actor, now, setting) {
        return None;
    }
    Some(SweepReport {
        now,
        dry_run: false,
        fired: vec![],
        failed: vec![],
        delivered: 0,
        delivery_failures: 0,
        itsm: None,
        archived: retention.map(|_| Ok(0)),
        archive_cleared: 0,
    })
}
