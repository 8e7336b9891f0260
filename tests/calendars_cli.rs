//! `casebench import calendars` and `casebench calendar list|show [--from T --add D]`
//! through the real binary, the clock pinned by `CASEBENCH_NOW`.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// A Friday afternoon.
const NOW: &str = "2026-11-27T15:00:00Z";

const CALENDARS: &str = r#"default = "office"

[[calendar]]
name = "office"
zone = "Europe/Prague"
hours = { mon-fri = ["08:00-12:00", "13:00-17:00"] }
holidays = ["2026-12-24", "12-25", "12-26"]

[[calendar]]
name = "ops"
hours = { mon-sun = ["00:00-24:00"] }
"#;

struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            dir: dir.path().to_path_buf(),
            _dir: dir,
        };
        env.ok("root", &["init"]);
        env
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn cmd(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casebench").unwrap();
        for var in ["CASEBENCH_USER", "CASEBENCH_DB", "CASEBENCH_NOTIFY_COMMAND"] {
            c.env_remove(var);
        }
        c.envs([("CASEBENCH_NOW", NOW), ("TZ", "UTC"), ("COLUMNS", "200")])
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .arg("--db")
            .arg(self.dir.join("store"))
            .args(["--as", actor])
            .args(args);
        c
    }

    fn ok(&self, actor: &str, args: &[&str]) -> String {
        let out = self.cmd(actor, args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok("root", &[&["--json"], args].concat())).unwrap()
    }

    /// Expects exit `code` and one line on stderr, which it returns.
    fn refused(&self, args: &[&str], code: i32) -> String {
        let out = self.cmd("root", args).assert().code(code);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        err
    }

    fn import(&self) {
        let f = self.file("calendars.toml", CALENDARS);
        let out = self.ok("root", &["import", "calendars", &f]);
        assert!(
            out.contains("imported 2 calendars; default office"),
            "{out}"
        );
    }
}

