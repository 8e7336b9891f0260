//! `report kpi` through the engine on a simulated clock, with known lead times and breaches:
//! four requests approved after 1h, 5h, 9h and (on timeout) 48h; three manual cases closed
//! 3h (before the deadline), 30h and 48h (after it) after they opened, one escalated; one
//! case still open past its deadline. The report gives exactly those numbers, wall-clock and
//! in the default calendar (UTC, Mon–Fri 08:00–17:00).

use casebench::domain::duration::Span;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use casebench::api::{
    Answer, Command, KpiArgs, KpiFigure, KpiGroup, KpiReport, NewCase, Query, Service, SweepArgs,
    UserRecord,
};
use casebench::domain::approval::{Approvers, Level, NoApprover, OnTimeout, SelfApproval, Step};
use casebench::domain::{ApprovalPolicy, Calendar, CaseId, CaseKind, Outcome, Product, Target};
use casebench::engine::{Engine, ManualClock};

/// Tuesday 2026-12-01 09:00 UTC.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn h(n: i64) -> i64 {
    n * 3600
}

struct World {
    e: Engine,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl World {
    fn at(&self, hours: i64) {
        self.clock.set(t0() + Duration::hours(hours));
    }

    fn case(&self, title: &str) -> CaseId {
        let new = NewCase {
            kind: CaseKind::Generic,
            title: title.into(),
            description: None,
            resource: Some("ldap".into()),
            object: None,
            target: Target::User("carol".into()),
            deadline: Some(t0() + Duration::days(1)),
            deadline_in: None,
            policy: None,
        };
        self.e
            .execute("root", Command::CreateCase(new))
            .unwrap()
            .case
            .unwrap()
    }

    fn complete(&self, case: CaseId) {
        let c = Command::Complete {
            case,
            work_item: None,
            outcome: Outcome::Approved,
            comment: None,
        };
        self.e.execute("carol", c).unwrap();
    }

    fn report(&self, by: Option<KpiGroup>) -> KpiReport {
        let args = KpiArgs {
            since: t0() - Duration::hours(1),
            until: t0() + Duration::days(10),
            by,
        };
        match self.e.query("root", Query::KpiReport(args)).unwrap() {
            Answer::KpiReport(r) => r,
            other => panic!("{other:?}"),
        }
    }
}

fn users() -> Vec<UserRecord> {
    let people: [(&str, Option<&str>); 7] = [
        ("ann", None),
        ("bob", Some("ann")),
        ("cid", Some("ann")),
        ("dan", Some("ann")),
        ("eve", Some("ann")),
        ("carol", None),
        ("dave", None),
    ];
    people
        .iter()
        .enumerate()
        .map(|(i, (l, m))| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: format!("{l}@example.org"),
            manager: m.map(String::from),
            groups: vec!["staff".into()],
            calendar: None,
        })
        .collect()
}

