//! The timer engine through `Service::sweep`: every action kind, level-by-level escalation
//! over a simulated week, idempotence, dry runs, and notification delivery.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{Command, NewCase, Service, SweepArgs, UserRecord};
use casebench::domain::{CaseId, CaseKind, CaseState, EventKind, Outcome, Target, WorkItemId};
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::import::parse_policies_toml;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn user(line: u64, login: &str, manager: Option<&str>, groups: &[&str]) -> UserRecord {
    UserRecord {
        line,
        login: login.into(),
        name: login.to_uppercase(),
        email: format!("{login}@example.com"),
        manager: manager.map(String::from),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        calendar: None,
    }
}

struct World {
    _dir: tempfile::TempDir,
    engine: Engine,
    clock: Arc<ManualClock>,
}

fn world(policies: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let engine = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    engine
        .execute(
            "root",
            Command::ImportUsers {
                users: vec![
                    user(2, "ceo", None, &[]),
                    user(3, "boss", Some("ceo"), &["sec"]),
                    user(4, "alice", Some("boss"), &["ops"]),
                    user(5, "bob", Some("boss"), &["ops"]),
                ],
            },
        )
        .unwrap();
    let policies = parse_policies_toml("p.toml", policies).unwrap();
    engine
        .execute("root", Command::ImportPolicies { policies })
        .unwrap();
    World {
        _dir: dir,
        engine,
        clock,
    }
}

impl World {
    fn new_case(&self, by: &str, target: &str, policy: &str, deadline: Option<Duration>) -> CaseId {
        self.engine
            .execute(
                by,
                Command::CreateCase(NewCase {
                    kind: CaseKind::Approval,
                    title: "approve".into(),
                    description: None,
                    resource: None,
                    object: None,
                    target: target.parse::<Target>().unwrap(),
                    deadline: deadline.map(|d| self.clock.now() + d),
                    deadline_in: None,
                    policy: Some(policy.into()),
                }),
            )
            .unwrap()
            .case
            .unwrap()
    }

    fn item(&self, case: CaseId) -> casebench::domain::WorkItem {
        let c = self.engine.inspect().case(case).unwrap().unwrap();
        self.engine
            .inspect()
            .work_item(c.work_items[0])
            .unwrap()
            .unwrap()
    }

    fn sweep(&self, at: DateTime<Utc>) -> Vec<String> {
        // A sweep fires at the clock, never later.
        self.clock.set(self.clock.now().max(at));
        self.engine
            .sweep("root", SweepArgs::at(at))
            .unwrap()
            .fired
            .into_iter()
            .map(|f| f.action)
            .collect()
    }
}

const THREE_LEVELS: &str = r#"
[[policy]]
name = "p"
level_deadline = "1d"

[[policy.rule]]
before_deadline = "4h"
levels = [0, 1, 2]
notify = ["assignees"]

[[policy.rule]]
after_deadline = "0m"
levels = [0, 1]
escalate = "manager"

[[policy.rule]]
after_deadline = "0m"
levels = [2]
complete = "reject"
"#;

#[test]
fn three_levels_over_a_week_hour_by_hour() {
    let w = world(THREE_LEVELS);
    // ceo has no manager: level 2 is reached through escalate-to-manager twice:
    // alice -> boss -> ceo, then auto-reject at the level-2 deadline.
    let case = w.new_case("alice", "alice", "p", Some(Duration::days(1)));
    let mut log = vec![];
    for h in 1..=24 * 7 {
        let at = t0() + Duration::hours(h);
        w.clock.set(at);
        for a in w.sweep(at) {
            log.push(format!("+{h}h {a}"));
        }
    }
    assert_eq!(
        log,
        vec![
            "+20h notified alice",
            "+24h escalated W-1 to boss (level 1)",
            "+44h notified boss",
            "+48h escalated W-1 to ceo (level 2)",
            "+68h notified ceo",
            "+72h completed W-1 as rejected",
        ]
    );
    let c = w.engine.inspect().case(case).unwrap().unwrap();
    assert_eq!(c.state, CaseState::Closed);
    assert_eq!(c.outcome, Some(Outcome::Rejected));
    let item = w.item(case);
    assert_eq!(item.escalation_level, 2);
    assert_eq!(item.original_assignee.as_deref(), Some("alice"));
    assert!(item.timers.is_empty());
    assert_eq!(w.engine.inspect().due_count(), 0);
    // Three notifications queued, one per reminder.
    let outbox = w.engine.inspect().notifications(true, 10).unwrap();
    let mut to: Vec<_> = outbox.iter().map(|n| n.to.as_str()).collect();
    to.sort();
    assert_eq!(to, vec!["alice", "boss", "ceo"]);
}

