//! The engine: the only writer. It checks permissions, applies commands through the domain's
//! rules, records their audit events and commits everything in one store transaction.

mod admin;
mod approval;
mod archive;
mod archive_read;
mod authz;
mod backup;
mod calendar;
mod campaign;
mod catalogue;
mod check;
mod detail;
mod execute;
mod feed;
mod feed_file;
mod gap;
pub mod generate;
mod handover;
mod itsm;
mod lifecycle;
mod notify;
mod provision;
mod query;
mod query_ranked;
#[doc(hidden)]
pub use archive_read::ArchiveReader;
pub use query_ranked::set_read_all_below as set_filter_read_all_below;
pub use sweep::idle_sweep;
mod relocate;
pub mod replay;
mod report;
mod request;
mod request_change;
mod request_provision;
mod service;
mod sweep;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::api::{ApiError, Applied};
pub use crate::clock::{Clock, ManualClock, SystemClock};
use crate::domain::{CaseId, Event, EventKind, User, WorkItemId};
use crate::store::{trees, Storage, Store, WriteSet};
pub use feed_file::FeedAccess;

pub struct Engine {
    store: Box<dyn Storage>,
    clock: Arc<dyn Clock>,
    /// Commands run one at a time: reads before a commit see every earlier commit.
    write_lock: Mutex<()>,
    /// When false, commits are not flushed one by one (batches flush at their end).
    durable_each: bool,
    /// The command that delivers notifications (`sendmail -t`), if any.
    notify_command: Option<String>,
    /// Which export files the sweep may read.
    feeds: FeedAccess,
    /// The ticket systems cases may be outsourced to (`[itsm.NAME]` of the config file).
    itsm: Vec<crate::itsm::Target>,
    /// The archive beside the store (read only when asked: `store::archive`).
    archive: crate::store::archive::Archive,
    /// How long closed cases stay in the hot store before the sweep archives them.
    archive_retention: Option<chrono::TimeDelta>,
}

/// The actor of changes made by timers.
pub const SYSTEM_ACTOR: &str = "casebench";

impl Engine {
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Engine, ApiError> {
        Ok(Engine::new(Store::open(path)?, clock))
    }

    /// An engine over any [`Storage`] backend.
    pub fn new(store: impl Storage + 'static, clock: Arc<dyn Clock>) -> Engine {
        let archive = crate::store::archive::Archive::beside(store.path());
        Engine {
            archive,
            archive_retention: None,
            store: Box::new(store),
            clock,
            write_lock: Mutex::new(()),
            durable_each: true,
            notify_command: None,
            feeds: FeedAccess::Any,
            itsm: vec![],
        }
    }

    /// Creates a store at `path` and registers `admin` as its first administrator, a member
    /// of `groups` (created with it, recorded as `import users` records them).
    pub fn init(
        path: &Path,
        clock: Arc<dyn Clock>,
        admin: &str,
        groups: &[String],
    ) -> Result<Engine, ApiError> {
        if !crate::domain::org::valid_name(admin) {
            return Err(ApiError::BadInput(format!(
                "invalid login {admin:?} for the first administrator"
            )));
        }
        if let Some(g) = groups.iter().find(|g| !crate::domain::org::valid_name(g)) {
            return Err(ApiError::BadInput(format!("invalid group name {g:?}")));
        }
        let mut groups = groups.to_vec();
        groups.sort();
        groups.dedup();
        let engine = Engine::new(Store::create(path)?, clock);
        let mut tx = engine.begin(admin)?;
        tx.event(None, EventKind::StoreInitialized, None);
        for name in &groups {
            tx.ws.put_group(&crate::domain::Group::new(name));
            tx.event(None, EventKind::GroupCreated { name: name.clone() }, None);
        }
        let user = User {
            login: admin.to_string(),
            name: admin.to_string(),
            email: String::new(),
            manager: None,
            groups,
            calendar: None,
            admin: true,
        };
        tx.ws.put_user(None, &user);
        tx.event(
            None,
            EventKind::UserCreated {
                login: admin.to_string(),
            },
            None,
        );
        engine.commit(tx, "store created")?;
        Ok(engine)
    }

