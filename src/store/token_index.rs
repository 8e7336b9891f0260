//! `idx_token`: the words a filter finds a case by, so that `--filter` reads the cases that
//! match instead of every case of the queue.
//!
//! A case's tokens are the words of its title, requester, resource and object, and of its
//! open work items' holders (assignees and candidate groups, also as `@group`). A word is
//! a run of characters between whitespace (or NUL) of the field lowercased whole, as the
//! filter lowercases it. Every word of at least two characters is an entry
//! `word ‖ 0 ‖ tail`, whole, packed with the entries of the same word and bucket of 256
//! case ids into one sled key ([`super::token_chunk`]);
//! `idx_vocab` ([`super::vocab`]) holds every suffix of at least two characters of every
//! word the index holds, cut to [`SUFFIX_CHARS`] characters: a needle word of two
//! characters or more that is a substring of a field is a prefix of one of them, so one
//! prefix scan of the vocabulary finds the words it may be in, and one prefix scan per
//! word the cases. A case with a word longer than [`MAX_WORD_CHARS`] or more than
//! [`MAX_WORDS`] words is marked instead (an empty word) and is a candidate for every
//! needle. The index only narrows: `engine::query` still matches each candidate's row.
//!
//! A case's own id (`c-12`) is not a token (it would be a word and six suffixes of its
//! own per case): a needle that can be part of an id string (`c-`, `c-12`, `-12`, `12`)
//! finds the active cases whose id contains it from the chunks of `idx_state`, without
//! reading a case.
//!
//! Only active cases (and their open work items) are indexed: the queues people filter
//! are of open work, and most of a mature store is closed cases, which would otherwise
//! carry most of the keys. A filter over closed cases reads them from `idx_state`
//! (`engine::query`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::sled_store::Store;
use super::state_chunk;
use super::token_chunk as chunk;
use super::trees::{self, Tree};
use super::vocab::{self, cut, SUFFIX_CHARS};
use super::writeset::WriteSet;
use super::{codec, Storage, StoreError};
use crate::domain::{Case, CaseId, CaseState, WorkItem};

/// A word longer than this is not indexed: its case is marked as a candidate for all.
pub const MAX_WORD_CHARS: usize = 48;
/// A case (or work item) with more words than this is marked likewise.
pub const MAX_WORDS: usize = 64;

/// Set once `idx_token` holds every case and work item by whole words in chunks, and
/// `idx_vocab` their vocabulary (built at open for an older store).
pub const KEY_TOKEN_INDEXED: &[u8] = b"idx/token3";

/// The flag of the index of whole words one key per entry (ids included) of an older
/// casebench: a store that has it is indexed again at open.
pub const KEY_WORDS_INDEXED: &[u8] = b"idx/token2";

/// The flag of the suffix index of an older casebench: a store that has it was last
/// indexed (or written) by one, and is indexed again at open.
pub const KEY_SUFFIX_INDEXED: &[u8] = b"idx/token";

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

/// The words a case is found by (its own fields, not its work items', nor its id: see
/// [`TokenIndex::cases_with_word`]).
pub fn case_words(case: &Case) -> Vec<String> {
    let mut out = vec![];
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

/// `word ‖ 0 ‖ tail` for every word of two characters or more, or the mark `0 ‖ tail`
/// for words the index does not hold.
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
        match w.chars().count() {
            n if n > MAX_WORD_CHARS => keys.insert(key("")),
            n if n < 2 => continue,
            _ => keys.insert(key(w)),
        };
    }
    keys
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

/// One chunk of `idx_token` as sled holds it: key `word ‖ 0 ‖ bucket`, value its tails.
pub type Chunk = (Vec<u8>, Vec<u8>);

/// How well a needle word matches a token (a word of a field): 3 the token itself, 2 a
/// token it begins, 1 inside a token, 0 not at all. A token that begins with `@` (a
/// candidate group) matches also as the name after the `@`.
pub fn grade(token: &str, word: &str) -> u8 {
    fn one(t: &str, w: &str) -> u8 {
        match () {
            _ if t == w => 3,
            _ if t.starts_with(w) => 2,
            _ if t.contains(w) => 1,
            _ => 0,
        }
    }
    let g = one(token, word);
    match token.strip_prefix('@') {
        Some(name) => g.max(one(name, word)),
        None => g,
    }
}

