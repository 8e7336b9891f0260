//! `casebench sweep` and `import policies` through the binary, as cron would run them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use casebench::store::Storage;
use serde_json::Value;

struct Store {
    _dir: tempfile::TempDir,
    db: PathBuf,
    dir: PathBuf,
}

fn cb(db: &Path, now: &str) -> Command {
    let mut c = Command::cargo_bin("casebench").unwrap();
    c.arg("--db")
        .arg(db)
        .env("CASEBENCH_NOW", now)
        .env("TZ", "UTC")
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .env("XDG_CONFIG_HOME", db.parent().unwrap().join("config"));
    c
}

const T0: &str = "2026-11-02T09:00:00Z";

const TWO_LEVELS: &str = r#"
[[policy]]
name = "two-levels"
deadline = "1d"
level_deadline = "1d"

[[policy.rule]]
before_deadline = "2h"
notify = ["assignees"]

[[policy.rule]]
after_deadline = "0m"
levels = [0]
escalate = "manager"

[[policy.rule]]
after_deadline = "0m"
levels = [1]
escalate = "@ops"
"#;

fn setup() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let base = dir.path().to_path_buf();
    cb(&db, T0)
        .args(["--as", "root", "init"])
        .assert()
        .success();
    std::fs::write(
        base.join("users.csv"),
        "login,name,email,manager,groups\nboss,Boss,boss@x.org,,ops\nalice,Alice,alice@x.org,boss,ops\n",
    )
    .unwrap();
    std::fs::write(base.join("p.toml"), TWO_LEVELS).unwrap();
    cb(&db, T0)
        .args(["--as", "root", "import", "users"])
        .arg(base.join("users.csv"))
        .assert()
        .success();
    cb(&db, T0)
        .args(["--as", "root", "import", "policies"])
        .arg(base.join("p.toml"))
        .assert()
        .success();
    cb(&db, T0)
        .args([
            "--as",
            "alice",
            "case",
            "new",
            "--kind",
            "approval",
            "--title",
            "Approve db access",
            "--assignee",
            "alice",
            "--policy",
            "two-levels",
        ])
        .assert()
        .success();
    Store {
        _dir: dir,
        db,
        dir: base,
    }
}