#[test]
fn one_late_sweep_fires_the_same_in_order() {
    let w = world(THREE_LEVELS);
    w.new_case("alice", "alice", "p", Some(Duration::days(1)));
    let late = t0() + Duration::days(10);
    w.clock.set(late);
    let fired = w.engine.sweep("root", SweepArgs::at(late)).unwrap().fired;
    let dues: Vec<_> = fired.iter().map(|f| (f.due - t0()).num_hours()).collect();
    assert_eq!(dues, vec![20, 24, 44, 48, 68, 72]);
    // Events carry the time the timer was due, not the time of the sweep.
    let events = w.engine.inspect().case_events(CaseId(1)).unwrap();
    // One event per firing: a reminder's `TimerFired`, an escalation's own event.
    let fired_events: Vec<_> = events
        .iter()
        .filter(|e| e.what.fired_by().is_some())
        .map(|e| (e.time - t0()).num_hours())
        .collect();
    assert_eq!(fired_events, dues);
}

#[test]
fn sweeping_twice_fires_nothing_the_second_time() {
    let w = world(THREE_LEVELS);
    w.new_case("alice", "alice", "p", Some(Duration::days(1)));
    let at = t0() + Duration::hours(30);
    assert_eq!(w.sweep(at).len(), 2);
    let events = w.engine.inspect().event_count();
    assert!(w.sweep(at).is_empty());
    assert_eq!(w.engine.inspect().event_count(), events);
}

#[test]
fn dry_run_and_until_change_nothing() {
    let w = world(THREE_LEVELS);
    w.new_case("alice", "alice", "p", Some(Duration::days(1)));
    let before = (
        w.engine.inspect().event_count(),
        w.engine.inspect().all_work_items().unwrap(),
        w.engine.inspect().due_count(),
    );
    let now = t0();
    let preview = w
        .engine
        .sweep("root", SweepArgs::preview(now, now + Duration::days(7)))
        .unwrap();
    assert!(preview.dry_run);
    assert_eq!(
        preview.fired.len(),
        6,
        "the preview follows the escalations"
    );
    let dry = w
        .engine
        .sweep(
            "root",
            SweepArgs::preview(now + Duration::hours(25), now + Duration::hours(25)),
        )
        .unwrap();
    assert_eq!(dry.fired.len(), 2);
    let after = (
        w.engine.inspect().event_count(),
        w.engine.inspect().all_work_items().unwrap(),
        w.engine.inspect().due_count(),
    );
    assert_eq!(before, after);
}

#[test]
fn completing_the_item_cancels_its_timers() {
    let w = world(THREE_LEVELS);
    let case = w.new_case("alice", "alice", "p", Some(Duration::days(1)));
    assert_eq!(w.engine.inspect().due_count(), 2);
    w.engine
        .execute(
            "alice",
            Command::Complete {
                case,
                work_item: None,
                outcome: Outcome::Approved,
                comment: None,
            },
        )
        .unwrap();
    assert_eq!(w.engine.inspect().due_count(), 0);
    assert!(w.sweep(t0() + Duration::days(9)).is_empty());
}

#[test]
fn delegate_add_and_replace_keep_the_original_assignee() {
    let w = world(
        r#"
[[policy]]
name = "d"
[[policy.rule]]
after = "1h"
delegate = "bob"
method = "add"
[[policy.rule]]
after = "2h"
delegate = "@sec"
"#,
    );
    let case = w.new_case("alice", "alice", "d", None);
    assert_eq!(
        w.sweep(t0() + Duration::hours(1)),
        vec!["delegated W-1 to bob"]
    );
    assert_eq!(w.item(case).assignees, vec!["alice", "bob"]);
    assert_eq!(
        w.sweep(t0() + Duration::hours(2)),
        vec!["delegated W-1 to @sec"]
    );
    let item = w.item(case);
    assert!(item.assignees.is_empty());
    assert_eq!(item.candidates, vec!["sec"]);
    assert_eq!(item.original_assignee.as_deref(), Some("alice"));
    // Every firing is an audit event naming policy and rule.
    let fired: Vec<_> = w
        .engine
        .inspect()
        .case_events(case)
        .unwrap()
        .into_iter()
        .filter_map(|e| e.what.fired_by().map(|(p, r)| (p.to_string(), r)))
        .collect();
    assert_eq!(fired, vec![("d".to_string(), 0), ("d".to_string(), 1)]);
    // A delegation is the firing's one event: no `TimerFired` beside it.
    let timer_fired = w
        .engine
        .inspect()
        .case_events(case)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.what, EventKind::TimerFired { .. }))
        .count();
    assert_eq!(timer_fired, 0);
}

