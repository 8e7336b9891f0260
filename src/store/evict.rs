//! Taking archived cases out of the hot store. [`WriteSet::evict_case`] removes, in one
//! transaction, what makes a case part of the hot store: the case, its work items, the
//! counters and the indexes the queues and lists read. What was filed under it, its event
//! chunks (one or two keys, `store::events`) and `idx_token` entries (none, as a rule: a
//! closed case and its closed items have none), stays until later: the case is named in
//! `idx_evicted` in the same transaction, and a bounded number of cases at a time is
//! cleared ([`WriteSet::clear_evicted`], by the sweep): no read reaches it meanwhile (no
//! case names it), and `check` knows it is on its way out; an `idx_token` removal there
//! moves the `idx_vocab` counts like any other (`store::vocab`). An entry names the
//! logical `idx_token` entries (`store::token_chunk` finds their chunks); the event chunks
//! are found by the case's prefix when it is cleared (an entry of schema 5 also names the
//! event seqs of the layout before: they are not read, the repack at open put those
//! events into the case's chunks). And the paged read of `idx_closed` an archive run walks
//! (oldest closing first).

use chrono::{DateTime, Utc};

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::writeset::index_keys;
use super::{bad_key, codec, token_index, StoreError, WriteSet};
use crate::domain::kpi::CaseFacts;
use crate::domain::{Case, CaseId, WorkItem};

/// One entry of `idx_closed`: closing time, case id, KPI facts if settled.
pub type ClosedEntry = (DateTime<Utc>, CaseId, Option<CaseFacts>);

/// Paged reads of `idx_closed` (a part of [`super::Storage`]).
pub trait ClosedPages {
    /// At most `limit` cases closed before `until`, after `after` (time, id) when given,
    /// oldest closing first.
    fn closed_page(
        &self,
        after: Option<(DateTime<Utc>, CaseId)>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<ClosedEntry>, StoreError>;

    /// Applies `ws` (removals and plain puts, no counters) as one atomic batch per tree,
    /// not atomic across trees, then flushes: for writes whose partial application leaves
    /// nothing any read reaches.
    /// `idx_token` changes are one transaction with the `idx_vocab` counts they move, and
    /// `idx_state` changes one over its chunks; its events (none, from the sweep's
    /// clearing) one over `events`, first.
    fn apply_per_tree(&self, ws: WriteSet) -> Result<(), StoreError>;

    /// At most `limit` evicted cases whose leftovers are still in the hot store: (case,
    /// its `events` keys, its `idx_token` keys).
    fn evicted(&self, limit: usize) -> Result<Vec<Evicted>, StoreError>;

    /// Every evicted case whose leftovers are still in the hot store (`check`).
    fn evicted_ids(&self) -> Result<std::collections::BTreeSet<CaseId>, StoreError>;
}

/// An archived case's leftovers in the hot store: (case, `events` keys, `idx_token` keys).
pub type Evicted = (CaseId, Vec<Vec<u8>>, Vec<Vec<u8>>);

impl ClosedPages for Store {
    fn closed_page(
        &self,
        after: Option<(DateTime<Utc>, CaseId)>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<ClosedEntry>, StoreError> {
        let tree = self.tree(Tree::Closed)?;
        let end = trees::time_id_key(until, 0);
        let range = match after {
            Some((t, id)) => {
                let from = trees::time_id_key(t, id.0);
                tree.range::<&[u8], _>((
                    std::ops::Bound::Excluded(from.as_slice()),
                    std::ops::Bound::Excluded(end.as_slice()),
                ))
            }
            None => tree.range(..end.as_slice()),
        };
        let mut out = vec![];
        for kv in range.take(limit) {
            let (k, v) = kv?;
            let (t, id) = trees::read_time_id_key(&k).ok_or_else(|| bad_key("idx_closed"))?;
            let facts = match v.is_empty() {
                true => None,
                false => Some(codec::decode("idx_closed", &v)?),
            };
            out.push((t, CaseId(id), facts));
        }
        Ok(out)
    }

    fn apply_per_tree(&self, ws: WriteSet) -> Result<(), StoreError> {
        let mut batches: std::collections::BTreeMap<Tree, sled::Batch> = Default::default();
        let (mut tokens, mut states) = (vec![], vec![]);
        for (tree, key, value) in ws.ops {
            let b = match tree {
                Tree::Token => {
                    tokens.push((key, value));
                    continue;
                }
                Tree::State => {
                    states.push((key, value));
                    continue;
                }
                _ => batches.entry(tree).or_default(),
            };
            match value {
                Some(v) => b.insert(key, v),
                None => b.remove(key),
            }
        }
        super::reserve::ensure(&self.path)?;
        if !ws.events.is_empty() {
            self.append_events(&ws.events)?;
        }
        let mut tokens = Some(tokens).filter(|t| !t.is_empty());
        let mut states = Some(states).filter(|t| !t.is_empty());
        for (tree, batch) in batches {
            // `idx_state` in its place, its logical entries into their chunks.
            if tree > Tree::State {
                if let Some(ops) = states.take() {
                    self.apply_states(&ops)?;
                }
            }
            // `idx_token` in its place in tree order, with the `idx_vocab` counts it moves.
            if tree > Tree::Token {
                if let Some(ops) = tokens.take() {
                    self.apply_tokens(&ops)?;
                }
            }
            self.tree(tree)?
                .apply_batch(batch)
                .map_err(|e| self.failed_write(e))?;
        }
        if let Some(ops) = states {
            self.apply_states(&ops)?;
        }
        if let Some(ops) = tokens {
            self.apply_tokens(&ops)?;
        }
        super::Storage::flush(self)
    }

    fn evicted(&self, limit: usize) -> Result<Vec<Evicted>, StoreError> {
        let mut out = vec![];
        let events = self.tree(Tree::Events)?;
        for kv in self.tree(Tree::Evicted)?.iter().take(limit) {
            let (k, v) = kv?;
            let id = trees::read_u64(&k).ok_or_else(|| bad_key("idx_evicted"))?;
            // The seqs of schema 5 are not read: those events are in the case's chunks.
            let (_, tokens): (Vec<u64>, Vec<Vec<u8>>) = codec::decode("idx_evicted", &v)?;
            let chunks = super::events::subject_keys(&events, id)?;
            out.push((CaseId(id), chunks, tokens));
        }
        Ok(out)
    }

    fn evicted_ids(&self) -> Result<std::collections::BTreeSet<CaseId>, StoreError> {
        let mut out = std::collections::BTreeSet::new();
        for k in self.tree(Tree::Evicted)?.iter().keys() {
            out.insert(CaseId(
                trees::read_u64(&k?).ok_or_else(|| bad_key("idx_evicted"))?,
            ));
        }
        Ok(out)
    }
}

impl Store {
    /// Events into their subjects' chunks, in one transaction over `events`.
    fn append_events(&self, events: &[crate::domain::Event]) -> Result<(), StoreError> {
        use sled::transaction::TransactionError;
        let tree = self.tree(Tree::Events)?;
        let r = tree.transaction(|tx| super::events::append(tx, events));
        r.map_err(|e| match e {
            TransactionError::Abort(why) => StoreError::Corrupt(why),
            TransactionError::Storage(e) => self.failed_write(e),
        })
    }