/// A sweep as the store's administrator, at `now` (a sweep fires at the clock, never later:
/// `CASEBENCH_NOW` is the clock).
fn sweep_json(db: &Path, now: &str, args: &[&str]) -> Value {
    let out = cb(db, now)
        .args(["--as", "root", "sweep", "--json"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn actions(v: &Value) -> Vec<String> {
    v["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["action"].as_str().unwrap().to_string())
        .collect()
}

fn event_count(db: &Path) -> usize {
    let s = casebench::store::Store::open(db).unwrap();
    let n = s.event_count();
    drop(s);
    // sled lets go of its lock a moment after the store is dropped.
    for _ in 0..5000 {
        if casebench::store::Store::open(db).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    n
}

/// Every file of the store, byte for byte.
fn bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    for e in walk(dir) {
        out.push((e.clone(), std::fs::read(&e).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn successive_sweeps_fire_the_policy_in_order() {
    let s = setup();
    let step = |now: &str| actions(&sweep_json(&s.db, now, &[]));
    assert!(step("2026-11-03T06:00:00Z").is_empty());
    assert_eq!(step("2026-11-03T07:00:00Z"), vec!["notified alice"]);
    assert!(step("2026-11-03T07:00:00Z").is_empty(), "idempotent");
    assert_eq!(
        step("2026-11-03T09:00:00Z"),
        vec!["escalated W-1 to boss (level 1)"]
    );
    assert!(step("2026-11-04T08:59:00Z").is_empty());
    assert_eq!(
        step("2026-11-04T09:00:00Z"),
        vec!["escalated W-1 to @ops (level 2)"]
    );
    assert!(
        step("2026-11-30T00:00:00Z").is_empty(),
        "no rule for level 2"
    );

    // The history says who did what, in order, with policy and rule.
    let out = cb(&s.db, T0)
        .args(["--as", "alice", "--json", "case", "history", "C-1"])
        .assert()
        .success();
    let h: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let timers: Vec<(String, u64)> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        // A reminder's `timer-fired`, an escalation's own `escalated-by-rule`.
        .filter_map(|e| {
            ["timer-fired", "escalated-by-rule"]
                .iter()
                .find_map(|k| e["what"].get(*k))
        })
        .map(|t| {
            (
                t["policy"].as_str().unwrap().to_string(),
                t["rule"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        timers,
        vec![
            ("two-levels".to_string(), 0),
            ("two-levels".to_string(), 1),
            ("two-levels".to_string(), 2)
        ]
    );
    // And the outbox holds the reminder.
    let out = cb(&s.db, T0)
        .args(["--as", "alice", "notify", "list"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("alice") && text.contains("queued"), "{text}");
}

#[test]
fn dry_run_and_until_change_nothing() {
    let s = setup();
    let events = event_count(&s.db);
    let files = bytes(&s.db);
    let preview = sweep_json(&s.db, T0, &["--until", "2026-11-10T00:00:00Z"]);
    assert_eq!(preview["dry_run"], Value::Bool(true));
    assert_eq!(
        actions(&preview),
        vec![
            "notified alice",
            "escalated W-1 to boss (level 1)",
            "escalated W-1 to @ops (level 2)"
        ]
    );
    let dry = sweep_json(&s.db, T0, &["--now", "2026-11-03T09:00:00Z", "--dry-run"]);
    assert_eq!(actions(&dry).len(), 2);
    // Human output of a preview says "would fire".
    let out = cb(&s.db, T0)
        .args(["--as", "root", "sweep", "--until", "now+3d"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("would fire 3 timers"), "{text}");
    assert_eq!(event_count(&s.db), events);
    assert_eq!(bytes(&s.db), files, "a dry run wrote to the store");
}

#[test]
fn sweep_exits_75_when_the_store_is_held() {
    let s = setup();
    let held = casebench::store::Store::open(&s.db).unwrap();
    let out = cb(&s.db, T0)
        .args(["--as", "root", "sweep"])
        .assert()
        .code(75);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("busy") && err.contains(s.db.to_str().unwrap()),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    drop(held);
}

#[test]
fn bad_times_and_policy_files_are_refused() {
    let s = setup();
    cb(&s.db, T0)
        .args(["--as", "root", "sweep", "--now", "yesterday-ish"])
        .assert()
        .code(2);
    cb(&s.db, T0)
        .args(["--as", "root", "sweep", "--until", "2026-11-01T00:00:00Z"])
        .assert()
        .code(2);
    std::fs::write(
        s.dir.join("bad.toml"),
        "[[policy]]\nname = \"x\"\n\n[[policy.rule]]\nafter = \"1d\"\nescalate = \"manager\"\ncomplete = \"approve\"\n",
    )
    .unwrap();
    let out = cb(&s.db, T0)
        .args(["--as", "root", "import", "policies"])
        .arg(s.dir.join("bad.toml"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("bad.toml:4:") && err.contains("exactly one of"),
        "{err}"
    );
    // Non-administrators may not import policies; unknown policies are not found.
    cb(&s.db, T0)
        .args(["--as", "alice", "import", "policies"])
        .arg(s.dir.join("p.toml"))
        .assert()
        .code(4);
    cb(&s.db, T0)
        .args([
            "--as", "alice", "case", "new", "--kind", "generic", "--title", "x", "--policy", "nope",
        ])
        .assert()
        .code(3);
}

#[test]
fn delivery_through_a_configured_command() {
    let s = setup();
    let spool = s.dir.join("mail.txt");
    let config = s.dir.join("config").join("casebench");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("[notify]\ncommand = \"cat >> {}\"\n", spool.display()),
    )
    .unwrap();
    let r = sweep_json(&s.db, "2026-11-03T07:00:00Z", &[]);
    assert_eq!(r["delivered"], 1);
    let mail = std::fs::read_to_string(&spool).unwrap();
    assert!(
        mail.starts_with("To: alice@x.org\nSubject: [casebench] C-1"),
        "{mail}"
    );
    // A broken config is one line naming the file and line.
    std::fs::write(config.join("config.toml"), "[notify]\ncommand = 3\n").unwrap();
    let out = cb(&s.db, T0)
        .args(["--as", "root", "sweep"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("config.toml:2:"), "{err}");
}

/// The stored policy `name` gets a level deadline beyond what a time can hold, as a store
/// written before durations were bounded could hold (the import refuses it now).
fn poison_policy(db: &Path, name: &str) {
    let s = casebench::store::Store::open(db).unwrap();
    let mut p = s.policy(name).unwrap().unwrap();
    p.level_deadline = Some(casebench::domain::duration::Span::Wall(i64::MAX));
    let mut ws = casebench::store::WriteSet::default();
    ws.put_policy(&p);
    s.commit(ws).unwrap();
    drop(s);
    event_count(db);
}

#[test]
fn a_timer_that_cannot_fire_is_recorded_and_the_others_fire() {
    let s = setup();
    // A second case under a sound copy of the policy.
    let sound = TWO_LEVELS.replace("two-levels", "sound");
    std::fs::write(s.dir.join("sound.toml"), sound).unwrap();
    cb(&s.db, T0)
        .args(["--as", "root", "import", "policies"])
        .arg(s.dir.join("sound.toml"))
        .assert()
        .success();
    cb(&s.db, T0)
        .args(["--as", "alice", "case", "new", "--kind", "approval"])
        .args([
            "--title",
            "Second",
            "--assignee",
            "alice",
            "--policy",
            "sound",
        ])
        .assert()
        .success();
    poison_policy(&s.db, "two-levels");

    // A dry run lists the same, changing nothing.
    let now = "2026-11-03T10:00:00Z";
    let before = event_count(&s.db);
    let out = cb(&s.db, now)
        .args(["--as", "root", "sweep", "--dry-run"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("COULD NOT FIRE") && text.contains("would fire 3 timers"),
        "{text}"
    );
    assert_eq!(event_count(&s.db), before);

    // C-1's escalation cannot compute its level deadline; C-2's fires, and so do both
    // reminders. The sweep exits 1 at the end, naming the timer.
    let out = cb(&s.db, now)
        .args(["--as", "root", "sweep", "--json"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("1 timer could not fire") && stderr.contains("W-1 of C-1 (two-levels#1)"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let mut fired = actions(&v);
    fired.sort();
    assert_eq!(
        fired,
        vec![
            "escalated W-2 to boss (level 1)",
            "notified alice",
            "notified alice"
        ]
    );
    let failed = v["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{v}");
    assert_eq!(failed[0]["work_item"], "W-1");
    assert!(
        failed[0]["action"]
            .as_str()
            .unwrap()
            .contains("level deadline"),
        "{v}"
    );

    // The failure is in C-1's history, once; the timer is gone, so the next sweep is clean.
    let out = cb(&s.db, now)
        .args(["--as", "root", "sweep"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("fired 0 timers"), "{text}");
    let out = cb(&s.db, now)
        .args(["--as", "alice", "case", "history", "C-1"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(text.matches("timer-failed").count(), 1, "{text}");
    assert!(text.contains("W-1 two-levels#1 could not fire"), "{text}");
    // The timer left its work item and the due index together.
    cb(&s.db, now)
        .args(["--as", "root", "check"])
        .assert()
        .success();
}
