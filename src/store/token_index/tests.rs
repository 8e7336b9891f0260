//! The token index and its vocabulary: built at open, kept by write sets, checked.

use super::*;
use crate::domain::{CaseKind, CaseState, WorkItemId};
use chrono::TimeZone;
use chrono::Utc;

fn case(id: u64, title: &str) -> Case {
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Case::new(CaseId(id), CaseKind::Generic, title.to_string(), "ann", t)
}

fn closed(c: &Case) -> Case {
    let mut c = c.clone();
    c.state = CaseState::Closed;
    c
}

fn ids(store: &Store, word: &str) -> Vec<u64> {
    let found = store.cases_with_word(word).unwrap();
    found.into_iter().map(|c| c.0).collect()
}

/// `check`'s view: `idx_token` is what the cases derive, `idx_vocab` what it derives.
fn consistent(store: &Store) {
    let none = BTreeSet::new();
    assert_eq!(token_findings(store, &none).unwrap(), Vec::<String>::new());
}

/// The count `idx_vocab` holds for `word` (`None` when it is not in the vocabulary).
fn count(store: &Store, word: &str) -> Option<u64> {
    let entries = store.vocab_entries().unwrap();
    let n = entries.get(&vocab::count_key(word.as_bytes())).copied();
    let suffixes = vocab::vocab_keys(word.as_bytes());
    let held = suffixes.iter().filter(|k| entries.contains_key(*k)).count();
    assert!(
        held == 0 || held == suffixes.len(),
        "{word}: {held} suffixes"
    );
    assert_eq!(n.is_some(), held > 0, "{word}");
    n
}

fn commit(store: &Store, ws: WriteSet) {
    crate::store::Storage::commit(store, ws).unwrap();
}

/// Writes cases (with their `idx_state` keys) and an item as an older casebench did: no
/// vocabulary, and either no token index at all or suffix keys under the older flag.
fn older_store(path: &std::path::Path, suffixes: bool) {
    let store = Store::create(path).unwrap();
    let cases = store.tree(Tree::Cases).unwrap();
    let state = store.tree(Tree::State).unwrap();
    for c in [case(1, "SAP access"), case(2, "Reset password")] {
        cases
            .insert(trees::u64_key(c.id.0), codec::encode(&c))
            .unwrap();
        state
            .insert(trees::state_key(c.state.code(), c.id), vec![])
            .unwrap();
    }
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let bob = crate::domain::Target::User("Bob".into());
    let item = WorkItem::new(WorkItemId(7), CaseId(2), "review", &bob, None, t);
    store
        .tree(Tree::WorkItems)
        .unwrap()
        .insert(trees::u64_key(7), codec::encode(&item))
        .unwrap();
    let meta = store.tree(Tree::Meta).unwrap();
    meta.remove(KEY_TOKEN_INDEXED).unwrap();
    // Its `idx_state` one key per case, as written above, is packed at open.
    meta.remove(crate::store::KEY_STATE_PACKED).unwrap();
    if suffixes {
        let tokens = store.tree(Tree::Token).unwrap();
        for suffix in ["sap", "ap", "ccess", "ss"] {
            let mut k = suffix.as_bytes().to_vec();
            k.push(0);
            k.extend_from_slice(&trees::u64_key(1));
            tokens.insert(k, vec![]).unwrap();
        }
        meta.insert(KEY_SUFFIX_INDEXED, vec![]).unwrap();
    }
    store.flush().unwrap();
}

