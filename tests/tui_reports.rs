//! The TUI's Reports view on a store built through the engine on a simulated clock, with
//! known lead times and breaches: snapshots at 80×24 and 120×40 (the clock pinned, times in
//! UTC), and the keys: open it from the inbox, move the period and change its length, open a
//! worst case with Enter and come back to the view with Esc, leave it with q.
//!
//! The history, from Tuesday 2026-12-01 09:00 UTC (deadlines one day after creation):
//! on ldap, "ldap quick" done after 3h, "ldap late" after 30h, "ldap forgotten" still open;
//! on sap, "sap slow" done after 48h, "sap on time" after 5h; on crm, "crm weekend" done after
//! 80h. Requests: two for vpn approved after 1h and 5h, one for wiki after 9h. The TUI opens
//! on Monday 2026-12-21 09:00.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{
    Answer, ApiError, Applied, Command, NewCase, Query, Service, SweepArgs, SweepReport, UserRecord,
};
use casebench::domain::{CaseId, CaseKind, Outcome, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::import::{parse_calendars_toml, parse_products_toml};
use casebench::tui::app::Effect;
use casebench::tui::driver::Driver;
use casebench::tui::keymap::Keymap;
use casebench::tui::layout::Pane;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

const CALENDARS: &str = r#"
default = "office"
[[calendar]]
name = "office"
hours = { mon-fri = ["08:00-17:00"] }
"#;

const PRODUCTS: &str = r#"
[[policy]]
name = "manager"
[[policy.level]]
[[policy.level.step]]
name = "manager"
approvers = "manager"
timeout = "2d"
on_timeout = "approve"

[[product]]
id = "vpn"
policy = "manager"
multi_request = true

[[product]]
id = "wiki"
policy = "manager"
"#;

struct Store {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
}

fn person(line: u64, login: &str, manager: Option<&str>) -> UserRecord {
    UserRecord {
        line,
        login: login.into(),
        name: login.into(),
        email: format!("{login}@example.org"),
        manager: manager.map(str::to_string),
        groups: vec!["ops".into()],
        calendar: None,
    }
}

fn store() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let run = |actor: &str, c: Command| {
        e.execute(actor, c)
            .unwrap_or_else(|err| panic!("{actor}: {err}"))
    };
    let users = ["ann", "bob", "cid", "dan", "carol"]
        .iter()
        .enumerate()
        .map(|(i, l)| person(i as u64 + 2, l, (*l != "ann").then_some("ann")))
        .collect();
    run("root", Command::ImportUsers { users });
    let cal = parse_calendars_toml("calendars.toml", CALENDARS).unwrap();
    run(
        "root",
        Command::ImportCalendars {
            calendars: cal.calendars,
            default: cal.default,
        },
    );
    let (products, policies, _) = parse_products_toml("products.toml", PRODUCTS).unwrap();
    run("root", Command::ImportProducts { products, policies });
    let mut requests = vec![];
    for (who, product) in [("bob", "vpn"), ("cid", "vpn"), ("dan", "wiki")] {
        let r = Command::RequestAccess {
            product: product.into(),
            recipient: Some(who.into()),
            valid_from: None,
            valid_until: None,
            notice_secs: None,
            reason: None,
        };
        requests.push(run(who, r).request.unwrap());
    }
    let cases: Vec<(CaseId, Option<i64>)> = [
        ("ldap", "ldap quick", Some(3)),
        ("ldap", "ldap late", Some(30)),
        ("ldap", "ldap forgotten", None),
        ("sap", "sap slow", Some(48)),
        ("sap", "sap on time", Some(5)),
        ("crm", "crm weekend", Some(80)),
    ]
    .into_iter()
    .map(|(res, title, done)| {
        let new = NewCase {
            kind: CaseKind::Generic,
            title: title.into(),
            description: None,
            resource: Some(res.into()),
            object: None,
            target: Target::User("carol".into()),
            deadline: Some(t0() + Duration::days(1)),
            deadline_in: None,
            policy: None,
        };
        (run("root", Command::CreateCase(new)).case.unwrap(), done)
    })
    .collect();
    let mut steps: Vec<(i64, Command, &str)> = [(1, 0), (5, 1), (9, 2)]
        .into_iter()
        .map(|(h, i)| {
            let d = Command::Decide {
                request: requests[i],
                work_item: None,
                approve: true,
                comment: None,
            };
            (h, d, "ann")
        })
        .collect();
    for (case, done) in cases {
        let Some(h) = done else { continue };
        let c = Command::Complete {
            case,
            work_item: None,
            outcome: Outcome::Approved,
            comment: None,
        };
        steps.push((h, c, "carol"));
    }
    steps.sort_by_key(|(h, _, _)| *h);
    for (h, c, actor) in steps {
        clock.set(t0() + Duration::hours(h));
        run(actor, c);
    }
    clock.set(t0() + Duration::days(20));
    Store {
        _dir: dir,
        engine: Arc::new(e),
    }
}

