//! `idx_state` in chunks: kept by write sets (many changes to one chunk in one set), packed
//! at open for an older store, read newest first, checked.

use super::*;
use crate::domain::CaseKind;
use crate::store::trees;
use crate::store::{ClosedPages, StateChunks};
use crate::store::{Storage, TokenIndex, WriteSet};
use chrono::{TimeZone, Utc};

fn case(id: u64, state: CaseState) -> Case {
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut c = Case::new(
        CaseId(id),
        CaseKind::Generic,
        format!("Case {id}"),
        "ann",
        t,
    );
    c.state = state;
    c
}

fn commit(store: &Store, ws: WriteSet) {
    Storage::commit(store, ws).unwrap();
}

/// `check`'s view of `idx_state` against the cases the store holds.
fn consistent(store: &Store) {
    let cases = store.all_cases().unwrap();
    assert_eq!(state_findings(store, &cases).unwrap(), Vec::<String>::new());
}

fn ids(v: Vec<CaseId>) -> Vec<u64> {
    v.into_iter().map(|c| c.0).collect()
}

fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("s")).unwrap();
    (dir, store)
}

#[test]
fn many_state_changes_of_cases_of_one_chunk_in_one_write_set_compose() {
    let (_dir, store) = new_store();
    use CaseState::*;
    let mut ws = WriteSet::default();
    let mut now: Vec<Case> = (1..=300).map(|id| case(id, Created)).collect();
    for c in &now {
        ws.put_case(None, c);
    }
    // In the same set: every case opened, every third closed, then some of those
    // cancelled instead, one opened and closed twice over.
    for c in now.iter_mut() {
        let open = case(c.id.0, Open);
        ws.put_case(Some(c), &open);
        *c = open;
    }
    for c in now.iter_mut().filter(|c| c.id.0 % 3 == 0) {
        let closed = case(c.id.0, Closed);
        ws.put_case(Some(c), &closed);
        *c = closed;
    }
    for c in now.iter_mut().filter(|c| c.id.0 % 30 == 0) {
        let cancelled = case(c.id.0, Cancelled);
        ws.put_case(Some(c), &cancelled);
        *c = cancelled;
    }
    for _ in 0..2 {
        let (open, closed) = (case(7, Open), case(7, Closed));
        ws.put_case(Some(&open), &closed);
        ws.put_case(Some(&closed), &open);
    }
    commit(&store, ws);
    consistent(&store);
    // One chunk per state: 200 open (a list), 90 closed, 10 cancelled; none created.
    let chunks = store.state_chunks().unwrap();
    let shape: Vec<(u8, usize)> = chunks.iter().map(|(k, v)| (k[0], v.len())).collect();
    assert_eq!(shape, vec![(1, 400), (4, 180), (5, 20)]);
    assert_eq!(store.count_in_state(Open).unwrap(), 200);
    let open = store.cases_in_states(&[Open], usize::MAX).unwrap();
    assert_eq!(ids(open)[..3], [299, 298, 296]);
    // 100 more open cases in the chunk: a bitmap from 256 on; all closed: the chunk goes.
    let mut ws = WriteSet::default();
    for id in 301..=400 {
        ws.put_case(None, &case(id, Open));
    }
    commit(&store, ws);
    let chunks = store.state_chunks().unwrap();
    assert_eq!(chunks[0].1.len(), chunk::BITMAP_BYTES);
    consistent(&store);
    let mut ws = WriteSet::default();
    let all = store.all_cases().unwrap();
    for c in all.iter().filter(|c| c.state == Open) {
        ws.put_case(Some(c), &case(c.id.0, Closed));
    }
    commit(&store, ws);
    consistent(&store);
    let chunks = store.state_chunks().unwrap();
    assert_eq!(chunks.iter().map(|(k, _)| k[0]).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(chunks[0].1.len(), chunk::BITMAP_BYTES);
}

#[test]
fn a_set_applied_tree_by_tree_files_its_state_entries_into_chunks() {
    let (_dir, store) = new_store();
    let (a, b) = (case(4095, CaseState::Closed), case(4096, CaseState::Closed));
    let mut ws = WriteSet::default();
    ws.put_case(None, &a);
    ws.put_case(None, &b);
    commit(&store, ws);
    assert_eq!(store.state_chunks().unwrap().len(), 2);
    let mut ws = WriteSet::default();
    ws.evict_case(&a, &[]);
    store.apply_per_tree(ws).unwrap();
    let keys = store.index_keys("idx_state").unwrap();
    assert_eq!(keys, vec![trees::state_key(4, b.id).to_vec()]);
    assert_eq!(store.state_chunks().unwrap().len(), 1);
}

/// Cases over several chunks and states, and far ids.
const SPREAD: [(u64, CaseState); 8] = [
    (1, CaseState::Open),
    (2, CaseState::Closed),
    (4095, CaseState::Open),
    (4096, CaseState::Open),
    (5000, CaseState::Cancelled),
    (8193, CaseState::Closed),
    (1 << 40, CaseState::Executing),
    (u64::MAX, CaseState::Closed),
];

#[test]
fn an_older_store_with_a_key_per_case_is_packed_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        // As a casebench before chunks wrote it: a key per case, an empty value, no flag.
        let store = Store::create(&path).unwrap();
        let (cases, state) = (
            store.tree(Tree::Cases).unwrap(),
            store.tree(Tree::State).unwrap(),
        );
        for (id, st) in SPREAD {
            let c = case(id, st);
            cases.insert(trees::u64_key(id), codec::encode(&c)).unwrap();
            state
                .insert(trees::state_key(st.code(), c.id), vec![])
                .unwrap();
        }
        store
            .tree(Tree::Meta)
            .unwrap()
            .remove(KEY_STATE_PACKED)
            .unwrap();
        store.flush().unwrap();
    }
    let store = crate::store::test_support::reopen(&path);
    assert!(store
        .tree(Tree::Meta)
        .unwrap()
        .get(KEY_STATE_PACKED)
        .unwrap()
        .is_some());
    consistent(&store);
    // Open: chunks 0 (1, 4095) and 1 (4096); closed: 0, 2, and the last; one each else.
    assert_eq!(store.state_chunks().unwrap().len(), 7);
    assert_eq!(store.index_keys("idx_state").unwrap().len(), SPREAD.len());
    let all = store.cases_in_states(&CaseState::ALL, usize::MAX).unwrap();
    let mut want: Vec<u64> = SPREAD.iter().map(|(id, _)| *id).collect();
    want.reverse();
    assert_eq!(ids(all), want);
    let ended = [CaseState::Closed, CaseState::Cancelled];
    let newest = store.cases_in_states(&ended, 3).unwrap();
    assert_eq!(ids(newest), vec![u64::MAX, 8193, 5000]);
    assert!(store.cases_in_states(&ended, 0).unwrap().is_empty());
    // The id lookup reads the active chunks.
    let found = |w: &str| ids(store.cases_with_word(w).unwrap().into_iter().collect());
    assert_eq!(found("c-409"), vec![4095, 4096]);
    assert_eq!(found("409"), vec![4095, 4096]);
    assert_eq!(found("c-1"), vec![1, 1 << 40]);
    assert!(found("c-5000").is_empty());
    // Opened again: nothing to do, the chunks as they were.
    let before = store.state_chunks().unwrap();
    drop(store);
    let store = crate::store::test_support::reopen(&path);
    assert_eq!(store.state_chunks().unwrap(), before);
}

