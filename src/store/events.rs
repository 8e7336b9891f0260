//! The `events` tree: a subject's events packed into chunks, `subject ‖ chunk no (u32)` →
//! up to [`CHUNK`] events in seq order (a `Vec<Event>`), so a typical case's whole history
//! is one key and one read, and the hot store holds about one key per case instead of one
//! per event (sled rebuilds its page table from the number of pages at every open).
//!
//! Chunks of a subject are numbered from 0 without a gap; every one but the last holds
//! exactly [`CHUNK`] events; seqs rise strictly from the first event of chunk 0 to the last
//! of the last chunk. A write set's events are appended inside its transaction
//! ([`append`]): grouped per subject, the last chunk found by gets (one for nearly every
//! subject: chunk 0 is not full), merged by seq and written once. `check` reads the rules
//! back (`store::event_check`).

use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::trees;
use super::{codec, StoreError};
use crate::domain::{CaseId, Event, RequestId};

/// Events per chunk at most (events are some 100–200 bytes).
pub const CHUNK: usize = 32;

/// A transaction step that may stop on a chunk it cannot read (the message).
pub(super) type TxStep = Result<(), ConflictableTransactionError<String>>;

/// The subject an event is filed under: its case, its request (`1<<63 | id`), or 0.
pub fn subject_of(e: &Event) -> u64 {
    match (e.case, e.request) {
        (Some(c), _) => c.0,
        (None, Some(r)) => trees::request_subject(r.0),
        (None, None) => 0,
    }
}

/// How a subject is named in a finding.
pub(super) fn subject_name(subject: u64) -> String {
    match subject {
        0 => "store-wide events".into(),
        s if s >> 63 == 1 => format!("events of {}", RequestId(s & !(1 << 63))),
        s => format!("events of {}", CaseId(s)),
    }
}

/// How many events a chunk holds: the length its encoding begins with.
pub(super) fn count_of(chunk: &[u8]) -> Result<usize, StoreError> {
    codec::decode::<u64>("events", chunk).map(|n| n as usize)
}

pub(super) fn decode_chunk(chunk: &[u8]) -> Result<Vec<Event>, StoreError> {
    codec::decode("events", chunk)
}

fn aborted(e: StoreError) -> ConflictableTransactionError<String> {
    ConflictableTransactionError::Abort(e.to_string())
}

/// Files `events` (a write set's, in the order written: a later one of the same seq
/// replaces an earlier) inside a transaction over the `events` tree.
pub(super) fn append(tx: &TransactionalTree, events: &[Event]) -> TxStep {
    let mut by_subject: BTreeMap<u64, BTreeMap<u64, &Event>> = BTreeMap::new();
    for e in events {
        by_subject
            .entry(subject_of(e))
            .or_default()
            .insert(e.seq, e);
    }
    for (subject, new) in by_subject {
        append_subject(tx, subject, new.into_values().cloned().collect())?;
    }
    Ok(())
}

/// Appends `new` (in seq order, no seq twice) to a subject's chunks. They come after what
/// the store holds, as a rule; one that does not is put where its seq places it (the
/// chunks before the last are read back until it fits).
fn append_subject(tx: &TransactionalTree, subject: u64, new: Vec<Event>) -> TxStep {
    let Some(first_new) = new.first().map(|e| e.seq) else {
        return Ok(());
    };
    let (mut from, mut held) = tail(tx, subject)?.unwrap_or((0, vec![]));
    if held.len() >= CHUNK && held.last().is_some_and(|e| e.seq < first_new) {
        (from, held) = (from + 1, vec![]);
    }
    while from > 0 && held.first().is_some_and(|e| first_new < e.seq) {
        from -= 1;
        let bytes = tx.get(trees::event_chunk_key(subject, from))?;
        let bytes = bytes.ok_or_else(|| {
            aborted(StoreError::Corrupt(format!(
                "{}: chunk {from} is missing",
                subject_name(subject)
            )))
        })?;
        let mut earlier = decode_chunk(&bytes).map_err(aborted)?;
        earlier.append(&mut held);
        held = earlier;
    }
    let mut by_seq: BTreeMap<u64, Event> = held.into_iter().map(|e| (e.seq, e)).collect();
    by_seq.extend(new.into_iter().map(|e| (e.seq, e)));
    let merged: Vec<Event> = by_seq.into_values().collect();
    for (i, chunk) in merged.chunks(CHUNK).enumerate() {
        let key = trees::event_chunk_key(subject, from + i as u32);
        tx.insert(&key, codec::encode(&chunk))?;
    }
    Ok(())
}

/// A subject's last chunk, its number and events (`None`: it has no chunk). Chunk 0 when
/// it is not full (nearly always); else found by doubling, then halving, the number.
fn tail(
    tx: &TransactionalTree,
    subject: u64,
) -> Result<Option<(u32, Vec<Event>)>, ConflictableTransactionError<String>> {
    let get = |no: u32| tx.get(trees::event_chunk_key(subject, no));
    let full = |v: &sled::IVec| count_of(v).map(|n| n >= CHUNK).map_err(aborted);
    let decoded = |no: u32, v: &sled::IVec| Ok(Some((no, decode_chunk(v).map_err(aborted)?)));
    let Some(first) = get(0)? else {
        return Ok(None);
    };
    if !full(&first)? {
        return decoded(0, &first);
    }
    // `lo` exists and is full; the last chunk is `lo` or lies after it, before `hi`.
    let (mut lo, mut lo_bytes, mut hi) = (0u32, first, 1u32);
    loop {
        match get(hi)? {
            None => break,
            Some(v) if !full(&v)? => return decoded(hi, &v),
            Some(v) => (lo, lo_bytes, hi) = (hi, v, hi.saturating_mul(2)),
        }
        if lo == u32::MAX {
            return decoded(lo, &lo_bytes);
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match get(mid)? {
            None => hi = mid,
            Some(v) if !full(&v)? => return decoded(mid, &v),
            Some(v) => (lo, lo_bytes) = (mid, v),
        }
    }
    decoded(lo, &lo_bytes)
}

/// A subject's events, in seq order (its chunks, concatenated).
pub(super) fn read_subject(tree: &sled::Tree, subject: u64) -> Result<Vec<Event>, StoreError> {
    let mut out = vec![];
    for v in tree.scan_prefix(trees::u64_key(subject)).values() {
        out.extend(decode_chunk(&v?)?);
    }
    Ok(out)
}

/// Every event of the tree, in seq order.
pub(super) fn read_all(tree: &sled::Tree) -> Result<Vec<Event>, StoreError> {
    let mut out = vec![];
    for v in tree.iter().values() {
        out.extend(decode_chunk(&v?)?);
    }
    out.sort_by_key(|e| e.seq);
    Ok(out)
}

/// How many events the tree holds (the lengths the chunks begin with; nothing decoded).
pub(super) fn count(tree: &sled::Tree) -> Result<usize, StoreError> {
    let mut n = 0;
    for v in tree.iter().values() {
        n += count_of(&v?)?;
    }
    Ok(n)
}

/// The keys of a subject's chunks.
pub(super) fn subject_keys(tree: &sled::Tree, subject: u64) -> Result<Vec<Vec<u8>>, StoreError> {
    let keys = tree.scan_prefix(trees::u64_key(subject)).keys();
    keys.map(|k| Ok(k?.to_vec())).collect()
}

#[cfg(test)]
mod tests;
