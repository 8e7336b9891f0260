//! A segment's KPI facts (`2026-03.kfx`): each archived case's id, closing time and KPI facts
//! (as `idx_closed` held them, or none when they were never settled), so that `report kpi`
//! reads a month's facts without decompressing its cases. Same header as the id index
//! ([`index`]) with magic `CBK1`, then the bincode of the entries, sorted by id. Derived
//! data: built from the segment's records the first time a report reads the month, and
//! again after an append (the header's `covered` then differs from the segment's length).
//! Should it not be writable, the report goes on with what it built.

use std::fs;
use std::path::{Path, PathBuf};

use super::index;
use super::segment::{self, io};
use crate::domain::kpi::CaseFacts;
use crate::store::{codec, encode, StoreError};

const MAGIC: &[u8; 4] = b"CBK1";

/// (case id, closed ms, its facts if settled), sorted by id.
pub(super) type Facts = Vec<(u64, i64, Option<CaseFacts>)>;

fn kfx_path(seg: &Path) -> PathBuf {
    seg.with_extension("kfx")
}

/// The facts of the month of segment `seg`: from its `.kfx` when that covers the segment,
/// else from its records (and the `.kfx` written for the next report).
pub(super) fn load(seg: &Path) -> Result<Facts, StoreError> {
    let len = fs::metadata(seg).map_err(|e| io(seg, "read", e))?.len();
    if let Some((h, body)) = index::body_at(MAGIC, &kfx_path(seg), len) {
        if let Ok(facts) = codec::decode::<Facts>("archive facts", &body) {
            if facts.len() as u64 == h.count {
                return Ok(facts);
            }
        }
    }
    let m = index::load(seg)?;
    let file = fs::File::open(seg).map_err(|e| io(seg, "open", e))?;
    let mut facts = Vec::with_capacity(m.entries.len());
    for e in &m.entries {
        let a = segment::read_at(&file, seg, e)?;
        facts.push((e.id, e.closed, a.facts));
    }
    let min = facts.first().map_or(0, |f| f.0);
    let max = facts.last().map_or(0, |f| f.0);
    let head = (m.end, facts.len() as u64, min, max);
    // Derived data: a report on a store it cannot write to still answers.
    let _ = index::write_at(MAGIC, &kfx_path(seg), head, &encode(&facts));
    Ok(facts)
}
