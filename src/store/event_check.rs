//! `check` of the `events` chunks (`store::events`): what breaks their rules, one line each.

use super::events::{decode_chunk, subject_name, subject_of, CHUNK};
use super::sled_store::Store;
use super::trees::{self, Tree};
use super::StoreError;

/// `check` of the chunks (a part of [`super::Storage`]).
pub trait EventChunks {
    /// What breaks the chunk rules (module doc): a malformed key, a gap in a subject's
    /// chunk numbers, an undecodable, over-full, empty or (not last) short chunk, events
    /// out of order or filed under another subject. At most 50.
    fn event_findings(&self) -> Result<Vec<String>, StoreError>;
}

impl EventChunks for Store {
    fn event_findings(&self) -> Result<Vec<String>, StoreError> {
        findings(&self.tree(Tree::Events)?)
    }
}

/// Where the walk of [`findings`] stands in one subject.
struct Walk {
    subject: u64,
    next_no: u32,
    last_len: usize,
    last_seq: Option<u64>,
}

pub(super) fn findings(tree: &sled::Tree) -> Result<Vec<String>, StoreError> {
    const MAX: usize = 50;
    let mut out = vec![];
    let mut walk: Option<Walk> = None;
    for kv in tree.iter() {
        if out.len() >= MAX {
            break;
        }
        let (k, v) = kv?;
        let Some((subject, no)) = trees::read_event_chunk_key(&k) else {
            out.push(format!(
                "tree events has a malformed key {:02x?} (not subject ‖ chunk no)",
                k.as_ref()
            ));
            continue;
        };
        if walk.as_ref().is_none_or(|w| w.subject != subject) {
            walk = Some(Walk {
                subject,
                next_no: 0,
                last_len: CHUNK,
                last_seq: None,
            });
        }
        if let Some(w) = walk.as_mut() {
            out.extend(chunk_findings(w, no, &v));
        }
    }
    out.truncate(MAX);
    Ok(out)
}

/// What is wrong with chunk `no` of `w`'s subject, which follows what `w` has seen.
fn chunk_findings(w: &mut Walk, no: u32, bytes: &[u8]) -> Vec<String> {
    let name = subject_name(w.subject);
    let mut out = vec![];
    if no != w.next_no {
        out.push(format!("{name}: chunk {} is missing", w.next_no));
    } else if no > 0 && w.last_len < CHUNK {
        let (prev, n) = (no - 1, w.last_len);
        out.push(format!(
            "{name}: chunk {prev} holds {n} events, fewer than {CHUNK}, and is not the last"
        ));
    }
    w.next_no = no.saturating_add(1);
    let events = match decode_chunk(bytes) {
        Ok(e) => e,
        Err(e) => {
            out.push(format!("{name}: chunk {no} cannot be read ({e})"));
            w.last_len = CHUNK;
            return out;
        }
    };
    w.last_len = events.len();
    match events.len() {
        0 => out.push(format!("{name}: chunk {no} is empty")),
        n if n > CHUNK => out.push(format!(
            "{name}: chunk {no} holds {n} events, more than {CHUNK}"
        )),
        _ => {}
    }
    if let Some(e) = events.iter().find(|e| subject_of(e) != w.subject) {
        out.push(format!(
            "{name}: chunk {no} holds event {}, which is not about its subject",
            e.seq
        ));
    }
    for e in &events {
        if let Some(last) = w.last_seq.filter(|l| e.seq <= *l) {
            out.push(format!(
                "{name}: chunk {no} is out of order (event {} after {last})",
                e.seq
            ));
            break;
        }
        w.last_seq = Some(e.seq);
    }
    w.last_seq = events.iter().map(|e| e.seq).max().max(w.last_seq);
    out
}