/// Calls `each` with every case of the `idx_token` chunks under `prefix`, once per
/// chunk: a case's tails (its own, its items') are in one chunk, next to each other.
fn each_case(
    tree: &sled::Tree,
    prefix: &[u8],
    mut each: impl FnMut(CaseId),
) -> Result<(), StoreError> {
    for kv in tree.scan_prefix(prefix) {
        let (_, v) = kv?;
        let mut last = None;
        for tail in chunk::decode(&v)? {
            let case = trees::read_u64(tail).ok_or_else(|| super::bad_key("idx_token"))?;
            if last.replace(case) != Some(case) {
                each(CaseId(case));
            }
        }
    }
    Ok(())
}

/// The answer of [`TokenIndex::graded_cases_with_word`].
#[derive(Debug, Default)]
pub struct Graded {
    /// Each case found, with its best grade and how many of its words (its id one word)
    /// contain the needle word.
    pub grades: HashMap<CaseId, (u8, usize)>,
    /// The marked cases: candidates the index cannot grade.
    pub marked: BTreeSet<CaseId>,
}

impl Graded {
    /// One more word of `case` that contains the needle, with grade `g`.
    fn found(&mut self, case: CaseId, g: u8) {
        let e = self.grades.entry(case).or_insert((g, 0));
        *e = (e.0.max(g), e.1 + 1);
    }
}

/// Reads of the token index (a part of [`super::Storage`]).
pub trait TokenIndex {
    /// Every active case one of whose words, or whose id (`c-12`), contains `word`
    /// (lowercased, [`indexable`]), and perhaps some more; never fewer. Closed and
    /// cancelled cases are not indexed.
    fn cases_with_word(&self, word: &str) -> Result<BTreeSet<CaseId>, StoreError> {
        let g = self.graded_cases_with_word(word)?;
        let mut out: BTreeSet<CaseId> = g.grades.into_keys().collect();
        out.extend(g.marked);
        Ok(out)
    }

    /// The active cases one of whose indexed words, or whose id, contains `word`
    /// (lowercased, [`indexable`]), each with the best [`grade`] of its matches, exactly;
    /// and apart, the marked cases (a word too long, too many words), which the index
    /// cannot grade: candidates for every needle, to be matched by reading them.
    fn graded_cases_with_word(&self, word: &str) -> Result<Graded, StoreError>;

    /// Every chunk of `idx_token` as sled holds it, key and value (`check`, tests).
    fn token_chunks(&self) -> Result<Vec<Chunk>, StoreError>;

    /// Every `idx_vocab` entry with the count it holds (0 for a plain suffix key), for
    /// `check`.
    fn vocab_entries(&self) -> Result<BTreeMap<Vec<u8>, u64>, StoreError>;
}

/// The case of a logical entry `word ‖ 0 ‖ tail`.
fn case_of(entry: &[u8]) -> Result<CaseId, StoreError> {
    let (_, tail) = chunk::split(entry).ok_or_else(|| super::bad_key("idx_token"))?;
    trees::read_u64(tail)
        .map(CaseId)
        .ok_or_else(|| super::bad_key("idx_token"))
}

/// Whether `needle` can be a part of a case id as the filter sees it (`c-12`): `c-`, or
/// digits after `c-`, `-` or nothing.
fn id_shaped(needle: &str) -> bool {
    let digits = needle
        .strip_prefix("c-")
        .or_else(|| needle.strip_prefix('-'))
        .unwrap_or(needle);
    digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() < needle.len() || !digits.is_empty())
}

/// The active cases whose id string `c-N` contains `needle`, from the chunks of
/// `idx_state` (`store::state_chunk`): a needle that begins with `c-` or `-` reads the
/// chunks of the ranges of the ids that begin with its digits, one of digits alone every
/// active chunk.
fn active_ids_with(store: &Store, needle: &str) -> Result<Vec<CaseId>, StoreError> {
    use std::fmt::Write;
    let state = store.tree(Tree::State)?;
    let anchored = needle
        .strip_prefix("c-")
        .or_else(|| needle.strip_prefix('-'));
    let mut out = vec![];
    let mut id = String::new();
    for s in CaseState::ALL.iter().filter(|s| s.is_active()) {
        let ranges = match anchored {
            Some(digits) => leading_ranges(digits),
            None => vec![(0, u64::MAX)],
        };
        for range in ranges {
            state_chunk::each_between(&state, s.code(), range, |n| {
                if anchored.is_none() {
                    id.clear();
                    let _ = write!(id, "c-{n}");
                    if !id.contains(needle) {
                        return;
                    }
                }
                out.push(CaseId(n));
            })?;
        }
    }
    Ok(out)
}