fn office() -> Calendar {
    let day = vec![(
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    )];
    Calendar {
        name: "office".into(),
        zone: "UTC".into(),
        week: [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
        holidays: vec![],
    }
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    e.execute("root", Command::ImportUsers { users: users() })
        .unwrap();
    e.execute(
        "root",
        Command::ImportCalendars {
            calendars: vec![office()],
            default: Some("office".into()),
        },
    )
    .unwrap();
    let mut p = Product::plain("vpn");
    p.multi_request = true;
    p.policy = Some("manager".into());
    let policy = ApprovalPolicy {
        calendar: None,
        name: "manager".into(),
        chief: None,
        levels: vec![Level {
            steps: vec![Step {
                name: "manager".into(),
                approvers: Approvers::Manager,
                count: 1,
                reminder: None,
                timeout: Some(Span::Wall(2 * 86_400)),
                on_timeout: OnTimeout::Approve,
                no_approver: NoApprover::Abort,
                self_approval: SelfApproval::Skipped,
            }],
        }],
    };
    e.execute(
        "root",
        Command::ImportProducts {
            products: vec![p],
            policies: vec![policy],
        },
    )
    .unwrap();
    World {
        e,
        clock,
        _dir: dir,
    }
}

/// The known history: see the file's head.
fn history() -> World {
    let w = world();
    let mut requests = vec![];
    for who in ["bob", "cid", "dan", "eve"] {
        let r = Command::RequestAccess {
            product: "vpn".into(),
            recipient: Some(who.into()),
            valid_from: None,
            valid_until: None,
            notice_secs: None,
            reason: None,
        };
        requests.push(w.e.execute(who, r).unwrap().request.unwrap());
    }
    let cases: Vec<CaseId> = ["slow", "late", "quick", "forgotten"]
        .iter()
        .map(|t| w.case(t))
        .collect();
    for (hours, r) in [(1, requests[0]), (5, requests[1]), (9, requests[2])] {
        w.at(hours);
        let d = Command::Decide {
            request: r,
            work_item: None,
            approve: true,
            comment: None,
        };
        w.e.execute("ann", d).unwrap();
    }
    w.at(2);
    let c = Command::Comment {
        case: cases[0],
        text: "looking".into(),
    };
    w.e.execute("carol", c).unwrap();
    w.at(3);
    w.complete(cases[2]);
    w.at(25);
    let esc = Command::Escalate {
        case: cases[0],
        work_item: None,
        to: Some(Target::User("carol".into())),
        comment: None,
    };
    w.e.execute("root", esc).unwrap();
    w.at(30);
    w.complete(cases[1]);
    w.at(48);
    w.e.sweep("root", SweepArgs::at(t0() + Duration::hours(48)))
        .unwrap();
    w.complete(cases[0]);
    w
}

fn figure<'a>(r: &'a KpiReport, group: &str, figure: &str) -> &'a KpiFigure {
    r.groups
        .iter()
        .find(|g| g.group == group)
        .unwrap_or_else(|| panic!("no group {group}: {r:#?}"))
        .figures
        .iter()
        .find(|f| f.figure == figure)
        .unwrap_or_else(|| panic!("no {figure} in {group}: {r:#?}"))
}

fn wall(f: &KpiFigure) -> (usize, i64, i64) {
    let p = f.wall.unwrap();
    (f.count, p.p50, p.p90)
}

fn working(f: &KpiFigure) -> (i64, i64) {
    let p = f.working.unwrap();
    (p.p50, p.p90)
}

#[test]
fn the_report_gives_the_known_lead_times_breaches_and_counts() {
    let w = history();
    let r = w.report(None);
    assert_eq!(r.calendar.as_deref(), Some("office"));
    let approval = figure(&r, "all", "approval-lead");
    // 1h, 5h, 9h, 48h; in working time 1h, 5h, 8h, 18h (Tue 8h + Wed 9h + Thu 1h).
    assert_eq!(wall(approval), (4, h(5), h(48)));
    assert_eq!(working(approval), (h(5), h(18)));
    let generic = figure(&r, "all", "case-lead/generic");
    // 3h, 30h, 48h; working 3h, 15h, 18h.
    assert_eq!(wall(generic), (3, h(30), h(48)));
    assert_eq!(working(generic), (h(15), h(18)));
    assert_eq!(figure(&r, "all", "case-lead/approval").count, 4);
    assert_eq!(figure(&r, "all", "escalations").count, 1);
    assert_eq!(figure(&r, "all", "auto-decisions").count, 1);
    // late and slow done after the deadline, forgotten still open past it.
    assert_eq!(figure(&r, "all", "sla-breaches").count, 3);
    let worst: Vec<(String, u32, bool)> = r
        .worst
        .iter()
        .take(3)
        .map(|o| (o.title.clone(), o.breaches, o.open))
        .collect();
    assert_eq!(
        worst,
        vec![
            ("forgotten".to_string(), 1, true),
            ("slow".to_string(), 1, false),
            ("late".to_string(), 1, false)
        ]
    );
}