#[test]
fn check_names_a_malformed_chunk_and_reads_and_writes_fail_cleanly() {
    let (_dir, store) = new_store();
    let mut ws = WriteSet::default();
    for (id, st) in SPREAD {
        ws.put_case(None, &case(id, st));
    }
    commit(&store, ws);
    let tree = store.tree(Tree::State).unwrap();
    // Open chunk 1 (case 4096) unreadable, a stray closed entry for case 3, and case 2's
    // entry gone.
    tree.insert(chunk::key(1, 1), vec![0x20, 0]).unwrap();
    tree.insert(chunk::key(4, 0), vec![0, 3]).unwrap();
    let found = state_findings(&store, &store.all_cases().unwrap()).unwrap();
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found[0].contains("malformed chunk in tree idx_state"),
        "{found:?}"
    );
    assert!(found[0].contains("state code 1, chunk 1"), "{found:?}");
    assert!(found.contains(&"index idx_state lacks the entry of C-2 (closed)".into()));
    assert!(found.contains(&"index idx_state lacks the entry of C-4096 (open)".into()));
    assert!(found.contains(&"index idx_state has a stray entry: C-3 as closed".into()));
    assert!(found.iter().all(|l| !l.contains('\n')));
    let e = store.cases_in_states(&[CaseState::Open], 9).unwrap_err();
    assert!(e.to_string().contains("idx_state"), "{e}");
    assert!(store.index_keys("idx_state").is_err());
    assert!(store.cases_with_word("c-4").is_err());
    // A write set onto the malformed chunk is refused whole.
    let mut ws = WriteSet::default();
    ws.put_case(None, &case(4097, CaseState::Open));
    ws.put_case(None, &case(3, CaseState::Open));
    let e = Storage::commit(&store, ws).unwrap_err().to_string();
    assert!(e.contains("idx_state") && e.contains("chunk 1"), "{e}");
    assert!(store.case(CaseId(3)).unwrap().is_none());
}
