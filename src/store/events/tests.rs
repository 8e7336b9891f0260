//! Chunks: appends across chunk boundaries, several subjects and seqs out of order in one
//! write set, reads, eviction, and what `check` finds in damaged chunks.

use super::*;
use crate::domain::{Case, CaseKind, CaseState, EventKind};
use crate::store::trees::Tree;
use crate::store::Store;
use crate::store::{ClosedPages, EventChunks, Storage, WriteSet};
use chrono::{TimeZone, Utc};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("s")).unwrap();
    (dir, store)
}

fn event(seq: u64, case: Option<u64>, request: Option<u64>) -> Event {
    Event {
        seq,
        time: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::seconds(seq as i64),
        actor: "ann".into(),
        case: case.map(CaseId),
        request: request.map(RequestId),
        what: EventKind::Commented,
        why: Some(format!("comment {seq}")),
    }
}

fn of_case(case: u64, seqs: impl IntoIterator<Item = u64>) -> Vec<Event> {
    seqs.into_iter()
        .map(|s| event(s, Some(case), None))
        .collect()
}

fn commit(store: &Store, events: &[Event]) {
    let mut ws = WriteSet::default();
    for e in events {
        ws.put_event(e);
    }
    store.commit(ws).unwrap();
}

/// The chunk numbers and lengths of a subject.
fn chunks(store: &Store, subject: u64) -> Vec<(u32, usize)> {
    let tree = store.tree(Tree::Events).unwrap();
    let mut out = vec![];
    for kv in tree.scan_prefix(trees::u64_key(subject)) {
        let (k, v) = kv.unwrap();
        let (_, no) = trees::read_event_chunk_key(&k).unwrap();
        out.push((no, count_of(&v).unwrap()));
    }
    out
}

fn clean(store: &Store) {
    assert_eq!(store.event_findings().unwrap(), Vec::<String>::new());
}

#[test]
fn a_chunk_full_the_next_event_opens_the_next_and_reads_are_what_was_written() {
    let (_d, store) = store();
    let first = of_case(7, 1..=CHUNK as u64 + 1);
    commit(&store, &first);
    assert_eq!(chunks(&store, 7), vec![(0, CHUNK), (1, 1)]);
    assert_eq!(store.case_events(CaseId(7)).unwrap(), first);
    // One at a time from there: the last chunk grows, then the one after it opens.
    let mut all = first;
    for seq in CHUNK as u64 + 2..=3 * CHUNK as u64 + 5 {
        let e = event(seq, Some(7), None);
        commit(&store, std::slice::from_ref(&e));
        all.push(e);
    }
    assert_eq!(
        chunks(&store, 7),
        vec![(0, CHUNK), (1, CHUNK), (2, CHUNK), (3, 5)]
    );
    assert_eq!(store.case_events(CaseId(7)).unwrap(), all);
    assert_eq!(store.event_count(), all.len());
    assert_eq!(store.all_events().unwrap(), all);
    clean(&store);
}

#[test]
fn a_long_history_finds_its_last_chunk_and_a_full_one_is_not_written_again() {
    let (_d, store) = store();
    // 41 full chunks: the last is found past chunk 32 (doubling), before 64 (halving).
    let n = 41 * CHUNK as u64;
    let mut all = of_case(3, 1..=n);
    commit(&store, &all);
    assert_eq!(chunks(&store, 3).len(), 41);
    let e = event(n + 1, Some(3), None);
    commit(&store, std::slice::from_ref(&e));
    all.push(e);
    assert_eq!(chunks(&store, 3).last(), Some(&(41, 1)));
    assert_eq!(store.case_events(CaseId(3)).unwrap(), all);
    clean(&store);
}