/// The ranges of the numbers whose decimal begins with `digits` (every number for none):
/// `d`, `d0..=d9`, `d00..=d99`, ... as far as a u64 goes; none for a leading 0.
fn leading_ranges(digits: &str) -> Vec<(u64, u64)> {
    if digits.is_empty() {
        return vec![(0, u64::MAX)];
    }
    let d = match digits.parse::<u64>() {
        Ok(d) if !digits.starts_with('0') => d,
        _ => return vec![],
    };
    let mut out = vec![];
    let mut scale = Some(1u64);
    while let Some(lo) = scale.and_then(|s| d.checked_mul(s)) {
        let s = scale.unwrap_or(1);
        let end = d.checked_add(1).and_then(|e| e.checked_mul(s));
        out.push((lo, end.map_or(u64::MAX, |e| e - 1)));
        scale = s.checked_mul(10);
    }
    out
}

impl TokenIndex for Store {
    fn graded_cases_with_word(&self, word: &str) -> Result<Graded, StoreError> {
        let tree = self.tree(Tree::Token)?;
        let mut out = Graded::default();
        // The marked cases (empty word), then those of every word that contains the
        // needle, found by a suffix the probe begins.
        each_case(&tree, &[0u8], |c| {
            out.marked.insert(c);
        })?;
        let probe = cut(word, SUFFIX_CHARS);
        for mut w in vocab::words_with(&self.tree(Tree::Vocab)?, probe.as_bytes())? {
            let g = grade(&String::from_utf8_lossy(&w), word);
            if g == 0 {
                continue; // the probe was cut: this word has its first characters only
            }
            w.push(0);
            each_case(&tree, &w, |c| out.found(c, g))?;
        }
        if id_shaped(word) {
            for c in active_ids_with(self, word)? {
                let id = c.0.to_string();
                out.found(c, grade(&format!("c-{id}"), word).max(grade(&id, word)));
            }
        }
        Ok(out)
    }

    fn token_chunks(&self) -> Result<Vec<Chunk>, StoreError> {
        let tree = self.tree(Tree::Token)?;
        tree.iter()
            .map(|kv| {
                kv.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(Into::into)
            })
            .collect()
    }

