//! A sweep over 10,000 due timers killed with SIGKILL at random points, again and again:
//! after every crash each timer has either fired once (its event is there, its due entry
//! gone) or not at all (its due entry still there); a final sweep fires the rest. In the
//! end every timer has fired exactly once and no due entry is left.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{TimeZone, Utc};

use casebench::api::{Command, NewCase, UserRecord};
use casebench::domain::{CaseKind, EventKind, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_policies_toml;
use casebench::store::{Storage, Store};

const TIMERS: usize = 10_000;

fn build(path: &Path) {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let mut engine = Engine::init(path, clock, "root", &[]).unwrap();
    engine.set_batch_mode(true);
    let users = ["alice", "bob"]
        .iter()
        .enumerate()
        .map(|(i, l)| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: String::new(),
            manager: None,
            groups: vec!["ops".into()],
            calendar: None,
        })
        .collect();
    engine
        .execute("root", Command::ImportUsers { users })
        .unwrap();
    let policies = parse_policies_toml(
        "p.toml",
        "[[policy]]\nname = \"p\"\n[[policy.rule]]\nafter = \"1h\"\ndelegate = \"bob\"\nmethod = \"add\"\n",
    )
    .unwrap();
    engine
        .execute("root", Command::ImportPolicies { policies })
        .unwrap();
    for i in 0..TIMERS {
        engine
            .execute(
                "alice",
                Command::CreateCase(NewCase {
                    kind: CaseKind::ManualProvisioning,
                    title: format!("account {i}"),
                    description: None,
                    resource: None,
                    object: None,
                    target: Target::User("alice".into()),
                    deadline: None,
                    deadline_in: None,
                    policy: Some("p".into()),
                }),
            )
            .unwrap();
    }
    engine.flush().unwrap();
}

/// (fired per work item, due entries left); panics if a timer fired twice.
fn census(path: &Path) -> (usize, usize) {
    let store = Store::open(path).unwrap();
    let mut fired: BTreeMap<u64, usize> = BTreeMap::new();
    for e in store.all_events().unwrap() {
        // The firing's one event is its delegation's.
        if let EventKind::DelegatedByRule { work_item, .. } = e.what {
            *fired.entry(work_item.0).or_default() += 1;
        }
    }
    let twice: Vec<_> = fired.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "timers fired twice: {twice:?}");
    // A work item has its delegation exactly when its timer fired.
    let items = store.all_work_items().unwrap();
    for item in &items {
        let done = fired.contains_key(&item.id.0);
        assert_eq!(item.is_assignee("bob"), done, "{} half-fired", item.id);
        assert_eq!(item.timers.is_empty(), done, "{} timer state", item.id);
    }
    let due = store.due_count();
    drop(store);
    wait_unlocked(path);
    (fired.len(), due)
}

/// sled releases its file lock a moment after the store is dropped.
fn wait_unlocked(path: &Path) {
    let deadline = Instant::now() + StdDuration::from_secs(10);
    loop {
        match Store::open(path) {
            Ok(s) => {
                drop(s);
                return;
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(StdDuration::from_millis(2)),
            Err(e) => panic!("store stays locked: {e}"),
        }
    }
}

fn sweep(path: &Path) -> Process {
    let mut c = Process::new(env!("CARGO_BIN_EXE_casebench"));
    // As the store's administrator, at the clock (a sweep fires at the clock, never later).
    c.args(["--db", path.to_str().unwrap(), "--as", "root", "sweep"])
        .env("CASEBENCH_NOW", "2026-11-03T09:00:00Z")
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn killed_sweeps_lose_nothing_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    build(&path);
    assert_eq!(census(&path), (0, TIMERS));

    // How long an uninterrupted sweep takes here, to spread the kills over it.
    let probe = dir.path().join("probe");
    build(&probe);
    let started = Instant::now();
    assert!(sweep(&probe).status().unwrap().success());
    let full = started.elapsed();
    assert_eq!(census(&probe), (TIMERS, 0));
    // And one with nothing due: the process's fixed cost.
    let started = Instant::now();
    assert!(sweep(&probe).status().unwrap().success());
    let startup = started.elapsed();
    let per_timer = full.saturating_sub(startup) / TIMERS as u32;

    // Deterministic pseudo-random kill points over what is left of a sweep. When a store
    // is done before 20 kills, a fresh one is built and the killing goes on.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut kills = 0;
    let mut rounds = 1;
    let mut progress = vec![];
    let mut remaining = TIMERS;
    while kills < 20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let frac = (seed % 1000) as f64 / 1000.0;
        let at = startup.mul_f64(0.8) + (per_timer * remaining as u32).mul_f64(0.6 * frac);
        let mut child = sweep(&path).spawn().unwrap();
        std::thread::sleep(at);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let (fired, due) = census(&path);
        assert_eq!(
            fired + due,
            TIMERS,
            "a timer was lost or fired without leaving due"
        );
        progress.push(fired);
        remaining = due;
        if due == 0 && kills < 20 {
            std::fs::remove_dir_all(&path).unwrap();
            build(&path);
            remaining = TIMERS;
            rounds += 1;
        }
        assert!(rounds <= 10, "cannot kill sweeps mid-way: {progress:?}");
    }
    // Finish the work; every timer fired exactly once, nothing left.
    assert!(sweep(&path).status().unwrap().success());
    assert_eq!(census(&path), (TIMERS, 0));
    eprintln!(
        "killed {kills} sweeps over {rounds} store(s); fired after each: {progress:?}; a full sweep took {full:?}"
    );
}
