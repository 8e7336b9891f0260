//! Business durations in approval steps, through the engine with a simulated clock: a
//! step's timeout and reminder count in the calendar of the approver holding it (not the
//! requester's), a group's calendar for a step the group holds, and calendars that do not
//! exist or do not apply refused at import, at the file's line.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use casebench::api::{Command, Service, SweepArgs};
use casebench::domain::RequestId;
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::import::{
    parse_calendars_toml, parse_catalogue_toml, parse_orgs_toml, parse_users_csv,
};

/// The requester's calendar works Monday to Friday; the approver's Sunday to Thursday.
const CALENDARS: &str = r#"
default = "office"

[[calendar]]
name = "office"
zone = "UTC"
hours = { mon-fri = ["08:00-17:00"] }

[[calendar]]
name = "gulf"
zone = "UTC"
hours = { sun = ["08:00-17:00"], mon-thu = ["08:00-17:00"] }
"#;

const USERS: &str = "login,name,email,manager,groups,calendar
ann,Ann,,,staff,office
mia,Mia,,,ops,gulf
ola,Ola,,,ops,
";

fn products(approvers: &str) -> String {
    format!(
        r#"[[product]]
id = "vpn"
policy = "p"

[[policy]]
name = "p"
[[policy.level]]
[[policy.level.step]]
approvers = "{approvers}"
timeout = "1bd"
reminder = "3bh"
on_timeout = "approve"
"#
    )
}

/// Thursday 5 November 2026, 10:00 UTC.
fn thursday(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 5, h, 0, 0).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    engine: Engine,
    clock: Arc<ManualClock>,
}

fn world(calendars: bool) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(thursday(10)));
    let engine = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let cal = parse_calendars_toml("c.toml", CALENDARS).unwrap();
    if calendars {
        let c = Command::ImportCalendars {
            calendars: cal.calendars,
            default: cal.default,
        };
        engine.execute("root", c).unwrap();
    }
    let users = USERS.replace(",office\n", ",\n").replace(",gulf\n", ",\n");
    let users = if calendars { USERS.to_string() } else { users };
    let c = Command::ImportUsers {
        users: parse_users_csv("u.csv", users.as_bytes()).unwrap(),
    };
    engine.execute("root", c).unwrap();
    World {
        _dir: dir,
        engine,
        clock,
    }
}

impl World {
    fn import(&self, text: &str) -> Result<(), (String, Option<usize>)> {
        let (import, lines) = parse_catalogue_toml("p.toml", text).unwrap();
        self.engine
            .execute("root", Command::ImportCatalogue(import))
            .map(|_| ())
            .map_err(|e| {
                let msg = e.to_string();
                let line = lines.line_of(&msg);
                (msg, line)
            })
    }

    fn request(&self) -> RequestId {
        let c = Command::RequestAccess {
            product: "vpn".into(),
            recipient: None,
            valid_from: None,
            valid_until: None,
            notice_secs: None,
            reason: None,
        };
        self.engine.execute("ann", c).unwrap().request.unwrap()
    }

    /// What a sweep at `at` fired (the clock moved there first).
    fn sweep(&self, at: DateTime<Utc>) -> Vec<String> {
        self.clock.set(at.max(self.clock.now()));
        let report = self.engine.sweep("root", SweepArgs::at(at)).unwrap();
        report.fired.iter().map(|f| f.action.clone()).collect()
    }

    fn timers(&self, r: RequestId) -> Vec<DateTime<Utc>> {
        let req = self.engine.inspect().request(r).unwrap().unwrap();
        req.approval.unwrap().timers.iter().map(|t| t.due).collect()
    }
}

/// Sunday 8 November, `h`:00 UTC.
fn sunday(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 8, h, 0, 0).unwrap()
}

