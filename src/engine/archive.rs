//! `casebench archive --closed-before T`: closed and cancelled cases move out of the hot
//! store into the archive beside it (`store::archive`), oldest closing first, in batches.
//!
//! Each batch, in this order: its ids are written to the archive's `pending` file; the
//! cases the archive does not hold yet are appended and synced; then one transaction removes
//! the batch from the hot store (cases, work items, the queue indexes and counters) with a
//! store-wide `cases-archived` event, naming in `idx_evicted` the cases whose event chunks
//! and search entries the sweep removes later (`store::evict`); then `pending` is cleared. A crash anywhere
//! leaves each case in the hot store, or in both: the next run first drops from the hot
//! store the pending cases the archive holds whole, and appends nothing twice (it looks
//! each id up first). `check` reports a case in both places.
//!
//! Kept in the hot store, whatever their age: a case whose ticket in a ticket system is not
//! settled, an approval case whose request is still in approval, a certification case of
//! a campaign run not closed.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{authz, Engine, SYSTEM_ACTOR};
use crate::api::{ApiError, Applied, ArchiveReport};
use crate::domain::campaign::RunState;
use crate::domain::itsm::Phase;
use crate::domain::kpi::CaseFacts;
use crate::domain::{ArchivedCase, Case, CaseId, CaseState, EventKind};
use crate::store::{ClosedEntry, WriteSet};

/// Evicted cases whose leftovers one batch of [`Engine::clear_evicted`] removes: small, as
/// sled holds what a batch replaces until the batch ends (a thousand cases, some 70,000
/// removals, took a compaction of 157,000 archived cases to 3.9 GB; a hundred, 650 MB).
const CLEAR_BATCH: usize = 100;

/// Cases per batch: one append and sync, one hot-store transaction. Small enough that the
/// pages a batch reads are still in sled's cache when its transaction removes them (2,000
/// read 156,812 cases of a 200,000-case store 30% slower).
const BATCH: usize = 500;

/// What an archive run is asked.
pub(crate) struct Run {
    pub before: DateTime<Utc>,
    pub dry_run: bool,
    pub max: Option<u64>,
}

impl Engine {
    /// `Command::Archive` as `actor` (an administrator).
    pub(super) fn archive_command(&self, actor: &str, run: Run) -> Result<Applied, ApiError> {
        let user = self.actor(actor)?;
        authz::may_administer(&user, "archive cases")?;
        let now = self.now();
        if run.before > now {
            return Err(ApiError::BadInput(format!(
                "--closed-before {} is in the future (the clock says {}): only cases closed before now can be archived",
                run.before.to_rfc3339(),
                now.to_rfc3339()
            )));
        }
        let report = self.archive_run(actor, &run)?;
        let message = match report.dry_run {
            true => format!(
                "would archive {} cases (closed before {})",
                report.archived,
                run.before.format("%Y-%m-%d %H:%M UTC")
            ),
            false => format!(
                "archived {} cases (closed before {}) into {} in {:.1} s",
                report.archived,
                run.before.format("%Y-%m-%d %H:%M UTC"),
                report.path,
                report.secs
            ),
        };
        Ok(Applied {
            message,
            archive: Some(report),
            ..Applied::default()
        })
    }

