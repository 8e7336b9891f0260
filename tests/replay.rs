//! Replay: every case, rebuilt from its events alone up to now, is exactly the stored case
//! with its work items (all but the pending policy timers, which replay does not rebuild:
//! they are the sweep's schedule, derived from the policy as it was then).

use casebench::domain::{CaseId, WorkItem};
use casebench::engine::generate::GenSpec;
use casebench::engine::replay::replay;
use casebench::engine::Engine;
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

/// The stored item as replay sees it (without its timers).
fn comparable(item: &WorkItem) -> WorkItem {
    WorkItem {
        timers: vec![],
        ..item.clone()
    }
}

/// Replays every case of `engine`'s store and compares it with what is stored; returns
/// how many cases were compared.
fn check_all(engine: &Engine, at: DateTime<Utc>) -> usize {
    let store = engine.inspect();
    let cases = store.all_cases().unwrap();
    let mut failures = vec![];
    for case in &cases {
        let events = store.case_events(case.id).unwrap();
        let Some(r) = replay(case.id, &events, at) else {
            failures.push(format!("{}: no CaseCreated", case.id));
            continue;
        };
        if &r.case != case {
            failures.push(format!(
                "{}:\n stored {case:?}\n replay {:?}",
                case.id, r.case
            ));
        }
        for wid in &case.work_items {
            let stored = comparable(&store.work_item(*wid).unwrap().unwrap());
            match r.item(*wid) {
                Some(got) if *got == stored => {}
                got => failures.push(format!(
                    "{} {wid}:\n stored {stored:?}\n replay {got:?}",
                    case.id
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ; first ones:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(3)].join("\n")
    );
    cases.len()
}

#[test]
fn every_demo_case_replays_to_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let e = casebench::demo::build(&store, &dir.path().join("exports"), now()).unwrap();
    assert!(check_all(&e, now()) > 10);
}

#[test]
fn every_generated_case_replays_to_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gen");
    let spec = GenSpec {
        cases: 20_000,
        open_ratio: 0.3,
        users: 200,
        groups: 20,
        due_now: 50,
        seed: 14,
        span_days: 90,
        archive_before: None,
    };
    Engine::generate(&path, now(), &spec).unwrap();
    let clock = std::sync::Arc::new(casebench::engine::ManualClock::new(now()));
    let e = Engine::open(&path, clock).unwrap();
    assert_eq!(check_all(&e, now()), 20_000);
}

#[test]
fn before_creation_there_is_no_case() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let e = casebench::demo::build(&store, &dir.path().join("exports"), now()).unwrap();
    let first = CaseId(1);
    let events = e.inspect().case_events(first).unwrap();
    let created = events.iter().map(|e| e.time).min().unwrap();
    assert!(replay(first, &events, created - chrono::Duration::seconds(1)).is_none());
    assert!(replay(first, &events, created).is_some());
}
