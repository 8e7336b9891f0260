//! The idle card, `<store>/casebench.idle`: after a sweep, until when the next sweep has
//! nothing to do but wait, so that `casebench sweep` from cron on an idle store answers
//! without opening the hot store (whose open costs what the store holds).
//!
//! A sweep writes it only when time alone can give the next sweep work: no notification
//! waiting, no leftovers of archived cases, no export to watch. It holds the store's event
//! counter, the first time anything falls due (a timer; with a retention, a closed case
//! passing it), the retention it was computed with, and the administrators who swept. It
//! answers for a sweep by one of them before that time, with the same retention, while the
//! store is unchanged since ([`super::seal::unchanged_since`]); anything else (a change, a
//! crash, a card that does not parse) is the long way, which writes the card anew.
//!
//! Notifications waiting with no delivery command configured leave a card that says so
//! (`waiting`): it answers only while no command is configured.
//!
//! Text, one item per line: `casebench idle 1`, `events N`, `until MS` (UTC milliseconds),
//! `retention SECS` or `retention off`, `waiting yes` or `waiting no`, then the logins.

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};

use super::{card, seal};

const FILE: &str = "casebench.idle";
const HEADER: &str = "casebench idle 1";
const MAX_LOGINS: usize = 64;

/// What a sweep left: nothing to do before `until` with `retention`, for `admins`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Card {
    events: u64,
    until: i64,
    retention: Option<i64>,
    waiting: bool,
    admins: Vec<String>,
}

/// What a sweep is asked with, beside its time and actor: what it would do depends on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The archive retention.
    pub retention: Option<TimeDelta>,
    /// Whether a delivery command is configured.
    pub delivers: bool,
}

/// What a sweep found: nothing due before `until`; `waiting`, notifications not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Left {
    pub events: u64,
    pub until: DateTime<Utc>,
    pub waiting: bool,
}

fn read(store: &Path) -> Option<Card> {
    let mut lines = card::read(store, FILE, HEADER)?.into_iter();
    let mut field = |name: &str| lines.next()?.strip_prefix(name).map(str::to_string);
    let events = field("events ")?.parse().ok()?;
    let until = field("until ")?.parse().ok()?;
    let retention = match field("retention ")?.as_str() {
        "off" => None,
        secs => Some(secs.parse().ok()?),
    };
    let waiting = match field("waiting ")?.as_str() {
        "yes" => true,
        "no" => false,
        _ => return None,
    };
    Some(Card {
        events,
        until,
        retention,
        waiting,
        admins: card::logins(lines.collect(), MAX_LOGINS)?,
    })
}

/// Whether a sweep by `login` at `now` with `setting` would find nothing to do, as the
/// last sweep left the store and the store is still as it left it.
pub fn vouches(store: &Path, login: &str, now: DateTime<Utc>, setting: Setting) -> bool {
    let Some(card) = read(store) else {
        return false;
    };
    card.admins.iter().any(|l| l == login)
        && now.timestamp_millis() < card.until
        && card.retention == setting.retention.map(|r| r.num_seconds())
        && !(card.waiting && setting.delivers)
        && seal::unchanged_since(store, card.events)
}

/// After a sweep by administrator `login` with `setting`: what it `left`. Best effort, as
/// [`super::readers::note`].
pub fn note(store: &Path, left: Left, setting: Setting, login: &str) {
    if !crate::domain::org::valid_name(login) {
        return;
    }
    let mut next = Card {
        events: left.events,
        until: left.until.timestamp_millis(),
        retention: setting.retention.map(|r| r.num_seconds()),
        waiting: left.waiting,
        admins: vec![],
    };
    if let Some(old) = read(store) {
        let same = |c: &Card| (c.events, c.until, c.retention, c.waiting);
        if same(&old) == same(&next) {
            next.admins = old.admins;
        }
    }
    if next.admins.iter().any(|l| l == login) {
        return;
    }
    if next.admins.len() >= MAX_LOGINS {
        next.admins.clear();
    }
    next.admins.push(login.to_string());
    let retention = next
        .retention
        .map_or_else(|| "off".to_string(), |s| s.to_string());
    let waiting = if next.waiting { "yes" } else { "no" };
    let mut lines = vec![
        format!("events {}", next.events),
        format!("until {}", next.until),
        format!("retention {retention}"),
        format!("waiting {waiting}"),
    ];
    lines.extend(next.admins);
    card::write(store, FILE, HEADER, &lines);
}

