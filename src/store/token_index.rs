//! `idx_token`: the words a filter finds a case by, so that `--filter` reads the cases that
//! match instead of every case of the queue.
//!
//! A case's tokens are the words of its id (`c-12`), title, requester, resource and object,
//! and of its open work items' holders (assignees and candidate groups, also as `@group`).
//! A word is a run of
//! characters between whitespace (or NUL) of the field lowercased whole, as the filter
//! lowercases it. Every suffix of at least two characters of every word is a key, cut to
//! [`SUFFIX_CHARS`] characters: a needle word of two characters or more that is a substring
//! of a field is a prefix of one of them, so one prefix scan finds every case it may match.
//! A case with a word longer than [`MAX_WORD_CHARS`] or more than [`MAX_WORDS`] words is
//! marked instead (an empty word) and is a candidate for every needle. The index only
//! narrows: `engine::query` still matches each candidate's row.
//!
//! Only active cases (and their open work items) are indexed: the queues people filter
//! are of open work, and most of a mature store is closed cases, which would otherwise
//! carry most of the keys (some 40 per case). A filter over closed cases reads them from
//! `idx_state` (`engine::query`).

use std::collections::BTreeSet;

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::writeset::WriteSet;
use super::{codec, Storage, StoreError};
use crate::domain::{Case, CaseId, WorkItem};

/// Keys hold a suffix cut to this many characters; longer needle words probe with theirs.
pub const SUFFIX_CHARS: usize = 16;
/// A word longer than this is not indexed: its case is marked as a candidate for all.
pub const MAX_WORD_CHARS: usize = 48;
/// A case (or work item) with more words than this is marked likewise.
pub const MAX_WORDS: usize = 64;

/// Set once `idx_token` holds every case and work item (built at open for an older store).
pub const KEY_TOKEN_INDEXED: &[u8] = b"idx/token";

