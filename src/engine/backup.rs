//! `casebench backup DEST` and `casebench restore SRC`: consistent copies of a store.
//! A backup is taken under the engine's write lock after a flush (sled writes nothing in the
//! background), so it is consistent while the store is in use; it is checked by opening it.

use std::path::{Path, PathBuf};

use super::Engine;
use crate::api::ApiError;
use crate::api::CompactReport;
use crate::store::{compact, seal, Store, StoreError};

fn io(what: &str, path: &Path, e: std::io::Error) -> ApiError {
    if e.raw_os_error() == Some(libc::ENOSPC) {
        return StoreError::DiskFull {
            path: path.display().to_string(),
        }
        .into();
    }
    ApiError::Internal(format!("cannot {what} {}: {e}", path.display()))
}

/// Copies the store at `src` to `dest` (which must not exist) through a temporary sibling,
/// so `dest` appears whole or not at all.
fn copy_whole(src: &Path, dest: &Path) -> Result<(), ApiError> {
    if dest.exists() {
        return Err(ApiError::BadInput(format!(
            "{} already exists: name a new directory for the copy",
            dest.display()
        )));
    }
    let tmp = compact::sibling(dest, ".partial");
    let _ = std::fs::remove_dir_all(&tmp);
    let copied = seal::copy_store(src, &tmp)
        .and_then(|()| std::fs::rename(&tmp, dest))
        .map_err(|e| io("copy the store to", dest, e));
    if copied.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    copied
}

/// Whether a process holds the store at `path` (its lock on `db`), without opening it.
fn held(path: &Path) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(f) = std::fs::File::open(seal::db_file(path)) else {
        return false;
    };
    // SAFETY: flock on a descriptor we own; released when `f` is closed.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    rc != 0
}

impl Engine {
    /// A consistent copy of the store at `dest`, taken while it is in use.
    pub fn backup(&self, dest: &Path) -> Result<(), ApiError> {
        {
            let _one = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            self.store.flush()?;
            copy_whole(self.path(), dest)?;
        }
        drop(Store::open(dest)?);
        Ok(())
    }

    /// Puts the backup at `src` in place of the store at `db`, which nothing may hold (the
    /// caller asks the server's socket first); a store
    /// already there is moved aside to `<db>.before-restore-<time>` (returned).
    pub fn restore(src: &Path, db: &Path, now: &str) -> Result<Option<PathBuf>, ApiError> {
        if held(db) {
            return Err(ApiError::Busy(format!(
                "store {} is in use (a server or another casebench holds it): stop it before \
                 restoring over it",
                db.display()
            )));
        }
        // The backup must itself be whole; it is opened (read) before anything moves.
        drop(Store::open(src)?);
        let incoming = compact::sibling(db, ".restoring");
        let _ = std::fs::remove_dir_all(&incoming);
        copy_whole(src, &incoming)?;
        let aside = db
            .exists()
            .then(|| compact::sibling(db, &format!(".before-restore-{now}")));
        if let Some(aside) = &aside {
            std::fs::rename(db, aside).map_err(|e| io("move aside", db, e))?;
        }
        std::fs::rename(&incoming, db).map_err(|e| io("restore into", db, e))?;
        Ok(aside)
    }
}

impl Engine {
    /// `casebench compact` as `actor` (an administrator): removes what archived cases left
    /// behind, writes the hot store into fresh files beside it and puts them in place
    /// (`store::compact`). Takes the engine: the store is closed and reopened under it; the
    /// caller makes sure no server holds it. Returns the reopened engine and the report.
    pub fn compact(self, actor: &str) -> Result<(Engine, CompactReport), ApiError> {
        let started = std::time::Instant::now();
        let user = self.actor(actor)?;
        super::authz::may_administer(&user, "compact the store")?;
        let cleared = self.clear_evicted(std::time::Duration::from_secs(24 * 3600))?;
        let path = self.path().to_path_buf();
        let clock = self.clock.clone();
        let bytes_before = compact::disk_size(&path);
        let copied = {
            let _one = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            self.store.flush()?;
            self.store.compact_copy()?
        };
        drop(self);
        compact::swap_in(&path)?;
        let engine = Engine::open(&path, clock)?;
        let report = CompactReport {
            cleared,
            keys: copied.keys,
            trees: copied.trees,
            archive_files: copied.archive_files,
            bytes_before,
            bytes_after: compact::disk_size(&path),
            secs: started.elapsed().as_secs_f64(),
        };
        Ok((engine, report))
    }
}