#[test]
fn each_grouping_splits_the_same_numbers() {
    let w = history();
    let kind = w.report(Some(KpiGroup::Kind));
    let first = figure(&kind, "generic", "first-action");
    // slow: a comment after 2h; quick: done after 3h; late: done after 30h.
    assert_eq!(wall(first), (3, h(3), h(30)));
    assert_eq!(figure(&kind, "generic", "sla-breaches").count, 3);
    assert_eq!(wall(figure(&kind, "request", "approval-lead")).0, 4);
    let approver = w.report(Some(KpiGroup::Approver));
    assert_eq!(
        wall(figure(&approver, "ann", "approval-lead")),
        (3, h(5), h(9))
    );
    assert_eq!(figure(&approver, "timeout", "auto-decisions").count, 1);
    assert_eq!(figure(&approver, "carol", "sla-breaches").count, 2);
    let product = w.report(Some(KpiGroup::Product));
    assert_eq!(wall(figure(&product, "vpn", "approval-lead")).0, 4);
    assert_eq!(figure(&product, "vpn", "case-lead/approval").count, 4);
    let resource = w.report(Some(KpiGroup::Resource));
    assert_eq!(wall(figure(&resource, "ldap", "case-lead/generic")).0, 3);
    assert_eq!(figure(&resource, "ldap", "sla-breaches").count, 3);
    let week = w.report(Some(KpiGroup::Week));
    // Requests by their creation week, closed cases by their closing week (all 2026-W49);
    // the open case by the week the period ends in.
    assert_eq!(wall(figure(&week, "2026-W49", "approval-lead")).0, 4);
    assert_eq!(figure(&week, "2026-W49", "sla-breaches").count, 2);
    assert_eq!(figure(&week, "2026-W50", "sla-breaches").count, 1);
    let group = w.report(Some(KpiGroup::Group));
    let total: usize = group
        .groups
        .iter()
        .flat_map(|g| &g.figures)
        .filter(|f| f.figure == "sla-breaches")
        .map(|f| f.count)
        .sum();
    assert_eq!(total, 3);
}

#[test]
fn a_period_outside_the_history_is_empty_and_an_empty_period_is_refused() {
    let w = history();
    let args = KpiArgs {
        since: t0() - Duration::days(30),
        until: t0() - Duration::days(1),
        by: None,
    };
    let Answer::KpiReport(r) = w.e.query("root", Query::KpiReport(args)).unwrap() else {
        panic!()
    };
    assert!(r.groups.is_empty() && r.worst.is_empty(), "{r:#?}");
    let args = KpiArgs {
        since: t0(),
        until: t0(),
        by: None,
    };
    let e = w.e.query("root", Query::KpiReport(args)).unwrap_err();
    assert!(e.to_string().contains("the period is empty"), "{e}");
}

#[test]
fn figures_are_settled_when_a_case_closes_and_a_late_comment_changes_nothing() {
    let w = history();
    // "dropped" is cancelled with nobody's action before: a comment after that is not its
    // first action, and the settled facts still agree with the records (`check`).
    w.at(50);
    let new = NewCase {
        kind: CaseKind::Generic,
        title: "dropped".into(),
        description: None,
        resource: Some("ldap".into()),
        object: None,
        target: Target::User("carol".into()),
        deadline: None,
        deadline_in: None,
        policy: None,
    };
    let dropped = w.e.execute("root", Command::CreateCase(new)).unwrap();
    let dropped = dropped.case.unwrap();
    let cancel = Command::Cancel {
        case: dropped,
        comment: None,
    };
    w.e.execute("root", cancel).unwrap();
    let before = w.report(None);
    assert_eq!(
        figure(&before, "all", "first-action").count,
        6,
        "{before:?}"
    );
    w.at(60);
    let c = Command::Comment {
        case: dropped,
        text: "for the record".into(),
    };
    w.e.execute("carol", c).unwrap();
    assert_eq!(w.report(None), before);
    assert_eq!(w.e.check().unwrap(), Vec::<String>::new());
}
