//! `idx_state`: the cases of each state, packed into chunks of 4096 case ids
//! ([`super::state_chunk`]), so that a store of a million cases holds a few hundred keys for
//! it instead of one per case (sled's open costs by keys).
//!
//! Write sets still name logical entries `state code ‖ case id` (`WriteSet::put_case`,
//! `evict_case`); they are filed into their chunks inside the transaction, read, changed
//! and written once per chunk ([`super::state_chunk::apply`]), also when a set is applied
//! tree by tree. A store written before chunks (one key per case, an empty value) is
//! packed once at open, rebuilt from the `cases` tree, and flagged in `meta`
//! ([`KEY_STATE_PACKED`]).

use std::collections::BTreeSet;

use super::sled_store::Store;
use super::state_chunk as chunk;
use super::token_index::{empty_tree, BUILD_CHUNK};
use super::trees::Tree;
use super::{codec, Storage, StoreError};
use crate::domain::{Case, CaseId, CaseState};

/// Set once `idx_state` holds every case in chunks (built at open for an older store).
pub const KEY_STATE_PACKED: &[u8] = b"idx/state2";

/// One chunk of `idx_state` as sled holds it: key `state code ‖ chunk`, value its cases.
pub type StateChunk = (Vec<u8>, Vec<u8>);

/// Raw reads of `idx_state` for `check` (a part of [`super::Storage`]).
pub trait StateChunks {
    /// Every chunk as sled holds it, key and value.
    fn state_chunks(&self) -> Result<Vec<StateChunk>, StoreError>;
}

impl StateChunks for Store {
    fn state_chunks(&self) -> Result<Vec<StateChunk>, StoreError> {
        let tree = self.tree(Tree::State)?;
        tree.iter()
            .map(|kv| {
                kv.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(Into::into)
            })
            .collect()
    }
}

/// `check`: the index holds exactly one entry per case, under its state; a line for each
/// malformed chunk (its cases are left out), each case it lacks and each it has that is
/// not so (20 of each at most).
pub fn state_findings(s: &dyn Storage, cases: &[Case]) -> Result<Vec<String>, StoreError> {
    let expected: BTreeSet<(u8, u64)> = cases.iter().map(|c| (c.state.code(), c.id.0)).collect();
    let mut actual = BTreeSet::new();
    let mut out = vec![];
    for (k, v) in s.state_chunks()? {
        match chunk::ids(&k, &v) {
            Ok(ids) => actual.extend(ids.into_iter().map(|id| (k[0], id))),
            Err(e) => out.push(format!("index idx_state has a {}", message(e))),
        }
    }
    let state = |code: u8| match CaseState::ALL.iter().find(|s| s.code() == code) {
        Some(s) => s.name().to_string(),
        None => format!("state code {code}"),
    };
    let lacks = expected.difference(&actual).take(20);
    out.extend(lacks.map(|(st, id)| {
        format!(
            "index idx_state lacks the entry of {} ({})",
            CaseId(*id),
            state(*st)
        )
    }));
    let stray = actual.difference(&expected).take(20);
    out.extend(stray.map(|(st, id)| {
        format!(
            "index idx_state has a stray entry: {} as {}",
            CaseId(*id),
            state(*st)
        )
    }));
    Ok(out)
}

/// A corrupt store's message without its "store is corrupt" (the chunk's own line).
fn message(e: StoreError) -> String {
    match e {
        StoreError::Corrupt(m) => m,
        e => e.to_string(),
    }
}

/// Packs `idx_state` of a store written before chunks, once (flagged in `meta`): the tree
/// is emptied and built again from the `cases` tree, read in id order with one open chunk
/// per state, the chunks written with a flush every [`BUILD_CHUNK`] keys. A build cut
/// short runs again safely (the flag is written last).
pub(super) fn backfill(store: &Store) -> Result<(), StoreError> {
    if store.tree(Tree::Meta)?.get(KEY_STATE_PACKED)?.is_some() {
        return Ok(());
    }
    empty_tree(store, Tree::State)?;
    let tree = store.tree(Tree::State)?;
    let mut packer = chunk::Packer::default();
    let mut written = 0usize;
    let mut put = |(k, v): StateChunk| -> Result<(), StoreError> {
        tree.insert(k, v)?;
        written += 1;
        if written.is_multiple_of(BUILD_CHUNK) {
            store.flush()?;
        }
        Ok(())
    };
    for kv in store.tree(Tree::Cases)?.iter() {
        let (_, v) = kv?;
        let c: Case = codec::decode("cases", &v)?;
        if let Some(done) = packer.push(c.state.code(), c.id.0) {
            put(done)?;
        }
    }
    for done in packer.finish() {
        put(done)?;
    }
    store.flush()?;
    mark_built(store)
}

/// Flags the index as packed (a new store starts so).
pub(super) fn mark_built(store: &Store) -> Result<(), StoreError> {
    store.tree(Tree::Meta)?.insert(KEY_STATE_PACKED, vec![])?;
    store.flush()
}

impl Store {
    /// Test hook: writes `idx_state` as a casebench before chunks did (one key per case,
    /// an empty value) and takes its flag away, so that the next open packs it again.
    pub fn unpack_states_as_before_chunks(&self) -> Result<(), StoreError> {
        let tree = self.tree(Tree::State)?;
        let entries = chunk::logical_keys(&tree)?;
        tree.clear()?;
        for k in entries {
            tree.insert(k, vec![])?;
        }
        self.tree(Tree::Meta)?.remove(KEY_STATE_PACKED)?;
        self.flush()
    }

    /// Logical `idx_state` writes of a set applied tree by tree, in one transaction over
    /// `idx_state` (its chunks read, changed and written once each).
    pub(super) fn apply_states(
        &self,
        ops: &[(Vec<u8>, Option<Vec<u8>>)],
    ) -> Result<(), StoreError> {
        use sled::transaction::TransactionError;
        let tree = self.tree(Tree::State)?;
        let r = tree.transaction(|tx| {
            let ops = ops.iter().map(|(k, v)| (k.as_slice(), v.is_some()));
            chunk::apply(tx, ops)
        });
        r.map_err(|e| match e {
            TransactionError::Abort(why) => StoreError::Corrupt(why),
            TransactionError::Storage(e) => self.failed_write(e),
        })
    }
}

#[cfg(test)]
mod tests;
