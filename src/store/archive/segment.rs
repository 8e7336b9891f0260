//! A segment file (`2026-03.seg`): archived cases closed in one month, appended one record
//! after another, never rewritten.
//!
//! A record is `magic "CBR2" ‖ len u32 ‖ crc32 u32 ‖ case id u64 ‖ closed ms i64 ‖ payload`
//! (big-endian; `len` = payload bytes; the crc covers id, closed time and payload). The
//! payload is the bincode of an [`ArchivedCase`] followed by that of its
//! [`ArchivedLinks`] (an `Option`), lz4-compressed (its size prepended). A record of magic
//! `CBR1` (written before records carried links) holds the case alone.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::super::{codec, encode, StoreError};
use crate::domain::archive::ArchivedLinks;
use crate::domain::ArchivedCase;

/// A record with the case's links.
const MAGIC: &[u8; 4] = b"CBR2";
/// A record of the case alone (older archives).
const MAGIC_V1: &[u8; 4] = b"CBR1";

fn is_magic(b: &[u8]) -> bool {
    b == MAGIC || b == MAGIC_V1
}
/// The bytes before a record's payload.
pub(super) const HEAD: usize = 28;
/// A record larger than this is damage, not a case (a case of 64 MiB compressed is none).
const MAX_PAYLOAD: usize = 64 << 20;

/// Where one case's record lies in its segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry {
    pub id: u64,
    pub offset: u64,
    /// When the case closed, in milliseconds since the epoch.
    pub closed: i64,
}

pub(super) fn damaged(path: &Path, why: impl Into<String>) -> StoreError {
    StoreError::Damaged {
        path: path.display().to_string(),
        why: why.into(),
    }
}

pub(super) fn io(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    if super::super::reserve::is_full(&e) {
        return StoreError::DiskFull {
            path: path.display().to_string(),
        };
    }
    StoreError::Archive(format!("cannot {what} {}: {e}", path.display()))
}

/// The record of `case`.
pub(super) fn record(case: &ArchivedCase) -> Vec<u8> {
    let payload = lz4_flex::compress_prepend_size(&encode(&(case, &case.links)));
    let closed = case.case.closed.unwrap_or(case.archived).timestamp_millis();
    let mut out = Vec::with_capacity(HEAD + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&case.case.id.0.to_be_bytes());
    out.extend_from_slice(&closed.to_be_bytes());
    out.extend_from_slice(&payload);
    let crc = crc32fast::hash(&out[12..]);
    out[8..12].copy_from_slice(&crc.to_be_bytes());
    out
}

/// Why the bytes at the start of `buf` are not a whole record, or its entry and length.
fn parse(buf: &[u8], offset: u64) -> Result<(Entry, usize), String> {
    if buf.len() < HEAD {
        return Err(format!("{} bytes of a record header", buf.len()));
    }
    if !is_magic(&buf[..4]) {
        return Err("no record starts here".into());
    }
    let len = u32::from_be_bytes(buf[4..8].try_into().unwrap_or_default()) as usize;
    if len > MAX_PAYLOAD {
        return Err(format!("a record length of {len} bytes"));
    }
    if buf.len() < HEAD + len {
        return Err(format!(
            "a record cut short ({} of {len} bytes)",
            buf.len() - HEAD
        ));
    }
    let crc = u32::from_be_bytes(buf[8..12].try_into().unwrap_or_default());
    if crc32fast::hash(&buf[12..HEAD + len]) != crc {
        return Err("a record whose checksum does not match".into());
    }
    let id = u64::from_be_bytes(buf[12..20].try_into().unwrap_or_default());
    let closed = i64::from_be_bytes(buf[20..28].try_into().unwrap_or_default());
    Ok((Entry { id, offset, closed }, HEAD + len))
}

/// What a walk over a segment's bytes found.
pub(super) struct Walk {
    pub entries: Vec<Entry>,
    /// Where the last whole record ends (`base` + bytes of whole records).
    pub end: u64,
    /// Why the walk stopped before the end of the bytes, if it did.
    pub stopped: Option<String>,
}

/// The whole records of `buf`, the bytes of a segment from offset `base` on, until the end
/// or the first that is not whole.
pub(super) fn walk(buf: &[u8], base: u64) -> Walk {
    let mut at = 0usize;
    let mut entries = vec![];
    let mut stopped = None;
    while at < buf.len() {
        match parse(&buf[at..], base + at as u64) {
            Ok((e, n)) => {
                entries.push(e);
                at += n;
            }
            Err(why) => {
                stopped = Some(format!("at offset {}: {why}", base + at as u64));
                break;
            }
        }
    }
    Walk {
        entries,
        end: base + at as u64,
        stopped,
    }
}

/// The bytes of `path` from `from` on.
pub(super) fn read_from(path: &Path, from: u64) -> Result<Vec<u8>, StoreError> {
    let file = File::open(path).map_err(|e| io(path, "open", e))?;
    let len = file.metadata().map_err(|e| io(path, "read", e))?.len();
    let mut buf = vec![0; len.saturating_sub(from) as usize];
    file.read_exact_at(&mut buf, from)
        .map_err(|e| io(path, "read", e))?;
    Ok(buf)
}

/// The case whose record `entry` names in the segment `file` (at `path`).
pub(super) fn read_at(file: &File, path: &Path, entry: &Entry) -> Result<ArchivedCase, StoreError> {
    let at = entry.offset;
    let mut head = [0u8; HEAD];
    file.read_exact_at(&mut head, at)
        .map_err(|_| damaged(path, format!("no record at offset {at}")))?;
    let len = u32::from_be_bytes(head[4..8].try_into().unwrap_or_default()) as usize;
    let mut buf = head.to_vec();
    if is_magic(&head[..4]) && len <= MAX_PAYLOAD {
        buf.resize(HEAD + len, 0);
        file.read_exact_at(&mut buf[HEAD..], at + HEAD as u64)
            .map_err(|_| damaged(path, format!("the record at offset {at} is cut short")))?;
    }
    let (found, n) = parse(&buf, at).map_err(|why| damaged(path, format!("offset {at}: {why}")))?;
    if found.id != entry.id {
        return Err(damaged(
            path,
            format!(
                "offset {at} holds C-{}, the index says C-{}",
                found.id, entry.id
            ),
        ));
    }
    let bytes = lz4_flex::decompress_size_prepended(&buf[HEAD..n])
        .map_err(|e| damaged(path, format!("offset {at}: {e}")))?;
    let undecodable = |e: StoreError| damaged(path, format!("offset {at}: {e}"));
    let case = match &head[..4] == MAGIC_V1 {
        true => codec::decode::<ArchivedCase>("archive", &bytes).map_err(undecodable)?,
        false => {
            let (mut case, links): (ArchivedCase, Option<ArchivedLinks>) =
                codec::decode("archive", &bytes).map_err(undecodable)?;
            case.links = links;
            case
        }
    };
    if case.case.id.0 != entry.id {
        return Err(damaged(
            path,
            format!("offset {at} does not hold C-{}", entry.id),
        ));
    }
    Ok(case)
}
