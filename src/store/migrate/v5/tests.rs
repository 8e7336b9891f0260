//! A schema-5 store (one key per event) opens repacked: histories as they were, schema 6,
//! chunks `check` finds nothing wrong with; a repack cut short goes on; reopening changes
//! nothing.

use super::*;
use crate::domain::{CaseId, Event, EventKind, RequestId};
use crate::store::test_support::reopen;
use crate::store::EventChunks;
use chrono::{TimeZone, Utc};

fn event(seq: u64, case: Option<u64>, request: Option<u64>) -> Event {
    Event {
        seq,
        time: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
        actor: "bob".into(),
        case: case.map(CaseId),
        request: request.map(RequestId),
        what: EventKind::Commented,
        why: Some(format!("{seq}")),
    }
}

/// Writes `events` as schema 5 did: `subject ‖ seq` → `Event`.
fn put_old(store: &Store, events: &[Event]) {
    let tree = store.tree(Tree::Events).unwrap();
    for e in events {
        let mut k = trees::u64_key(super::super::super::events::subject_of(e)).to_vec();
        k.extend_from_slice(&trees::u64_key(e.seq));
        tree.insert(k, encode(e)).unwrap();
    }
}

/// Case 1 with three chunks' worth, case 2 with a few, a request and store-wide events,
/// seqs interleaved as the engine writes them.
fn history() -> Vec<Event> {
    let mut out = vec![];
    for seq in 1..=200u64 {
        out.push(match seq % 5 {
            0..=2 => event(seq, Some(1), None),
            3 if seq < 40 => event(seq, Some(2), Some(4)),
            3 => event(seq, None, Some(4)),
            _ => event(seq, None, None),
        });
    }
    out
}

fn histories(store: &Store) -> (Vec<Event>, Vec<Event>, Vec<Event>, Vec<Event>) {
    (
        store.case_events(CaseId(1)).unwrap(),
        store.case_events(CaseId(2)).unwrap(),
        store.request_events(RequestId(4)).unwrap(),
        store.all_events().unwrap(),
    )
}

#[test]
fn a_chunk_is_the_old_values_behind_the_length_of_a_vec() {
    let events: Vec<Event> = history().into_iter().take(CHUNK).collect();
    let mut raw = encode(&(events.len() as u64));
    for e in &events {
        raw.extend_from_slice(&encode(e));
    }
    assert_eq!(raw, encode(&events));
}

#[test]
fn a_schema_5_store_opens_with_its_events_packed_and_a_second_open_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let store = Store::create(&path).unwrap();
    let all = history();
    put_old(&store, &all);
    store.set_schema_version(5).unwrap();
    let want = (
        all.iter()
            .filter(|e| e.case == Some(CaseId(1)))
            .cloned()
            .collect::<Vec<_>>(),
        all.iter()
            .filter(|e| e.case == Some(CaseId(2)))
            .cloned()
            .collect(),
        all.iter()
            .filter(|e| e.case.is_none() && e.request.is_some())
            .cloned()
            .collect(),
        all.clone(),
    );
    // As a sweep of several batches left it: the counter behind the numbers taken.
    let meta = store.tree(Tree::Meta).unwrap();
    meta.insert(trees::KEY_NEXT_EVENT, 150u64.to_be_bytes().to_vec())
        .unwrap();
    drop(meta);
    drop(store);
    let store = reopen(&path);
    assert_eq!(store.schema_version().unwrap(), Some(6));
    assert_eq!(histories(&store), want);
    let next = store.tree(Tree::Meta).unwrap().get(trees::KEY_NEXT_EVENT);
    let next = next.unwrap().and_then(|v| trees::read_u64(&v));
    assert_eq!(
        next,
        Some(201),
        "the counter goes past the last number taken"
    );
    assert_eq!(store.event_findings().unwrap(), Vec::<String>::new());
    let tree = store.tree(Tree::Events).unwrap();
    // Case 1: 120 events in 4 chunks; case 2: 8 in 1; the request 32 in 1; store-wide 40
    // in 2.
    let keys: Vec<Vec<u8>> = tree.iter().keys().map(|k| k.unwrap().to_vec()).collect();
    assert!(keys.iter().all(|k| k.len() == 12));
    assert_eq!(keys.len(), 4 + 1 + 1 + 2, "{keys:02x?}");
    drop(tree);
    drop(store);
    let store = reopen(&path);
    assert_eq!(histories(&store), want);
    let raw = |s: &Store| -> Vec<(Vec<u8>, Vec<u8>)> {
        let t = s.tree(Tree::Events).unwrap();
        t.iter()
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
            .collect()
    };
    let before = raw(&store);
    // Running the repack again (as a migration cut short after it would) changes nothing.
    repack_events(&store).unwrap();
    assert_eq!(raw(&store), before);
}

#[test]
fn a_repack_cut_short_goes_on_with_the_subjects_not_yet_packed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let store = Store::create(&path).unwrap();
    let all = history();
    put_old(&store, &all);
    // Batches of one subject each, flushed: as far as a run got before it was cut short,
    // case 1 is packed; the rest is as schema 5 left it.
    let tree = store.tree(Tree::Events).unwrap();
    let mut batch = sled::Batch::default();
    let case1: Vec<_> = tree
        .scan_prefix(trees::u64_key(1))
        .collect::<Result<_, _>>()
        .unwrap();
    let (keys, values) = case1.into_iter().unzip();
    pack(
        &mut batch,
        Subject {
            id: 1,
            keys,
            values,
        },
    );
    tree.apply_batch(batch).unwrap();
    assert!(tree
        .scan_prefix(trees::u64_key(1))
        .keys()
        .all(|k| k.unwrap().len() == 12));
    assert!(tree
        .scan_prefix(trees::u64_key(2))
        .keys()
        .all(|k| k.unwrap().len() == 16));
    // Small batches from here on.
    repack_in_batches(&store, 3).unwrap();
    assert!(tree.iter().keys().all(|k| k.unwrap().len() == 12));
    assert_eq!(store.all_events().unwrap(), all);
    assert_eq!(store.event_findings().unwrap(), Vec::<String>::new());
    // And back: the test hook writes the old layout again, the repack packs it alike.
    let packed: Vec<_> = tree.iter().collect::<Result<Vec<_>, _>>().unwrap();
    store.unpack_events_as_schema_5().unwrap();
    assert_eq!(tree.len(), all.len());
    assert_eq!(store.schema_version().unwrap(), Some(5));
    repack_events(&store).unwrap();
    let again: Vec<_> = tree.iter().collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(again, packed);
}