/// The words of a field as the filter sees them: lowercased whole, split at whitespace and
/// NUL.
pub fn words(field: &str) -> Vec<String> {
    field
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '\0')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The words a case is found by (its own fields, not its work items').
pub fn case_words(case: &Case) -> Vec<String> {
    let mut out = words(&case.id.to_string());
    for f in [Some(&case.title), Some(&case.requester)]
        .into_iter()
        .chain([case.resource.as_ref(), case.object.as_ref()])
        .flatten()
    {
        out.extend(words(f));
    }
    out
}

/// The words a work item adds to its case: its holders while open, its performer after.
pub fn item_words(item: &WorkItem) -> Vec<String> {
    let mut out = vec![];
    if item.is_open() {
        for a in &item.assignees {
            out.extend(words(a));
        }
        for g in &item.candidates {
            out.extend(words(&format!("@{g}")));
        }
    } else if let Some(p) = &item.performer {
        out.extend(words(p));
    }
    out
}

/// `suffix ‖ 0 ‖ tail` for every suffix (≥ 2 characters, cut) of every word, or the mark
/// `0 ‖ tail` for words the index does not hold.
fn keys_of(words: &[String], tail: &[u8]) -> BTreeSet<Vec<u8>> {
    let mut keys = BTreeSet::new();
    let key = |token: &str| {
        let mut k = Vec::with_capacity(token.len() + 1 + tail.len());
        k.extend_from_slice(token.as_bytes());
        k.push(0);
        k.extend_from_slice(tail);
        k
    };
    if words.len() > MAX_WORDS {
        keys.insert(key(""));
    }
    for w in words.iter().take(MAX_WORDS) {
        let starts: Vec<usize> = w.char_indices().map(|(i, _)| i).collect();
        if starts.len() > MAX_WORD_CHARS {
            keys.insert(key(""));
            continue;
        }
        for (n, &at) in starts.iter().enumerate() {
            if starts.len() - n < 2 {
                break;
            }
            keys.insert(key(cut(&w[at..], SUFFIX_CHARS)));
        }
    }
    keys
}

/// The first `chars` characters of `s`.
fn cut(s: &str, chars: usize) -> &str {
    match s.char_indices().nth(chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The `idx_token` keys a case's own fields derive: none once it is closed or cancelled.
pub fn case_keys(case: &Case) -> BTreeSet<Vec<u8>> {
    if !case.state.is_active() {
        return BTreeSet::new();
    }
    keys_of(&case_words(case), &trees::u64_key(case.id.0))
}

/// The `idx_token` keys a work item derives (`‖ case ‖ item`, so each item owns its own):
/// its holders while it is open (an open item's case is active), none after.
pub fn item_keys(item: &WorkItem) -> BTreeSet<Vec<u8>> {
    if !item.is_open() {
        return BTreeSet::new();
    }
    let mut tail = trees::u64_key(item.case.0).to_vec();
    tail.extend_from_slice(&trees::u64_key(item.id.0));
    keys_of(&item_words(item), &tail)
}

/// Whether the index can answer a needle word: two characters or more, no NUL, no
/// whitespace (the needle is split at it).
pub fn indexable(word: &str) -> bool {
    word.chars().nth(1).is_some() && !word.chars().any(|c| c.is_whitespace() || c == '\0')
}

/// Reads of the token index (a part of [`super::Storage`]).
pub trait TokenIndex {
    /// Every active case one of whose words contains `word` (lowercased, [`indexable`]),
    /// and perhaps some more; never fewer. Closed and cancelled cases are not indexed.
    fn cases_with_word(&self, word: &str) -> Result<BTreeSet<CaseId>, StoreError>;
}

fn case_of(key: &[u8]) -> Result<CaseId, StoreError> {
    let bad = || super::bad_key("idx_token");
    let sep = key.iter().position(|b| *b == 0).ok_or_else(bad)?;
    let tail = &key[sep + 1..];
    if tail.len() != 8 && tail.len() != 16 {
        return Err(bad());
    }
    trees::read_u64(tail).map(CaseId).ok_or_else(bad)
}

impl TokenIndex for Store {
    fn cases_with_word(&self, word: &str) -> Result<BTreeSet<CaseId>, StoreError> {
        let tree = self.tree(Tree::Token)?;
        let mut out = BTreeSet::new();
        let probe = cut(word, SUFFIX_CHARS);
        // The marked cases first (empty word), then every suffix the probe begins.
        for prefix in [&[0u8][..], probe.as_bytes()] {
            for k in tree.scan_prefix(prefix).keys() {
                out.insert(case_of(&k?)?);
            }
        }
        Ok(out)
    }
}

impl WriteSet {
    /// Keeps `idx_token` to a case's fields (one call in `put_case`).
    pub(super) fn put_case_tokens(&mut self, prev: Option<&Case>, case: &Case) {
        fn fields(c: &Case) -> (CaseId, bool, &str, &str, Option<&str>, Option<&str>) {
            let (r, o) = (c.resource.as_deref(), c.object.as_deref());
            (c.id, c.state.is_active(), &c.title, &c.requester, r, o)
        }
        if prev.is_some_and(|p| fields(p) == fields(case)) {
            return;
        }
        let old = prev.map(case_keys).unwrap_or_default();
        self.diff_tokens(old, case_keys(case));
    }

    /// Keeps `idx_token` to a work item's holders (one call in `put_work_item`).
    pub(super) fn put_item_tokens(&mut self, prev: Option<&WorkItem>, item: &WorkItem) {
        let old = prev.map(item_keys).unwrap_or_default();
        self.diff_tokens(old, item_keys(item));
    }

    fn diff_tokens(&mut self, old: BTreeSet<Vec<u8>>, new: BTreeSet<Vec<u8>>) {
        for k in old.difference(&new) {
            self.del(Tree::Token, k.clone());
        }
        for k in new.difference(&old) {
            self.put(Tree::Token, k.clone(), vec![]);
        }
    }
}

/// Every `idx_token` key the cases and work items derive.
pub fn derived_token_keys(s: &dyn Storage) -> Result<BTreeSet<Vec<u8>>, StoreError> {
    let mut keys = BTreeSet::new();
    for c in s.all_cases()? {
        keys.extend(case_keys(&c));
    }
    for i in s.all_work_items()? {
        keys.extend(item_keys(&i));
    }
    Ok(keys)
}

/// `check`: the index holds exactly what the cases and work items derive, and the entries
/// of `evicted` cases (archived; a sweep removes them).
pub fn token_findings(
    s: &dyn Storage,
    evicted: &BTreeSet<CaseId>,
) -> Result<Vec<String>, StoreError> {
    let expected = derived_token_keys(s)?;
    let mut actual: BTreeSet<Vec<u8>> = s.index_keys("idx_token")?.into_iter().collect();
    actual.retain(|k| case_of(k).map_or(true, |c| !evicted.contains(&c)));
    let show = |k: &Vec<u8>| String::from_utf8_lossy(k).replace('\0', "‖");
    let mut out: Vec<String> = expected
        .difference(&actual)
        .take(20)
        .map(|k| format!("index idx_token lacks the entry {:?}", show(k)))
        .collect();
    out.extend(
        actual
            .difference(&expected)
            .take(20)
            .map(|k| format!("index idx_token has a stray entry {:?}", show(k))),
    );
    Ok(out)
}

/// Builds the index of a store written before it existed, once (flagged in `meta`). Keys
/// only, so a build cut short runs again safely; the flag is written last.
pub(super) fn backfill(store: &Store) -> Result<(), StoreError> {
    let meta = store.tree(Tree::Meta)?;
    if meta.get(KEY_TOKEN_INDEXED)?.is_some() {
        return Ok(());
    }
    let tokens = store.tree(Tree::Token)?;
    for kv in store.tree(Tree::Cases)?.iter() {
        let (_, v) = kv?;
        let c: Case = codec::decode("cases", &v)?;
        for k in case_keys(&c) {
            tokens.insert(k, vec![])?;
        }
    }
    for kv in store.tree(Tree::WorkItems)?.iter() {
        let (_, v) = kv?;
        let i: WorkItem = codec::decode("work_items", &v)?;
        for k in item_keys(&i) {
            tokens.insert(k, vec![])?;
        }
    }
    mark_built(store)
}

/// Flags the index as complete (a new store starts so).
pub(super) fn mark_built(store: &Store) -> Result<(), StoreError> {
    store.tree(Tree::Meta)?.insert(KEY_TOKEN_INDEXED, vec![])?;
    store.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CaseKind, WorkItemId};
    use chrono::TimeZone;
    use chrono::Utc;

    fn case(id: u64, title: &str) -> Case {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Case::new(CaseId(id), CaseKind::Generic, title.to_string(), "ann", t)
    }

    fn ids(store: &Store, word: &str) -> Vec<u64> {
        let found = store.cases_with_word(word).unwrap();
        found.into_iter().map(|c| c.0).collect()
    }

    #[test]
    fn a_store_without_the_index_gets_it_once_at_open_and_the_write_set_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::create(&path).unwrap();
        // Written as an older casebench did: cases and items alone, no index, no flag.
        let cases = store.tree(Tree::Cases).unwrap();
        for c in [case(1, "SAP access"), case(2, "Reset password")] {
            cases
                .insert(trees::u64_key(c.id.0), codec::encode(&c))
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
        store.flush().unwrap();
        drop((cases, meta));
        assert!(ids(&store, "sap").is_empty());
        drop(store);
        let store = crate::store::test_support::reopen(&path);
        assert_eq!(ids(&store, "sap"), vec![1]);
        assert_eq!(ids(&store, "ss"), vec![1, 2]);
        assert_eq!(ids(&store, "bo"), vec![2]);
        assert_eq!(ids(&store, "c-2"), vec![2]);
        // From now on the write set keeps it: a new title moves the case's words.
        let mut ws = WriteSet::default();
        ws.put_case(Some(&case(1, "SAP access")), &case(1, "Oracle grant"));
        store.commit(ws).unwrap();
        assert!(ids(&store, "sap").is_empty());
        assert_eq!(ids(&store, "racl"), vec![1]);
        let derived = derived_token_keys(&store).unwrap();
        let actual: BTreeSet<Vec<u8>> =
            store.index_keys("idx_token").unwrap().into_iter().collect();
        assert_eq!(actual, derived);
    }

    #[test]
    fn words_are_lowercased_whole_and_suffixes_cut() {
        assert_eq!(words(" SAP-HR  Ärger\0x "), vec!["sap-hr", "ärger", "x"]);
        let keys = keys_of(&["abcdefghijklmnopqrstu".into(), "x".into()], &[9]);
        // 20 suffixes of two characters or more, none of the one-letter word.
        assert_eq!(keys.len(), 20);
        assert!(keys.contains(b"abcdefghijklmnop\0\x09".as_slice()));
        assert!(keys.contains(b"tu\0\x09".as_slice()));
        assert!(keys.iter().all(|k| k.len() <= SUFFIX_CHARS + 2));
    }
}
