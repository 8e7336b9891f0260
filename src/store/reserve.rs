//! A little space kept beside the store (`<store>/casebench.reserve`) for a full disk.
//!
//! After a write that could not be saved, sled's handle must be reopened (so nothing unsaved
//! is served), and sled writes a snapshot as it opens. The reserve is given up for that
//! reopen, so reads go on; writes are refused until the reserve can be made again, that is
//! until the disk has room for them.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::StoreError;

const FILE: &str = "casebench.reserve";
/// Room for sled's snapshot and a fresh log segment (512 KiB each) on reopening, with
/// margin: the store has 34 trees now, and a reopen that finds no room serves nothing.
const SIZE: u64 = 2 * 1024 * 1024;

/// Whether an IO error says the disk (or a quota) is full.
pub fn is_full(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOSPC)
        || e.raw_os_error() == Some(libc::EDQUOT)
        || e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
}

fn file(store: &Path) -> PathBuf {
    store.join(FILE)
}

/// Whether `name` (a file in a store) is the reserve, which copies leave out.
pub fn is_reserve(name: &str) -> bool {
    name == FILE
}

/// Makes the reserve if it is missing: `DiskFull` when the disk has no room for it. Other
/// failures (a read-only directory) leave the store without a reserve.
pub fn ensure(store: &Path) -> Result<(), StoreError> {
    let path = file(store);
    if fs::metadata(&path).is_ok_and(|m| m.len() == SIZE) {
        return Ok(());
    }
    let made = (|| {
        let mut f = File::create(&path)?;
        f.write_all(&vec![0u8; SIZE as usize])?;
        f.sync_all()
    })();
    match made {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&path);
            if is_full(&e) {
                return Err(StoreError::DiskFull {
                    path: store.display().to_string(),
                });
            }
            Ok(())
        }
    }
}

/// Gives the reserve up (for sled's reopening after a failed write).
pub fn release(store: &Path) {
    let _ = fs::remove_file(file(store));
}

/// Removes what a snapshot sled could not finish left behind (`snap.*.generating`): sled
/// would take the empty file for its newest snapshot and call the store damaged.
pub fn remove_unfinished_snapshots(store: &Path) {
    let Ok(entries) = fs::read_dir(store) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            let _ = fs::remove_file(entry.path());
        }
    }
}
