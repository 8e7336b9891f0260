//! A store closed in a process that asked for it ([`casebench::store::close_at_exit`], as the
//! binary does) is flushed and parked, not taken apart: what it wrote is on disk, the same
//! process can open it again, and its lock is given back on demand.

use std::sync::Arc;

use assert_cmd::Command as Cli;
use chrono::{TimeZone, Utc};

use casebench::api::{Command, NewCase};
use casebench::domain::{CaseKind, Target};
use casebench::engine::{Engine, ManualClock};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
    ))
}

fn create(engine: &Engine, title: &str) {
    let case = NewCase {
        kind: CaseKind::Generic,
        title: title.into(),
        description: None,
        resource: None,
        object: None,
        target: Target::User("root".into()),
        deadline: None,
        deadline_in: None,
        policy: None,
    };
    engine.execute("root", Command::CreateCase(case)).unwrap();
}

fn list(path: &std::path::Path) -> std::process::Output {
    Cli::cargo_bin("casebench")
        .unwrap()
        .env("CASEBENCH_NOW", "2026-11-01T10:00:00Z")
        .args(["--db", path.to_str().unwrap(), "--as", "root"])
        .args(["case", "list", "--queue", "open"])
        .output()
        .unwrap()
}

#[test]
fn a_parked_store_keeps_its_writes_reopens_here_and_frees_its_lock_on_demand() {
    casebench::store::close_at_exit();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let engine = Engine::init(&path, clock(), "root", &[]).unwrap();
        create(&engine, "first parked case");
    }
    // Parked: the handle (and sled's lock) is still this process's.
    let busy = list(&path);
    assert!(
        !busy.status.success(),
        "another process opened a parked store"
    );
    // The same process opens it again (what was parked is freed first) and reads the write.
    {
        let engine = Engine::open(&path, clock()).unwrap();
        assert_eq!(engine.inspect().all_cases().unwrap().len(), 1);
        create(&engine, "second parked case");
    }
    // Given back: another process reads both writes from disk.
    casebench::store::free_on_close();
    let out = list(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("first parked case") && text.contains("second parked case"),
        "{text}"
    );
}
