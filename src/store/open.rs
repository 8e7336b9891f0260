//! Opening, creating, flushing and closing a sled store, so that casebench never makes a
//! damaged store worse: the seal ([`super::seal`]) is checked before sled sees the files,
//! sled's panics on damaged files become one line, and a write that could not be saved
//! (a full disk) closes the sled handle and reopens what is on disk.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use super::seal::{self, Seal, Verdict};
use super::sled_store::{Inner, Store};
use super::trees::{self, Tree};
use super::{compact, reserve};
use super::{Storage, StoreError};

fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// Runs `f`, turning a panic into its message, without printing it or a backtrace.
pub(super) fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Mutex<()> = Mutex::new(());
    let _one = HOOK.lock().unwrap_or_else(|p| p.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an internal error".into())
    })
}

/// The store this process opened last: named in errors found deep in later reads.
static LAST_OPENED: Mutex<String> = Mutex::new(String::new());

pub(super) fn last_opened() -> String {
    LAST_OPENED.lock().map(|s| s.clone()).unwrap_or_default()
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn damaged(path: &Path, why: impl Into<String>) -> StoreError {
    StoreError::Damaged {
        path: shown(path),
        why: why.into(),
    }
}

/// sled's page cache, in MB, of a one-shot command (the CLI's): enough for the pages one
/// command touches; a larger cache would only raise its peak memory.
pub const ONE_SHOT_CACHE_MB: u64 = 32;

/// sled's page cache, in MB, of a process that lives long or walks much of a large store (a
/// server, the workbench, a sweep, the benchmark): pages read again are served from it.
pub const LONG_CACHE_MB: u64 = 128;
/// For `casebench gen`, which writes in order and reads back almost nothing: a larger cache
/// only holds more of what it wrote (at a million cases: 187 MB peak with 8 MB, 364 MB with
/// 128 MB, and no slower).
pub const BUILD_CACHE_MB: u64 = 8;

/// The page cache this process gives the stores it opens, unless `CASEBENCH_CACHE_MB` says.
static CACHE_MB: AtomicU64 = AtomicU64::new(ONE_SHOT_CACHE_MB);

/// The page cache (in MB) of the stores this process opens from now on, when
/// `CASEBENCH_CACHE_MB` does not set one.
pub fn set_cache_mb(mb: u64) {
    CACHE_MB.store(mb.clamp(1, 1 << 20), Ordering::Relaxed);
}

/// sled's page cache in bytes: `CASEBENCH_CACHE_MB` (1 to 1,048,576) when set to a number,
/// else what [`set_cache_mb`] chose (or [`ONE_SHOT_CACHE_MB`]).
pub fn cache_bytes() -> u64 {
    let set = std::env::var("CASEBENCH_CACHE_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|mb| (1..=1 << 20).contains(mb));
    set.unwrap_or_else(|| CACHE_MB.load(Ordering::Relaxed)) * 1024 * 1024
}

/// Stores this process has opened: a lock on one of them is most likely this process's own
/// sled I/O threads finishing after the handle was dropped, and is waited out for a moment.
static OPENED_HERE: Mutex<Vec<std::path::PathBuf>> = Mutex::new(Vec::new());

/// Notes `path` as opened by this process: a reopen waits out its lock for a moment.
pub(super) fn note_opened(path: &Path) {
    if let Ok(mut o) = OPENED_HERE.lock() {
        if !o.iter().any(|p| p == path) {
            o.push(path.to_path_buf());
        }
    }
}

/// How long a reopen by the same process waits for the lock its dropped handle still holds.
const OWN_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// sled's handle and trees at `path`; a panic or a corruption report is "damaged". A store
/// this process opened before and dropped is waited for briefly when still locked.
fn sled_open(path: &Path) -> Result<Inner, StoreError> {
    let started = std::time::Instant::now();
    let ours = OPENED_HERE
        .lock()
        .is_ok_and(|o| o.iter().any(|p| p == path));
    loop {
        match sled_open_once(path) {
            Err(StoreError::Busy { .. }) if ours && started.elapsed() < OWN_LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Ok(inner) => {
                if !ours {
                    if let Ok(mut o) = OPENED_HERE.lock() {
                        o.push(path.to_path_buf());
                    }
                }
                return Ok(inner);
            }
            other => return other,
        }
    }
}

fn sled_open_once(path: &Path) -> Result<Inner, StoreError> {
    super::exit::release();
    reserve::remove_unfinished_snapshots(path);
    let opened = quietly(|| -> Result<Inner, sled::Error> {
        let db = sled::Config::new()
            .path(path)
            // We flush before acknowledging; no background flusher (it would also hold the
            // store's lock for a moment after the store is dropped).
            .flush_every_ms(None)
            // A bounded page cache: peak memory stays small on large stores.
            .cache_capacity(cache_bytes())
            .open()?;
        let trees = trees::NAMES
            .iter()
            .map(|n| db.open_tree(n))
            .collect::<Result<Vec<_>, _>>()?;
        // The first read of every tree, where damage shows.
        for t in &trees {
            t.first()?;
            t.last()?;
        }
        Ok(Inner { db, trees })
    });
    match opened {
        Err(panic) => Err(damaged(path, format!("sled cannot read it: {panic}"))),
        Ok(Err(e)) if is_lock_error(&e) => Err(StoreError::Busy { path: shown(path) }),
        Ok(Err(sled::Error::Corruption { .. })) => Err(damaged(path, "sled read damaged data")),
        Ok(Err(e)) => match StoreError::from(e) {
            StoreError::DiskFull { .. } => Err(StoreError::DiskFull { path: shown(path) }),
            e => Err(StoreError::Sled(format!(
                "cannot open {}: {e}",
                shown(path)
            ))),
        },
        Ok(Ok(inner)) => Ok(inner),
    }
}

fn next_event(inner: &Inner) -> u64 {
    inner.trees[Tree::Meta as usize]
        .get(trees::KEY_NEXT_EVENT)
        .ok()
        .flatten()
        .and_then(|v| trees::read_u64(&v))
        .unwrap_or(1)
}

/// Opens a copy of the store beside it and checks that sled keeps every change acknowledged
/// at the last seal; the store itself is not touched.
fn verify_on_copy(path: &Path, sealed: Seal) -> Result<(), StoreError> {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".verify-{}", std::process::id()));
    let scratch = PathBuf::from(name);
    let _ = std::fs::remove_dir_all(&scratch);
    let result = seal::copy_store(path, &scratch)
        .map_err(|e| {
            if reserve::is_full(&e) {
                return StoreError::DiskFull { path: shown(path) };
            }
            StoreError::Sled(format!(
                "cannot verify {} on a copy at {}: {e}",
                shown(path),
                shown(&scratch)
            ))
        })
        .and_then(|()| {
            let inner = sled_open(&scratch).map_err(|e| match e {
                StoreError::Damaged { why, .. } => damaged(path, why),
                e => e,
            })?;
            let events = next_event(&inner);
            drop(inner);
            let len = seal::current(&scratch, events)?.len;
            if events < sealed.events || len < sealed.len {
                return Err(damaged(
                    path,
                    format!(
                        "opening it would lose {} of its acknowledged changes; its files were left as they are",
                        sealed.events.saturating_sub(events).max(1)
                    ),
                ));
            }
            Ok(())
        });
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

impl Store {
    /// Whether a store (of any version) is at `path`.
    pub fn exists(path: &Path) -> bool {
        path.join("conf").exists() || path.join("db").exists()
    }

    fn not_a_store(path: &Path) -> Option<StoreError> {
        (path.exists() && !path.is_dir()).then(|| StoreError::NotAStore { path: shown(path) })
    }

    /// Opens an existing store, refusing a missing one, a damaged one (leaving its files as
    /// they are) or one of a newer schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(e) = Store::not_a_store(path) {
            return Err(e);
        }
        if !Store::exists(path) {
            let aside = super::compact::aside_path(path);
            if aside.exists() {
                return Err(StoreError::Sled(format!(
                    "no store at {}: a `casebench compact` was cut short ({} holds the store): run `casebench compact` to finish it",
                    shown(path),
                    shown(&aside)
                )));
            }
            return Err(StoreError::Missing { path: shown(path) });
        }
        let sealed = match seal::judge(path)? {
            Verdict::Damaged(why) => return Err(damaged(path, why)),
            Verdict::Changed(s) => {
                verify_on_copy(path, s)?;
                Some(s)
            }
            Verdict::Intact(s) => Some(s),
            Verdict::Unsealed => None,
        };
        let inner = sled_open(path)?;
        if let Ok(mut last) = LAST_OPENED.lock() {
            *last = shown(path);
        }
        if let Some(s) = sealed {
            let events = next_event(&inner);
            if events < s.events {
                return Err(damaged(
                    path,
                    format!("it lost {} acknowledged changes", s.events - events),
                ));
            }
        }
        let store = Store {
            path: path.to_path_buf(),
            inner: RwLock::new(Some(inner)),
        };
        match store.schema_version()? {
            None => Err(StoreError::Missing { path: shown(path) }),
            Some(v) if v > trees::SCHEMA_VERSION => Err(StoreError::NewerSchema {
                path: shown(path),
                found: v,
                supported: trees::SCHEMA_VERSION,
            }),
            Some(v) => {
                if v < trees::SCHEMA_VERSION {
                    super::migrate::migrate(&store, v)?;
                }
                super::period_backfill::backfill(&store)?;
                super::token_index::backfill(&store)?;
                super::state_index::backfill(&store)?;
                store.reseal(sealed)?;
                // A full disk leaves it without one for now: reads go on.
                let _ = reserve::ensure(path);
                Ok(store)
            }
        }
    }

    /// Creates a new, empty store with the current schema version.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        if let Some(e) = Store::not_a_store(path) {
            return Err(e);
        }
        // Never create over an existing store (whatever its version) or a non-empty folder.
        let non_empty = path
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if Store::exists(path) || non_empty {
            return Err(StoreError::Exists { path: shown(path) });
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Sled(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let store = Store {
            path: path.to_path_buf(),
            inner: RwLock::new(Some(sled_open(path)?)),
        };
        store.tree(Tree::Meta)?.insert(
            trees::KEY_SCHEMA,
            trees::SCHEMA_VERSION.to_be_bytes().to_vec(),
        )?;
        super::period_backfill::mark_built(&store)?;
        super::token_index::mark_built(&store)?;
        super::state_index::mark_built(&store)?;
        reserve::ensure(path)?;
        Ok(store)
    }

    /// Rewrites the seal if the files no longer match it (sled's recovery on open).
    fn reseal(&self, sealed: Option<Seal>) -> Result<(), StoreError> {
        let events = self.counter(trees::KEY_NEXT_EVENT)?;
        let now = seal::current(&self.path, events)?;
        if sealed != Some(now) {
            seal::write(&self.path, now)?;
        }
        Ok(())
    }

    /// After a failed write: drops sled's handle, so nothing unsaved is served; the next
    /// call reopens the store from disk.
    pub(super) fn failed_write(&self, e: sled::Error) -> StoreError {
        let io = matches!(e, sled::Error::Io(_));
        let e = match StoreError::from(e) {
            StoreError::DiskFull { .. } => StoreError::DiskFull {
                path: shown(&self.path),
            },
            e => e,
        };
        if io {
            let old = self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
            drop(old);
            // sled writes a snapshot as it reopens: the reserve makes room for it, so what
            // is on disk is served at once (writes wait until the reserve can be made again).
            reserve::release(&self.path);
            let _ = self.reopen();
        }
        e
    }

    /// Reopens sled's handle closed by a failed write (what is on disk, nothing more).
    pub(super) fn reopen(&self) -> Result<(), StoreError> {
        let mut g = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            let inner = sled_open(&self.path)?;
            let events = next_event(&inner);
            *g = Some(inner);
            // The seal can only lag behind here; a full disk may refuse it for now.
            if let Ok(now) = seal::current(&self.path, events) {
                let _ = seal::write(&self.path, now);
            }
        }
        Ok(())
    }

    pub(super) fn closed(&self) -> StoreError {
        StoreError::Sled(format!("store {} is not open", shown(&self.path)))
    }

    /// Flushes to disk, then seals what was flushed.
    pub(super) fn flush_sealed(&self) -> Result<(), StoreError> {
        let g = self.inner()?;
        let inner = g.as_ref().ok_or_else(|| self.closed())?;
        if let Err(e) = inner.db.flush() {
            drop(g);
            return Err(self.failed_write(e));
        }
        let now = seal::current(&self.path, next_event(inner));
        drop(g);
        // What was flushed is saved even if the seal cannot follow (it may lag behind).
        if let Ok(now) = now {
            let _ = seal::write(&self.path, now);
        }
        Ok(())
    }
}