#[test]
fn escalate_to_a_group_or_user_and_at_the_same_instant_notify_first() {
    let w = world(
        r#"
[[policy]]
name = "e"
[[policy.rule]]
after = "1h"
escalate = "@sec"
[[policy.rule]]
after = "1h"
notify = ["requester", "managers"]
[[policy.rule]]
after = "1h"
levels = [1]
escalate = "ceo"
"#,
    );
    let case = w.new_case("bob", "alice", "e", None);
    assert_eq!(
        w.sweep(t0() + Duration::hours(1)),
        vec!["notified bob, boss", "escalated W-1 to @sec (level 1)"]
    );
    assert_eq!(w.item(case).candidates, vec!["sec"]);
    assert_eq!(
        w.sweep(t0() + Duration::hours(2)),
        vec!["escalated W-1 to ceo (level 2)"]
    );
    assert_eq!(w.item(case).assignees, vec!["ceo"]);
}

#[test]
fn complete_approve_and_abort() {
    let w = world(
        r#"
[[policy]]
name = "ok"
deadline = "1d"
[[policy.rule]]
after_deadline = "0m"
complete = "approve"
notify_before = "2h"

[[policy]]
name = "abort"
[[policy.rule]]
after = "3d"
complete = "abort"
"#,
    );
    let a = w.new_case("bob", "alice", "ok", None);
    let b = w.new_case("bob", "@ops", "abort", None);
    assert_eq!(
        w.sweep(t0() + Duration::days(1)),
        vec!["reminded alice", "completed W-1 as approved"]
    );
    let ca = w.engine.inspect().case(a).unwrap().unwrap();
    assert_eq!(
        (ca.state, ca.outcome),
        (CaseState::Closed, Some(Outcome::Approved))
    );
    assert_eq!(
        w.item(a).comment.as_deref(),
        Some("automatically approved by policy ok: no decision in time")
    );
    assert_eq!(w.sweep(t0() + Duration::days(3)), vec!["aborted C-2"]);
    let cb = w.engine.inspect().case(b).unwrap().unwrap();
    assert_eq!(cb.state, CaseState::Cancelled);
    assert!(!w.item(b).is_open());
}

#[test]
fn escalation_by_hand_moves_to_the_next_level_timers() {
    let w = world(THREE_LEVELS);
    let case = w.new_case("alice", "alice", "p", Some(Duration::days(1)));
    w.clock.set(t0() + Duration::hours(2));
    w.engine
        .execute(
            "alice",
            Command::Escalate {
                case,
                work_item: Some(WorkItemId(1)),
                to: None,
                comment: Some("out of office".into()),
            },
        )
        .unwrap();
    let item = w.item(case);
    assert_eq!(item.escalation_level, 1);
    assert_eq!(item.assignees, vec!["boss"]);
    assert_eq!(item.deadline, Some(t0() + Duration::hours(26)));
    let fired = w.sweep(t0() + Duration::hours(26));
    assert_eq!(
        fired,
        vec!["notified boss", "escalated W-1 to ceo (level 2)"]
    );
}

#[test]
fn delivery_marks_sent_once_and_retries_failures() {
    let mut w = world(
        r#"
[[policy]]
name = "n"
[[policy.rule]]
after = "1h"
notify = ["assignees"]
"#,
    );
    w.new_case("bob", "alice", "n", None);
    w.new_case("bob", "bob", "n", None);
    let spool = w._dir.path().join("spool");
    // Fails for bob, works for alice.
    let cmd = format!(
        "if [ \"$CASEBENCH_TO\" = bob ]; then echo 'relay down' >&2; exit 1; fi; cat >> {}",
        spool.display()
    );
    w.engine.set_notify_command(Some(cmd));
    let at = t0() + Duration::hours(1);
    w.clock.set(at);
    let r = w.engine.sweep("root", SweepArgs::at(at)).unwrap();
    assert_eq!((r.delivered, r.delivery_failures), (1, 1));
    let mail = std::fs::read_to_string(&spool).unwrap();
    assert!(mail.contains("To: alice@example.com"), "{mail}");
    let unsent = w.engine.inspect().notifications(true, 10).unwrap();
    assert_eq!(unsent.len(), 1);
    assert_eq!(unsent[0].to, "bob");
    assert_eq!(unsent[0].attempts, 1);
    assert!(unsent[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("relay down"));
    // Next sweep: bob retried (fails again), alice not resent.
    let r = w.engine.sweep("root", SweepArgs::at(at)).unwrap();
    assert_eq!((r.delivered, r.delivery_failures), (0, 1));
    assert_eq!(std::fs::read_to_string(&spool).unwrap(), mail);
    // The relay comes back.
    w.engine
        .set_notify_command(Some(format!("cat >> {}", spool.display())));
    let r = w.engine.sweep("root", SweepArgs::at(at)).unwrap();
    assert_eq!((r.delivered, r.delivery_failures), (1, 0));
    assert!(w
        .engine
        .inspect()
        .notifications(true, 10)
        .unwrap()
        .is_empty());
    let sent: Vec<_> = w.engine.inspect().notifications(false, 10).unwrap();
    assert!(sent.iter().all(|n| n.sent.is_some()));
    assert_eq!(sent.iter().find(|n| n.to == "bob").unwrap().attempts, 3);
}
