//! What one escalating firing records (issue 17: fewer writes per firing): one escalation
//! event carrying the new level's deadline and naming the policy and rule that fired, no
//! `TimerFired` beside it and no separate `DeadlineSet`; replaying the history rebuilds the
//! work item the sweep left.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{Command, NewCase, Service, SweepArgs, UserRecord};
use casebench::domain::{CaseKind, EventKind, Target};
use casebench::engine::{replay::replay, Engine, ManualClock};
use casebench::import::parse_policies_toml;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn user(line: u64, login: &str, manager: Option<&str>) -> UserRecord {
    UserRecord {
        line,
        login: login.into(),
        name: login.to_uppercase(),
        email: format!("{login}@example.com"),
        manager: manager.map(String::from),
        groups: vec![],
        calendar: None,
    }
}

const POLICY: &str = r#"
[[policy]]
name = "up"
level_deadline = "1d"
[[policy.rule]]
after_deadline = "0m"
escalate = "manager"
"#;

/// A store with ceo ← boss ← alice and `policies` imported, on a clock at `t0`.
fn world(policies: &str) -> (tempfile::TempDir, Arc<ManualClock>, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let engine = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let users = vec![
        user(2, "ceo", None),
        user(3, "boss", Some("ceo")),
        user(4, "alice", Some("boss")),
    ];
    engine
        .execute("root", Command::ImportUsers { users })
        .unwrap();
    let policies = parse_policies_toml("p.toml", policies).unwrap();
    engine
        .execute("root", Command::ImportPolicies { policies })
        .unwrap();
    (dir, clock, engine)
}

/// Alice's approval case under `policy`, due two hours after `t0`.
fn new_case(engine: &Engine, title: String, policy: &str) -> casebench::domain::CaseId {
    let new = NewCase {
        kind: CaseKind::Approval,
        title,
        description: None,
        resource: None,
        object: None,
        target: Target::User("alice".into()),
        deadline: Some(t0() + Duration::hours(2)),
        deadline_in: None,
        policy: Some(policy.into()),
    };
    let applied = engine.execute("alice", Command::CreateCase(new)).unwrap();
    applied.case.unwrap()
}

#[test]
fn an_escalating_firing_is_one_event_and_replays_exactly() {
    let (_dir, clock, engine) = world(POLICY);
    let case = new_case(&engine, "approve".into(), "up");
    let before = engine.inspect().case_events(case).unwrap().len();
    // alice → boss at +2h, the new level due a day later.
    let at = t0() + Duration::hours(3);
    clock.set(at);
    let fired = engine.sweep("root", SweepArgs::at(at)).unwrap().fired;
    assert_eq!(fired.len(), 1, "{fired:?}");
    let events = engine.inspect().case_events(case).unwrap();
    let new = &events[before..];
    assert_eq!(new.len(), 1, "one event per firing: {new:?}");
    assert_eq!(new[0].what.fired_by(), Some(("up", 0)));
    let c = engine.inspect().case(case).unwrap().unwrap();
    let item = engine
        .inspect()
        .work_item(c.work_items[0])
        .unwrap()
        .unwrap();
    assert_eq!(item.assignees, vec!["boss".to_string()]);
    assert_eq!(item.escalation_level, 1);
    let last = new.iter().rev().find_map(|e| match &e.what {
        EventKind::EscalatedByRule {
            to,
            level,
            deadline,
            ..
        } => Some((to.clone(), *level, *deadline)),
        _ => None,
    });
    assert_eq!(last, Some((Target::User("boss".into()), 1, item.deadline)));
    assert_eq!(item.deadline, Some(t0() + Duration::hours(26)));
    let rebuilt = replay(case, &events, at).unwrap();
    let r = &rebuilt.items[0];
    assert_eq!(
        (&r.assignees, r.escalation_level, r.deadline, r.level_start),
        (
            &item.assignees,
            item.escalation_level,
            item.deadline,
            item.level_start
        )
    );
}

/// A sweep of more firings than one batch holds (256) goes on numbering events and messages
/// where the batch before left off: no number is taken twice, and `check` is clean.
#[test]
fn a_sweep_over_several_batches_numbers_every_event_once() {
    // Escalate at the deadline, and tell the holders: events and messages per firing.
    let policy = format!(
        "{POLICY}\n[[policy]]\nname = \"tell\"\n[[policy.rule]]\nafter = \"1h\"\nnotify = [\"assignees\"]\n"
    );
    let (_dir, clock, engine) = world(&policy);
    for n in 0..600 {
        let policy = if n % 2 == 0 { "up" } else { "tell" };
        new_case(&engine, format!("approve {n}"), policy);
    }
    let at = t0() + Duration::hours(3);
    clock.set(at);
    let fired = engine.sweep("root", SweepArgs::at(at)).unwrap().fired;
    assert_eq!(fired.len(), 600, "more than two batches");
    let events = engine.inspect().all_events().unwrap();
    let seqs: std::collections::BTreeSet<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len(), events.len(), "an event number taken twice");
    assert_eq!(engine.check().unwrap(), Vec::<String>::new());
}
