//! The readers' card, `<store>/casebench.readers`: the logins the store knew as users when
//! its event counter stood at a given value. It lets `case show` and `case history` of an
//! archived case answer from the archive alone, without opening the hot store (whose open
//! costs what the store holds, ~0.1 s at a million cases): a login on the card is still a
//! user as long as nothing changed since.
//!
//! "Nothing changed" is the seal's word ([`super::seal`]): every acknowledged change
//! advances the event counter, and the seal records the counter with the `db` file as it
//! was flushed. The card vouches for a login only while the seal still holds the card's
//! counter and the `db` file is exactly as sealed; anything else (a change, a crash, a
//! store in use, a card that does not parse) sends the reader to the hot store, which
//! writes the card anew. Users are never removed without an event, so the card can only be
//! behind, never wrong.
//!
//! Text, one item per line: `casebench readers 1`, `events N`, then the logins.

use std::path::Path;

use super::{card, seal};

const FILE: &str = "casebench.readers";
const HEADER: &str = "casebench readers 1";
/// At most this many logins are kept: the card starts over beyond it.
const MAX_LOGINS: usize = 256;

/// The card's counter and logins, when the file is a card.
fn read(store: &Path) -> Option<(u64, Vec<String>)> {
    let mut lines = card::read(store, FILE, HEADER)?.into_iter();
    let events = lines.next()?.strip_prefix("events ")?.parse().ok()?;
    Some((events, card::logins(lines.collect(), MAX_LOGINS)?))
}

/// Whether the card vouches that `login` is a user of the store as it is on disk now.
pub fn vouches(store: &Path, login: &str) -> bool {
    let Some((events, logins)) = read(store) else {
        return false;
    };
    logins.iter().any(|l| l == login) && seal::unchanged_since(store, events)
}

/// Puts `login` on the card for a store whose event counter is `events` (the card starts
/// over when it was for another counter). Best effort: the card is only a shortcut, so a
/// store it cannot be written beside (read-only, full) is served the long way.
pub fn note(store: &Path, events: u64, login: &str) {
    if !crate::domain::org::valid_name(login) {
        return;
    }
    let mut logins = match read(store) {
        Some((e, logins)) if e == events => logins,
        _ => vec![],
    };
    if logins.iter().any(|l| l == login) {
        return;
    }
    if logins.len() >= MAX_LOGINS {
        logins.clear();
    }
    logins.push(login.to_string());
    let mut lines = vec![format!("events {events}")];
    lines.extend(logins);
    card::write(store, FILE, HEADER, &lines);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn path(store: &Path) -> std::path::PathBuf {
        store.join(FILE)
    }

    fn sealed_store(events: u64) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(seal::db_file(dir.path()), b"some sled bytes").unwrap();
        let s = seal::current(dir.path(), events).unwrap();
        seal::write(dir.path(), s).unwrap();
        dir
    }

    #[test]
    fn a_noted_login_is_vouched_for_until_the_store_changes() {
        let dir = sealed_store(7);
        let store = dir.path();
        assert!(!vouches(store, "alice"), "no card yet");
        note(store, 7, "alice");
        note(store, 7, "bob");
        assert!(vouches(store, "alice") && vouches(store, "bob"));
        assert!(!vouches(store, "carol"), "never noted");
        // The db file grows (a change not yet sealed): the card no longer speaks.
        fs::write(seal::db_file(store), b"some sled bytes, and more").unwrap();
        assert!(!vouches(store, "alice"));
        // Sealed again with a new counter: still not, until noted for it.
        seal::write(store, seal::current(store, 8).unwrap()).unwrap();
        assert!(!vouches(store, "alice"));
        note(store, 8, "bob");
        assert!(
            vouches(store, "bob") && !vouches(store, "alice"),
            "started over"
        );
    }

    #[test]
    fn a_card_that_is_not_one_vouches_for_nobody() {
        let dir = sealed_store(3);
        let store = dir.path();
        for text in [
            "",
            "casebench readers 1\n",
            "casebench readers 2\nevents 3\nalice\n",
            "casebench readers 1\nevents three\nalice\n",
            "casebench readers 1\nevents 3\nal ice\n",
            "casebench readers 1\nevents 3\n\u{1b}[2Jalice\n",
        ] {
            fs::write(path(store), text).unwrap();
            assert!(!vouches(store, "alice"), "{text:?}");
            assert!(!vouches(store, "al ice"), "{text:?}");
        }
        // A malformed card is replaced by the next note.
        note(store, 3, "alice");
        assert!(vouches(store, "alice"));
    }

    #[test]
    fn a_store_without_a_seal_is_not_vouched_for() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(seal::db_file(dir.path()), b"bytes").unwrap();
        note(dir.path(), 0, "alice");
        assert!(!vouches(dir.path(), "alice"));
    }

    #[test]
    fn the_card_is_bounded() {
        let dir = sealed_store(1);
        let store = dir.path();
        for i in 0..MAX_LOGINS + 3 {
            note(store, 1, &format!("u{i}"));
        }
        let (_, logins) = read(store).unwrap();
        assert!(logins.len() <= MAX_LOGINS);
        assert!(vouches(store, &format!("u{}", MAX_LOGINS + 2)));
    }
}
