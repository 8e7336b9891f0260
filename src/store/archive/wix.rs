//! A segment's work-item index (`2026-03.wix`): which archived case each archived work item
//! belongs to, so that `case show W-45` finds a work item whose case was archived. Same
//! header as the id index ([`index`]) with magic `CBW1`, then `count` entries `work item id
//! ‖ case id` (u64, u64), sorted by work item id. Derived data like the id index: written
//! by the writer after the id index when it knows every work item of the month, and
//! otherwise (an archive from before it, a run cut short) rebuilt from the segment's records
//! the first time a work item is looked up there (and used, should it not be writable).

use std::fs;
use std::path::{Path, PathBuf};

use super::index;
use super::segment::{self, io};
use crate::domain::ArchivedCase;
use crate::store::StoreError;

const MAGIC: &[u8; 4] = b"CBW1";

/// (work item id, case id), sorted by work item id.
pub(super) type Items = Vec<(u64, u64)>;

pub(super) fn wix_path(seg: &Path) -> PathBuf {
    seg.with_extension("wix")
}

/// The work items of `case`, as entries.
pub(super) fn of(case: &ArchivedCase) -> impl Iterator<Item = (u64, u64)> + '_ {
    let id = case.case.id.0;
    let named = case.case.work_items.iter().map(move |w| (w.0, id));
    named.chain(case.work_items.iter().map(move |w| (w.id.0, id)))
}

/// The index of `seg` if it is whole and covers the segment's `len` bytes.
pub(super) fn load(seg: &Path, len: u64) -> Option<Items> {
    let (h, body) = index::body_at(MAGIC, &wix_path(seg), len)?;
    if body.len() as u64 != h.count * 16 {
        return None;
    }
    let u = |c: &[u8], i: usize| u64::from_be_bytes(c[i..i + 8].try_into().unwrap_or_default());
    Some(body.chunks_exact(16).map(|c| (u(c, 0), u(c, 8))).collect())
}

/// Writes the index of `seg` covering its first `covered` bytes (sorted and deduplicated
/// first).
pub(super) fn write(seg: &Path, covered: u64, items: &mut Items) -> Result<(), StoreError> {
    items.sort_unstable();
    items.dedup();
    let mut body = Vec::with_capacity(items.len() * 16);
    for (w, c) in items.iter() {
        body.extend_from_slice(&w.to_be_bytes());
        body.extend_from_slice(&c.to_be_bytes());
    }
    let min = items.first().map_or(0, |e| e.0);
    let max = items.last().map_or(0, |e| e.0);
    let head = (covered, items.len() as u64, min, max);
    index::write_at(MAGIC, &wix_path(seg), head, &body)
}

/// The case of work item `w` in the segment `seg`, if it holds one: from its index, or from
/// its records (the index then written for the next lookup).
pub(super) fn case_of(seg: &Path, w: u64) -> Result<Option<u64>, StoreError> {
    let len = fs::metadata(seg).map_err(|e| io(seg, "read", e))?.len();
    if let Some(h) = index::header_at(MAGIC, &wix_path(seg)) {
        if h.covered == len && (h.count == 0 || w < h.min || w > h.max) {
            return Ok(None);
        }
    }
    let items = match load(seg, len) {
        Some(items) => items,
        None => rebuild(seg)?,
    };
    Ok(items
        .binary_search_by_key(&w, |e| e.0)
        .ok()
        .map(|i| items[i].1))
}

/// The index of `seg` from its records, written (a torn tail is left out, and the index
/// then covers less than the segment: it is rebuilt again until a run cuts the tail off).
fn rebuild(seg: &Path) -> Result<Items, StoreError> {
    let m = index::load(seg)?;
    let file = fs::File::open(seg).map_err(|e| io(seg, "open", e))?;
    let mut items = vec![];
    for e in &m.entries {
        items.extend(of(&segment::read_at(&file, seg, e)?));
    }
    items.sort_unstable();
    items.dedup();
    // Derived data: a lookup on a store it cannot write to still answers.
    let _ = write(seg, m.end, &mut items);
    Ok(items)
}
