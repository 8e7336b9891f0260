//! `casebench report kpi` through the real binary on a store built with a simulated clock:
//! the table, `--csv` and `--json` show the same figures; a bad grouping or an empty period
//! is refused with exit 2.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

use casebench::api::{Command as Cmd, NewCase, UserRecord};
use casebench::cli::commands::report::human;
use casebench::domain::{CaseKind, Outcome, Target};
use casebench::engine::{Engine, ManualClock};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

/// Five cases on two resources, done after 1h … 40h, two after their deadline (a day).
fn build(path: &Path) {
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(path, clock.clone(), "root", &[]).unwrap();
    let users = vec![UserRecord {
        line: 2,
        login: "carol".into(),
        name: "Carol".into(),
        email: "carol@example.org".into(),
        manager: None,
        groups: vec!["ops".into()],
        calendar: None,
    }];
    e.execute("root", Cmd::ImportUsers { users }).unwrap();
    let cases: Vec<_> = [
        ("ldap", 1),
        ("ldap", 5),
        ("crm", 3),
        ("crm", 30),
        ("ldap", 40),
    ]
    .into_iter()
    .map(|(res, hours)| {
        let new = NewCase {
            kind: CaseKind::Generic,
            title: format!("{res} after {hours}h"),
            description: None,
            resource: Some(res.into()),
            object: None,
            target: Target::Group("ops".into()),
            deadline: Some(t0() + Duration::days(1)),
            deadline_in: None,
            policy: None,
        };
        let c = e
            .execute("root", Cmd::CreateCase(new))
            .unwrap()
            .case
            .unwrap();
        (c, hours)
    })
    .collect();
    let mut order = cases.clone();
    order.sort_by_key(|(_, h)| *h);
    for (case, hours) in order {
        clock.set(t0() + Duration::hours(hours));
        e.execute(
            "carol",
            Cmd::Claim {
                case,
                work_item: None,
            },
        )
        .unwrap();
        let done = Cmd::Complete {
            case,
            work_item: None,
            outcome: Outcome::Approved,
            comment: None,
        };
        e.execute("carol", done).unwrap();
    }
}

struct Env {
    _dir: tempfile::TempDir,
    store: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        build(&store);
        Env { _dir: dir, store }
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut c = Command::cargo_bin("casebench").unwrap();
        for var in ["CASEBENCH_USER", "CASEBENCH_DB", "CASEBENCH_NOTIFY_COMMAND"] {
            c.env_remove(var);
        }
        let out = c
            .envs([("CASEBENCH_NOW", "2026-12-10T00:00:00Z"), ("TZ", "UTC")])
            .env("COLUMNS", "200")
            .env("XDG_CONFIG_HOME", self._dir.path().join("config"))
            .arg("--db")
            .arg(&self.store)
            .args(["--as", "root", "report", "kpi", "--since", "2026-11-30"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }
}

fn secs(v: &Value) -> String {
    v.as_i64().map(|n| n.to_string()).unwrap_or_default()
}

#[test]
fn csv_json_and_the_table_agree() {
    let env = Env::new();
    let json: Value = serde_json::from_str(&env.ok(&["--by", "resource", "--json"])).unwrap();
    let csv = env.ok(&["--by", "resource", "--csv"]);
    let table = env.ok(&["--by", "resource"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("group,figure,count,wall_p50_secs,wall_p90_secs,working_p50_secs,working_p90_secs")
    );
    let mut rows = 0;
    for g in json["groups"].as_array().unwrap() {
        for f in g["figures"].as_array().unwrap() {
            rows += 1;
            let (group, figure) = (g["group"].as_str().unwrap(), f["figure"].as_str().unwrap());
            let expected = [
                group.to_string(),
                figure.to_string(),
                f["count"].to_string(),
                secs(&f["wall"]["p50"]),
                secs(&f["wall"]["p90"]),
                secs(&f["working"]["p50"]),
                secs(&f["working"]["p90"]),
            ]
            .join(",");
            assert_eq!(lines.next(), Some(expected.as_str()));
            let mut cells = vec![
                group.to_string(),
                figure.to_string(),
                f["count"].to_string(),
            ];
            if let Some(p) = f["wall"]["p50"].as_i64() {
                cells.push(human(p));
                cells.push(human(f["wall"]["p90"].as_i64().unwrap()));
            }
            let shown = table
                .lines()
                .find(|l| l.split_whitespace().take(2).eq([group, figure]))
                .unwrap_or_else(|| panic!("{group} {figure} not in\n{table}"));
            let words: Vec<&str> = shown.split("  ").filter(|w| !w.is_empty()).collect();
            let words: Vec<String> = words.iter().map(|w| w.trim().to_string()).collect();
            assert_eq!(&words[..cells.len()], &cells[..], "{shown}");
        }
    }
    assert_eq!(lines.next(), None);
    assert_eq!(rows, 6, "{csv}");
    // ldap: 1h, 5h, 40h (one breach); crm: 3h, 30h (one breach).
    assert!(
        csv.contains("ldap,case-lead/generic,3,18000,144000,,\n"),
        "{csv}"
    );
    assert!(csv.contains("crm,sla-breaches,1,,,,\n"), "{csv}");
    assert!(
        table.contains("ldap after 40h"),
        "worst cases listed:\n{table}"
    );
}

#[test]
fn a_bad_grouping_or_an_empty_period_is_refused_with_exit_2() {
    let env = Env::new();
    let (code, _, err) = env.run(&["--by", "colour"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid grouping"), "{err}");
    let (code, _, err) = env.run(&["--until", "2026-11-29"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the period is empty"), "{err}");
}
