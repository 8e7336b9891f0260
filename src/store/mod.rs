//! The store: entities, their indexes and the audit trail, behind the [`Storage`] trait.
//! [`Store`] (sled) is its implementation; only this module names sled.
//!
//! Reads are typed getters and bounded scans; writes are collected in a [`WriteSet`] and
//! applied by [`Storage::commit`] in one transaction, then flushed (durable before the
//! caller reports success). Index entries are derived in the write set from the entities,
//! so indexes cannot disagree with what they index.

pub mod archive;
mod campaign_store;
mod card;
mod codec;
pub mod compact;
mod event_check;
mod events;
mod evict;
mod exit;
pub mod idle;
mod itsm_store;
mod migrate;
mod open;
mod period;
mod period_backfill;
pub mod readers;
mod reserve;
pub mod seal;
mod shadow_pages;
mod sled_store;
mod state_chunk;
mod state_index;
mod token_chunk;
mod token_index;
pub mod trees;
mod vocab;
mod writeset;

#[cfg(test)]
pub(crate) mod test_support {
    use super::{Store, StoreError};

    /// Opens the store just dropped; its lock may outlive the drop by a moment under load.
    pub(crate) fn reopen(path: &std::path::Path) -> Store {
        let start = std::time::Instant::now();
        loop {
            match Store::open(path) {
                Err(StoreError::Busy { .. })
                    if start.elapsed() < std::time::Duration::from_secs(10) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other.unwrap(),
            }
        }
    }
}

use std::path::Path;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{
    ApprovalPolicy, CampaignDef, CampaignRun, Case, CaseId, CaseState, CertItem, Event, Group,
    Notification, OrgSettings, OrgUnit, Policy, Product, Request, RequestId, Resource, Shadow,
    User, WorkItem, WorkItemId,
};

pub use codec::encode;
pub use event_check::EventChunks;
pub use events::CHUNK as EVENT_CHUNK;
pub use evict::{ClosedEntry, ClosedPages, Evicted};
pub use exit::{close_at_exit, free_on_close};
pub use itsm_store::TicketStore;
pub use open::{cache_bytes, set_cache_mb, BUILD_CACHE_MB, LONG_CACHE_MB, ONE_SHOT_CACHE_MB};
pub use period::{PeriodIndex, Span};
pub use shadow_pages::ShadowPages;
pub use sled_store::Store;
pub use state_index::{state_findings, StateChunk, StateChunks, KEY_STATE_PACKED};
pub use token_index::{
    derived_token_keys, grade as token_grade, indexable, item_words, token_findings,
    words as token_words, Graded, TokenIndex,
};
pub use writeset::WriteSet;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "store {path} is busy: another casebench process holds it; try again when it has finished"
    )]
    Busy { path: String },
    #[error("no store at {path}: run `casebench init` first (or pass --db)")]
    Missing { path: String },
    #[error("{path} is a file, not a casebench store: pass --db a directory (a new one for `casebench init`)")]
    NotAStore { path: String },
    #[error("a store already exists at {path}")]
    Exists { path: String },
    #[error("store {path} has schema version {found}, newer than this casebench understands ({supported}); upgrade casebench")]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("store {path} is damaged ({why}): restore the last backup with `casebench restore BACKUP` (docs/operations.md)")]
    Damaged { path: String, why: String },
    #[error("disk full writing {path}: nothing was saved; free some space and try again")]
    DiskFull { path: String },
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    #[error("store error: {0}")]
    Sled(String),
    /// Reading or writing the archive's files failed (not a damage: that is `Damaged`).
    #[error("archive: {0}")]
    Archive(String),
}

/// A timer in the `due` tree: (time, kind, id, slot, case).
pub type DueEntry = (DateTime<Utc>, u8, u64, u16, CaseId);

