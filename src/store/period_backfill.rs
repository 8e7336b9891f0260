//! Builds the period indexes (`super::period`) of a store written before they existed, once,
//! when it is opened.

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::{codec, Storage, StoreError};
use crate::domain::{Case, Request};

/// Builds both indexes from the cases and requests, once: a store that has them (flagged in
/// `meta`) is left alone. Entries are keys only, so a backfill cut short runs again safely;
/// the flag is written last.
pub(super) fn backfill(store: &Store) -> Result<(), StoreError> {
    let meta = store.tree(Tree::Meta)?;
    if meta.get(trees::KEY_PERIOD_INDEXED)?.is_some() {
        return Ok(());
    }
    let closed = store.tree(Tree::Closed)?;
    for kv in store.tree(Tree::Cases)?.iter() {
        let (_, v) = kv?;
        let c: Case = codec::decode("cases", &v)?;
        if let Some(t) = c.closed {
            closed.insert(trees::time_id_key(t, c.id.0), vec![])?;
        }
    }
    let created = store.tree(Tree::RequestTime)?;
    for kv in store.tree(Tree::Requests)?.iter() {
        let (_, v) = kv?;
        let r: Request = codec::decode("requests", &v)?;
        created.insert(trees::time_id_key(r.created, r.id.0), vec![])?;
    }
    mark_built(store)
}

/// Flags the indexes as complete (a new store starts so).
pub(super) fn mark_built(store: &Store) -> Result<(), StoreError> {
    store
        .tree(Tree::Meta)?
        .insert(trees::KEY_PERIOD_INDEXED, vec![])?;
    store.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CaseId, CaseKind, CaseState};
    use crate::store::PeriodIndex;
    use chrono::TimeZone;
    use chrono::{DateTime, Utc};

    fn case(id: u64, closed: Option<DateTime<Utc>>) -> Case {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let state = match closed {
            Some(_) => CaseState::Closed,
            None => CaseState::Open,
        };
        Case {
            state,
            closed,
            ..Case::new(
                CaseId(id),
                CaseKind::Generic,
                format!("case {id}"),
                "ann",
                t,
            )
        }
    }

    #[test]
    fn a_store_without_the_indexes_gets_them_once_at_open_and_the_write_set_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let at = |d| Utc.with_ymd_and_hms(2026, 1, d, 12, 0, 0).unwrap();
        let store = Store::create(&path).unwrap();
        // Written as an older casebench did: the cases alone, no index, no flag.
        let cases = store.tree(Tree::Cases).unwrap();
        for c in [case(1, Some(at(5))), case(2, None), case(3, Some(at(2)))] {
            cases
                .insert(trees::u64_key(c.id.0), codec::encode(&c))
                .unwrap();
        }
        store
            .tree(Tree::Meta)
            .unwrap()
            .remove(trees::KEY_PERIOD_INDEXED)
            .unwrap();
        store.flush().unwrap();
        drop(cases);
        assert!(store
            .ids_between(PeriodIndex::Closed, (at(1), at(9)))
            .unwrap()
            .is_empty());
        drop(store);
        let store = crate::store::test_support::reopen(&path);
        let span = (at(1), at(9));
        assert_eq!(
            store.ids_between(PeriodIndex::Closed, span).unwrap(),
            vec![3, 1]
        );
        assert_eq!(
            store
                .ids_between(PeriodIndex::Closed, (at(3), at(5)))
                .unwrap(),
            Vec::<u64>::new()
        );
        // From now on the write set keeps it: closing case 2 adds it, nothing is rebuilt.
        let mut ws = crate::store::WriteSet::default();
        ws.put_case(Some(&case(2, None)), &case(2, Some(at(4))));
        store.commit(ws).unwrap();
        assert_eq!(
            store.ids_between(PeriodIndex::Closed, span).unwrap(),
            vec![3, 2, 1]
        );
        assert!(store
            .tree(Tree::Meta)
            .unwrap()
            .get(trees::KEY_PERIOD_INDEXED)
            .unwrap()
            .is_some());
    }
}
