//! `idx_vocab`: the vocabulary of `idx_token`, so that a needle found inside a word is
//! looked up by the words that contain it, not by a key per suffix per case.
//!
//! For every word that has at least one `idx_token` key, every suffix of at least two
//! characters, cut to [`SUFFIX_CHARS`], is a key `suffix ‖ 0 ‖ word` with an empty value;
//! the key of the whole word (its first suffix) holds instead how many `idx_token` keys
//! the word has (u64). A word enters the vocabulary when that count leaves 0 and leaves it
//! when the count returns to 0.
//!
//! The counts follow what `idx_token` really holds: every write to it goes through
//! [`Tally::apply`], which counts a key only when its presence changes (sled reports the
//! previous value), and [`Tally::settle`] writes the counts and the suffix keys in the same
//! transaction. So a write set may add and remove the same word any number of times, or
//! repeat a key the tree already holds, and the vocabulary stays exact.

use std::collections::BTreeMap;

use sled::transaction::{TransactionalTree, UnabortableTransactionError};

use super::trees::{self, Tree};
use super::StoreError;

/// Vocabulary keys hold a suffix cut to this many characters; longer needle words probe
/// with theirs.
pub const SUFFIX_CHARS: usize = 16;

type TxResult = Result<(), UnabortableTransactionError>;

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

/// The change of each word's `idx_token` key count within one transaction.
#[derive(Default)]
pub(super) struct Tally(BTreeMap<Vec<u8>, i64>);

impl Tally {
    /// Writes (or removes, `None`) one `idx_token` key, counting its word when the key's
    /// presence changes.
    pub(super) fn apply(
        &mut self,
        token: &TransactionalTree,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> TxResult {
        let had = match value {
            Some(v) => token.insert(key, v)?,
            None => token.remove(key)?,
        }
        .is_some();
        let delta = match (had, value.is_some()) {
            (false, true) => 1,
            (true, false) => -1,
            _ => return Ok(()),
        };
        let word = word_of(key);
        if !word.is_empty() {
            *self.0.entry(word.to_vec()).or_default() += delta;
        }
        Ok(())
    }

    /// Writes the new counts to `idx_vocab`: a word whose count leaves 0 gets its suffix
    /// keys, one whose count returns to 0 loses them (and its count).
    pub(super) fn settle(self, vocab: &TransactionalTree) -> TxResult {
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

/// Applies a write set's operations, in order, inside a transaction over every tree
/// (`txs` in [`Tree`] order), keeping `idx_vocab` to what `idx_token` ends up holding.
pub(super) fn apply_ops(txs: &[TransactionalTree], ops: &[super::writeset::Op]) -> TxResult {
    let mut tally = Tally::default();
    for (tree, key, value) in ops {
        let tx = &txs[*tree as usize];
        match (tree, value) {
            (Tree::Token, _) => tally.apply(tx, key, value.as_deref())?,
            (_, Some(v)) => {
                tx.insert(key.as_slice(), v.as_slice())?;
            }
            (_, None) => {
                tx.remove(key.as_slice())?;
            }
        }
    }
    tally.settle(&txs[Tree::Vocab as usize])
}

/// Applies `idx_token` operations alone in one transaction over `idx_token` and
/// `idx_vocab` (for a write set applied tree by tree).
pub(super) fn apply_token_ops(
    token: &sled::Tree,
    vocab: &sled::Tree,
    ops: &[(Vec<u8>, Option<Vec<u8>>)],
) -> Result<(), sled::transaction::TransactionError<()>> {
    use sled::transaction::{ConflictableTransactionError, Transactional};
    [token.clone(), vocab.clone()]
        .as_slice()
        .transaction(|txs| {
            let mut tally = Tally::default();
            for (key, value) in ops {
                tally.apply(&txs[0], key, value.as_deref())?;
            }
            tally.settle(&txs[1])?;
            Ok::<(), ConflictableTransactionError<()>>(())
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
