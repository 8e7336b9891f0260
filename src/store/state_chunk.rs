//! The physical layout of `idx_state`: its logical entries `state code ‖ case id` (one per
//! case, [`trees::state_key`]) packed into chunks, one sled key per state and run of
//! [`CHUNK_IDS`] case ids.
//!
//! A chunk's key is `state code (u8) ‖ chunk (case id >> 12, u64 BE)`, 9 bytes, so the
//! chunks of a state are found by the prefix `state code` as its entries were, in the same
//! order. Its value holds the offsets (`case id & 4095`) of the chunk's cases in that
//! state, in one of two forms told apart by their length:
//!
//! - fewer than 256 cases: a list, each offset as u16 BE, ascending and distinct (2 to 510
//!   bytes, even);
//! - 256 cases or more: a bitmap of [`BITMAP_BYTES`] (512) bytes, bit `i % 8` (least
//!   significant first) of byte `i / 8` set when case `(chunk << 12) + i` is in the state.
//!
//! Each is the smaller of the two for its count, so a value is at most 512 bytes (a token
//! chunk holds up to 256 tails of 9 or 17 bytes). A chunk that empties is removed: every
//! value names at least one case.
//!
//! Why 4096 ids and two forms: sled counts open time by keys, and the states are not
//! alike. At 1M generated cases the hot store holds 100k open cases dense in one id run,
//! 110k closed ones at about 16 per 128 ids and 6.7k cancelled ones at one or two per 128
//! ids: bitmaps of 128 ids would be 12,109 keys (most of the cancelled ones 16 bytes for a
//! case or two), chunks of 4096 ids are 467 keys whatever the density, and the list keeps
//! a sparse state's values small (a change rewrites its chunk's value).

use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::trees;
use super::StoreError;
use crate::domain::{CaseId, CaseState};

/// Case ids per chunk: `case >> CHUNK_SHIFT` is a chunk's number.
pub(super) const CHUNK_SHIFT: u32 = 12;
pub(super) const CHUNK_IDS: u64 = 1 << CHUNK_SHIFT;
/// The length of a bitmap value; a list is shorter.
pub(super) const BITMAP_BYTES: usize = (CHUNK_IDS / 8) as usize;
const WORDS: usize = (CHUNK_IDS / 64) as usize;

type TxStep = Result<(), ConflictableTransactionError<String>>;

/// A chunk key: `state code ‖ chunk`.
pub(super) type Key = [u8; 9];

/// The cases of one chunk in one state, as a bitmap in memory.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(super) struct Chunk([u64; WORDS]);

impl Default for Chunk {
    fn default() -> Self {
        Chunk([0; WORDS])
    }
}

impl Chunk {
    pub(super) fn set(&mut self, offset: u16, on: bool) {
        let (w, bit) = (offset as usize / 64, 1u64 << (offset % 64));
        match on {
            true => self.0[w] |= bit,
            false => self.0[w] &= !bit,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub(super) fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The offsets set, ascending.
    pub(super) fn offsets(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut left = word;
            std::iter::from_fn(move || {
                let bit = (left != 0).then(|| left.trailing_zeros())?;
                left &= left - 1;
                Some((w * 64) as u16 + bit as u16)
            })
        })
    }