    /// Archives (or counts) what `run` asks, as `actor`.
    pub(crate) fn archive_run(&self, actor: &str, run: &Run) -> Result<ArchiveReport, ApiError> {
        let started = Instant::now();
        let mut report = ArchiveReport {
            before: run.before,
            dry_run: run.dry_run,
            archived: 0,
            mended: 0,
            kept: 0,
            more: false,
            path: self.archive.dir().display().to_string(),
            total: 0,
            secs: 0.0,
        };
        if !run.dry_run {
            report.mended = self.mend_pending(actor, run.before)?;
        }
        let live = self.live_certification_cases()?;
        let mut writer = self.archive.writer();
        let mut after = None;
        loop {
            let _one = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            let room = run
                .max
                .map_or(BATCH, |m| (m - report.archived).min(BATCH as u64) as usize);
            let page = self.store.closed_page(after, run.before, BATCH)?;
            let Some(last) = page.last() else { break };
            after = Some((last.0, last.1));
            let mut batch = vec![];
            for entry in page {
                if batch.len() >= room {
                    report.more = true;
                    break;
                }
                match self.archivable(entry, &live)? {
                    Some(a) => batch.push(a),
                    None => report.kept += 1,
                }
            }
            report.archived += batch.len() as u64;
            if !run.dry_run && !batch.is_empty() {
                self.archive_batch(actor, run.before, &mut writer, batch)?;
            }
            if report.more || run.max.is_some_and(|m| report.archived >= m) {
                report.more =
                    report.more || !self.store.closed_page(after, run.before, 1)?.is_empty();
                break;
            }
        }
        report.total = self.archive.count()?;
        report.secs = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// One batch: pending, appended and synced, then gone from the hot store in one
    /// transaction (what was filed under the cases is left to [`Engine::clear_evicted`]).
    fn archive_batch(
        &self,
        actor: &str,
        before: DateTime<Utc>,
        writer: &mut crate::store::archive::Writer<'_>,
        batch: Vec<ArchivedCase>,
    ) -> Result<(), ApiError> {
        let ids: Vec<CaseId> = batch.iter().map(|a| a.case.id).collect();
        self.archive.set_pending(&ids)?;
        // Appended once: a case a run cut short had archived is not appended again, unless
        // it changed in the hot store since (a comment in between): then the newer copy is.
        let mut fresh = vec![];
        for a in &batch {
            let closed = a.case.closed.unwrap_or(a.archived);
            let same = match writer.holds(a.case.id, closed)? {
                false => false,
                true => writer.copy(a.case.id, closed)?.is_some_and(|c| {
                    (&c.case, &c.work_items, &c.events) == (&a.case, &a.work_items, &a.events)
                }),
            };
            if !same {
                fresh.push(a.clone());
            }
        }
        writer.append(&fresh)?;
        fault("after-append");
        let mut tx = self.begin(actor)?;
        for a in &batch {
            tx.ws.evict_case(&a.case, &a.work_items);
        }
        let count = batch.len() as u64;
        tx.event(None, EventKind::CasesArchived { count, before }, None);
        let (ws, _) = Engine::seal(tx);
        self.store.commit(ws)?;
        fault("after-commit");
        self.archive.clear_pending()?;
        Ok(())
    }

    /// Finishes the batch of a run cut short: of its cases the archive holds whole, those
    /// still in the hot store leave it.
    fn mend_pending(&self, actor: &str, before: DateTime<Utc>) -> Result<u64, ApiError> {
        let pending = self.archive.pending()?;
        if pending.is_empty() {
            return Ok(0);
        }
        let _one = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut tx = self.begin(actor)?;
        let mut n = 0;
        for id in pending {
            let Some(copy) = self.archive.get(id)? else {
                continue;
            };
            if let Some(case) = self.store.case(id)? {
                let (items, events) = self.filed_under(&case)?;
                if copy.case != case || copy.work_items != items || copy.events != events {
                    continue;
                }
                tx.ws.evict_case(&case, &items);
                n += 1;
            }
        }
        if n > 0 {
            tx.event(None, EventKind::CasesArchived { count: n, before }, None);
            let (ws, _) = Engine::seal(tx);
            self.store.commit(ws)?;
        }
        self.archive.clear_pending()?;
        Ok(n)
    }

    /// The case's work items and events as the hot store holds them.
    fn filed_under(
        &self,
        case: &Case,
    ) -> Result<(Vec<crate::domain::WorkItem>, Vec<crate::domain::Event>), ApiError> {
        let mut items = vec![];
        for w in &case.work_items {
            items.extend(self.store.work_item(*w)?);
        }
        Ok((items, self.store.case_events(case.id)?))
    }

    /// The archived form of a case of `idx_closed`, or `None` when it stays (something
    /// live still needs it).
    fn archivable(
        &self,
        (_, id, facts): ClosedEntry,
        live: &BTreeSet<CaseId>,
    ) -> Result<Option<ArchivedCase>, ApiError> {
        let Some(case) = self.store.case(id)? else {
            return Ok(None);
        };
        if !matches!(case.state, CaseState::Closed | CaseState::Cancelled) || live.contains(&id) {
            return Ok(None);
        }
        if self
            .store
            .outsourcing(id)?
            .is_some_and(|o| o.phase != Phase::Settled)
        {
            return Ok(None);
        }
        if let Some(r) = case.request {
            if self.store.request(r)?.is_some_and(|r| r.in_approval()) {
                return Ok(None);
            }
        }
        let (work_items, events) = self.filed_under(&case)?;
        let facts = match facts {
            Some(f) => Some(f),
            None => Some(self.facts_of(&case, &work_items, &events)?),
        };
        let links = self.links_of(&case)?;
        Ok(Some(ArchivedCase {
            case,
            work_items,
            events,
            facts,
            archived: self.now(),
            links: Some(links),
        }))
    }

    pub(super) fn facts_of(
        &self,
        case: &Case,
        items: &[crate::domain::WorkItem],
        events: &[crate::domain::Event],
    ) -> Result<CaseFacts, ApiError> {
        let product = match case.request {
            Some(r) => self.store.request(r)?.map(|r| r.product),
            None => None,
        };
        Ok(CaseFacts::of(case, items, events, product, SYSTEM_ACTOR))
    }

    /// The certification cases of campaign runs not closed.
    fn live_certification_cases(&self) -> Result<BTreeSet<CaseId>, ApiError> {
        let mut out = BTreeSet::new();
        for def in self.store.campaigns()? {
            for id in &def.runs {
                if let Some(run) = self.store.campaign_run(*id)? {
                    if run.state != RunState::Closed {
                        out.extend(run.cases.iter().map(|c| c.case));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Archives what the configured retention makes due, at most `max` cases (the sweep).
    pub(crate) fn archive_due(&self, max: u64) -> Result<u64, ApiError> {
        let Some(keep) = self.archive_retention else {
            return Ok(0);
        };
        let run = Run {
            before: self.now() - keep,
            dry_run: false,
            max: Some(max),
        };
        Ok(self.archive_run(SYSTEM_ACTOR, &run)?.archived)
    }
}

impl Engine {
    /// Removes what evicted cases left in the hot store (events, `idx_token` entries), a
    /// thousand cases at a time, until none is left or `budget` has passed; returns how
    /// many cases were cleared (the sweep, the end of an archive run).
    pub(crate) fn clear_evicted(&self, budget: std::time::Duration) -> Result<u64, ApiError> {
        let started = Instant::now();
        let mut n = 0;
        while started.elapsed() < budget {
            let _one = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            let left = self.store.evicted(CLEAR_BATCH)?;
            if left.is_empty() {
                break;
            }
            let mut ws = WriteSet::default();
            for e in &left {
                ws.clear_evicted(e);
            }
            self.store.apply_per_tree(ws)?;
            n += left.len() as u64;
        }
        Ok(n)
    }
}

/// Test hook: `CASEBENCH_ARCHIVE_FAULT=after-append` (or `after-commit`) ends the process
/// at that point of the first batch, as a kill would (tests/archive_crash.rs).
fn fault(point: &str) {
    if std::env::var("CASEBENCH_ARCHIVE_FAULT").is_ok_and(|p| p == point) {
        std::process::exit(86);
    }
}
