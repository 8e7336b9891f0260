//! Business durations in certification stages, through the engine with a simulated clock:
//! a stage of `2bd` started on a Friday whose deadline skips the weekend and a holiday, its
//! `4bh` reminder, the calendar the stage counts in (its named reviewer's, else the
//! definition's, else the store default), and calendars that do not exist or do not apply
//! refused at import, at the file's line, with nothing changed.

mod campaign_support;

use chrono::{DateTime, Duration, TimeZone, Utc};

use campaign_support::{world, World};
use casebench::api::{Command, GroupSettings, OrgImport, Service, SweepArgs};
use casebench::domain::campaign::{CampaignRun, RunState, RunTimerKind};
use casebench::import::{parse_calendars_toml, parse_campaigns_toml};

/// office works Monday to Friday with Monday 7 December 2026 a holiday; gulf works Sunday
/// to Thursday.
const CALENDARS: &str = r#"
[[calendar]]
name = "office"
zone = "UTC"
hours = { mon-fri = ["08:00-17:00"] }
holidays = ["2026-12-07"]

[[calendar]]
name = "gulf"
zone = "UTC"
hours = { sun = ["08:00-17:00"], mon-thu = ["08:00-17:00"] }
"#;

/// A campaign over sap's accounts, one stage (`reviewers`, `duration`, `extra` lines),
/// `calendar` at line 3 when given.
fn campaign(calendar: Option<&str>, reviewers: &str, duration: &str, extra: &str) -> String {
    let calendar = calendar.map_or("# no calendar".to_string(), |c| format!("calendar = {c:?}"));
    format!(
        r#"[[campaign]]
name = "q4"
{calendar}
scope = {{ resources = ["sap"] }}
[[campaign.stage]]
reviewers = "{reviewers}"
duration = "{duration}"
{extra}
"#
    )
}

/// Friday 4 December 2026, `h`:`m` UTC; days after it by `d`.
fn friday(d: i64, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, h, m, 0).unwrap() + Duration::days(d)
}

/// The world with the calendars (`default` the store default, if any) and bob's account
/// on sap (ann, his manager, reviews it), the clock at Friday 10:00.
fn setup(default: Option<&str>) -> World {
    let w = world();
    let cal = parse_calendars_toml("c.toml", CALENDARS).unwrap();
    let c = Command::ImportCalendars {
        calendars: cal.calendars,
        default: default.map(String::from),
    };
    w.e.execute("root", c).unwrap();
    w.account("bob", "fin-ro");
    w.clock.set(friday(0, 10, 0));
    w
}

/// Imports a campaigns file; a refusal as (message, its line in the file).
fn import(w: &World, text: &str) -> Result<(), (String, Option<usize>)> {
    let (campaigns, lines) = parse_campaigns_toml("q.toml", text).unwrap();
    w.e.execute("root", Command::ImportCampaigns { campaigns })
        .map(|_| ())
        .map_err(|e| {
            let msg = e.to_string();
            let line = lines.line_of(&msg);
            (msg, line)
        })
}

fn run(w: &World) -> CampaignRun {
    w.runs().pop().expect("a run")
}

/// What a sweep at `at` fired (the clock moved there first).
fn sweep(w: &World, at: DateTime<Utc>) -> Vec<String> {
    w.clock.set(at);
    let report = w.e.sweep("root", SweepArgs::at(at)).unwrap();
    w.check();
    report.fired.iter().map(|f| f.action.clone()).collect()
}