    /// The value sled holds: a list below 256 cases, a bitmap from 256 on.
    pub(super) fn encode(&self) -> Vec<u8> {
        let n = self.len();
        if 2 * n < BITMAP_BYTES {
            let mut out = Vec::with_capacity(2 * n);
            for o in self.offsets() {
                out.extend_from_slice(&o.to_be_bytes());
            }
            return out;
        }
        self.0.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// A value read back; why it is malformed otherwise: empty, of odd length or longer
    /// than a bitmap, a list out of order or naming an offset past the chunk, a bitmap
    /// with no bit set.
    pub(super) fn decode(value: &[u8]) -> Result<Chunk, String> {
        let mut c = Chunk::default();
        if value.len() == BITMAP_BYTES {
            for (w, bytes) in c.0.iter_mut().zip(value.chunks_exact(8)) {
                *w = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
            }
            if c.is_empty() {
                return Err("a bitmap with no case".into());
            }
            return Ok(c);
        }
        if value.is_empty() || value.len() % 2 == 1 || value.len() > BITMAP_BYTES {
            return Err(format!("a value of {} bytes", value.len()));
        }
        let mut last: Option<u16> = None;
        for (n, pair) in value.chunks_exact(2).enumerate() {
            let o = u16::from_be_bytes([pair[0], pair[1]]);
            if u64::from(o) >= CHUNK_IDS {
                return Err(format!("offset {o} past the chunk at byte {}", 2 * n));
            }
            if last.is_some_and(|l| l >= o) {
                return Err(format!("offsets out of order at byte {}", 2 * n));
            }
            last = Some(o);
            c.set(o, true);
        }
        Ok(c)
    }
}

/// The chunk key of `chunk` in the state coded `state`.
pub(super) fn key(state: u8, chunk: u64) -> Key {
    trees::state_key(state, CaseId(chunk))
}

/// The chunk key and the offset of a case's logical entry (`trees::state_key`).
pub(super) fn split(entry: &[u8]) -> Option<(Key, u16)> {
    let (state, case) = parse_key(entry)?;
    let offset = (case & (CHUNK_IDS - 1)) as u16;
    Some((key(state, case >> CHUNK_SHIFT), offset))
}

/// The state code and number of a chunk key (or the state and case of a logical entry:
/// the same shape).
pub(super) fn parse_key(key: &[u8]) -> Option<(u8, u64)> {
    if key.len() != 9 {
        return None;
    }
    Some((key[0], trees::read_u64(&key[1..])?))
}

/// One line naming the tree and the key of a chunk that cannot be read.
pub(super) fn malformed(key: &[u8], why: &str) -> String {
    match parse_key(key) {
        Some((state, chunk)) => format!(
            "malformed chunk in tree idx_state, key {key:02x?} (state code {state}, chunk {chunk}): {why}"
        ),
        None => format!("malformed key in tree idx_state: {key:02x?} ({why})"),
    }
}

/// The case ids of a chunk, ascending (an error naming the tree and key for a malformed
/// key or value).
pub(super) fn ids(key: &[u8], value: &[u8]) -> Result<Vec<u64>, StoreError> {
    let (_, chunk) = parse_key(key)
        .filter(|(_, c)| *c <= u64::MAX >> CHUNK_SHIFT)
        .ok_or_else(|| StoreError::Corrupt(malformed(key, "not state code ‖ chunk")))?;
    let c = Chunk::decode(value).map_err(|why| StoreError::Corrupt(malformed(key, &why)))?;
    let base = chunk << CHUNK_SHIFT;
    Ok(c.offsets().map(|o| base + u64::from(o)).collect())
}

/// Every logical entry of the tree, in order (what `index_keys` gives).
pub(super) fn logical_keys(tree: &sled::Tree) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut out = vec![];
    for kv in tree.iter() {
        let (k, v) = kv?;
        for id in ids(&k, &v)? {
            out.push(key(k[0], id).to_vec());
        }
    }
    Ok(out)
}

/// Applies logical `idx_state` operations (entry, put or removed) inside a transaction:
/// grouped by chunk, each chunk is read once, its operations applied in order, and
/// written once (removed when it empties). So any number of changes to cases of one chunk
/// in one write set compose, whatever their order across chunks.
pub(super) fn apply<'a>(
    tx: &TransactionalTree,
    ops: impl IntoIterator<Item = (&'a [u8], bool)>,
) -> TxStep {
    let abort = ConflictableTransactionError::Abort;
    let mut by_chunk: BTreeMap<Key, Vec<(u16, bool)>> = BTreeMap::new();
    for (entry, put) in ops {
        let (key, offset) = split(entry).ok_or_else(|| abort(malformed(entry, "an entry")))?;
        by_chunk.entry(key).or_default().push((offset, put));
    }
    for (key, ops) in by_chunk {
        let before = match tx.get(key)? {
            Some(v) => Chunk::decode(&v).map_err(|why| abort(malformed(&key, &why)))?,
            None => Chunk::default(),
        };
        let mut after = before.clone();
        for (offset, put) in ops {
            after.set(offset, put);
        }
        match () {
            _ if after == before => {}
            _ if after.is_empty() => {
                tx.remove(&key[..])?;
            }
            _ => {
                tx.insert(&key[..], after.encode())?;
            }
        }
    }
    Ok(())
}