    pub(crate) fn store(&self) -> &dyn Storage {
        self.store.as_ref()
    }

    /// The store itself, read-only, for tests and benchmarks that check what was written
    /// (indexes, counters, raw events). Front ends never use it: they ask through
    /// [`crate::api::Service`] (tests/architecture.rs holds them to it).
    #[doc(hidden)]
    pub fn inspect(&self) -> &dyn Storage {
        self.store.as_ref()
    }

    /// Whether a store exists at `path`.
    pub fn exists(path: &Path) -> bool {
        Store::exists(path)
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Batch mode: commits are atomic but flushed only by [`Engine::flush`].
    pub fn set_batch_mode(&mut self, batch: bool) {
        self.durable_each = !batch;
    }

    /// Delivers notifications through `command` (run by `sh -c`, message on stdin).
    pub fn set_notify_command(&mut self, command: Option<String>) {
        self.notify_command = command.filter(|c| !c.trim().is_empty());
    }

    /// The ticket systems cases may be outsourced to.
    pub fn set_itsm_targets(&mut self, targets: Vec<crate::itsm::Target>) {
        self.itsm = targets;
    }

    /// Closed cases older than `retention` are archived by each sweep (a bounded number).
    pub fn set_archive_retention(&mut self, retention: Option<chrono::TimeDelta>) {
        self.archive_retention = retention;
    }

    /// Which export files the sweep may read (a server: only under its exports directory).
    pub fn set_feed_access(&mut self, feeds: FeedAccess) {
        self.feeds = feeds;
    }

    pub fn flush(&self) -> Result<(), ApiError> {
        Ok(self.store.flush()?)
    }

    /// The acting user, who must be known to the store.
    pub(crate) fn actor(&self, login: &str) -> Result<User, ApiError> {
        self.store.user(login)?.ok_or_else(|| {
            ApiError::NotAllowed(format!(
                "user {login:?} is not known to this store: an administrator must import them first"
            ))
        })
    }

    fn begin(&self, actor: &str) -> Result<Tx<'_>, ApiError> {
        self.begin_at(actor, self.clock.now())
    }

    fn begin_at(&self, actor: &str, now: DateTime<Utc>) -> Result<Tx<'_>, ApiError> {
        Ok(Tx {
            store: self.store.as_ref(),
            ws: WriteSet::default(),
            now,
            actor: actor.to_string(),
            next_event: self.store.counter(trees::KEY_NEXT_EVENT)?,
            counters: BTreeMap::new(),
            applied: Applied::default(),
            kept: None,
        })
    }

    /// Seals a change set: the id counters it advanced are written with it.
    fn seal(tx: Tx<'_>) -> (WriteSet, Applied) {
        let mut tx = tx;
        tx.ws.set_counter(trees::KEY_NEXT_EVENT, tx.next_event);
        for (key, n) in &tx.counters {
            tx.ws.set_counter(key, *n);
        }
        (tx.ws, tx.applied)
    }

    /// Commits what `tx` holds so far without flushing, and leaves `tx` going on after it:
    /// its event numbers and id counters continue from where they stand (a change set
    /// begun afresh before this one is in would take the same numbers again).
    fn commit_so_far(&self, tx: &mut Tx<'_>) -> Result<Applied, ApiError> {
        let mut ws = std::mem::take(&mut tx.ws);
        ws.set_counter(trees::KEY_NEXT_EVENT, tx.next_event);
        for (key, n) in &tx.counters {
            ws.set_counter(key, *n);
        }
        let closed = ws.closed_cases().to_vec();
        self.store.commit_unflushed(ws)?;
        self.settle_facts(&closed)?;
        Ok(std::mem::take(&mut tx.applied))
    }

    /// Commits without flushing, whatever the mode (sweeps flush once at their end).
    fn commit_batch(&self, tx: Tx<'_>) -> Result<Applied, ApiError> {
        let (ws, applied) = Engine::seal(tx);
        let closed = ws.closed_cases().to_vec();
        self.store.commit_unflushed(ws)?;
        self.settle_facts(&closed)?;
        Ok(applied)
    }

    fn commit(&self, tx: Tx<'_>, message: impl Into<String>) -> Result<Applied, ApiError> {
        let (ws, mut applied) = Engine::seal(tx);
        let closed = ws.closed_cases().to_vec();
        if self.durable_each {
            self.store.commit(ws)?;
        } else {
            self.store.commit_unflushed(ws)?;
        }
        let settled = self.settle_facts(&closed);
        // Durable: the change is on disk whatever became of its facts (they stay empty).
        if !self.durable_each {
            settled?;
        }
        applied.message = message.into();
        Ok(applied)
    }
}