/// Forgets the card: the last sweep left work (or could not tell).
pub fn forget(store: &Path) {
    card::forget(store, FILE);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn path(store: &Path) -> std::path::PathBuf {
        store.join(FILE)
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn sealed_store(events: u64) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(seal::db_file(dir.path()), b"sled bytes").unwrap();
        seal::write(dir.path(), seal::current(dir.path(), events).unwrap()).unwrap();
        dir
    }

    fn left(events: u64, until: &str, waiting: bool) -> Left {
        Left {
            events,
            until: t(until),
            waiting,
        }
    }

    #[test]
    fn a_sweep_before_the_first_due_time_by_a_noted_admin_is_idle() {
        let dir = sealed_store(5);
        let store = dir.path();
        let nine = t("2026-12-01T09:00:00Z");
        let kept = Setting {
            retention: Some(TimeDelta::days(90)),
            delivers: false,
        };
        assert!(!vouches(store, "admin", nine, kept));
        note(store, left(5, "2026-12-01T10:00:00Z", false), kept, "admin");
        assert!(vouches(store, "admin", t("2026-12-01T09:59:59Z"), kept));
        assert!(
            !vouches(store, "admin", t("2026-12-01T10:00:00Z"), kept),
            "due then"
        );
        let other = Setting {
            retention: None,
            ..kept
        };
        assert!(!vouches(store, "admin", nine, other), "another retention");
        assert!(!vouches(store, "root", nine, kept), "not noted");
        note(store, left(5, "2026-12-01T10:00:00Z", false), kept, "root");
        assert!(vouches(store, "root", nine, kept) && vouches(store, "admin", nine, kept));
        // A change to the store: the card no longer speaks.
        fs::write(seal::db_file(store), b"sled bytes, changed").unwrap();
        assert!(!vouches(store, "admin", nine, kept));
        seal::write(store, seal::current(store, 6).unwrap()).unwrap();
        assert!(!vouches(store, "admin", nine, kept));
        note(store, left(6, "2026-12-01T10:00:00Z", false), kept, "admin");
        assert!(vouches(store, "admin", nine, kept) && !vouches(store, "root", nine, kept));
        forget(store);
        assert!(!vouches(store, "admin", nine, kept));
    }

    #[test]
    fn notifications_waiting_for_a_command_are_not_idle_once_one_is_configured() {
        let dir = sealed_store(1);
        let store = dir.path();
        let nine = t("2026-12-01T09:00:00Z");
        let quiet = Setting {
            retention: None,
            delivers: false,
        };
        note(store, left(1, "2026-12-02T00:00:00Z", true), quiet, "admin");
        assert!(vouches(store, "admin", nine, quiet));
        let delivers = Setting {
            delivers: true,
            ..quiet
        };
        assert!(!vouches(store, "admin", nine, delivers));
        note(
            store,
            left(1, "2026-12-02T00:00:00Z", false),
            delivers,
            "admin",
        );
        assert!(vouches(store, "admin", nine, delivers));
    }

    #[test]
    fn a_card_that_is_not_one_vouches_for_nobody() {
        let dir = sealed_store(2);
        let store = dir.path();
        let now = t("2026-12-01T09:00:00Z");
        let off = Setting {
            retention: None,
            delivers: false,
        };
        for text in [
            "",
            "casebench idle 1\nevents 2\n",
            "casebench idle 1\nevents 2\nuntil x\nretention off\nwaiting no\nadmin\n",
            "casebench idle 1\nevents 2\nuntil 9999999999999\nretention 9d\nwaiting no\nadmin\n",
            "casebench idle 1\nevents 2\nuntil 9999999999999\nretention off\nwaiting no\nad min\n",
            "casebench idle 1\nevents 2\nuntil 9999999999999\nretention off\nwaiting maybe\nadmin\n",
            "casebench idle 1\nevents 2\nuntil 9999999999999\nretention off\nadmin\n",
            "casebench idle 2\nevents 2\nuntil 9999999999999\nretention off\nwaiting no\nadmin\n",
        ] {
            fs::write(path(store), text).unwrap();
            assert!(!vouches(store, "admin", now, off), "{text:?}");
        }
        fs::write(
            path(store),
            "casebench idle 1\nevents 2\nuntil 9999999999999\nretention off\nwaiting no\nadmin\n",
        )
        .unwrap();
        assert!(
            vouches(store, "admin", now, off),
            "the well-formed one does"
        );
    }
}
