//! `idx_vocab`: the vocabulary of `idx_token`, so that a needle found inside a word is
//! looked up by the words that contain it, not by a key per suffix per case.
//!
//! For every word that has at least one `idx_token` entry, every suffix of at least two
//! characters, cut to [`SUFFIX_CHARS`], is a key `suffix ‖ 0 ‖ word` with an empty value;
//! the key of the whole word (its first suffix) holds instead how many logical
//! `idx_token` entries (`word ‖ 0 ‖ tail`, not chunks: `store::token_chunk`) the word has
//! (u64). A word enters the vocabulary when that count leaves 0 and leaves it when the
//! count returns to 0.
//!
//! The counts follow what `idx_token` really holds: every write to it goes through
//! [`Tally::apply`], which counts an entry only when its presence changes (as the decoded
//! chunk shows it before and after the write set's operations on it), and
//! [`Tally::settle`] writes the counts and the suffix keys in the same transaction. So a
//! write set may add and remove the same word any number of times, or repeat an entry the
//! tree already holds, and the vocabulary stays exact.

use std::collections::{BTreeMap, BTreeSet};

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::token_chunk as chunk;
use super::trees::{self, Tree};
use super::StoreError;

/// Vocabulary keys hold a suffix cut to this many characters; longer needle words probe
/// with theirs.
pub const SUFFIX_CHARS: usize = 16;

type TxStep = Result<(), ConflictableTransactionError<String>>;

/// The first `chars` characters of `s`.
pub(super) fn cut(s: &str, chars: usize) -> &str {
    match s.char_indices().nth(chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The word of an `idx_token` key: what precedes its first NUL (empty for a mark).
pub(super) fn word_of(key: &[u8]) -> &[u8] {
    let sep = key.iter().position(|b| *b == 0).unwrap_or(key.len());
    &key[..sep]
}

/// `suffix ‖ 0 ‖ word` for every suffix of at least two characters of `word`, cut.
pub(super) fn vocab_keys(word: &[u8]) -> Vec<Vec<u8>> {
    let w = String::from_utf8_lossy(word);
    let starts: Vec<usize> = w.char_indices().map(|(i, _)| i).collect();
    let mut out = Vec::with_capacity(starts.len());
    for (n, &at) in starts.iter().enumerate() {
        if starts.len() - n < 2 {
            break;
        }
        out.push(vocab_key(cut(&w[at..], SUFFIX_CHARS).as_bytes(), word));
    }
    out
}

fn vocab_key(suffix: &[u8], word: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(suffix.len() + 1 + word.len());
    k.extend_from_slice(suffix);
    k.push(0);
    k.extend_from_slice(word);
    k
}

/// The key that holds a word's count: the one of its whole (cut) self.
pub(super) fn count_key(word: &[u8]) -> Vec<u8> {
    let w = String::from_utf8_lossy(word);
    vocab_key(cut(&w, SUFFIX_CHARS).as_bytes(), word)
}

/// The words whose suffixes begin with `probe`.
pub(super) fn words_with(vocab: &sled::Tree, probe: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut out = std::collections::BTreeSet::new();
    for k in vocab.scan_prefix(probe).keys() {
        let k = k?;
        let sep = k.iter().position(|b| *b == 0);
        let sep = sep.ok_or_else(|| super::bad_key("idx_vocab"))?;
        out.insert(k[sep + 1..].to_vec());
    }
    Ok(out.into_iter().collect())
}

/// The `idx_vocab` entries (key → count, 0 for a plain suffix key) that words with these
/// `idx_token` key counts derive.
pub(super) fn entries_of(counts: &BTreeMap<Vec<u8>, u64>) -> BTreeMap<Vec<u8>, u64> {
    let mut out = BTreeMap::new();
    for (word, &n) in counts.iter().filter(|(w, n)| !w.is_empty() && **n > 0) {
        for k in vocab_keys(word) {
            out.insert(k, 0);
        }
        out.insert(count_key(word), n);
    }
    out
}

/// How many `idx_token` keys each word has (marks left out).
pub(super) fn word_counts<'a>(
    token_keys: impl IntoIterator<Item = &'a [u8]>,
) -> BTreeMap<Vec<u8>, u64> {
    let mut counts: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    for k in token_keys {
        let w = word_of(k);
        if !w.is_empty() {
            *counts.entry(w.to_vec()).or_default() += 1;
        }
    }
    counts
}

/// The change of each word's `idx_token` entry count within one transaction.
#[derive(Default)]
pub(super) struct Tally(BTreeMap<Vec<u8>, i64>);

/// One logical `idx_token` operation: the entry `word ‖ 0 ‖ tail`, and whether it is put
/// (`true`) or removed.
type TokenOp<'a> = (&'a [u8], bool);

