//! Compaction: the hot store rewritten into fresh files. sled 0.34 never gives back the
//! space of removed keys, and rebuilds its page table at every open from every page the
//! files ever held; after an archive run has moved most cases out, a copy of what is left
//! is a fraction of the size and opens that much faster.
//!
//! `Store::copy_live` (in `open`) writes every tree, key by key in batches, into a new store beside the old
//! one (`<store>.compacting`), flushes and seals it, and links the archive's files into it
//! (hard links: the archive is append-only and never rewritten in place). [`swap_in`] then
//! puts it in place in two renames: `<store>` → `<store>.before-compact`, the copy →
//! `<store>`; the old files are removed last. [`finish_cut_short`] completes or undoes a
//! swap a crash interrupted: the store is never in neither place.

use std::fs;
use std::path::{Path, PathBuf};

use super::StoreError;

/// Marks a copy written whole (the last file written into it).
const DONE: &str = "casebench.compacted";

/// `<store><suffix>`, a sibling of the store.
pub fn sibling(store: &Path, suffix: &str) -> PathBuf {
    let mut name = store.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where the copy is written.
pub fn copy_path(store: &Path) -> PathBuf {
    sibling(store, ".compacting")
}

/// Where the old store waits while the copy is put in place.
pub fn aside_path(store: &Path) -> PathBuf {
    sibling(store, ".before-compact")
}

pub(super) fn io(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    if super::reserve::is_full(&e) {
        return StoreError::DiskFull {
            path: path.display().to_string(),
        };
    }
    StoreError::Sled(format!("cannot {what} {}: {e}", path.display()))
}

/// What a copy holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Copied {
    pub trees: usize,
    pub keys: u64,
    pub archive_files: usize,
}

/// Marks the copy at `dest` whole: the last file written into it.
pub(super) fn mark_whole(dest: &Path) -> Result<(), StoreError> {
    let done = dest.join(DONE);
    fs::write(&done, b"").map_err(|e| io("write", &done, e))?;
    sync_dir(dest)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("sync", dir, e))
}

/// Hard-links the files of `<src>/archive` into `<dest>/archive` (copies them where a link
/// cannot be made); how many.
pub(super) fn link_archive(src: &Path, dest: &Path) -> Result<usize, StoreError> {
    let (from, to) = (src.join("archive"), dest.join("archive"));
    let entries = match fs::read_dir(&from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io("read", &from, e)),
    };
    fs::create_dir_all(&to).map_err(|e| io("create", &to, e))?;
    let mut n = 0;
    for e in entries {
        let e = e.map_err(|e| io("read", &from, e))?;
        if !e.file_type().map_err(|e| io("read", &from, e))?.is_file() {
            continue;
        }
        let (a, b) = (e.path(), to.join(e.file_name()));
        if fs::hard_link(&a, &b).is_err() {
            fs::copy(&a, &b).map_err(|e| io("copy", &a, e))?;
        }
        n += 1;
    }
    sync_dir(&to)?;
    Ok(n)
}

/// Whether the copy at [`copy_path`] was written whole.
fn copy_is_whole(store: &Path) -> bool {
    copy_path(store).join(DONE).exists()
}

/// Puts the whole copy in place of the store (which nothing may hold), then removes the
/// old files.
pub fn swap_in(store: &Path) -> Result<(), StoreError> {
    let (copy, aside) = (copy_path(store), aside_path(store));
    if !copy_is_whole(store) {
        return Err(StoreError::Sled(format!(
            "the compacted copy {} is not whole: run `casebench compact` again",
            copy.display()
        )));
    }
    fs::rename(store, &aside).map_err(|e| io("move aside", store, e))?;
    fs::rename(&copy, store).map_err(|e| io("move into place", &copy, e))?;
    if let Some(parent) = store.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    let _ = fs::remove_file(store.join(DONE));
    fs::remove_dir_all(&aside).map_err(|e| io("remove the old files", &aside, e))
}

/// A compaction cut short between its renames leaves no `<store>`: the whole copy is put
/// in place, else the old store goes back. An unfinished copy beside a store is removed.
/// Returns what it did, if anything.
pub fn finish_cut_short(store: &Path) -> Result<Option<String>, StoreError> {
    let (copy, aside) = (copy_path(store), aside_path(store));
    if store.exists() {
        if aside.exists() {
            // The swap happened; the old files were not removed yet.
            fs::remove_dir_all(&aside).map_err(|e| io("remove the old files", &aside, e))?;
            return Ok(Some(format!("removed the old files {}", aside.display())));
        }
        if copy.exists() {
            fs::remove_dir_all(&copy).map_err(|e| io("remove the unfinished copy", &copy, e))?;
            return Ok(Some(format!(
                "removed the unfinished copy {}",
                copy.display()
            )));
        }
        return Ok(None);
    }
    if !aside.exists() {
        return Ok(None);
    }
    if copy_is_whole(store) {
        fs::rename(&copy, store).map_err(|e| io("move into place", &copy, e))?;
        let _ = fs::remove_file(store.join(DONE));
        fs::remove_dir_all(&aside).map_err(|e| io("remove the old files", &aside, e))?;
        return Ok(Some(format!(
            "finished a compaction cut short: the compacted copy is now {}",
            store.display()
        )));
    }
    fs::rename(&aside, store).map_err(|e| io("move back", &aside, e))?;
    if copy.exists() {
        let _ = fs::remove_dir_all(&copy);
    }
    Ok(Some(format!(
        "undid a compaction cut short: {} is the store it was",
        store.display()
    )))
}

/// The bytes of the files under `dir` (the archive's included).
pub fn disk_size(dir: &Path) -> u64 {
    fn walk(p: &Path) -> u64 {
        let Ok(entries) = fs::read_dir(p) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => walk(&e.path()),
                Ok(_) => e.metadata().map_or(0, |m| m.len()),
                Err(_) => 0,
            })
            .sum()
    }
    walk(dir)
}