#[test]
fn an_older_store_is_indexed_by_words_once_at_open_and_the_write_set_keeps_it() {
    for suffixes in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        older_store(&path, suffixes);
        let store = crate::store::test_support::reopen(&path);
        let meta = store.tree(Tree::Meta).unwrap();
        assert!(meta.get(KEY_TOKEN_INDEXED).unwrap().is_some());
        assert!(meta.get(KEY_SUFFIX_INDEXED).unwrap().is_none());
        consistent(&store);
        assert_eq!(ids(&store, "sap"), vec![1]);
        assert_eq!(ids(&store, "ss"), vec![1, 2]);
        assert_eq!(ids(&store, "bo"), vec![2]);
        assert_eq!(ids(&store, "c-2"), vec![2]);
        // One entry per word now: sap, access, ann; reset, password, ann; bob (not the ids).
        assert_eq!(store.index_keys("idx_token").unwrap().len(), 7);
        // From now on the write set keeps it: a new title moves the case's words.
        let mut ws = WriteSet::default();
        ws.put_case(Some(&case(1, "SAP access")), &case(1, "Oracle grant"));
        commit(&store, ws);
        assert!(ids(&store, "sap").is_empty());
        assert_eq!(ids(&store, "racl"), vec![1]);
        assert_eq!(count(&store, "sap"), None);
        assert_eq!(count(&store, "oracle"), Some(1));
        consistent(&store);
    }
}

#[test]
fn a_store_indexed_again_by_an_older_casebench_is_indexed_again_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    older_store(&path, false);
    drop(crate::store::test_support::reopen(&path));
    // An older casebench adds its flag (and its suffix keys, and leaves idx_vocab).
    let store = crate::store::test_support::reopen(&path);
    let tokens = store.tree(Tree::Token).unwrap();
    tokens.insert(b"ap\0\0\0\0\0\0\0\0\x01", vec![]).unwrap();
    let meta = store.tree(Tree::Meta).unwrap();
    meta.insert(KEY_SUFFIX_INDEXED, vec![]).unwrap();
    store.flush().unwrap();
    drop((tokens, meta, store));
    let store = crate::store::test_support::reopen(&path);
    consistent(&store);
    assert_eq!(store.index_keys("idx_token").unwrap().len(), 7);
}

/// `word ‖ 0 ‖ case` as the layout before chunks held it, one key per entry.
fn entry(word: &str, case: u64) -> Vec<u8> {
    [word.as_bytes(), &[0u8][..], &trees::u64_key(case)[..]].concat()
}

#[test]
fn a_store_indexed_one_key_per_entry_is_packed_into_chunks_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    older_store(&path, false);
    let store = crate::store::test_support::reopen(&path);
    // As the casebench before chunks left it: a key per entry (ids too), counts per key,
    // under its flag.
    for t in [Tree::Token, Tree::Vocab] {
        store.tree(t).unwrap().clear().unwrap();
    }
    let old = [
        ("c-1", 1),
        ("sap", 1),
        ("access", 1),
        ("ann", 1),
        ("c-2", 2),
    ];
    let (tokens, vocab) = (
        store.tree(Tree::Token).unwrap(),
        store.tree(Tree::Vocab).unwrap(),
    );
    let mut counts = BTreeMap::new();
    for (w, c) in old {
        tokens.insert(entry(w, c), vec![]).unwrap();
        *counts.entry(w.as_bytes().to_vec()).or_default() += 1;
    }
    for (k, n) in vocab::entries_of(&counts) {
        vocab.insert(k, vocab::value_of(n)).unwrap();
    }
    let meta = store.tree(Tree::Meta).unwrap();
    meta.remove(KEY_TOKEN_INDEXED).unwrap();
    meta.insert(KEY_WORDS_INDEXED, vec![]).unwrap();
    store.flush().unwrap();
    drop((tokens, vocab, meta, store));
    let store = crate::store::test_support::reopen(&path);
    let meta = store.tree(Tree::Meta).unwrap();
    assert!(meta.get(KEY_TOKEN_INDEXED).unwrap().is_some());
    assert!(meta.get(KEY_WORDS_INDEXED).unwrap().is_none());
    consistent(&store);
    // Seven entries in six chunks (both cases are in bucket 0; "ann" is one chunk).
    assert_eq!(store.index_keys("idx_token").unwrap().len(), 7);
    let chunks = store.token_chunks().unwrap();
    assert_eq!(chunks.len(), 6);
    assert!(chunks.iter().all(|(k, _)| k.ends_with(&[0, 0, 0, 0, 0])));
    assert_eq!(count(&store, "ann"), Some(2));
    assert_eq!(count(&store, "c-1"), None);
    assert_eq!(ids(&store, "c-1"), vec![1]);
    assert_eq!(ids(&store, "ss"), vec![1, 2]);
}