#[test]
fn several_subjects_in_one_write_set_get_one_chunk_each() {
    let (_d, store) = store();
    let mut ws_events = vec![];
    for seq in 1..=30u64 {
        ws_events.push(match seq % 4 {
            0 => event(seq, Some(1), None),
            1 => event(seq, Some(2), Some(9)),
            2 => event(seq, None, Some(9)),
            _ => event(seq, None, None),
        });
    }
    commit(&store, &ws_events);
    let want = |f: &dyn Fn(&Event) -> bool| -> Vec<Event> {
        ws_events.iter().filter(|e| f(e)).cloned().collect()
    };
    assert_eq!(
        store.case_events(CaseId(1)).unwrap(),
        want(&|e| e.case == Some(CaseId(1)))
    );
    // An event of a case and a request is filed under the case.
    assert_eq!(
        store.case_events(CaseId(2)).unwrap(),
        want(&|e| e.case == Some(CaseId(2)))
    );
    assert_eq!(
        store.request_events(RequestId(9)).unwrap(),
        want(&|e| e.case.is_none() && e.request.is_some())
    );
    let tree = store.tree(Tree::Events).unwrap();
    assert_eq!(tree.len(), 4, "one key per subject");
    assert_eq!(
        read_subject(&tree, 0).unwrap(),
        want(&|e| subject_of(e) == 0)
    );
    assert_eq!(store.all_events().unwrap(), ws_events);
    assert_eq!(store.event_count(), 30);
    clean(&store);
}

/// The seqs of case `case`'s history, as read.
fn seqs_of(store: &Store, case: u64) -> Vec<u64> {
    let events = store.case_events(CaseId(case)).unwrap();
    events.iter().map(|e| e.seq).collect()
}

#[test]
fn seqs_out_of_order_in_one_write_set_are_filed_in_order() {
    let (_d, store) = store();
    // As a sweep writes them: a firing reserves its seq first, writes its event last.
    let seqs = [5u64, 3, 4, 1, 2, 40, 38, 39, 10];
    let written = of_case(4, seqs);
    commit(&store, &written);
    let seqs_read = seqs_of(&store, 4);
    assert_eq!(seqs_read, vec![1, 2, 3, 4, 5, 10, 38, 39, 40]);
    // Across a chunk boundary, and one older than what the store holds, and the same
    // seq twice (the later one wins, as a key written twice did).
    let mut more: Vec<Event> = of_case(4, (41..41 + CHUNK as u64).rev());
    more.push(event(7, Some(4), None));
    let mut again = event(10, Some(4), None);
    again.why = Some("written again".into());
    more.push(again.clone());
    commit(&store, &more);
    let read = store.case_events(CaseId(4)).unwrap();
    let seqs_read: Vec<u64> = read.iter().map(|e| e.seq).collect();
    let mut want = vec![1, 2, 3, 4, 5, 7, 10, 38, 39, 40];
    want.extend(41..41 + CHUNK as u64);
    assert_eq!(seqs_read, want);
    assert_eq!(read.iter().find(|e| e.seq == 10), Some(&again));
    assert_eq!(chunks(&store, 4), vec![(0, CHUNK), (1, want.len() - CHUNK)]);
    // Older than a full chunk before the last: read back from there.
    commit(&store, &of_case(4, [0]));
    let seqs_read = seqs_of(&store, 4);
    want.insert(0, 0);
    assert_eq!(seqs_read, want);
    clean(&store);
}

#[test]
fn a_rewound_write_set_files_none_of_the_events_taken_back() {
    let (_d, store) = store();
    let mut ws = WriteSet::default();
    ws.put_event(&event(1, Some(1), None));
    let mark = ws.mark();
    ws.put_event(&event(2, Some(1), None));
    ws.put_event(&event(3, Some(2), None));
    ws.rewind(mark);
    store.commit(ws).unwrap();
    assert_eq!(store.case_events(CaseId(1)).unwrap(), of_case(1, [1]));
    assert!(store.case_events(CaseId(2)).unwrap().is_empty());
}

