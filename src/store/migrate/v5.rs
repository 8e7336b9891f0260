//! Schema 5 → 6: the `events` tree repacked from one key per event (`subject ‖ seq`, 16
//! bytes → `Event`) into chunks (`subject ‖ chunk no`, 12 bytes → `Vec<Event>`,
//! `store::events`), once, at open.
//!
//! Subject by subject, in key order: a subject's old keys are removed in the same atomic
//! batch (of one tree) as its chunks are written, so a repack cut short leaves every subject
//! whole in one layout or the other, and the next open goes on with the subjects still in
//! 16-byte keys (the 12-byte ones are done). A batch holds whole subjects and some
//! [`BATCH_KEYS`] old keys, and a flush follows every [`FLUSH_KEYS`]: sled keeps what a batch
//! replaces, and what it has not flushed, in memory. The chunks are the old values behind
//! the length a `Vec<Event>` encodes first (nothing is decoded); old keys are in seq order.

use sled::IVec;

use super::super::events::CHUNK;
use super::super::sled_store::Store;
use super::super::trees::{self, Tree};
use super::super::{bad_key, encode, Storage, StoreError};

/// Old keys per batch.
const BATCH_KEYS: usize = 10_000;
/// Old keys between two flushes.
const FLUSH_KEYS: usize = 100_000;

/// Repacks every subject still in the layout of schema 5.
pub(super) fn repack_events(store: &Store) -> Result<(), StoreError> {
    repack_in_batches(store, BATCH_KEYS)
}

/// One subject in the making: its id, old keys and values.
struct Subject {
    id: u64,
    keys: Vec<IVec>,
    values: Vec<IVec>,
}

pub(super) fn repack_in_batches(store: &Store, batch_keys: usize) -> Result<(), StoreError> {
    let tree = store.tree(Tree::Events)?;
    let mut batch = sled::Batch::default();
    let (mut in_batch, mut since_flush) = (0usize, 0usize);
    let mut cur: Option<Subject> = None;
    let mut max_seq = 0u64;
    for kv in tree.iter() {
        let (k, v) = kv?;
        match k.len() {
            12 => continue,
            16 => {}
            _ => return Err(bad_key("events")),
        }
        let id = trees::read_u64(&k).ok_or_else(|| bad_key("events"))?;
        max_seq = max_seq.max(trees::read_u64(&k[8..]).unwrap_or(0));
        if cur.as_ref().is_none_or(|s| s.id != id) {
            // Whatever the batch holds lies before this key: the iterator never meets it.
            if let Some(done) = cur.take() {
                in_batch += pack(&mut batch, done);
            }
            if in_batch >= batch_keys {
                tree.apply_batch(std::mem::take(&mut batch))?;
                since_flush += std::mem::take(&mut in_batch);
                if since_flush >= FLUSH_KEYS {
                    store.flush()?;
                    since_flush = 0;
                }
            }
            cur = Some(Subject {
                id,
                keys: vec![],
                values: vec![],
            });
        }
        if let Some(s) = cur.as_mut() {
            s.keys.push(k);
            s.values.push(v);
        }
    }
    if let Some(done) = cur {
        pack(&mut batch, done);
    }
    tree.apply_batch(batch)?;
    // A sweep of several batches by casebench before schema 6 began each batch at the
    // event number the one before had begun at: the counter may lag the numbers taken.
    let meta = store.tree(Tree::Meta)?;
    let next = meta
        .get(trees::KEY_NEXT_EVENT)?
        .and_then(|v| trees::read_u64(&v))
        .unwrap_or(0);
    if max_seq > 0 && next <= max_seq {
        meta.insert(trees::KEY_NEXT_EVENT, (max_seq + 1).to_be_bytes().to_vec())?;
    }
    store.flush()
}

/// Puts into `batch` the removal of a subject's old keys and its chunks; how many old keys.
fn pack(batch: &mut sled::Batch, s: Subject) -> usize {
    let n = s.keys.len();
    for k in s.keys {
        batch.remove(k);
    }
    for (no, chunk) in s.values.chunks(CHUNK).enumerate() {
        // A `Vec<Event>`: its length, then each event as encoded alone.
        let mut v = encode(&(chunk.len() as u64));
        for e in chunk {
            v.extend_from_slice(e);
        }
        batch.insert(trees::event_chunk_key(s.id, no as u32).to_vec(), v);
    }
    n
}

#[cfg(test)]
mod tests;

impl Store {
    /// Test hook: rewrites `events` in the layout of schema 5 (one key per event, `subject ‖
    /// seq`) and sets schema 5, as an older casebench left the store.
    pub fn unpack_events_as_schema_5(&self) -> Result<(), StoreError> {
        let tree = self.tree(Tree::Events)?;
        for kv in tree.iter() {
            let (k, v) = kv?;
            if k.len() != 12 {
                continue;
            }
            let mut batch = sled::Batch::default();
            batch.remove(k.clone());
            for e in super::super::events::decode_chunk(&v)? {
                let mut old = k[..8].to_vec();
                old.extend_from_slice(&trees::u64_key(e.seq));
                batch.insert(old, encode(&e));
            }
            tree.apply_batch(batch)?;
        }
        self.set_schema_version(5)
    }
}
