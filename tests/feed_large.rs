//! `resource feed` over a large export (50,000 rows, made here), through the CLI: the same
//! reading as a small one (correlation cases up to the bound and one summary, shadows with
//! the compared columns, divergence on a second read for changed and missing accounts), and
//! a malformed row near the end refuses the whole file, changing nothing.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

const ROWS: usize = 50_000;

const RESOURCES: &str = r#"
[[resource]]
id = "badge"
name = "Badge-Access"
kind = "semi-manual"
owners = "sec"
[resource.feed]
path = "badge.csv"
key = "account"
attributes = ["mail"]
"#;

struct Env {
    _dir: tempfile::TempDir,
    db: PathBuf,
    dir: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        let env = Env {
            db: base.join("store"),
            dir: base,
            _dir: dir,
        };
        std::fs::write(env.dir.join("resources.toml"), RESOURCES).unwrap();
        env.ok(&["init", "--group", "sec"]);
        let res = env.dir.join("resources.toml");
        env.ok(&["import", "resources", res.to_str().unwrap()]);
        env
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casebench").unwrap();
        c.arg("--db")
            .arg(&self.db)
            .args(["--as", "root"])
            .args(args)
            .env("CASEBENCH_NOW", "2026-12-01T09:00:00Z")
            .env("TZ", "UTC")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env_remove("CASEBENCH_CACHE_MB")
            .env("XDG_CONFIG_HOME", self.dir.join("config"));
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// Writes the export and reads it; the result's message.
    fn feed(&self, text: &str) -> String {
        let path = self.dir.join("badge.csv");
        std::fs::write(&path, text).unwrap();
        self.ok(&["resource", "feed", "badge", path.to_str().unwrap()])
    }

    fn shadows(&self) -> Vec<Value> {
        self.json(&["shadow", "list", "badge"])["shadows"]
            .as_array()
            .unwrap()
            .clone()
    }
}

/// `rows` accounts in a shuffled order (not sorted by account), with `mail` for each; those
/// in `changed` get another mail, those in `missing` are left out.
fn export(rows: usize, changed: &[usize], missing: &[usize]) -> String {
    let mut csv = String::from("mail,account\n");
    for n in 0..rows {
        let i = (n * 7919) % rows; // 7919 is prime to 50,000: every account once
        if missing.contains(&i) {
            continue;
        }
        let mail = if changed.contains(&i) {
            format!("moved{i}@elsewhere.example")
        } else {
            format!("acct{i:06}@elsewhere.example")
        };
        csv.push_str(&format!("\"{mail}\", acct{i:06}\n"));
    }
    csv
}

#[test]
fn a_large_export_reads_as_a_small_one_does() {
    let env = Env::new();
    let out = env.feed(&export(ROWS, &[], &[]));
    assert!(
        out.contains(&format!(
            "badge: {ROWS} accounts read, 0 operations confirmed, 0 remediation and 100 correlation cases opened; {} more unknown accounts without a case",
            ROWS - 100
        )),
        "{out}"
    );
    let shadows = env.shadows();
    assert_eq!(shadows.len(), ROWS);
    let r = env.json(&["resource", "show", "badge"]);
    assert!(r["resource"]["feed_fingerprint"].is_string(), "{r}");
    // The first accounts by key got the correlation cases; the rows' values are kept.
    let s = env.json(&["shadow", "show", "badge", "acct012345"]);
    assert_eq!(
        s["attributes"]["mail"], "acct012345@elsewhere.example",
        "{s}"
    );
    assert!(s["remediation"].is_null(), "{s}");
    let first = env.json(&["shadow", "show", "badge", "acct000042"]);
    assert!(
        first["remediation"].is_string() || first["remediation"].is_number(),
        "{first}"
    );

    // Read again with three accounts changed and two gone (all beyond the first 100, which
    // have their correlation case open): five divergences, nothing else.
    let out = env.feed(&export(ROWS, &[20_000, 30_001, 49_999], &[777, 45_000]));
    assert!(
        out.contains(&format!(
            "badge: {} accounts read, 0 operations confirmed, 5 remediation and 0 correlation cases opened",
            ROWS - 2
        )),
        "{out}"
    );
    let s = env.json(&["shadow", "show", "badge", "acct030001"]);
    assert!(!s["remediation"].is_null(), "{s}");
    let s = env.json(&["shadow", "show", "badge", "acct045000"]);
    assert!(!s["remediation"].is_null(), "{s}");
    let s = env.json(&["shadow", "show", "badge", "acct030002"]);
    assert!(s["remediation"].is_null(), "{s}");
    // Read a third time unchanged: the divergences have their case; nothing new.
    let out = env.feed(&export(ROWS, &[20_000, 30_001, 49_999], &[777, 45_000]));
    assert!(out.contains("0 remediation and 0 correlation"), "{out}");
}

#[test]
fn a_malformed_row_near_the_end_changes_nothing() {
    let env = Env::new();
    let events = |env: &Env| env.json(&["case", "list", "--queue", "open"]);
    let before = events(&env);
    let mut text = export(ROWS, &[], &[]);
    text.push_str("acct999999,x,y\n");
    let path = env.dir.join("badge.csv");
    std::fs::write(&path, &text).unwrap();
    let out = env
        .cmd(&["resource", "feed", "badge", path.to_str().unwrap()])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains(&format!(
            "line {}: malformed CSV: 3 fields where the header has 2",
            ROWS + 2
        )),
        "{err}"
    );
    // A duplicate near the end, likewise, at its line and the first's.
    let mut text = export(ROWS, &[], &[]);
    text.push_str("\"dup@x\",acct000003\n");
    std::fs::write(&path, &text).unwrap();
    let out = env
        .cmd(&["resource", "feed", "badge", path.to_str().unwrap()])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let first = (0..ROWS).position(|n| (n * 7919) % ROWS == 3).unwrap() + 2;
    assert!(
        err.contains(&format!(
            "line {}: duplicate account \"acct000003\" (first on line {first})",
            ROWS + 2
        )),
        "{err}"
    );
    assert!(env.shadows().is_empty());
    assert_eq!(events(&env), before);
    let r = env.json(&["resource", "show", "badge"]);
    assert!(r["resource"]["feed_fingerprint"].is_null(), "{r}");
}