fn closed_case(id: u64) -> Case {
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut c = Case::new(
        CaseId(id),
        CaseKind::Generic,
        format!("case {id}"),
        "ann",
        t,
    );
    c.state = CaseState::Closed;
    c.closed = Some(t);
    c
}

#[test]
fn an_evicted_case_loses_its_chunks_when_cleared_and_an_older_entry_still_reads() {
    let (_d, store) = store();
    let (a, b) = (closed_case(1), closed_case(2));
    let mut ws = WriteSet::default();
    ws.put_case(None, &a);
    ws.put_case(None, &b);
    store.commit(ws).unwrap();
    commit(&store, &of_case(1, 1..=CHUNK as u64 + 3));
    commit(&store, &of_case(2, 100..103));
    let mut ws = WriteSet::default();
    ws.evict_case(&a, &[]);
    store.commit(ws).unwrap();
    // An entry as schema 5 wrote it: it named the seqs (now in the case's chunks).
    store
        .tree(Tree::Evicted)
        .unwrap()
        .insert(
            trees::u64_key(2),
            codec::encode(&(vec![100u64, 101, 102], Vec::<Vec<u8>>::new())),
        )
        .unwrap();
    let left = store.evicted(10).unwrap();
    assert_eq!(left.len(), 2);
    assert_eq!(left[0].1.len(), 2, "case 1: two chunks");
    assert_eq!(left[1].1, vec![trees::event_chunk_key(2, 0).to_vec()]);
    let mut ws = WriteSet::default();
    for e in &left {
        ws.clear_evicted(e);
    }
    // A write set applied tree by tree files its events too (the sweep's clearing has none).
    ws.put_event(&event(500, None, None));
    store.apply_per_tree(ws).unwrap();
    assert!(store.case_events(CaseId(1)).unwrap().is_empty());
    assert!(store.case_events(CaseId(2)).unwrap().is_empty());
    assert!(store.evicted(10).unwrap().is_empty());
    assert_eq!(store.all_events().unwrap(), vec![event(500, None, None)]);
}

#[test]
fn check_reports_gaps_damage_over_full_and_out_of_order_chunks() {
    let (_d, store) = store();
    let tree = store.tree(Tree::Events).unwrap();
    let put = |subject: u64, no: u32, events: &[Event]| {
        tree.insert(trees::event_chunk_key(subject, no), codec::encode(&events))
            .unwrap();
    };
    let full: Vec<Event> = of_case(1, 1..=CHUNK as u64);
    put(1, 0, &full);
    put(1, 2, &of_case(1, [100])); // chunk 1 is missing
    put(2, 0, &of_case(2, 1..=CHUNK as u64 + 1)); // over-full
    put(3, 0, &of_case(3, [5, 4])); // out of order within
    put(4, 0, &of_case(4, [1, 2])); // short, not the last
    put(4, 1, &of_case(4, [3]));
    put(5, 0, &of_case(6, [1])); // another subject's event
    tree.insert(trees::event_chunk_key(7, 0), vec![0xff, 0xff])
        .unwrap();
    // A key of the layout before (subject ‖ seq).
    let mut old = trees::u64_key(8).to_vec();
    old.extend_from_slice(&trees::u64_key(1));
    tree.insert(old, codec::encode(&event(1, Some(8), None)))
        .unwrap();
    let found = store.event_findings().unwrap();
    let expect = [
        "events of C-1: chunk 1 is missing",
        &format!(
            "events of C-2: chunk 0 holds {} events, more than {CHUNK}",
            CHUNK + 1
        ),
        "events of C-3: chunk 0 is out of order (event 4 after 5)",
        &format!("events of C-4: chunk 0 holds 2 events, fewer than {CHUNK}, and is not the last"),
        "events of C-5: chunk 0 holds event 1, which is not about its subject",
        "events of C-7: chunk 0 cannot be read",
        "tree events has a malformed key",
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for (f, e) in found.iter().zip(expect) {
        assert!(f.starts_with(e), "{f} / {e}");
    }
}