#[test]
fn import_list_and_show() {
    let env = Env::new();
    env.import();
    let list = env.json(&["calendar", "list"]);
    assert_eq!(list["default"], "office");
    assert_eq!(list["calendars"].as_array().unwrap().len(), 2);
    let table = env.ok("root", &["calendar", "list"]);
    assert!(table.contains("mon-fri 08:00-12:00 13:00-17:00"), "{table}");
    assert!(table.contains("mon-sun 00:00-24:00"), "{table}");
    let shown = env.ok("root", &["calendar", "show"]);
    assert!(shown.starts_with("office  (Europe/Prague)"), "{shown}");
    assert!(shown.contains("sat  -"), "{shown}");
    assert!(
        shown.contains("holidays  2026-12-24, 12-25, 12-26"),
        "{shown}"
    );
    let ops = env.json(&["calendar", "show", "ops"]);
    assert_eq!(ops["zone"], "UTC");
    // The import is in the audit log? Its events are store-wide: re-importing replaces.
    env.import();
    assert_eq!(
        env.json(&["calendar", "list"])["calendars"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn when_is_that_due() {
    let env = Env::new();
    env.import();
    // Friday 16:00 in Prague (15:00Z) + 1bd = Monday 16:00.
    let d = env.json(&["calendar", "show", "--add", "1bd"]);
    assert_eq!(d["due"], "2026-11-30T15:00:00Z");
    assert_eq!(d["due_local"], "2026-11-30T16:00:00+01:00");
    assert_eq!(d["working_secs"], 8 * 3600);
    assert_eq!(d["working_days"], 1);
    let out = env.ok("root", &["calendar", "show", "--add", "1bd"]);
    assert!(
        out.contains("Mon 2026-11-30 16:00 Europe/Prague  (2026-11-30 15:00 UTC)"),
        "{out}"
    );
    assert!(
        out.contains("working time  8h00m over 1 working day(s)"),
        "{out}"
    );
    // Business hours skip the weekend and the lunch break.
    let d = env.json(&["calendar", "show", "--add", "3bh"]);
    assert_eq!(d["due"], "2026-11-30T09:00:00Z");
    // Holidays: from 23 December, 2bd skips the 24th, 25th (and the weekend 26th–27th).
    let d = env.json(&[
        "calendar",
        "show",
        "office",
        "--from",
        "2026-12-23T09:00:00Z",
        "--add",
        "2bd",
    ]);
    assert_eq!(d["due"], "2026-12-29T09:00:00Z");
    // Wall-clock durations are as they were.
    let d = env.json(&["calendar", "show", "--add", "1d"]);
    assert_eq!(d["due"], "2026-11-28T15:00:00Z");
    // Around the clock in UTC: 6bh is 6 hours.
    let d = env.json(&["calendar", "show", "ops", "--add", "6bh"]);
    assert_eq!(d["due"], "2026-11-27T21:00:00Z");
}

#[test]
fn working_time_needs_a_calendar() {
    let env = Env::new();
    let e = env.refused(&["calendar", "show", "--add", "3bd"], 2);
    assert!(
        e.contains("3bd is in working time, but no calendar applies: no default calendar"),
        "{e}"
    );
    let e = env.refused(&["calendar", "show"], 3);
    assert!(e.contains("no default calendar"), "{e}");
    env.import();
    let e = env.refused(&["calendar", "show", "nosuch", "--add", "3bd"], 3);
    assert!(e.contains("no calendar \"nosuch\""), "{e}");
    let e = env.refused(&["calendar", "show", "--add", "3bx"], 2);
    assert!(e.contains("invalid duration \"3bx\""), "{e}");
    let out = env.ok("root", &["calendar", "list"]);
    assert!(out.contains("office"));
}

#[test]
fn bad_files_change_nothing() {
    let env = Env::new();
    env.import();
    let before = env.json(&["calendar", "list"]);
    let bad = [
        (
            "[[calendar]]\nname = \"late\"\nhours = { mon = [\"17:00-08:00\"] }\n",
            ":3: calendar \"late\": mon: hours 17:00-08:00 end before they start",
        ),
        (
            "[[calendar]]\nname = \"x\"\nzone = \"Nowhere/City\"\nhours = { mon = [\"08:00-17:00\"] }\n",
            ":3: calendar \"x\": unknown time zone \"Nowhere/City\"",
        ),
        (
            "[[calendar]]\nname = \"x\"\nhours = { mon = [\"08:00-17:00\"] }\nholidays = [\"Christmas\"]\n",
            ":4: calendar \"x\": holiday \"Christmas\" is not a date",
        ),
        (
            "default = \"nosuch\"\n\n[[calendar]]\nname = \"x\"\nhours = { mon = [\"08:00-17:00\"] }\n",
            ":1: default: no calendar \"nosuch\"",
        ),
        ("[[calendar]\nname = \"x\"\n", ":1: "),
    ];
    for (text, says) in bad {
        let f = env.file("bad.toml", text);
        let e = env.refused(&["import", "calendars", &f], 2);
        assert!(e.contains(&format!("bad.toml{says}")), "{text}: {e}");
        assert_eq!(env.json(&["calendar", "list"]), before, "{text}");
    }
    // Only administrators import.
    env.ok(
        "root",
        &[
            "import",
            "users",
            &env.file(
                "u.csv",
                "login,name,email,manager,groups\nbob,Bob,b@x.org,,\n",
            ),
        ],
    );
    let f = env.file("calendars.toml", CALENDARS);
    env.cmd("bob", &["import", "calendars", &f])
        .assert()
        .code(4);
}

#[test]
fn a_case_deadline_in_working_time() {
    let env = Env::new();
    let new = |deadline: &'static str| -> Vec<&'static str> {
        let args = "case new --kind generic --title T --deadline";
        args.split(' ').chain([deadline]).collect()
    };
    // Without a calendar, a working deadline is refused and no case is made.
    let e = env.refused(&new("3bd"), 2);
    assert!(e.contains("calendar"), "{e}");
    assert_eq!(env.json(&["case", "list", "--queue", "open"])["total"], 0);
    env.import();
    // Friday 15:00 UTC = 16:00 in Prague: 1bd is Monday 16:00 (15:00 UTC), 3bd Wednesday;
    // 2bh is Monday 09:00 Prague (one hour left on Friday, one on Monday).
    for (asked, due) in [
        ("3bd", "2026-12-02T15:00:00Z"),
        ("now+1bd", "2026-11-30T15:00:00Z"),
        ("2bh", "2026-11-30T08:00:00Z"),
        ("2d", "2026-11-29T15:00:00Z"),
    ] {
        let out = env.ok("root", &[&["--json"], &new(asked)[..]].concat());
        let v: Value = serde_json::from_str(&out).unwrap();
        let case = v["case"].as_str().unwrap_or_else(|| panic!("{out}"));
        let shown = env.json(&["case", "show", case]);
        assert_eq!(shown["work_items"][0]["deadline"], due, "{asked}: {shown}");
    }
    for (bad, says) in [
        ("0bd", "after now"),
        ("xbd", "invalid"),
        ("99999bd", "too long"),
    ] {
        let e = env.refused(&new(bad), 2);
        assert!(e.contains(says), "{bad}: {e}");
    }
}