#[test]
fn an_id_fragment_finds_the_active_cases_whose_id_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("s")).unwrap();
    let mut ws = WriteSet::default();
    for id in [1, 12, 120, 312, 1000] {
        ws.put_case(None, &case(id, "Plain"));
    }
    ws.put_case(None, &closed(&case(2012, "Plain")));
    commit(&store, ws);
    assert_eq!(ids(&store, "c-1"), vec![1, 12, 120, 1000]);
    assert_eq!(ids(&store, "12"), vec![12, 120, 312]);
    assert_eq!(ids(&store, "-12"), vec![12, 120]);
    assert_eq!(ids(&store, "c-12"), vec![12, 120]);
    assert_eq!(ids(&store, "c-120"), vec![120]);
    assert_eq!(ids(&store, "c-"), vec![1, 12, 120, 312, 1000]);
    assert_eq!(ids(&store, "000"), vec![1000]);
    assert!(ids(&store, "c-2012").is_empty());
    assert!(ids(&store, "c12").is_empty());
    assert!(ids(&store, "-c").is_empty());
    // No id word in the index.
    assert_eq!(store.index_keys("idx_token").unwrap().len(), 5 * 2);
    for (shaped, yes) in [("c-", true), ("12", true), ("-1", true), ("c-9", true)] {
        assert_eq!(id_shaped(shaped), yes, "{shaped}");
    }
    for not in ["c1", "-c", "--1", "c--1", "1-", "ca", "x1"] {
        assert!(!id_shaped(not), "{not}");
    }
    assert!(ids(&store, "c-0").is_empty());
    assert!(ids(&store, "-01").is_empty());
    let r = leading_ranges("12");
    assert_eq!(r[..3], [(12, 12), (120, 129), (1200, 1299)]);
    assert_eq!(r.len(), 19);
    assert!(r.windows(2).all(|w| w[0].1 < w[1].0));
    assert_eq!(leading_ranges(""), vec![(0, u64::MAX)]);
    assert!(leading_ranges("0").is_empty() && leading_ranges("099").is_empty());
    assert_eq!(
        leading_ranges(&u64::MAX.to_string()),
        vec![(u64::MAX, u64::MAX)]
    );
    assert_eq!(
        leading_ranges("1844674407370955161").last(),
        Some(&(u64::MAX - 5, u64::MAX))
    );
    assert!(leading_ranges("99999999999999999999").is_empty());
}

#[test]
fn one_entry_put_and_removed_many_times_in_one_write_set_is_counted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("s")).unwrap();
    let (a, b) = (entry("oracle", 3), entry("oracle", 4));
    let mut ws = WriteSet::default();
    for _ in 0..5 {
        ws.put(Tree::Token, a.clone(), vec![]);
        ws.del(Tree::Token, a.clone());
        ws.put(Tree::Token, a.clone(), vec![]);
        ws.put(Tree::Token, b.clone(), vec![]);
    }
    ws.del(Tree::Token, b.clone());
    commit(&store, ws);
    assert_eq!(count(&store, "oracle"), Some(1));
    assert_eq!(store.index_keys("idx_token").unwrap(), vec![a.clone()]);
    // A case of another bucket is another chunk; the tree by tree path counts the same.
    let far = entry("oracle", 300);
    let ops = vec![
        (far.clone(), Some(vec![])),
        (far.clone(), Some(vec![])),
        (a.clone(), None),
    ];
    let mut ws = WriteSet::default();
    for (k, v) in ops {
        match v {
            Some(v) => ws.put(Tree::Token, k, v),
            None => ws.del(Tree::Token, k),
        }
    }
    super::super::ClosedPages::apply_per_tree(&store, ws).unwrap();
    assert_eq!(count(&store, "oracle"), Some(1));
    assert_eq!(store.token_chunks().unwrap().len(), 1);
    assert_eq!(store.index_keys("idx_token").unwrap(), vec![far.clone()]);
    // The last entry of a chunk removed: the chunk goes, and the word with it.
    let mut ws = WriteSet::default();
    ws.del(Tree::Token, far.clone());
    ws.put(Tree::Token, far.clone(), vec![]);
    ws.del(Tree::Token, far);
    commit(&store, ws);
    assert_eq!(count(&store, "oracle"), None);
    assert!(store.token_chunks().unwrap().is_empty());
    assert!(store.vocab_entries().unwrap().is_empty());
}