/// What the engine reads and writes: typed getters, bounded scans and atomic commits of a
/// [`WriteSet`]. A backend implements it whole; the engine knows no other.
pub trait Storage:
    TicketStore + ShadowPages + TokenIndex + ClosedPages + EventChunks + StateChunks + Send + Sync
{
    fn path(&self) -> &Path;

    fn schema_version(&self) -> Result<Option<u32>, StoreError>;

    fn flush(&self) -> Result<(), StoreError>;

    /// The bytes of every key and value in every tree: what the store holds, unpacked.
    fn raw_size(&self) -> Result<u64, StoreError>;

    /// Applies a write set atomically over all trees, then flushes to disk.
    fn commit(&self, ws: WriteSet) -> Result<(), StoreError>;

    /// Applies a write set atomically; durable only after the next [`Storage::flush`].
    fn commit_unflushed(&self, ws: WriteSet) -> Result<(), StoreError>;

    /// Writes every tree into a fresh store beside this one (`store::compact`); the
    /// caller holds the write lock, after a flush.
    fn compact_copy(&self) -> Result<compact::Copied, StoreError>;

    fn counter(&self, key: &[u8]) -> Result<u64, StoreError>;

    fn case(&self, id: CaseId) -> Result<Option<Case>, StoreError>;

    fn work_item(&self, id: WorkItemId) -> Result<Option<WorkItem>, StoreError>;

    fn user(&self, login: &str) -> Result<Option<User>, StoreError>;

    fn group(&self, name: &str) -> Result<Option<Group>, StoreError>;

    fn users(&self) -> Result<Vec<User>, StoreError>;

    fn groups(&self) -> Result<Vec<Group>, StoreError>;

    fn group_members(&self, group: &str) -> Result<Vec<String>, StoreError>;

    /// The events of one case, oldest first.
    fn case_events(&self, case: CaseId) -> Result<Vec<Event>, StoreError>;

    /// Every event, in order (for audits and invariant checks).
    fn all_events(&self) -> Result<Vec<Event>, StoreError>;

    /// How many events the store holds (tests and audits: every chunk is read).
    fn event_count(&self) -> usize;

    /// How many cases are in `state`, from the counter kept with the state index.
    fn count_in_state(&self, state: CaseState) -> Result<usize, StoreError>;

    /// Open work items in deadline order (no deadline last), skipping `skip`, as
    /// (work item, case), until `keep` says stop.
    fn scan_open_by_deadline(
        &self,
        until: Option<DateTime<Utc>>,
        keep: &mut dyn FnMut(WorkItemId, CaseId) -> bool,
    ) -> Result<(), StoreError>;

    /// Case ids in any of `states`, newest first, at most `limit` (a merge of the indexes).
    fn cases_in_states(
        &self,
        states: &[CaseState],
        limit: usize,
    ) -> Result<Vec<CaseId>, StoreError>;

    /// All case ids, newest first, at most `limit`.
    fn case_ids(&self, limit: usize) -> Result<Vec<CaseId>, StoreError>;

    /// Open work items assigned to `login`.
    fn assigned_to(&self, login: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError>;

    /// Open work items offered to `group`.
    fn offered_to(&self, group: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError>;

    /// Open work items `login` delegated away.
    fn delegated_by(&self, login: &str) -> Result<Vec<(WorkItemId, CaseId)>, StoreError>;

    /// Open work items whose deadline is at or after `since` and at or before `until`,
    /// oldest deadline first.
    fn deadlines_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(WorkItemId, CaseId)>, StoreError>;

    fn resource(&self, id: &str) -> Result<Option<Resource>, StoreError>;

    fn resource_by_seq(&self, seq: u64) -> Result<Option<Resource>, StoreError>;

    fn resources(&self) -> Result<Vec<Resource>, StoreError>;

    fn shadow(&self, resource: &str, account: &str) -> Result<Option<Shadow>, StoreError>;

    /// Every shadow of a resource, by account.
    fn shadows(&self, resource: &str) -> Result<Vec<Shadow>, StoreError>;

    /// Shadows of a resource with operations waiting for propagation.
    fn queued_shadows(&self, resource: &str) -> Result<Vec<Shadow>, StoreError>;

    fn request(&self, id: RequestId) -> Result<Option<Request>, StoreError>;

    /// Requests, newest first; only those for `recipient` when given.
    fn requests(&self, recipient: Option<&str>, limit: usize) -> Result<Vec<Request>, StoreError>;

    /// The events of one request, oldest first.
    fn request_events(&self, id: RequestId) -> Result<Vec<Event>, StoreError>;

    fn policy(&self, name: &str) -> Result<Option<Policy>, StoreError>;

    fn policies(&self) -> Result<Vec<Policy>, StoreError>;

    /// Timers due at or before `until`, in firing order: (time, kind, id, slot, case id).
    fn due_until(&self, until: DateTime<Utc>, limit: usize) -> Result<Vec<DueEntry>, StoreError>;

    /// How many timers are scheduled in all.
    fn due_count(&self) -> usize;

    fn notification(&self, seq: u64) -> Result<Option<Notification>, StoreError>;

    /// The outbox, newest first, at most `limit`; only unsent ones when `unsent`.
    fn notifications(&self, unsent: bool, limit: usize) -> Result<Vec<Notification>, StoreError>;

    /// Raw access for invariant checks in tests: every key of an index tree; of `idx_token`,
    /// every logical entry `word ‖ 0 ‖ tail` its chunks hold (`store::token_chunk`); of
    /// `idx_state`, every logical entry `state code ‖ case id` (`store::state_chunk`).
    fn index_keys(&self, name: &str) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Every case and work item, for invariant checks and exports.
    fn all_cases(&self) -> Result<Vec<Case>, StoreError>;

    fn all_work_items(&self) -> Result<Vec<WorkItem>, StoreError>;

    fn product(&self, id: &str) -> Result<Option<Product>, StoreError>;

    /// The catalogue, by id.
    fn products(&self) -> Result<Vec<Product>, StoreError>;

    fn approval_policy(&self, name: &str) -> Result<Option<ApprovalPolicy>, StoreError>;

    fn approval_policies(&self) -> Result<Vec<ApprovalPolicy>, StoreError>;

    fn org_unit(&self, id: &str) -> Result<Option<OrgUnit>, StoreError>;

    /// Every org unit, by id.
    fn org_units(&self) -> Result<Vec<OrgUnit>, StoreError>;

    fn org_settings(&self) -> Result<OrgSettings, StoreError>;

    /// The IT Shop's zone and default gap rule (defaults when never imported).
    fn shop_settings(&self) -> Result<crate::domain::ShopSettings, StoreError>;

    fn campaign(&self, name: &str) -> Result<Option<CampaignDef>, StoreError>;

    /// Every campaign definition, by name.
    fn campaigns(&self) -> Result<Vec<CampaignDef>, StoreError>;

    fn campaign_run(&self, id: u64) -> Result<Option<CampaignRun>, StoreError>;

    fn cert_item(&self, run: u64, no: u32) -> Result<Option<CertItem>, StoreError>;

    /// Items of `run` from number `from` on, at most `limit`, until `keep` says stop.
    fn scan_cert_items(
        &self,
        run: u64,
        from: u32,
        keep: &mut dyn FnMut(CertItem) -> bool,
    ) -> Result<(), StoreError>;

    /// The item a certification work item decides: (run id, item no).
    fn cert_item_of(&self, work_item: WorkItemId) -> Result<Option<(u64, u32)>, StoreError>;

    fn calendar(&self, name: &str) -> Result<Option<crate::domain::Calendar>, StoreError>;

    /// Every working-time calendar, by name.
    fn calendars(&self) -> Result<Vec<crate::domain::Calendar>, StoreError>;

    /// The name of the store-wide default calendar, if one was imported.
    fn default_calendar(&self) -> Result<Option<String>, StoreError>;

    /// Case ids (`Closed`) or request ids (`RequestCreated`) whose time lies in the
    /// half-open `span`, in time order: a bounded read of one period.
    fn ids_between(&self, index: PeriodIndex, span: Span) -> Result<Vec<u64>, StoreError>;

    /// The closed cases in `span` with their KPI facts, if settled (`period::closed_between`).
    fn closed_between(
        &self,
        span: Span,
    ) -> Result<Vec<(u64, Option<crate::domain::kpi::CaseFacts>)>, StoreError>;
}

impl dyn Storage + '_ {
    /// Open work items in deadline order (no deadline last), as (work item, case), until
    /// `keep` says stop.
    pub fn open_by_deadline(
        &self,
        until: Option<DateTime<Utc>>,
        mut keep: impl FnMut(WorkItemId, CaseId) -> bool,
    ) -> Result<(), StoreError> {
        self.scan_open_by_deadline(until, &mut keep)
    }
}

fn bad_key(tree: &str) -> StoreError {
    StoreError::Corrupt(format!("malformed key in tree {tree}"))
}