#[test]
fn a_stage_of_two_business_days_from_a_friday_skips_the_weekend_and_the_holiday() {
    let w = setup(Some("office"));
    let text = campaign(None, "manager", "2bd", "reminders = [\"4bh\"]");
    import(&w, &text).unwrap();
    w.start();
    // Friday 10:00 + 2bd: Saturday, Sunday and the holiday Monday are no working days, so
    // Tuesday 10:00 is one and Wednesday 10:00 two. The reminder 4bh before: Wednesday
    // 08:00-10:00 and Tuesday 15:00-17:00.
    let deadline = friday(5, 10, 0);
    let r = run(&w);
    assert_eq!(r.stage_deadline, Some(deadline));
    let timers: Vec<_> = r.timers.iter().map(|t| (t.kind, t.at)).collect();
    assert_eq!(
        timers,
        vec![
            (RunTimerKind::Deadline, deadline),
            (RunTimerKind::Reminder(0), friday(4, 15, 0)),
        ]
    );
    let item = w.items().pop().expect("bob's account");
    let wi = w.e.inspect().work_item(item.work_item.unwrap()).unwrap();
    assert_eq!(wi.unwrap().deadline, Some(deadline), "the work item's too");
    // Two wall-clock days later (Sunday) and on the holiday nothing is due.
    assert!(sweep(&w, friday(2, 10, 0)).is_empty());
    assert!(sweep(&w, friday(3, 12, 0)).is_empty());
    assert!(sweep(&w, friday(4, 14, 59)).is_empty());
    let reminded = sweep(&w, friday(4, 15, 0));
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    assert!(reminded[0].contains("reminded 1 reviewer"), "{reminded:?}");
    assert!(sweep(&w, deadline - Duration::minutes(1)).is_empty());
    assert_eq!(run(&w).state, RunState::InReview);
    let ended = sweep(&w, deadline);
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert!(ended[0].contains("stage 1 of q4#1 ended"), "{ended:?}");
    assert_ne!(run(&w).state, RunState::InReview);
}

#[test]
fn the_definitions_calendar_counts_unless_the_stages_reviewer_has_one() {
    // No store default: the definition's gulf (Sunday to Thursday) counts. Friday is no
    // working day of it, so 2bd counts from Thursday's close: by the end of Monday.
    let w = setup(None);
    import(&w, &campaign(Some("gulf"), "manager", "2bd", "")).unwrap();
    w.start();
    assert_eq!(run(&w).stage_deadline, Some(friday(3, 17, 0)), "Sun, Mon");
    // A stage reviewed by a group with a calendar of its own counts in the group's.
    let w = setup(None);
    let orgs = OrgImport {
        chief_approvers: None,
        units: vec![],
        groups: vec![GroupSettings {
            name: "ops".into(),
            manager: None,
            fallback: None,
            calendar: Some("office".into()),
        }],
    };
    w.e.execute("root", Command::ImportOrgs(orgs)).unwrap();
    import(&w, &campaign(Some("gulf"), "@ops", "2bd", "")).unwrap();
    w.start();
    assert_eq!(run(&w).stage_deadline, Some(friday(5, 10, 0)), "Tue, Wed");
}

#[test]
fn an_escalation_in_business_days_moves_the_deadline_in_working_time() {
    let w = setup(Some("office"));
    let extra = "no_response = \"escalate\"\nescalate_for = \"1bd\"";
    import(&w, &campaign(None, "ann", "1bh", extra)).unwrap();
    w.start();
    // Friday 10:00 + 1bh = 11:00; at it, ann's undecided item goes to dora, its deadline
    // 1bd later: Tuesday 11:00 (the weekend and the holiday skipped).
    assert_eq!(run(&w).stage_deadline, Some(friday(0, 11, 0)));
    let said = sweep(&w, friday(0, 11, 0));
    assert!(said[0].contains("escalated"), "{said:?}");
    assert_eq!(run(&w).stage_deadline, Some(friday(4, 11, 0)));
    assert!(sweep(&w, friday(4, 10, 59)).is_empty());
    assert!(sweep(&w, friday(4, 11, 0))[0].contains("ended"));
}