#[test]
fn check_names_a_malformed_chunk_and_one_of_another_bucket_and_reads_fail_cleanly() {
    let (_dir, store, _, _) = two_oracle_cases();
    let tokens = store.tree(Tree::Token).unwrap();
    // Case 1's "grant" moved into bucket 7's key; "oracle" (bucket 0) made unreadable.
    let grant = b"grant\0\0\0\0\0".to_vec();
    let value = tokens.remove(&grant).unwrap().unwrap();
    tokens.insert(b"grant\0\0\0\0\x07", value).unwrap();
    tokens.insert(b"oracle\0\0\0\0\0", vec![8, 1]).unwrap();
    let found = token_findings(&store, &BTreeSet::new()).unwrap();
    assert!(
        found
            .iter()
            .any(|l| l.contains("malformed chunk") && l.contains("oracle")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|l| l.contains("holding case C-1")),
        "{found:?}"
    );
    let e = store.cases_with_word("racl").unwrap_err().to_string();
    assert!(e.contains("idx_token"), "{e}");
    assert!(store.index_keys("idx_token").is_err());
    // A write set onto the malformed chunk is refused, not applied in part.
    let mut ws = WriteSet::default();
    ws.put(Tree::Token, entry("oracle", 2), vec![]);
    let e = crate::store::Storage::commit(&store, ws)
        .unwrap_err()
        .to_string();
    assert!(e.contains("idx_token"), "{e}");
}

/// A new store holding two active cases that share the word "oracle".
fn two_oracle_cases() -> (tempfile::TempDir, Store, Case, Case) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("s")).unwrap();
    let (a, b) = (case(1, "Oracle grant"), case(2, "Oracle revoke"));
    let mut ws = WriteSet::default();
    ws.put_case(None, &a);
    ws.put_case(None, &b);
    commit(&store, ws);
    (dir, store, a, b)
}

#[test]
fn a_word_shared_by_two_cases_stays_in_the_vocabulary_until_the_last_one_closes() {
    let (_dir, store, a, b) = two_oracle_cases();
    assert_eq!(count(&store, "oracle"), Some(2));
    assert_eq!(ids(&store, "racl"), vec![1, 2]);
    let mut ws = WriteSet::default();
    ws.put_case(Some(&a), &closed(&a));
    commit(&store, ws);
    assert_eq!(count(&store, "oracle"), Some(1));
    assert_eq!(count(&store, "grant"), None);
    assert_eq!(ids(&store, "racl"), vec![2]);
    consistent(&store);
    let mut ws = WriteSet::default();
    ws.put_case(Some(&b), &closed(&b));
    commit(&store, ws);
    assert_eq!(count(&store, "oracle"), None);
    assert!(store.index_keys("idx_vocab").unwrap().is_empty());
    assert!(store.index_keys("idx_token").unwrap().is_empty());
    consistent(&store);
}

#[test]
fn a_word_added_and_removed_within_one_write_set_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("s")).unwrap();
    let v1 = case(1, "Oracle grant");
    let v2 = case(1, "SAP grant");
    let v3 = case(1, "Oracle again oracle");
    let other = case(2, "Oracle once");
    let mut ws = WriteSet::default();
    ws.put_case(None, &v1);
    ws.put_case(Some(&v1), &v2);
    ws.put_case(Some(&v2), &v3);
    ws.put_case(None, &other);
    ws.put_case(Some(&other), &closed(&other));
    // A stale `prev` writes a key the set already holds: it is not counted twice.
    ws.put_case(None, &v3);
    commit(&store, ws);
    assert_eq!(count(&store, "oracle"), Some(1));
    assert_eq!(count(&store, "sap"), None);
    assert_eq!(count(&store, "grant"), None);
    assert_eq!(count(&store, "once"), None);
    assert_eq!(ids(&store, "racl"), vec![1]);
    assert!(ids(&store, "sap").is_empty());
    consistent(&store);
    // Removed and added back in one set: still in the vocabulary.
    let mut ws = WriteSet::default();
    ws.put_case(Some(&v3), &closed(&v3));
    ws.put_case(Some(&closed(&v3)), &v3);
    commit(&store, ws);
    assert_eq!(count(&store, "oracle"), Some(1));
    consistent(&store);
}

