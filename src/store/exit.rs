//! Closing a store at the end of a process without taking sled's handle apart.
//!
//! Dropping a sled 0.34 handle flushes it, then frees its page table page by page (and
//! walks every page once more for a debug log it keeps): on a store of a million cases that
//! is about 40 ms of a one-shot command's 250. A process that is about to exit does not need
//! the memory back. Once [`close_at_exit`] is called, a store dropped in this process is
//! flushed and sealed as a drop would, and its handle is kept (parked) instead of freed,
//! until the process exits or opens a store again: any open first drops what is parked, so
//! a store can always be reopened in the same process (sled's lock is released then).
//!
//! A parked handle has written everything it holds, with no thread of its own (casebench
//! runs sled without a background flusher): leaving it to the exit is what a crash after a
//! flush would leave, and sled recovers from that by design.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::sled_store::Inner;

static AT_EXIT: AtomicBool = AtomicBool::new(false);
static PARKED: Mutex<Vec<Inner>> = Mutex::new(Vec::new());

/// From now on, a store this process drops is flushed and left for the exit (the binary
/// calls this; library users and tests free their stores as usual).
pub fn close_at_exit() {
    AT_EXIT.store(true, Ordering::Relaxed);
}

/// Back to freeing every store as it is dropped, parked ones now: for a process that runs
/// other processes on the stores it closes (the benchmark), which need their locks.
pub fn free_on_close() {
    AT_EXIT.store(false, Ordering::Relaxed);
    release();
}

/// Whether a dropped store is parked rather than freed.
pub(super) fn parking() -> bool {
    AT_EXIT.load(Ordering::Relaxed)
}

/// Flushes `inner` until sled has nothing left to write (as its own drop does), then parks
/// it. `Err` hands it back when a flush failed: it is then dropped as usual.
pub(super) fn park(inner: Inner) -> Result<(), Inner> {
    for _ in 0..64 {
        match inner.db.flush() {
            Ok(0) => {
                PARKED.lock().unwrap_or_else(|p| p.into_inner()).push(inner);
                return Ok(());
            }
            Ok(_) => continue,
            Err(_) => return Err(inner),
        }
    }
    Err(inner)
}

/// Drops every parked handle (before any store is opened, so its lock is free again).
pub(super) fn release() {
    let parked = std::mem::take(&mut *PARKED.lock().unwrap_or_else(|p| p.into_inner()));
    drop(parked);
}
