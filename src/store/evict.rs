//! Taking archived cases out of the hot store: the case, its work items, its events and
//! every index entry and counter that names them, in one write set; and the paged read of
//! `idx_closed` an archive run walks (oldest closing first).

use chrono::{DateTime, Utc};

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::writeset::index_keys;
use super::{bad_key, codec, token_index, StoreError, WriteSet};
use crate::domain::kpi::CaseFacts;
use crate::domain::{Case, CaseId, Event, WorkItem};

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
}

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
}

impl WriteSet {
    /// Removes `case` (closed or cancelled, now in the archive) from the hot store with its
    /// work items and events (as read from the store) and every index entry naming them.
    pub fn evict_case(&mut self, case: &Case, items: &[WorkItem], events: &[Event]) {
        self.del(Tree::Cases, trees::u64_key(case.id.0));
        self.count(trees::state_count_key(case.state.code()), -1);
        self.del(Tree::State, trees::state_key(case.state.code(), case.id));
        if let Some(t) = case.closed {
            self.del(Tree::Closed, trees::time_id_key(t, case.id.0));
        }
        for k in token_index::case_keys(case) {
            self.del(Tree::Token, k);
        }
        for item in items {
            self.del(Tree::WorkItems, trees::u64_key(item.id.0));
            for (tree, k) in index_keys(item) {
                self.del(tree, k);
            }
            for k in token_index::item_keys(item) {
                self.del(Tree::Token, k);
            }
        }
        for e in events {
            self.del(Tree::Events, trees::case_event_key(case.id, e.seq));
        }
    }
}
