//! The SQLite comparison of `casebench bench` (issue 17): a SQLite database of the bench
//! store's shape at its N, in a temporary directory, and the same work timed on it, so one
//! run prints casebench's figures beside SQLite's and the ratio.
//!
//! Shape: `cases` (id, title, requester, state, created, modified), `work_items` (one per
//! case: case, open, assignee, candidate, level, deadline) with three partial indexes on the
//! open items (assignee, candidate, deadline), and `events` keyed by (case, seq) like the
//! store's `events` tree, five per case. The first `open` cases are open and the first
//! `firings` of them due, as the generator makes them. A firing (the generator's policy:
//! escalate at the deadline) writes one event row (the escalation's, naming the rule, as the
//! sweep records it), moves the
//! work item's assignee, level and deadline and touches the case's modified time; all of them
//! in one transaction, committed durably (WAL, `synchronous = FULL`). This is the only file
//! that names rusqlite (tests/architecture.rs).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::{median, ms, Report};
use crate::api::ApiError;

/// What the comparison is run at, from the bench's own store.
pub(super) struct Shape {
    pub cases: usize,
    pub open: usize,
    pub firings: usize,
    /// Users and groups, as the generator makes them.
    pub users: usize,
    pub groups: usize,
}

fn err(e: rusqlite::Error) -> ApiError {
    ApiError::Internal(format!("sqlite: {e}"))
}

const SCHEMA: &str = "
CREATE TABLE cases (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, requester TEXT NOT NULL,
    state INTEGER NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL);
CREATE TABLE work_items (
    id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, open INTEGER NOT NULL,
    assignee TEXT, candidate TEXT, level INTEGER NOT NULL, deadline INTEGER);
CREATE INDEX open_by_assignee ON work_items (assignee) WHERE open = 1;
CREATE INDEX open_by_candidate ON work_items (candidate) WHERE open = 1;
CREATE INDEX open_by_deadline ON work_items (deadline) WHERE open = 1;
CREATE TABLE events (
    case_id INTEGER NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,
    actor TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)) WITHOUT ROWID;
";

/// Events per case in the generated database.
const EVENTS_PER_CASE: usize = 5;

/// xorshift64*, as the generator's: reproducible spread of names and times.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn user(i: u64) -> String {
    format!("u{i:05}")
}

fn group(i: u64) -> String {
    format!("g{i:03}")
}