    /// `idx_token` writes in one transaction with the `idx_vocab` counts they move.
    fn apply_tokens(&self, ops: &[(Vec<u8>, Option<Vec<u8>>)]) -> Result<(), StoreError> {
        use sled::transaction::TransactionError;
        let (token, vocab) = (self.tree(Tree::Token)?, self.tree(Tree::Vocab)?);
        super::vocab::apply_token_ops(&token, &vocab, ops).map_err(|e| match e {
            TransactionError::Abort(why) => StoreError::Corrupt(why),
            TransactionError::Storage(e) => self.failed_write(e),
        })
    }
}

impl WriteSet {
    /// Removes `case` (closed or cancelled, now in the archive) and its work items from the
    /// hot store, with the counters and the queue indexes that name them; names it, with
    /// its `idx_token` keys, in `idx_evicted` (its event chunks go with them).
    pub fn evict_case(&mut self, case: &Case, items: &[WorkItem]) {
        self.del(Tree::Cases, trees::u64_key(case.id.0));
        self.count(trees::state_count_key(case.state.code()), -1);
        self.del(Tree::State, trees::state_key(case.state.code(), case.id));
        if let Some(t) = case.closed {
            self.del(Tree::Closed, trees::time_id_key(t, case.id.0));
        }
        for item in items {
            self.del(Tree::WorkItems, trees::u64_key(item.id.0));
            for (tree, k) in index_keys(item) {
                self.del(tree, k);
            }
        }
        let mut tokens: Vec<Vec<u8>> = token_index::case_keys(case).into_iter().collect();
        for item in items {
            tokens.extend(token_index::item_keys(item));
        }
        let left = super::encode(&(Vec::<u64>::new(), tokens));
        self.put(Tree::Evicted, trees::u64_key(case.id.0), left);
    }

    /// Removes what an evicted case left behind (its event chunks, its `idx_token`
    /// entries), then its `idx_evicted` entry (last: applied per tree, in tree order).
    pub fn clear_evicted(&mut self, (case, events, tokens): &Evicted) {
        for k in events {
            self.del(Tree::Events, k.clone());
        }
        for k in tokens {
            self.del(Tree::Token, k.clone());
        }
        self.del(Tree::Evicted, trees::u64_key(case.0));
    }
}