#[test]
fn removals_applied_tree_by_tree_move_the_counts_too() {
    let (_dir, store, a, _) = two_oracle_cases();
    let mut ws = WriteSet::default();
    ws.del(Tree::Cases, trees::u64_key(1));
    for k in case_keys(&a) {
        ws.del(Tree::Token, k);
    }
    super::super::ClosedPages::apply_per_tree(&store, ws).unwrap();
    assert_eq!(count(&store, "oracle"), Some(1));
    assert_eq!(count(&store, "grant"), None);
    assert_eq!(ids(&store, "ora"), vec![2]);
    assert_eq!(ids(&store, "gra"), Vec::<u64>::new());
}

#[test]
fn words_are_lowercased_whole_and_suffixes_cut() {
    assert_eq!(words(" SAP-HR  Ärger\0x "), vec!["sap-hr", "ärger", "x"]);
    let keys = keys_of(&["abcdefghijklmnopqrstu".into(), "x".into()], &[9]);
    // The word whole, none of the one-letter word.
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        vec![b"abcdefghijklmnopqrstu\0\x09".to_vec()]
    );
    // Its 20 suffixes of two characters or more, cut, in the vocabulary.
    let suffixes = vocab::vocab_keys(b"abcdefghijklmnopqrstu");
    assert_eq!(suffixes.len(), 20);
    assert!(suffixes.contains(&b"abcdefghijklmnop\0abcdefghijklmnopqrstu".to_vec()));
    assert!(suffixes.contains(&b"tu\0abcdefghijklmnopqrstu".to_vec()));
    let count_key = vocab::count_key(b"abcdefghijklmnopqrstu");
    assert_eq!(count_key, b"abcdefghijklmnop\0abcdefghijklmnopqrstu");
    // A word one of whose cut suffixes repeats another's keeps one key of it.
    let a = "a".repeat(20);
    let keys: BTreeSet<Vec<u8>> = vocab::vocab_keys(a.as_bytes()).into_iter().collect();
    assert_eq!(keys.len(), 15);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const POOL: [&str; 6] = ["oracle", "sap", "sap-hr", "grant", "ss", "a"];

    /// A case version: its id (1..=3), two words of the pool, open or closed.
    fn version() -> impl Strategy<Value = (u64, usize, usize, bool)> {
        (1u64..=3, 0..POOL.len(), 0..POOL.len(), any::<bool>())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn the_vocabulary_is_what_idx_token_derives_after_any_write_sets(
            sets in prop::collection::vec(prop::collection::vec(version(), 1..6), 1..6)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::create(&dir.path().join("s")).unwrap();
            let mut now: BTreeMap<u64, Case> = BTreeMap::new();
            for set in sets {
                let mut ws = WriteSet::default();
                for (id, w1, w2, open) in set {
                    let mut c = case(id, &format!("{} {}", POOL[w1], POOL[w2]));
                    if !open {
                        c = closed(&c);
                    }
                    ws.put_case(now.get(&id), &c);
                    now.insert(id, c);
                }
                commit(&store, ws);
                let none = BTreeSet::new();
                prop_assert_eq!(token_findings(&store, &none).unwrap(), Vec::<String>::new());
                for (id, c) in &now {
                    // Every word, and a substring inside and at the start of it (the
                    // pool is ASCII), finds the case while it is active, never after.
                    for w in case_words(c) {
                        for needle in [&w[..], &w[1..], &w[..2.min(w.len())]] {
                            if indexable(needle) {
                                let found = ids(&store, needle).contains(id);
                                prop_assert_eq!(found, c.state.is_active(), "{}", needle);
                            }
                        }
                    }
                }
            }
        }
    }
}
