//! The period indexes a report reads instead of the whole store: `idx_closed` (closed or
//! cancelled cases by closing time) and `idx_request_time` (requests by creation time), kept
//! by the write set; a store written before they existed gets them built once when opened
//! (`period_backfill`).

use chrono::{DateTime, Utc};

use super::trees::{self, Tree};
use super::{bad_key, codec, encode, StoreError, WriteSet};
use crate::domain::kpi::CaseFacts;
use crate::domain::Case;

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

/// Each entry of the period index `tree` (named `name`) whose time lies in `span`, in time
/// order: its id and its value.
fn entries<T>(
    tree: &sled::Tree,
    name: &str,
    (since, until): Span,
    mut each: impl FnMut(u64, &[u8]) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let (from, to) = (trees::time_id_key(since, 0), trees::time_id_key(until, 0));
    let mut out = vec![];
    for kv in tree.range(from.as_slice()..to.as_slice()) {
        let (k, v) = kv?;
        let (_, id) = trees::read_time_id_key(&k).ok_or_else(|| bad_key(name))?;
        out.push(each(id, &v)?);
    }
    Ok(out)
}

/// The ids in the period index `tree` whose time lies in `span`, in time order.
pub(super) fn ids_between(
    tree: &sled::Tree,
    index: PeriodIndex,
    span: Span,
) -> Result<Vec<u64>, StoreError> {
    entries(tree, trees::NAMES[index.tree() as usize], span, |id, _| {
        Ok(id)
    })
}

/// The closed cases in `span`, in closing order, each with its KPI facts when they were
/// settled (`None`: closed in a change whose facts were not written yet, or before facts
/// existed).
pub(super) fn closed_between(
    tree: &sled::Tree,
    span: Span,
) -> Result<Vec<(u64, Option<CaseFacts>)>, StoreError> {
    let name = trees::NAMES[Tree::Closed as usize];
    entries(tree, name, span, |id, v| match v.is_empty() {
        true => Ok((id, None)),
        false => Ok((id, Some(codec::decode(name, v)?))),
    })
}

impl WriteSet {
    /// `idx_closed`: a closed or cancelled case by its closing time; its KPI facts are
    /// written later by [`WriteSet::put_case_facts`] (the entry starts empty).
    pub(super) fn put_closed(&mut self, prev: Option<&Case>, case: &Case) {
        let old = prev.and_then(|p| p.closed);
        if old == case.closed {
            return;
        }
        if let Some(t) = old {
            self.del(Tree::Closed, trees::time_id_key(t, case.id.0));
        }
        if let Some(t) = case.closed {
            self.put(Tree::Closed, trees::time_id_key(t, case.id.0), vec![]);
            self.closed.push(case.id);
        }
    }

    /// The KPI facts of a closed case, beside its entry in `idx_closed`.
    pub fn put_case_facts(&mut self, case: &Case, facts: &CaseFacts) {
        if let Some(t) = case.closed {
            self.put(
                Tree::Closed,
                trees::time_id_key(t, case.id.0),
                encode(facts),
            );
        }
    }

    /// The cases this set closes or cancels.
    pub fn closed_cases(&self) -> &[crate::domain::CaseId] {
        &self.closed
    }
}