    fn vocab_entries(&self) -> Result<BTreeMap<Vec<u8>, u64>, StoreError> {
        vocab::read_entries(&self.tree(Tree::Vocab)?)
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
/// of `evicted` cases (archived; a sweep removes them); `idx_vocab` holds exactly the
/// vocabulary of what `idx_token` holds, with its counts.
pub fn token_findings(
    s: &dyn Storage,
    evicted: &BTreeSet<CaseId>,
) -> Result<Vec<String>, StoreError> {
    let expected = derived_token_keys(s)?;
    let (held, mut out) = held_entries(s)?;
    let mut actual = held.clone();
    actual.retain(|k| case_of(k).map_or(true, |c| !evicted.contains(&c)));
    out.extend(differences("idx_token", &expected, &actual));
    let words = vocab::word_counts(held.iter().map(Vec::as_slice));
    let want = vocab::entries_of(&words);
    let have = s.vocab_entries()?;
    let keys = |m: &BTreeMap<Vec<u8>, u64>| m.keys().cloned().collect::<BTreeSet<_>>();
    out.extend(differences("idx_vocab", &keys(&want), &keys(&have)));
    let miscounted = want
        .iter()
        .filter_map(|(k, n)| have.get(k).filter(|h| *h != n).map(|h| (k, n, h)));
    out.extend(miscounted.take(20).map(|(k, n, h)| {
        let at = k.iter().position(|b| *b == 0).map_or(0, |p| p + 1);
        let word = String::from_utf8_lossy(&k[at..]);
        format!("index idx_vocab counts {h} idx_token entries of the word {word:?}, which has {n}")
    }));
    Ok(out)
}

/// The logical entries of every well-formed chunk, and a line for each malformed chunk (it
/// is left out) and each chunk holding a case of another bucket than its key's.
fn held_entries(s: &dyn Storage) -> Result<(BTreeSet<Vec<u8>>, Vec<String>), StoreError> {
    let show = |k: &[u8]| String::from_utf8_lossy(k).replace('\0', "‖");
    let (mut held, mut out) = (BTreeSet::new(), vec![]);
    for (k, v) in s.token_chunks()? {
        match chunk::entries(&k, &v) {
            Ok((entries, stray)) => {
                if let Some(case) = stray {
                    out.push(format!(
                        "index idx_token has a chunk {:?} {k:?} holding case {} of another bucket",
                        show(&k),
                        CaseId(case)
                    ));
                }
                held.extend(entries);
            }
            Err(e) => out.push(format!(
                "index idx_token has a malformed chunk {:?} {k:?}: {e}",
                show(&k)
            )),
        }
    }
    Ok((held, out))
}

/// What `expected` has and `actual` lacks, and the other way round (20 of each at most).
fn differences(
    tree: &str,
    expected: &BTreeSet<Vec<u8>>,
    actual: &BTreeSet<Vec<u8>>,
) -> Vec<String> {
    let show = |k: &Vec<u8>| String::from_utf8_lossy(k).replace('\0', "‖");
    let mut out: Vec<String> = expected
        .difference(actual)
        .take(20)
        .map(|k| format!("index {tree} lacks the entry {:?}", show(k)))
        .collect();
    out.extend(
        actual
            .difference(expected)
            .take(20)
            .map(|k| format!("index {tree} has a stray entry {:?}", show(k))),
    );
    out
}

/// Builds the index of a store written before it existed (or indexed by suffixes, or by
/// one key per entry, as older casebenches did), once (flagged in `meta`): `idx_token`
/// and `idx_vocab` are emptied and built again from the cases and work items, packed into
/// chunks in memory. A build cut short runs again safely; the flag is written last.
pub(super) fn backfill(store: &Store) -> Result<(), StoreError> {
    let meta = store.tree(Tree::Meta)?;
    let older = [KEY_SUFFIX_INDEXED, KEY_WORDS_INDEXED];
    let mut rebuild = meta.get(KEY_TOKEN_INDEXED)?.is_none();
    for flag in older {
        rebuild |= meta.get(flag)?.is_some();
    }
    if !rebuild {
        return Ok(());
    }
    empty_tree(store, Tree::Token)?;
    empty_tree(store, Tree::Vocab)?;
    let mut keys = BTreeSet::new();
    for kv in store.tree(Tree::Cases)?.iter() {
        let (_, v) = kv?;
        let c: Case = codec::decode("cases", &v)?;
        keys.extend(case_keys(&c));
    }
    for kv in store.tree(Tree::WorkItems)?.iter() {
        let (_, v) = kv?;
        let i: WorkItem = codec::decode("work_items", &v)?;
        keys.extend(item_keys(&i));
    }
    let words = vocab::word_counts(keys.iter().map(Vec::as_slice));
    put_flushed(store, Tree::Token, chunk::pack(&keys)?.into_iter())?;
    let entries = vocab::entries_of(&words).into_iter();
    put_flushed(
        store,
        Tree::Vocab,
        entries.map(|(k, n)| (k, vocab::value_of(n))),
    )?;
    for flag in older {
        meta.remove(flag)?;
    }
    mark_built(store)
}

/// Keys written at open between two flushes, one by one: sled keeps what it has not
/// flushed in memory (and one `sled::Batch` of 200,000 keys raised a process by 600 MB).
pub(super) const BUILD_CHUNK: usize = 50_000;

/// Empties `tree`: drops it and opens it anew (removing a million keys one by one is
/// slow and leaves sled's pages behind).
pub(super) fn empty_tree(store: &Store, tree: Tree) -> Result<(), StoreError> {
    let mut g = store.inner.write().unwrap_or_else(|p| p.into_inner());
    let inner = g.as_mut().ok_or_else(|| store.closed())?;
    let name = trees::NAMES[tree as usize];
    inner.db.drop_tree(name)?;
    inner.trees[tree as usize] = inner.db.open_tree(name)?;
    drop(g);
    store.flush()
}

/// Writes `rows` into `tree`, flushing every [`BUILD_CHUNK`] keys.
fn put_flushed(
    store: &Store,
    tree: Tree,
    rows: impl Iterator<Item = (Vec<u8>, Vec<u8>)>,
) -> Result<(), StoreError> {
    let t = store.tree(tree)?;
    for (n, (k, v)) in rows.enumerate() {
        t.insert(k, v)?;
        if (n + 1) % BUILD_CHUNK == 0 {
            store.flush()?;
        }
    }
    store.flush()
}

/// Flags the index as complete (a new store starts so).
pub(super) fn mark_built(store: &Store) -> Result<(), StoreError> {
    store.tree(Tree::Meta)?.insert(KEY_TOKEN_INDEXED, vec![])?;
    store.flush()
}

#[cfg(test)]
mod tests;
