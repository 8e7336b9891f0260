//! The physical layout of `idx_token`: its logical entries `word ‖ 0 ‖ tail` (tail = case
//! id, u64 BE, or case ‖ work item, 16 bytes; the mark is the empty word) packed into
//! chunks, one sled key per word and bucket of 256 case ids.
//!
//! A chunk's key is `word ‖ 0 ‖ bucket`, bucket = `(case >> 8) as u32`, big-endian, so
//! the chunks of a word are found by the same prefix `word ‖ 0` as its entries were, in
//! the same order. Its value is the bucket's tails, sorted and distinct, each as a length
//! byte (8 or 16) then the tail: self-describing, and at most 256 case ids (with their
//! open items) far below sled's blob threshold. A chunk that empties is removed, so every
//! chunk holds at least one tail.
//!
//! Sled counts open time by keys (pages of at most 16 entries), not by bytes: a word held
//! by 60,000 cases is 235 keys instead of 60,000.

use std::collections::{BTreeMap, BTreeSet};

use super::trees;
use super::StoreError;

/// Case ids per bucket: `case >> BUCKET_SHIFT` is a chunk's bucket.
pub(super) const BUCKET_SHIFT: u32 = 8;

/// The bucket of a case.
pub(super) fn bucket_of(case: u64) -> u32 {
    (case >> BUCKET_SHIFT) as u32
}

/// Why a chunk could not be read (for `check`, one line).
fn malformed(why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("malformed chunk value in tree idx_token: {why}"))
}

/// The chunk key and the tail of a logical entry `word ‖ 0 ‖ tail`; `None` when it is not
/// one (no NUL, or a tail of neither 8 nor 16 bytes).
pub(super) fn split(entry: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let sep = entry.iter().position(|b| *b == 0)?;
    let tail = &entry[sep + 1..];
    if tail.len() != 8 && tail.len() != 16 {
        return None;
    }
    let mut key = Vec::with_capacity(sep + 5);
    key.extend_from_slice(&entry[..=sep]);
    key.extend_from_slice(&bucket_of(trees::read_u64(tail)?).to_be_bytes());
    Some((key, tail))
}

/// The word and bucket of a chunk key `word ‖ 0 ‖ bucket`.
pub(super) fn parse_key(key: &[u8]) -> Option<(&[u8], u32)> {
    let sep = key.iter().position(|b| *b == 0)?;
    let bucket: [u8; 4] = key[sep + 1..].try_into().ok()?;
    Some((&key[..sep], u32::from_be_bytes(bucket)))
}

/// A chunk's value: its tails (sorted and distinct: a `BTreeSet`'s order).
pub(super) fn encode<'a>(tails: impl IntoIterator<Item = &'a Vec<u8>>) -> Vec<u8> {
    let mut out = vec![];
    for t in tails {
        out.push(t.len() as u8);
        out.extend_from_slice(t);
    }
    out
}

/// The tails of a chunk's value, in order; an error (naming the tree) for a value that is
/// empty, cut short, has a tail of another length than 8 or 16, or is not sorted and
/// distinct.
pub(super) fn decode(value: &[u8]) -> Result<Vec<&[u8]>, StoreError> {
    if value.is_empty() {
        return Err(malformed("an empty chunk"));
    }
    let mut out: Vec<&[u8]> = vec![];
    let mut at = 0;
    while at < value.len() {
        let n = value[at] as usize;
        if n != 8 && n != 16 {
            return Err(malformed(format!("a tail of {n} bytes at byte {at}")));
        }
        let tail = value
            .get(at + 1..at + 1 + n)
            .ok_or_else(|| malformed(format!("cut short at byte {at}")))?;
        if out.last().is_some_and(|prev| *prev >= tail) {
            return Err(malformed(format!("tails out of order at byte {at}")));
        }
        out.push(tail);
        at += 1 + n;
    }
    Ok(out)
}