/// Builds the database at `path` in one transaction with prepared statements; returns the
/// next event sequence number.
fn generate(path: &Path, s: &Shape, now: i64) -> Result<i64, rusqlite::Error> {
    let mut db = Connection::open(path)?;
    db.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    db.execute_batch(SCHEMA)?;
    let tx = db.transaction()?;
    let mut seq = 1i64;
    {
        let mut case = tx.prepare(
            "INSERT INTO cases (id, title, requester, state, created, modified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )?;
        let mut item = tx.prepare(
            "INSERT INTO work_items (id, case_id, open, assignee, candidate, level, deadline)
             VALUES (?1, ?1, ?2, ?3, ?4, 0, ?5)",
        )?;
        let mut event = tx.prepare(
            "INSERT INTO events (case_id, seq, time, actor, kind, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (users, groups) = (s.users as u64, s.groups as u64);
        for i in 1..=s.cases as i64 {
            let open = (i as usize) <= s.open;
            let due = (i as usize) <= s.firings;
            let created = now - 60 - rng.below(90 * 86_400) as i64;
            let requester = user(rng.below(users));
            let deadline = if due {
                now - 1 - rng.below(3_600) as i64
            } else if open {
                now + 3_600 + rng.below(60 * 86_400) as i64
            } else {
                created + rng.below(86_400) as i64
            };
            let (assignee, candidate) = if rng.below(2) == 0 {
                (Some(user(rng.below(users))), None)
            } else {
                (None, Some(group(rng.below(groups))))
            };
            let title = format!("Grant role r{} on app{} to {requester}", i % 997, i % 31);
            let state = if open { 1 } else { 3 };
            case.execute(params![i, title, requester, state, created])?;
            item.execute(params![i, open as i64, assignee, candidate, deadline])?;
            for k in 0..EVENTS_PER_CASE as i64 {
                let body = format!("W-{i} step {k} by {requester}: what changed and why");
                let kind = ["created", "opened", "work-item", "delegated", "completed"][k as usize];
                event.execute(params![i, seq, created + k, requester, kind, body])?;
                seq += 1;
            }
        }
    }
    tx.commit()?;
    db.execute_batch("PRAGMA journal_mode = WAL;")?;
    Ok(seq)
}

/// Opens the database as a command would: WAL, durable commits.
fn open(path: &Path) -> Result<Connection, rusqlite::Error> {
    let db = Connection::open(path)?;
    db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
    Ok(db)
}

/// Fires every due item's timer in one durable transaction; returns how many fired.
fn fire(path: &Path, now: i64, mut seq: i64, users: usize) -> Result<usize, rusqlite::Error> {
    let mut db = open(path)?;
    let tx = db.transaction()?;
    let mut fired = 0;
    {
        let mut due = tx.prepare(
            "SELECT id, case_id, level FROM work_items
             WHERE open = 1 AND deadline <= ?1 ORDER BY deadline",
        )?;
        let items: Vec<(i64, i64, i64)> = due
            .query_map(params![now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut event = tx.prepare_cached(
            "INSERT INTO events (case_id, seq, time, actor, kind, body)
             VALUES (?1, ?2, ?3, 'system', ?4, ?5)",
        )?;
        let mut item = tx.prepare_cached(
            "UPDATE work_items SET assignee = ?1, candidate = NULL, level = ?2, deadline = ?3
             WHERE id = ?4",
        )?;
        let mut case = tx.prepare_cached("UPDATE cases SET modified = ?1 WHERE id = ?2")?;
        for (id, case_id, level) in items {
            let to = user(id as u64 % users.max(1) as u64);
            let level = level + 1;
            let why = format!("W-{id} to {to}, level {level}: by policy gen#0");
            event.execute(params![case_id, seq, now, "escalated", why])?;
            seq += 1;
            item.execute(params![to, level, now + 86_400, id])?;
            case.execute(params![now, case_id])?;
            fired += 1;
        }
    }
    tx.commit()?;
    Ok(fired)
}

/// A user's first inbox page and its count, on a fresh connection.
fn inbox(path: &Path, who: &str) -> Result<usize, rusqlite::Error> {
    let db = open(path)?;
    let mut page = db.prepare(
        "SELECT c.id, c.title, w.deadline FROM work_items w JOIN cases c ON c.id = w.case_id
         WHERE w.open = 1 AND w.assignee = ?1 ORDER BY w.deadline LIMIT 50",
    )?;
    let rows = page
        .query_map(params![who], |r| r.get::<_, i64>(0))?
        .count();
    let total: i64 = db.query_row(
        "SELECT count(*) FROM work_items WHERE open = 1 AND assignee = ?1",
        params![who],
        |r| r.get(0),
    )?;
    Ok(rows.max(total as usize))
}

/// What is due, on a fresh connection (nothing, after the firings).
fn idle(path: &Path, now: i64) -> Result<usize, rusqlite::Error> {
    let db = open(path)?;
    let mut due = db.prepare("SELECT id FROM work_items WHERE open = 1 AND deadline <= ?1")?;
    let n = due.query_map(params![now], |r| r.get::<_, i64>(0))?.count();
    Ok(n)
}

fn timed<T>(
    runs: usize,
    mut f: impl FnMut() -> Result<T, rusqlite::Error>,
) -> Result<Duration, ApiError> {
    let mut xs = vec![];
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        f().map_err(err)?;
        xs.push(started.elapsed());
    }
    Ok(median(xs))
}

/// Removes the comparison's directory however it ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds the database, times SQLite's three figures and prints them beside casebench's
/// sweep (`sweep`: how many it fired and how long it took, whole process).
pub(super) fn comparison(
    report: &mut Report,
    shape: &Shape,
    now: chrono::DateTime<chrono::Utc>,
    sweep: Option<(usize, Duration)>,
    runs: usize,
) -> Result<(), ApiError> {
    let dir = std::env::temp_dir().join(format!("casebench-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::Internal(e.to_string()))?;
    let scratch = Scratch(dir);
    let path = scratch.0.join("bench.sqlite");
    let now = now.timestamp();
    eprintln!(
        "SQLite {}: {} cases, {} open, {} due …",
        rusqlite::version(),
        shape.cases,
        shape.open,
        shape.firings
    );
    let started = Instant::now();
    let seq = generate(&path, shape, now).map_err(err)?;
    report.add(
        format!(
            "SQLite: generate {} cases + work items + {} events",
            shape.cases,
            shape.cases * EVENTS_PER_CASE
        ),
        started.elapsed().as_secs_f64(),
        "s",
        1,
        None,
    );
    let who = user(0);
    let page = timed(runs, || inbox(&path, &who))?;
    report.add(
        "SQLite: open + first inbox page + count",
        ms(page),
        "ms",
        runs,
        None,
    );
    let started = Instant::now();
    let fired = fire(&path, now, seq, shape.users).map_err(err)?;
    let took = started.elapsed();
    report.add(
        format!("SQLite: open + {fired} firings in one durable transaction"),
        ms(took),
        "ms",
        1,
        None,
    );
    let idle_took = timed(runs, || idle(&path, now))?;
    report.add("SQLite: open + idle sweep", ms(idle_took), "ms", runs, None);
    if let Some((n, ours)) = sweep {
        let ratio = ours.as_secs_f64() / took.as_secs_f64().max(1e-9);
        report.add(
            format!("sweep of {n} firings: casebench ÷ SQLite ({fired})"),
            ratio,
            "×",
            1,
            Some(("≤ 1.5×", ratio <= 1.5)),
        );
    }
    drop(scratch);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparison_fires_what_is_due_and_leaves_nothing_due() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let shape = Shape {
            cases: 2_000,
            open: 200,
            firings: 50,
            users: 10,
            groups: 3,
        };
        let now = 1_800_000_000;
        let seq = generate(&path, &shape, now).unwrap();
        assert_eq!(seq as usize, 1 + 2_000 * EVENTS_PER_CASE);
        assert_eq!(idle(&path, now).unwrap(), 50);
        assert!(inbox(&path, &user(0)).unwrap() > 0);
        assert_eq!(fire(&path, now, seq, shape.users).unwrap(), 50);
        assert_eq!(idle(&path, now).unwrap(), 0);
        let db = open(&path).unwrap();
        let events: i64 = db
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            events as usize,
            2_000 * EVENTS_PER_CASE + 50,
            "one event per firing"
        );
        let escalated: i64 = db
            .query_row("SELECT count(*) FROM work_items WHERE level = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(escalated, 50);
    }
}
