//! The cards beside a store (`casebench.readers`, `casebench.idle`): small text files that
//! let a command answer without opening the hot store while the seal says nothing changed
//! since they were written. Both are read and written the same way here: bounded, a header
//! line naming the card and its version, then its lines; written whole (a file of this
//! process's own, renamed into place), best effort, since a card is only a shortcut.

use std::fs;
use std::path::Path;

/// At most this many bytes are read of a card: a longer file is not one.
const MAX_BYTES: u64 = 64 * 1024;

/// The lines after `header` of the card `name` beside `store`, when it is one.
pub(super) fn read(store: &Path, name: &str, header: &str) -> Option<Vec<String>> {
    let file = store.join(name);
    if fs::metadata(&file).ok()?.len() > MAX_BYTES {
        return None;
    }
    let text = fs::read_to_string(&file).ok()?;
    let mut lines = text.lines();
    (lines.next()? == header).then(|| lines.map(str::to_string).collect())
}

/// The logins of a card, at most `max`, each a valid name (else it is no card).
pub(super) fn logins(lines: Vec<String>, max: usize) -> Option<Vec<String>> {
    let valid = lines.len() <= max && lines.iter().all(|l| crate::domain::org::valid_name(l));
    valid.then_some(lines)
}

/// Writes the card `name` beside `store`: `header`, then `lines`. Backups skip the `.tmp`
/// file it is written to first; two writers never mix their bytes, the last rename wins.
pub(super) fn write(store: &Path, name: &str, header: &str, lines: &[String]) {
    let mut text = format!("{header}\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    let tmp = store.join(format!("{name}.{}.tmp", std::process::id()));
    if fs::write(&tmp, text).is_err() || fs::rename(&tmp, store.join(name)).is_err() {
        let _ = fs::remove_file(&tmp);
    }
}

/// Removes the card `name` beside `store`.
pub(super) fn forget(store: &Path, name: &str) {
    let _ = fs::remove_file(store.join(name));
}
