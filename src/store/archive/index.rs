//! A segment's id index (`2026-03.idx`), written after the segment's records are synced:
//! `magic "CBX1" ‖ covered u64 ‖ count u64 ‖ min id u64 ‖ max id u64 ‖ body crc u32 ‖
//! header crc u32`, then `count` entries `id ‖ offset ‖ closed ms` (u64, u64, i64), sorted
//! by id. `covered` is the length of the segment the entries describe: records past it (a
//! run cut short after its records were synced) are read from the segment, and an index
//! missing or damaged is rebuilt from the segment. The index is derived data, never trusted
//! over the segment.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::super::StoreError;
use super::segment::{self, damaged, io, Entry};

const MAGIC: &[u8; 4] = b"CBX1";
const HEADER: usize = 44;
const ENTRY: usize = 24;

pub(super) fn idx_path(seg: &Path) -> PathBuf {
    seg.with_extension("idx")
}

/// What a header says.
#[derive(Debug, Clone, Copy)]
pub(super) struct Header {
    pub covered: u64,
    pub count: u64,
    pub min: u64,
    pub max: u64,
    body_crc: u32,
}

fn parse_header(b: &[u8]) -> Option<Header> {
    parse_header_of(MAGIC, b)
}

/// The header of a derived file of a segment (its id index, its work-item index), `magic`
/// first: `covered` and `count`, the least and greatest key, the body's checksum.
pub(super) fn parse_header_of(magic: &[u8; 4], b: &[u8]) -> Option<Header> {
    if b.len() < HEADER || &b[..4] != magic {
        return None;
    }
    let u = |i: usize| u64::from_be_bytes(b[i..i + 8].try_into().unwrap_or_default());
    let crc = u32::from_be_bytes(b[40..44].try_into().ok()?);
    (crc32fast::hash(&b[..40]) == crc).then(|| Header {
        covered: u(4),
        count: u(12),
        min: u(20),
        max: u(28),
        body_crc: u32::from_be_bytes(b[36..40].try_into().unwrap_or_default()),
    })
}

/// The header of the index of `seg`, if it is there and whole (a cheap read: 44 bytes).
pub(super) fn header(seg: &Path) -> Option<Header> {
    header_at(MAGIC, &idx_path(seg))
}

/// The header of the derived file at `path`, if it is there and whole.
pub(super) fn header_at(magic: &[u8; 4], path: &Path) -> Option<Header> {
    let f = File::open(path).ok()?;
    let mut b = [0u8; HEADER];
    f.read_exact_at(&mut b, 0).ok()?;
    parse_header_of(magic, &b)
}

/// The body of the derived file at `path` if the file is whole and covers exactly `len`
/// bytes of its segment, with its header.
pub(super) fn body_at(magic: &[u8; 4], path: &Path, len: u64) -> Option<(Header, Vec<u8>)> {
    let bytes = fs::read(path).ok()?;
    let h = parse_header_of(magic, &bytes)?;
    let body = &bytes[HEADER..];
    (h.covered == len && crc32fast::hash(body) == h.body_crc).then(|| (h, body.to_vec()))
}

/// A segment's entries, as its index and the records past it give them.
#[derive(Debug, Default, Clone)]
pub(super) struct MonthIndex {
    /// Sorted by id.
    pub entries: Vec<Entry>,
    /// The segment's length that holds whole records (past it: a torn tail).
    pub end: u64,
    /// What stopped the walk short of the segment's end (a torn tail), if anything.
    pub torn: Option<String>,
    /// Whether the index file is behind the segment or missing (rewritten at the next append).
    pub stale: bool,
}

impl MonthIndex {
    pub fn find(&self, id: u64) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&id, |e| e.id)
            .ok()
            .map(|i| &self.entries[i])
    }
}

/// The entries of the index file of `seg`, if it is whole and covers no more than `len`.
fn read_index(seg: &Path, len: u64) -> Result<Option<(u64, Vec<Entry>)>, StoreError> {
    let Ok(bytes) = fs::read(idx_path(seg)) else {
        return Ok(None);
    };
    let Some(h) = parse_header(&bytes) else {
        return Ok(None);
    };
    let body = &bytes[HEADER..];
    if body.len() as u64 != h.count * ENTRY as u64 || crc32fast::hash(body) != h.body_crc {
        return Ok(None);
    }
    if h.covered > len {
        return Err(damaged(
            seg,
            format!("{len} bytes long, its index covers {}", h.covered),
        ));
    }
    let u = |c: &[u8], i: usize| u64::from_be_bytes(c[i..i + 8].try_into().unwrap_or_default());
    let entries = body
        .chunks_exact(ENTRY)
        .map(|c| Entry {
            id: u(c, 0),
            offset: u(c, 8),
            closed: u(c, 16) as i64,
        })
        .collect();
    Ok(Some((h.covered, entries)))
}

/// The entries of the segment `seg`: its index, completed from the records past what it
/// covers, or rebuilt from the whole segment when it is missing or damaged.
pub(super) fn load(seg: &Path) -> Result<MonthIndex, StoreError> {
    let len = fs::metadata(seg).map_err(|e| io(seg, "read", e))?.len();
    let (covered, mut entries, stale) = match read_index(seg, len)? {
        Some((covered, entries)) => (covered, entries, covered != len),
        None => (0, vec![], true),
    };
    let walk = match covered < len {
        true => segment::walk(&segment::read_from(seg, covered)?, covered),
        false => segment::Walk {
            entries: vec![],
            end: len,
            stopped: None,
        },
    };
    entries.extend(walk.entries);
    latest_only(&mut entries);
    Ok(MonthIndex {
        entries,
        end: walk.end,
        torn: walk.stopped,
        stale,
    })
}

/// Sorts `entries` by id, keeping of each case its last record (a case appended again is
/// a newer copy: one changed in the hot store after a run cut short had archived it).
pub(super) fn latest_only(entries: &mut Vec<Entry>) {
    entries.sort_by_key(|e| (e.id, std::cmp::Reverse(e.offset)));
    entries.dedup_by_key(|e| e.id);
}

/// Writes the index of `seg` (temp file, fsync, rename; the caller syncs the directory).
pub(super) fn write(seg: &Path, m: &MonthIndex) -> Result<(), StoreError> {
    let mut body = Vec::with_capacity(m.entries.len() * ENTRY);
    for e in &m.entries {
        body.extend_from_slice(&e.id.to_be_bytes());
        body.extend_from_slice(&e.offset.to_be_bytes());
        body.extend_from_slice(&e.closed.to_be_bytes());
    }
    let min = m.entries.first().map_or(0, |e| e.id);
    let max = m.entries.last().map_or(0, |e| e.id);
    let head = (m.end, m.entries.len() as u64, min, max);
    write_at(MAGIC, &idx_path(seg), head, &body)
}

/// Writes a derived file of a segment: `magic`, (covered, count, least key, greatest key),
/// then `body` (temp file, fsync, rename; the caller syncs the directory).
pub(super) fn write_at(
    magic: &[u8; 4],
    path: &Path,
    (covered, count, min, max): (u64, u64, u64, u64),
    body: &[u8],
) -> Result<(), StoreError> {
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(magic);
    for n in [covered, count, min, max] {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend_from_slice(&crc32fast::hash(body).to_be_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out.extend_from_slice(body);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).map_err(|e| io(&tmp, "create", e))?;
    f.write_all(&out).map_err(|e| io(&tmp, "write", e))?;
    f.sync_all().map_err(|e| io(&tmp, "sync", e))?;
    fs::rename(&tmp, path).map_err(|e| io(path, "write", e))
}