/// The logical entries of one chunk: `word ‖ 0 ‖ tail` for each of its tails, and the
/// first case among them that is not in the key's bucket, if any (its entries are still
/// given). An error for a malformed key or value.
pub(super) fn entries(key: &[u8], value: &[u8]) -> Result<(Vec<Vec<u8>>, Option<u64>), StoreError> {
    let (word, bucket) = parse_key(key).ok_or_else(|| super::bad_key("idx_token"))?;
    let mut out = vec![];
    let mut stray = None;
    for tail in decode(value)? {
        let case = trees::read_u64(tail).ok_or_else(|| malformed("a short tail"))?;
        if bucket_of(case) != bucket && stray.is_none() {
            stray = Some(case);
        }
        let mut k = Vec::with_capacity(word.len() + 1 + tail.len());
        k.extend_from_slice(word);
        k.push(0);
        k.extend_from_slice(tail);
        out.push(k);
    }
    Ok((out, stray))
}

/// Every logical entry of the tree `idx_token`, in order (what `index_keys` gives).
pub(super) fn logical_keys(tree: &sled::Tree) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut out = vec![];
    for kv in tree.iter() {
        let (k, v) = kv?;
        out.extend(entries(&k, &v)?.0);
    }
    Ok(out)
}

/// Logical entries packed into chunks: chunk key → value (to write a whole index at once).
pub(super) fn pack<'a>(
    entries: impl IntoIterator<Item = &'a Vec<u8>>,
) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, StoreError> {
    let mut chunks: BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>> = BTreeMap::new();
    for e in entries {
        let (key, tail) = split(e).ok_or_else(|| super::bad_key("idx_token"))?;
        chunks.entry(key).or_default().insert(tail.to_vec());
    }
    Ok(chunks.into_iter().map(|(k, t)| (k, encode(&t))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(case: u64, item: Option<u64>) -> Vec<u8> {
        let mut t = case.to_be_bytes().to_vec();
        t.extend(item.map(u64::to_be_bytes).into_iter().flatten());
        t
    }

    #[test]
    fn a_chunk_round_trips_and_its_key_names_the_bucket() {
        let tails: BTreeSet<Vec<u8>> = [
            tail(256, None),
            tail(256, Some(9)),
            tail(300, Some(1)),
            tail(511, None),
        ]
        .into();
        let value = encode(&tails);
        assert_eq!(value.len(), 4 + 8 * 2 + 16 * 2);
        let back: BTreeSet<Vec<u8>> = decode(&value)
            .unwrap()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(back, tails);
        let mut entry = b"sap\0".to_vec();
        entry.extend_from_slice(&tail(300, Some(1)));
        let (key, t) = split(&entry).unwrap();
        assert_eq!(key, b"sap\0\0\0\0\x01");
        assert_eq!(t, tail(300, Some(1)).as_slice());
        assert_eq!(parse_key(&key), Some((&b"sap"[..], 1)));
        let (logical, stray) = entries(&key, &value).unwrap();
        assert_eq!(stray, None);
        assert!(logical.contains(&entry));
        assert_eq!(logical.len(), 4);
        // Case 255 is in bucket 0, not 1.
        let other = encode(&BTreeSet::from([tail(255, None)]));
        assert_eq!(entries(&key, &other).unwrap().1, Some(255));
        // The mark (empty word) has its chunks too.
        let (mark, _) = split(&[&[0u8][..], &tail(5, None)[..]].concat()).unwrap();
        assert_eq!(mark, b"\0\0\0\0\0");
    }

    #[test]
    fn a_malformed_chunk_is_an_error_naming_the_tree_not_a_panic() {
        let good = encode(&BTreeSet::from([tail(1, None), tail(2, None)]));
        let mut unsorted = good[9..].to_vec();
        unsorted.extend_from_slice(&good[..9]);
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![8, 1, 2],
            vec![3, 1, 2, 3],
            good[..good.len() - 1].to_vec(),
            [&good[..], &good[..9]].concat(),
            unsorted,
            vec![0],
            vec![255; 40],
        ];
        for bad in cases {
            let e = decode(&bad).unwrap_err().to_string();
            assert!(e.contains("idx_token"), "{bad:?}: {e}");
            assert!(entries(b"w\0\0\0\0\0", &bad).is_err());
        }
        // A key that is no chunk key.
        assert!(entries(b"w\0\0\0", &good).is_err());
        assert!(split(b"w\0\0\0").is_none());
        assert!(split(b"nothing").is_none());
    }
}
