//! `casebench gen --archive-before`: a store generated with its old closed cases written
//! straight to the archive is the store `gen` then `casebench archive --closed-before` leave:
//! the same hot cases, the same archived cases (case, work items, events, KPI facts), the
//! same KPI report and archived list, and `check` finds nothing. And such a store left by an
//! older casebench (schema 5, one `events` key per event) opens repacked into chunks, its
//! histories as they were.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use casebench::api::{Answer, CaseQuery, Command, KpiArgs, Query, Queue, Service};
use casebench::engine::generate::GenSpec;
use casebench::engine::{Engine, ManualClock};
use casebench::store::archive::Archive;

fn spec(archive_before: Option<DateTime<Utc>>) -> GenSpec {
    GenSpec {
        cases: 3_000,
        open_ratio: 0.1,
        users: 50,
        groups: 5,
        due_now: 50,
        seed: 11,
        span_days: 730,
        archive_before,
    }
}

fn kpi(e: &Engine, now: DateTime<Utc>) -> String {
    let args = KpiArgs {
        since: now - Duration::days(800),
        until: now,
        by: None,
    };
    match e.query("admin", Query::KpiReport(args)).unwrap() {
        Answer::KpiReport(r) => format!("{r:?}"),
        other => panic!("{other:?}"),
    }
}