#[test]
fn unknown_calendars_and_business_durations_without_one_are_refused_at_their_line() {
    let w = setup(Some("office"));
    let (msg, line) = import(&w, &campaign(Some("nope"), "manager", "2bd", "")).unwrap_err();
    assert_eq!(msg, "line 1: no calendar \"nope\"");
    assert_eq!(line, Some(3));
    assert!(w.e.inspect().campaign("q4").unwrap().is_none());
    // No calendar at all: a stage in business days, or a reminder in business hours.
    let w = setup(None);
    let (msg, line) = import(&w, &campaign(None, "manager", "3bd", "")).unwrap_err();
    assert!(
        msg.starts_with("line 1: stage 1: 3bd needs a working-time calendar"),
        "{msg}"
    );
    assert_eq!(line, Some(7));
    let text = campaign(None, "manager", "3d", "reminders = [\"1d\", \"4bh\"]");
    let (msg, line) = import(&w, &text).unwrap_err();
    assert!(msg.starts_with("line 1: stage 1: 4bh needs"), "{msg}");
    assert_eq!(line, Some(8));
    assert!(w.e.inspect().campaign("q4").unwrap().is_none());
    // A reminder not shorter than the stage, in the same unit, is refused by the parser.
    let text = campaign(None, "manager", "2bd", "reminders = [\"2bd\"]");
    let e = parse_campaigns_toml("q.toml", &text)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("q.toml:8: "), "{e}");
    assert!(e.contains("not within its duration"), "{e}");
    // Wall-clock durations need none.
    import(&w, &campaign(None, "manager", "3d", "reminders = [\"4h\"]")).unwrap();
}

/// `casebench` on the store at `db` as root at `now`: its exit code, stdout and stderr.
fn cli(db: &std::path::Path, now: &str, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("casebench")
        .unwrap()
        .arg("--db")
        .arg(db)
        .args(["--as", "root"])
        .args(args)
        .env("CASEBENCH_NOW", now)
        .env("TZ", "UTC")
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .env("XDG_CONFIG_HOME", db.with_extension("config"))
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    (
        out.status.code().unwrap(),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn the_binary_refuses_at_the_files_line_with_exit_2_and_shows_the_durations_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (db, now) = (dir.path().join("s"), "2026-12-04T10:00:00Z");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let ok = |args: &[&str]| {
        let (code, out, err) = cli(&db, now, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    ok(&["init"]);
    let users = file(
        "u.csv",
        "login,name,email,manager,groups\nann,Ann,,,ops\nbob,Bob,,ann,\n",
    );
    ok(&["import", "users", &users]);
    let res = "[[resource]]\nid = \"sap\"\nkind = \"manual\"\nowners = \"ops\"\n";
    ok(&["import", "resources", &file("r.toml", res)]);
    ok(&[
        "provision",
        "add",
        "sap",
        "--account",
        "bob",
        "--owner",
        "bob",
    ]);
    let q = file("q.toml", &campaign(None, "manager", "3bd", ""));
    let (code, _, err) = cli(&db, now, &["import", "campaigns", &q]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("q.toml:7: stage 1: 3bd needs a working-time calendar"),
        "{err}"
    );
    let nope = file("n.toml", &campaign(Some("nope"), "manager", "2bd", ""));
    let (code, _, err) = cli(&db, now, &["import", "campaigns", &nope]);
    assert_eq!(code, 2, "{err}");
    assert!(err.ends_with("n.toml:3: no calendar \"nope\""), "{err}");
    let list = ok(&["--json", "campaign", "list"]);
    assert!(
        list.contains("\"campaigns\": []"),
        "nothing imported: {list}"
    );
    ok(&["import", "calendars", &file("c.toml", CALENDARS)]);
    let text = campaign(Some("office"), "manager", "2bd", "reminders = [\"4bh\"]");
    ok(&["import", "campaigns", &file("q.toml", &text)]);
    ok(&["campaign", "start", "q4"]);
    let show = ok(&["campaign", "show", "q4"]);
    assert!(
        show.contains(
            "(reviewers: the owner's manager; 2bd, reminders 4bh before, calendar office)"
        ),
        "{show}"
    );
    assert!(show.contains("deadline:    2026-12-09 10:00"), "{show}");
    let json = ok(&["--json", "campaign", "show", "q4"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let stage = &v["run"]["def"]["stages"][0];
    assert_eq!(stage["duration"], serde_json::json!({"work": {"days": 2}}));
    assert_eq!(
        stage["reminders"],
        serde_json::json!([{"work": {"hours": 4}}])
    );
    assert_eq!(v["run"]["def"]["calendar"], "office");
}
