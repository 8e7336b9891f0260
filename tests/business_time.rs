//! Business durations (`bd`, `bh`) in escalation policies, through the engine with a
//! simulated clock: counted in the holder's calendar across weekends, holidays and the DST
//! change, and refused where no calendar applies.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Prague;

use casebench::api::{Command, NewCase, Service, SweepArgs};
use casebench::domain::{CaseId, CaseKind, Target, WorkItem};
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::import::{parse_calendars_toml, parse_policies_toml, parse_users_csv};

const CALENDARS: &str = r#"
default = "office"

[[calendar]]
name = "office"
zone = "Europe/Prague"
hours = { mon-fri = ["08:00-17:00"] }
holidays = ["12-24", "12-25"]

[[calendar]]
name = "utc"
zone = "UTC"
hours = { mon-fri = ["08:00-12:00"] }
"#;

const USERS: &str = "login,name,email,manager,groups,calendar
ceo,Ceo,,,,utc
boss,Boss,,ceo,sec,
alice,Alice,,boss,ops,office
";

const POLICIES: &str = r#"
[[policy]]
name = "bd"
level_deadline = "1bd"

[[policy.rule]]
after_deadline = "0m"
levels = [0, 1]
escalate = "manager"

[[policy]]
name = "bh"

[[policy.rule]]
after = "4bh"
notify = ["assignees"]
"#;

/// A local time in Prague.
fn prague(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    let t = NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap();
    Prague
        .from_local_datetime(&t)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

struct World {
    _dir: tempfile::TempDir,
    engine: Engine,
    clock: Arc<ManualClock>,
}

fn world(start: DateTime<Utc>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let engine = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let cal = parse_calendars_toml("c.toml", CALENDARS).unwrap();
    let imports = [
        Command::ImportCalendars {
            calendars: cal.calendars,
            default: cal.default,
        },
        Command::ImportUsers {
            users: parse_users_csv("u.csv", USERS.as_bytes()).unwrap(),
        },
        Command::ImportPolicies {
            policies: parse_policies_toml("p.toml", POLICIES).unwrap(),
        },
    ];
    for c in imports {
        engine.execute("root", c).unwrap();
    }
    let _dir = dir;
    World {
        _dir,
        engine,
        clock,
    }
}

impl World {
    fn new_case(&self, policy: &str, deadline: Option<DateTime<Utc>>) -> CaseId {
        self.engine
            .execute(
                "root",
                Command::CreateCase(NewCase {
                    kind: CaseKind::Approval,
                    title: "approve".into(),
                    description: None,
                    resource: None,
                    object: None,
                    target: "alice".parse::<Target>().unwrap(),
                    deadline,
                    deadline_in: None,
                    policy: Some(policy.into()),
                }),
            )
            .unwrap()
            .case
            .unwrap()
    }

    /// The case's (only) work item.
    fn item(&self, case: CaseId) -> WorkItem {
        let store = self.engine.inspect();
        let first = store.case(case).unwrap().unwrap().work_items[0];
        store.work_item(first).unwrap().unwrap()
    }

    /// What a sweep at `at` fired (the clock moved there first).
    fn sweep(&self, at: DateTime<Utc>) -> Vec<String> {
        self.clock.set(at.max(self.clock.now()));
        let report = self.engine.sweep("root", SweepArgs::at(at)).unwrap();
        report.fired.iter().map(|f| f.action.clone()).collect()
    }
}

/// Escalated at `deadline` (alice → boss, who has no calendar of his own: the default
/// counts), the new level's deadline is `expected`.
fn level_deadline_after(deadline: DateTime<Utc>, expected: DateTime<Utc>) {
    let w = world(deadline - chrono::Duration::hours(1));
    let case = w.new_case("bd", Some(deadline));
    assert_eq!(w.sweep(deadline), vec!["escalated W-1 to boss (level 1)"]);
    let item = w.item(case);
    assert_eq!(item.assignees, vec!["boss".to_string()]);
    assert_eq!(item.deadline, Some(expected));
}

#[test]
fn friday_16_00_plus_1bd_is_monday_16_00() {
    // 2026-11-06 is a Friday.
    level_deadline_after(prague(2026, 11, 6, 16), prague(2026, 11, 9, 16));
}

#[test]
fn holidays_are_skipped() {
    // Wednesday 23 December: the 24th and 25th are holidays, then the weekend.
    level_deadline_after(prague(2026, 12, 23, 16), prague(2026, 12, 28, 16));
}

#[test]
fn a_deadline_across_the_dst_change_keeps_the_local_time() {
    // Summer time ends on Sunday 25 October 2026: Friday 16:00 CEST + 1bd is Monday 16:00
    // CET, 73 hours later, not 72.
    let from = prague(2026, 10, 23, 16);
    let to = prague(2026, 10, 26, 16);
    assert_eq!((to - from).num_hours(), 73);
    level_deadline_after(from, to);
}

#[test]
fn the_new_holders_own_calendar_counts() {
    // Level 1 (boss) escalates to the ceo, whose calendar is in UTC.
    let w = world(prague(2026, 11, 6, 15));
    let case = w.new_case("bd", Some(prague(2026, 11, 6, 16)));
    w.sweep(prague(2026, 11, 6, 16));
    // Boss's deadline: Monday 16:00 Prague (15:00 UTC); the ceo's mornings-only UTC
    // calendar counts from its close at 12:00, so Tuesday 12:00 UTC (the default calendar
    // would give Tuesday 16:00 Prague, 15:00 UTC).
    let monday = prague(2026, 11, 9, 16);
    assert_eq!(w.sweep(monday), vec!["escalated W-1 to ceo (level 2)"]);
    let item = w.item(case);
    assert_eq!(
        item.deadline,
        Some(Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap())
    );
}

#[test]
fn a_rule_in_business_hours_fires_at_the_right_sweep() {
    // Created Friday 15:00: two working hours that day, two more on Monday → 10:00.
    let w = world(prague(2026, 11, 6, 15));
    let case = w.new_case("bh", None);
    let due = prague(2026, 11, 9, 10);
    assert_eq!(w.item(case).timers[0].due, due);
    assert!(w.sweep(prague(2026, 11, 7, 12)).is_empty());
    assert!(w.sweep(due - chrono::Duration::minutes(1)).is_empty());
    assert_eq!(w.sweep(due), vec!["notified alice"]);
}

#[test]
fn a_business_duration_without_a_calendar_is_refused_at_import() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(prague(2026, 11, 6, 15)));
    let engine = Engine::init(&dir.path().join("s"), clock, "root", &[]).unwrap();
    let policies = parse_policies_toml("p.toml", POLICIES).unwrap();
    let e = engine
        .execute("root", Command::ImportPolicies { policies })
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("policy \"bd\": 1bd needs a working-time calendar: import calendars first"),
        "{e}"
    );
    assert!(engine.inspect().policy("bd").unwrap().is_none());
}