impl Drop for Store {
    /// sled writes once more as it closes; the seal follows it.
    fn drop(&mut self) {
        let inner = self
            .inner
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(inner) = inner {
            let events = next_event(&inner);
            if super::exit::parking() {
                if let Err(inner) = super::exit::park(inner) {
                    drop(inner);
                }
            } else {
                drop(inner);
            }
            if let Ok(now) = seal::current(&self.path, events) {
                let _ = seal::write(&self.path, now);
            }
        }
    }
}

/// sled's errors as the store reports them: a full disk, damaged data (with the fix).
impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) if super::reserve::is_full(&io) => {
                StoreError::DiskFull {
                    path: "the store".into(),
                }
            }
            sled::Error::Corruption { at, .. } => StoreError::Corrupt(format!(
                "{}: sled read damaged data{}; restore the last backup with `casebench restore BACKUP`",
                last_opened(),
                at.map(|a| format!(" at {a:?}")).unwrap_or_default()
            )),
            e => StoreError::Sled(e.to_string()),
        }
    }
}

/// Keys per batch written to a compacted copy.
const COPY_BATCH: usize = 10_000;

impl Store {
    /// Writes every tree into a new store at `compact::copy_path` (a leftover copy is removed
    /// first), seals it and links the archive into it. `src` must be flushed and not written
    /// meanwhile (the caller holds its write lock).
    pub(super) fn copy_live(&self) -> Result<compact::Copied, StoreError> {
        let src = self;
        let dest = compact::copy_path(&self.path);
        if dest.exists() {
            std::fs::remove_dir_all(&dest)
                .map_err(|e| compact::io("remove the unfinished copy", &dest, e))?;
        }
        let mut copied = compact::Copied::default();
        {
            let g = src.inner()?;
            let inner = g.as_ref().ok_or_else(|| src.closed())?;
            let out = quietly(|| {
                sled::Config::new()
                    .path(&dest)
                    .flush_every_ms(None)
                    .cache_capacity(cache_bytes())
                    .create_new(true)
                    .open()
            })
            .map_err(StoreError::Sled)??;
            note_opened(&dest);
            for name in inner.db.tree_names() {
                let from = inner.db.open_tree(&name)?;
                let to = out.open_tree(&name)?;
                let mut batch = sled::Batch::default();
                let mut n = 0;
                for kv in from.iter() {
                    let (k, v) = kv?;
                    batch.insert(k, v);
                    n += 1;
                    if n % COPY_BATCH == 0 {
                        to.apply_batch(std::mem::take(&mut batch))?;
                    }
                }
                to.apply_batch(batch)?;
                copied.trees += 1;
                copied.keys += n as u64;
            }
            out.flush()?;
        }
        // Opened as a store: checked, sealed, its reserve made.
        let store = Store::open(&dest)?;
        store.flush()?;
        drop(store);
        copied.archive_files = compact::link_archive(&self.path, &dest)?;
        compact::mark_whole(&dest)?;
        Ok(copied)
    }
}