/// The cases of one state, newest (highest id) first, read a chunk at a time.
pub(super) struct Newest {
    chunks: std::iter::Rev<sled::Iter>,
    /// The current chunk's ids not given yet, ascending (given from the end).
    ids: Vec<u64>,
}

impl Newest {
    pub(super) fn new(tree: &sled::Tree, state: u8) -> Newest {
        let chunks = tree.scan_prefix([state]).rev();
        Newest {
            chunks,
            ids: vec![],
        }
    }

    /// The next id without taking it.
    pub(super) fn peek(&mut self) -> Result<Option<u64>, StoreError> {
        while self.ids.is_empty() {
            let Some(kv) = self.chunks.next() else {
                return Ok(None);
            };
            let (k, v) = kv?;
            self.ids = ids(&k, &v)?;
        }
        Ok(self.ids.last().copied())
    }

    pub(super) fn take(&mut self) {
        self.ids.pop();
    }
}

/// Case ids in any of `states`, newest first, at most `limit`: a merge of the states'
/// chunks read from the highest down, a chunk at a time.
pub(super) fn cases_in_states(
    tree: &sled::Tree,
    states: &[CaseState],
    limit: usize,
) -> Result<Vec<CaseId>, StoreError> {
    let mut each: Vec<Newest> = states.iter().map(|s| Newest::new(tree, s.code())).collect();
    let mut out = vec![];
    while out.len() < limit {
        let mut best: Option<(usize, u64)> = None;
        for (i, it) in each.iter_mut().enumerate() {
            if let Some(id) = it.peek()? {
                if best.is_none_or(|(_, b)| id > b) {
                    best = Some((i, id));
                }
            }
        }
        let Some((i, id)) = best else { break };
        each[i].take();
        out.push(CaseId(id));
    }
    Ok(out)
}

/// Calls `each` with every case in the state coded `state` whose id is in `lo..=hi`,
/// ascending, reading only the chunks of that range.
pub(super) fn each_between(
    tree: &sled::Tree,
    state: u8,
    (lo, hi): (u64, u64),
    mut each: impl FnMut(u64),
) -> Result<(), StoreError> {
    let (from, to) = (key(state, lo >> CHUNK_SHIFT), key(state, hi >> CHUNK_SHIFT));
    for kv in tree.range(from..=to) {
        let (k, v) = kv?;
        for id in ids(&k, &v)?.into_iter().filter(|id| (lo..=hi).contains(id)) {
            each(id);
        }
    }
    Ok(())
}

/// Packs cases given in ascending id order (of any states) into chunks, holding one open
/// chunk per state: memory stays a few chunks however many cases pass (the build at open,
/// which reads the `cases` tree in key order).
#[derive(Default)]
pub(super) struct Packer {
    open: BTreeMap<u8, (u64, Chunk)>,
}

impl Packer {
    /// Adds a case; gives back the chunk of its state it closes, if any (key, value).
    pub(super) fn push(&mut self, state: u8, case: u64) -> Option<(Vec<u8>, Vec<u8>)> {
        let (no, offset) = (case >> CHUNK_SHIFT, (case & (CHUNK_IDS - 1)) as u16);
        let mut done = None;
        if self.open.get(&state).is_some_and(|(n, _)| *n != no) {
            done = self.open.remove(&state).map(|(n, c)| written(state, n, &c));
        }
        let (_, c) = self
            .open
            .entry(state)
            .or_insert_with(|| (no, Chunk::default()));
        c.set(offset, true);
        done
    }

    /// The chunks still open.
    pub(super) fn finish(self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.open
            .into_iter()
            .map(|(s, (n, c))| written(s, n, &c))
            .collect()
    }
}

fn written(state: u8, no: u64, c: &Chunk) -> (Vec<u8>, Vec<u8>) {
    (key(state, no).to_vec(), c.encode())
}

#[cfg(test)]
mod tests;
