//! The period indexes a report reads instead of the whole store: `idx_closed` (closed or
//! cancelled cases by closing time) and `idx_request_time` (requests by creation time), kept
//! by the write set; a store written before they existed gets them built once when opened
//! (`period_backfill`).

use chrono::{DateTime, Utc};

use super::trees::{self, Tree};
use super::{bad_key, StoreError};

/// Which period index to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodIndex {
    /// Cases by the time they closed or were cancelled.
    Closed,
    /// Requests by the time they were created.
    RequestCreated,
}

impl PeriodIndex {
    pub(super) fn tree(self) -> Tree {
        match self {
            PeriodIndex::Closed => Tree::Closed,
            PeriodIndex::RequestCreated => Tree::RequestTime,
        }
    }
}

/// `[since, until)`: a half-open period.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// The ids in the period index `tree` whose time lies in `span`, in time order.
pub(super) fn ids_between(
    tree: &sled::Tree,
    index: PeriodIndex,
    (since, until): Span,
) -> Result<Vec<u64>, StoreError> {
    let name = trees::NAMES[index.tree() as usize];
    let (from, to) = (trees::time_id_key(since, 0), trees::time_id_key(until, 0));
    let mut out = vec![];
    for kv in tree.range(from.as_slice()..to.as_slice()) {
        let (k, _) = kv?;
        let (_, id) = trees::read_time_id_key(&k).ok_or_else(|| bad_key(name))?;
        out.push(id);
    }
    Ok(out)
}