impl Tally {
    /// Applies logical `idx_token` operations to the chunks that hold them
    /// ([`super::token_chunk`]): grouped by chunk key, each chunk is read once, its
    /// operations applied in order, and written once (removed when it empties). A word is
    /// counted by the entries whose presence the chunk's operations change, as the decoded
    /// chunk shows them before and after.
    pub(super) fn apply<'a>(
        &mut self,
        token: &TransactionalTree,
        ops: impl IntoIterator<Item = TokenOp<'a>>,
    ) -> TxStep {
        let mut by_chunk: BTreeMap<Vec<u8>, Vec<(&[u8], bool)>> = BTreeMap::new();
        for (entry, put) in ops {
            let (key, tail) = chunk::split(entry)
                .ok_or_else(|| abort(format!("malformed key for tree idx_token: {entry:?}")))?;
            by_chunk.entry(key).or_default().push((tail, put));
        }
        for (key, ops) in by_chunk {
            let before: BTreeSet<Vec<u8>> = match token.get(&key)? {
                Some(v) => chunk::decode(&v)
                    .map_err(|e| abort(format!("{} (key {key:?})", message(e))))?
                    .into_iter()
                    .map(<[u8]>::to_vec)
                    .collect(),
                None => BTreeSet::new(),
            };
            let mut after = before.clone();
            for (tail, put) in ops {
                match put {
                    true => after.insert(tail.to_vec()),
                    false => after.remove(tail),
                };
            }
            if after == before {
                continue;
            }
            let word = chunk::parse_key(&key).map_or(&[][..], |(w, _)| w);
            if !word.is_empty() {
                let added = after.difference(&before).count() as i64;
                let removed = before.difference(&after).count() as i64;
                *self.0.entry(word.to_vec()).or_default() += added - removed;
            }
            match after.is_empty() {
                true => token.remove(key)?,
                false => token.insert(key, chunk::encode(&after))?,
            };
        }
        Ok(())
    }

    /// Writes the new counts to `idx_vocab`: a word whose count leaves 0 gets its suffix
    /// keys, one whose count returns to 0 loses them (and its count).
    pub(super) fn settle(self, vocab: &TransactionalTree) -> TxStep {
        for (word, delta) in self.0.into_iter().filter(|(_, d)| *d != 0) {
            let key = count_key(&word);
            let cur = vocab.get(&key)?.and_then(|v| trees::read_u64(&v));
            let cur = cur.unwrap_or(0) as i64;
            let next = (cur + delta).max(0) as u64;
            if next == 0 {
                for k in vocab_keys(&word) {
                    vocab.remove(k)?;
                }
                vocab.remove(key)?;
                continue;
            }
            if cur == 0 {
                for k in vocab_keys(&word) {
                    vocab.insert(k, vec![])?;
                }
            }
            vocab.insert(key, next.to_be_bytes().to_vec())?;
        }
        Ok(())
    }
}

fn abort(why: String) -> ConflictableTransactionError<String> {
    ConflictableTransactionError::Abort(why)
}

/// What a store error says, without the "corrupt" its abort is given again.
fn message(e: StoreError) -> String {
    match e {
        StoreError::Corrupt(m) => m,
        e => e.to_string(),
    }
}

/// Applies a write set's operations inside a transaction over every tree (`txs` in
/// [`Tree`] order), in order per tree, keeping `idx_vocab` to what `idx_token` ends up
/// holding (its operations are logical entries, grouped by chunk: [`Tally::apply`]); the
/// `idx_state` operations are logical entries too, filed into their chunks.
pub(super) fn apply_ops(txs: &[TransactionalTree], ops: &[super::writeset::Op]) -> TxStep {
    let (mut tokens, mut states) = (vec![], vec![]);
    for (tree, key, value) in ops {
        let tx = &txs[*tree as usize];
        match (tree, value) {
            (Tree::Token, _) => tokens.push((key.as_slice(), value.is_some())),
            (Tree::State, _) => states.push((key.as_slice(), value.is_some())),
            (_, Some(v)) => {
                tx.insert(key.as_slice(), v.as_slice())?;
            }
            (_, None) => {
                tx.remove(key.as_slice())?;
            }
        }
    }
    // `idx_state` entries into their chunks (`store::state_chunk`).
    super::state_chunk::apply(&txs[Tree::State as usize], states)?;
    let mut tally = Tally::default();
    tally.apply(&txs[Tree::Token as usize], tokens)?;
    tally.settle(&txs[Tree::Vocab as usize])
}

/// Applies logical `idx_token` operations alone in one transaction over `idx_token` and
/// `idx_vocab` (for a write set applied tree by tree).
pub(super) fn apply_token_ops(
    token: &sled::Tree,
    vocab: &sled::Tree,
    ops: &[(Vec<u8>, Option<Vec<u8>>)],
) -> Result<(), sled::transaction::TransactionError<String>> {
    use sled::transaction::Transactional;
    [token.clone(), vocab.clone()]
        .as_slice()
        .transaction(|txs| {
            let mut tally = Tally::default();
            let ops = ops.iter().map(|(k, v)| (k.as_slice(), v.is_some()));
            tally.apply(&txs[0], ops)?;
            tally.settle(&txs[1])
        })
}

/// Every `idx_vocab` entry: key → count (0 for a plain suffix key).
pub(super) fn read_entries(vocab: &sled::Tree) -> Result<BTreeMap<Vec<u8>, u64>, StoreError> {
    let mut out = BTreeMap::new();
    for kv in vocab.iter() {
        let (k, v) = kv?;
        out.insert(k.to_vec(), trees::read_u64(&v).unwrap_or(0));
    }
    Ok(out)
}

/// The value of an `idx_vocab` entry: its count, or empty for a plain suffix key (0).
pub(super) fn value_of(count: u64) -> Vec<u8> {
    match count {
        0 => vec![],
        n => n.to_be_bytes().to_vec(),
    }
}