/// One command's change set in the making: entities, events and counters.
pub(crate) struct Tx<'a> {
    store: &'a dyn Storage,
    pub ws: WriteSet,
    pub now: DateTime<Utc>,
    pub actor: String,
    next_event: u64,
    /// The next value of every id counter this change set advanced, by `meta` key.
    counters: BTreeMap<&'static [u8], u64>,
    pub applied: Applied,
    /// When set, a copy of every event written (the generator computes KPI facts from it).
    pub kept: Option<Vec<Event>>,
}

impl Tx<'_> {
    /// Records an event about an access request.
    pub fn request_event(
        &mut self,
        request: crate::domain::RequestId,
        what: EventKind,
        why: Option<String>,
    ) {
        let seq = self.reserve_event();
        self.write_event(seq, None, Some(request), what, why);
    }

    /// Reserves the next event number, for an event written later with [`Tx::event_at`]
    /// that must come before the events recorded in between.
    pub fn reserve_event(&mut self) -> u64 {
        let seq = self.next_event;
        self.next_event += 1;
        self.applied.events.push(seq);
        seq
    }

    pub fn event_at(
        &mut self,
        seq: u64,
        case: Option<CaseId>,
        what: EventKind,
        why: Option<String>,
    ) {
        self.write_event(seq, case, None, what, why);
    }

    pub fn event(&mut self, case: Option<CaseId>, what: EventKind, why: Option<String>) {
        let seq = self.reserve_event();
        self.write_event(seq, case, None, what, why);
    }

    fn write_event(
        &mut self,
        seq: u64,
        case: Option<CaseId>,
        request: Option<crate::domain::RequestId>,
        what: EventKind,
        why: Option<String>,
    ) {
        let event = Event {
            seq,
            time: self.now,
            actor: self.actor.clone(),
            case,
            request,
            what,
            why,
        };
        self.ws.put_event(&event);
        if let Some(kept) = &mut self.kept {
            kept.push(event);
        }
    }
}

/// Id counters: each is read from the store once per change set, then advanced in memory;
/// [`Engine::seal`] writes the advanced ones with the change set.
impl Tx<'_> {
    /// The next number of the counter at `key` (a `trees::KEY_NEXT_*`).
    pub fn next_id(&mut self, key: &'static [u8]) -> Result<u64, ApiError> {
        let n = match self.counters.get(key) {
            Some(n) => *n,
            None => self.store.counter(key)?,
        };
        self.counters.insert(key, n + 1);
        Ok(n)
    }

    pub fn new_case_id(&mut self) -> Result<CaseId, ApiError> {
        self.next_id(trees::KEY_NEXT_CASE).map(CaseId)
    }

    pub fn new_work_item_id(&mut self) -> Result<WorkItemId, ApiError> {
        self.next_id(trees::KEY_NEXT_WORK_ITEM).map(WorkItemId)
    }

    pub fn new_notification_seq(&mut self) -> Result<u64, ApiError> {
        self.next_id(trees::KEY_NEXT_NOTIFICATION)
    }

    pub fn new_request_id(&mut self) -> Result<crate::domain::RequestId, ApiError> {
        self.next_id(trees::KEY_NEXT_REQUEST)
            .map(crate::domain::RequestId)
    }

    pub fn new_operation_id(&mut self) -> Result<u64, ApiError> {
        self.next_id(trees::KEY_NEXT_OPERATION)
    }
}