#[test]
fn a_timeout_in_business_days_counts_in_the_approvers_calendar_not_the_requesters() {
    let w = world(true);
    w.import(&products("mia")).unwrap();
    let r = w.request();
    // mia works Sunday to Thursday: Thursday 10:00 + 1bd is Sunday 10:00 (ann's calendar
    // would give Friday 10:00); the reminder 3bh before it is Thursday 16:00, Friday and
    // Saturday being no working time of hers.
    assert_eq!(w.timers(r), vec![thursday(16), sunday(10)]);
    assert!(w.sweep(thursday(15)).is_empty());
    assert_eq!(w.sweep(thursday(16)), vec!["reminded mia"]);
    let friday = Utc.with_ymd_and_hms(2026, 11, 6, 10, 0, 0).unwrap();
    assert!(
        w.sweep(friday).is_empty(),
        "not in the requester's calendar"
    );
    assert!(w
        .sweep(sunday(10) - chrono::Duration::minutes(1))
        .is_empty());
    assert_eq!(w.sweep(sunday(10)), vec!["auto-approved on timeout"]);
}

#[test]
fn a_step_held_by_a_group_counts_in_the_groups_calendar() {
    let w = world(true);
    let orgs = "[[group]]\nname = \"ops\"\ncalendar = \"gulf\"\n";
    let (import, _) = parse_orgs_toml("o.toml", orgs).unwrap();
    w.engine
        .execute("root", Command::ImportOrgs(import))
        .unwrap();
    w.import(&products("@ops")).unwrap();
    let r = w.request();
    assert_eq!(w.timers(r), vec![thursday(16), sunday(10)]);
}

#[test]
fn the_products_calendar_counts_when_the_approver_has_none() {
    let w = world(true);
    let text = products("ola").replace("policy = \"p\"\n", "policy = \"p\"\ncalendar = \"gulf\"\n");
    w.import(&text).unwrap();
    let r = w.request();
    assert_eq!(w.timers(r), vec![thursday(16), sunday(10)]);
}

#[test]
fn unknown_calendars_are_refused_at_their_line() {
    let w = world(true);
    let text = products("mia").replace("policy = \"p\"\n", "policy = \"p\"\ncalendar = \"nope\"\n");
    let (msg, line) = w.import(&text).unwrap_err();
    assert_eq!(msg, "product \"vpn\": no calendar \"nope\"");
    assert_eq!(line, Some(4));
    let text = products("mia").replace("name = \"p\"\n", "name = \"p\"\ncalendar = \"nope\"\n");
    let (msg, line) = w.import(&text).unwrap_err();
    assert_eq!(msg, "approval policy \"p\": no calendar \"nope\"");
    assert_eq!(line, Some(7));
    assert!(w.engine.inspect().product("vpn").unwrap().is_none());
    let orgs = "[[group]]\nname = \"ops\"\ncalendar = \"nope\"\n";
    let (import, lines) = parse_orgs_toml("o.toml", orgs).unwrap();
    let e = w
        .engine
        .execute("root", Command::ImportOrgs(import))
        .unwrap_err();
    assert_eq!(e.to_string(), "group @ops: no calendar \"nope\"");
    assert_eq!(lines.line_of(&e.to_string()), Some(3));
    assert_eq!(
        w.engine.inspect().group("ops").unwrap().unwrap().calendar,
        None
    );
}

#[test]
fn a_business_duration_where_no_calendar_applies_is_refused_at_its_line() {
    let w = world(false);
    let text = products("mia").replace("\"1bd\"", "\"3bd\"");
    let (msg, line) = w.import(&text).unwrap_err();
    assert!(
        msg.starts_with("approval policy \"p\": 3bd needs a working-time calendar"),
        "{msg}"
    );
    assert_eq!(line, Some(10));
    assert!(w.engine.inspect().approval_policy("p").unwrap().is_none());
    // Wall-clock durations need none.
    w.import(
        &text
            .replace("\"3bd\"", "\"3d\"")
            .replace("\"3bh\"", "\"3h\""),
    )
    .unwrap();
}