fn archived_list(e: &Engine) -> String {
    let q = CaseQuery {
        queue: Queue::Closed,
        limit: Some(100),
        ..CaseQuery::default()
    };
    match e.query("admin", Query::ArchivedCases(q)).unwrap() {
        Answer::Cases(l) => format!("{:?}", (l.total, l.cases)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn gen_with_archive_before_equals_gen_then_archive() {
    let dir = tempfile::tempdir().unwrap();
    let now = casebench::domain::time::from_millis(1_795_000_000_000);
    let before = now - Duration::days(90);
    let clock = || Arc::new(ManualClock::new(now));

    let (pa, pb) = (dir.path().join("a"), dir.path().join("b"));
    Engine::generate(&pa, now, &spec(None)).unwrap();
    let a = Engine::open(&pa, clock()).unwrap();
    let moved = a
        .execute(
            "admin",
            Command::Archive {
                before,
                dry_run: false,
                max: None,
            },
        )
        .unwrap()
        .archive
        .unwrap()
        .archived;
    let report = Engine::generate(&pb, now, &spec(Some(before))).unwrap();
    let b = Engine::open(&pb, clock()).unwrap();
    assert!(moved > 2_000, "{moved}");
    assert_eq!(report.archived as u64, moved);

    // The same hot queues, and every case (hot or archived) shows and has the same history.
    for queue in [Queue::All, Queue::Open, Queue::Closed] {
        let q = || CaseQuery {
            queue,
            limit: Some(5_000),
            ..CaseQuery::default()
        };
        let (la, lb) = (
            a.query("admin", Query::ListCases(q())).unwrap(),
            b.query("admin", Query::ListCases(q())).unwrap(),
        );
        assert_eq!(format!("{la:?}"), format!("{lb:?}"), "{queue:?}");
    }
    for id in 1..=3_000 {
        let id = casebench::domain::CaseId(id);
        for q in [Query::ShowCase(id), Query::CaseHistory(id)] {
            let (qa, qb) = (q.clone(), q);
            let (sa, sb) = (a.query("admin", qa).unwrap(), b.query("admin", qb).unwrap());
            assert_eq!(format!("{sa:?}"), format!("{sb:?}"), "{id}");
        }
    }
    // The same archived cases, whole.
    let (xa, xb) = (Archive::beside(&pa), Archive::beside(&pb));
    let ids = xa.ids().unwrap();
    assert_eq!(ids.len() as u64, moved);
    assert_eq!(ids, xb.ids().unwrap());
    for id in ids.keys() {
        let id = casebench::domain::CaseId(*id);
        let (ca, cb) = (xa.get(id).unwrap().unwrap(), xb.get(id).unwrap().unwrap());
        assert_eq!(ca, cb, "archived {id}");
        assert!(!ca.events.is_empty() && ca.facts.is_some());
    }
    // What people read from them.
    assert_eq!(kpi(&a, now), kpi(&b, now));
    assert_eq!(archived_list(&a), archived_list(&b));
    assert!(b.check().unwrap().is_empty(), "{:?}", b.check().unwrap());
}

fn casebench(db: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_casebench"))
        .arg("--db")
        .arg(db)
        .args(["--as", "admin"])
        .args(args)
        .env("CASEBENCH_NOW", "2026-12-01T09:00:00Z")
        .env("XDG_CONFIG_HOME", db.with_extension("config"))
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gen_archive_before_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g");
    let gen = |at: &str| {
        let n = [
            "--cases",
            "800",
            "--due-now",
            "0",
            "--users",
            "10",
            "--groups",
            "2",
        ];
        let mut args = vec!["gen", "--span-days", "365", "--archive-before", at];
        args.extend(n);
        casebench(&db, &args)
    };
    // A cut-off that is not one: one line naming the option, no store made.
    let (code, _, err) = gen("next tuesday");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--archive-before"), "{err}");
    assert!(!db.exists());

    let (code, out, err) = gen("90d");
    assert_eq!(code, 0, "{err}");
    let archived: usize = out
        .split(" closed ones archived")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(archived > 400, "{out}");
    let (code, out, err) = casebench(&db, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("{archived} cases")), "{out}");
    // The oldest case is archived, shown read-only; a comment on it is refused.
    let id = Archive::beside(&db)
        .ids()
        .unwrap()
        .into_keys()
        .next()
        .unwrap();
    let id = format!("C-{id}");
    let (code, out, err) = casebench(&db, &["case", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("archived:   2026-12-01 (read-only)"), "{out}");
    let (code, _, err) = casebench(&db, &["case", "comment", &id, "late note"]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("archived cases are read-only"), "{err}");
}

/// Every hot case's history and every event, as `check` and people read them.
fn histories(e: &Engine) -> (Vec<String>, usize) {
    let s = e.inspect();
    let mut out = vec![];
    for c in s.all_cases().unwrap() {
        let h = e.query("admin", Query::CaseHistory(c.id)).unwrap();
        out.push(format!("{h:?}"));
    }
    out.push(format!("{:?}", s.all_events().unwrap()));
    (out, s.event_count())
}

#[test]
fn a_schema_5_store_opens_with_its_events_packed_and_check_finds_nothing() {
    use casebench::store::{Storage, Store};
    let dir = tempfile::tempdir().unwrap();
    let now = casebench::domain::time::from_millis(1_795_000_000_000);
    let clock = || Arc::new(ManualClock::new(now));
    let path = dir.path().join("s");
    let mut small = spec(None);
    small.cases = 600;
    Engine::generate(&path, now, &small).unwrap();
    let e = Engine::open(&path, clock()).unwrap();
    // Some archived, their chunks still in the hot store (named in `idx_evicted`).
    let archive = Command::Archive {
        before: now - Duration::days(300),
        dry_run: false,
        max: None,
    };
    let moved = e
        .execute("admin", archive)
        .unwrap()
        .archive
        .unwrap()
        .archived;
    assert!(moved > 50, "{moved}");
    assert!(!e.inspect().index_keys("idx_evicted").unwrap().is_empty());
    let before = histories(&e);
    assert_eq!(e.check().unwrap(), Vec::<String>::new());
    drop(e);
    let store = Store::open(&path).unwrap();
    store.unpack_events_as_schema_5().unwrap();
    assert_eq!(store.index_keys("events").unwrap().len(), before.1);
    drop(store);

    let e = Engine::open(&path, clock()).unwrap();
    assert_eq!(e.inspect().schema_version().unwrap(), Some(6));
    assert!(e.inspect().index_keys("events").unwrap().len() * 4 < before.1);
    assert_eq!(histories(&e), before);
    assert_eq!(e.check().unwrap(), Vec::<String>::new());
    drop(e);
    // Opened again: nothing to do; the sweep then clears what the archived cases left.
    let e = Engine::open(&path, clock()).unwrap();
    assert_eq!(histories(&e), before);
    e.sweep("admin", casebench::api::SweepArgs::due()).unwrap();
    assert!(e.inspect().index_keys("idx_evicted").unwrap().is_empty());
    assert!(e.inspect().event_count() < before.1);
    assert_eq!(e.check().unwrap(), Vec::<String>::new());
}