fn driver(s: &Store, size: (u16, u16)) -> Driver {
    let service: Arc<dyn Service + Send + Sync> = s.engine.clone();
    Driver::new(service, "root", Keymap::defaults().unwrap(), size)
}

fn reports_screen(size: (u16, u16)) -> String {
    let s = store();
    let mut d = driver(&s, size);
    d.press("K");
    assert!(d.app.reports.report().is_some(), "the reports loaded");
    d.screen(size.0, size.1)
}

#[test]
fn reports_80x24() {
    let screen = reports_screen((80, 24));
    assert!(screen.contains("Reports · 30 days"), "{screen}");
    insta::assert_snapshot!("reports_80x24", screen);
}

#[test]
fn reports_120x40() {
    let screen = reports_screen((120, 40));
    assert!(screen.contains("SLA breaches by resource"), "{screen}");
    assert!(screen.contains("approval lead p50 by product"), "{screen}");
    insta::assert_snapshot!("reports_120x40", screen);
}

#[test]
fn the_report_holds_the_known_breaches_and_worst_cases() {
    let s = store();
    let mut d = driver(&s, (80, 24));
    d.press("K");
    let set = d.app.reports.report().expect("loaded").clone();
    let breaches = casebench::tui::panes::reports::ranked(&set.by_resource, "sla-breaches", |f| {
        Some(f.count as i64)
    });
    // ldap: late and forgotten; sap: slow; crm: weekend.
    let want: Vec<(String, i64)> = [("ldap", 2), ("crm", 1), ("sap", 1)]
        .iter()
        .map(|(r, n)| (r.to_string(), *n))
        .collect();
    assert_eq!(breaches, want);
    let worst: Vec<&str> = set.all.worst.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(
        &worst[..4],
        ["ldap forgotten", "crm weekend", "sap slow", "ldap late"]
    );
}

#[test]
fn keys_move_the_period_open_a_worst_case_and_come_back() {
    let s = store();
    let mut d = driver(&s, (80, 24));
    let now = d.app.now;
    d.press("K");
    let loads = |d: &Driver| {
        d.effects
            .iter()
            .filter_map(|e| match e {
                Effect::LoadReports { since, until, .. } => Some((*since, *until)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(loads(&d), [(now - Duration::days(30), now)]);
    d.press("[");
    assert_eq!(
        loads(&d)[1],
        (now - Duration::days(60), now - Duration::days(30))
    );
    assert!(d.app.reports.worst().is_empty(), "nothing that early");
    assert!(d.screen(80, 24).contains("none in the period"));
    d.press("]");
    d.press("]");
    assert_eq!(loads(&d).len(), 3, "not past now");
    d.press("p");
    assert_eq!(d.app.reports.days(), 90);
    assert_eq!(loads(&d)[3], (now - Duration::days(90), now));
    d.press("p p");
    assert_eq!(d.app.reports.days(), 30);
    // The second worst case: crm weekend.
    d.press("j enter");
    assert_eq!(d.app.focus, Pane::Detail);
    let shown = d.app.case.current().expect("the case loaded");
    assert_eq!(shown.case.title, "crm weekend");
    assert!(d.screen(80, 24).contains("crm weekend"));
    // Side by side on a large screen: the view keeps the inbox's place above the case.
    let wide = d.screen(120, 40);
    assert!(
        wide.contains("worst cases") && wide.contains("crm weekend"),
        "{wide}"
    );
    d.press("esc");
    assert_eq!(d.app.focus, Pane::Inbox);
    assert!(d.screen(80, 24).contains("worst cases"), "back in the view");
    assert_eq!(d.app.reports.selected(), 1, "the selection kept");
    d.press("q");
    assert!(!d.app.reports.is_open());
    assert!(!d.app.quit);
    assert!(!d.screen(80, 24).contains("worst cases"));
}

/// The engine, except that KPI reports fail (as a store that cannot be read would).
struct NoReports(Arc<Engine>);

impl Service for NoReports {
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        self.0.execute(actor, command)
    }
    fn query(&self, actor: &str, query: Query) -> Result<Answer, ApiError> {
        match query {
            Query::KpiReport(_) => Err(ApiError::Internal("the period index is unreadable".into())),
            q => self.0.query(actor, q),
        }
    }
    fn sweep(&self, actor: &str, args: SweepArgs) -> Result<SweepReport, ApiError> {
        self.0.sweep(actor, args)
    }
}

#[test]
fn a_failed_report_says_why_in_the_status_bar() {
    let s = store();
    let service: Arc<dyn Service + Send + Sync> = Arc::new(NoReports(s.engine.clone()));
    let mut d = Driver::new(service, "root", Keymap::defaults().unwrap(), (80, 24));
    d.press("K");
    assert!(d.app.reports.report().is_none());
    let msg = d.app.status.message.clone().expect("a message");
    assert!(msg.error);
    assert!(
        msg.text.contains("the period index is unreadable"),
        "{}",
        msg.text
    );
    let screen = d.screen(80, 24);
    assert!(screen.contains("cannot load the reports"), "{screen}");
    // The keys still work: back to the inbox.
    d.press("esc");
    assert!(!d.app.reports.is_open());
}
