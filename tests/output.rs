//! Issue 15, through the binary: text from outside never reaches the terminal raw (item 7),
//! a large export is read in bounded memory and opens a bounded number of cases (item 11),
//! a server restarted after a crash waits for the store, and clients wait for it (item 12).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use casebench::store::Store;

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-11-20T09:00:00Z";

const USERS: &str = "login,name,email,manager,groups
boss,Big Boss,boss@x.org,,ops
alice,Alice Martin,alice@x.org,boss,ops
";

const RESOURCES: &str = r#"
[[resource]]
id = "badge"
name = "Badge-Access"
kind = "semi-manual"
owners = "ops"
[resource.feed]
path = "badge.csv"
key = "account"
attributes = ["mail"]
"#;

/// A title that moves the cursor, sets the window title, writes the clipboard (OSC 52),
/// overwrites itself with CR and backspaces, and turns around with a bidi override.
const HOSTILE: &str =
    "a\x1b[2J\x1b]0;owned\x07b\x1b]52;c;ZXZpbA==\x07c\rFAKE\x08\x08d\u{202e}txt.exe\u{9b}31m\x7f";

/// What must never be printed for people.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn assert_neutral(what: &str, out: &str) {
    let raw = raw_controls(out);
    assert!(raw.is_empty(), "{what}: raw controls {raw:?} in {out:?}");
}

struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    db: PathBuf,
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
        env.ok("root", &["init"]);
        let users = env.write("users.csv", USERS);
        env.ok("root", &["import", "users", &users]);
        let res = env.write("resources.toml", RESOURCES);
        env.ok("root", &["import", "resources", &res]);
        env
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn cmd(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casebench").unwrap();
        c.arg("--db")
            .arg(&self.db)
            .args(["--as", actor])
            .args(args)
            .env("CASEBENCH_NOW", NOW)
            .env("TZ", "UTC")
            .env("COLUMNS", "400")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("XDG_CONFIG_HOME", self.dir.join("config"));
        c
    }

    fn ok(&self, actor: &str, args: &[&str]) -> String {
        let out = self.cmd(actor, args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    }

    fn json(&self, actor: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(actor, &a)).unwrap()
    }

    fn feed(&self, csv: &str) -> String {
        let file = self.write("badge.csv", csv);
        self.ok("root", &["resource", "feed", "badge", &file])
    }
}

#[test]
fn hostile_text_is_shown_escaped_and_kept_intact() {
    let e = Env::new();
    let made = e.ok(
        "alice",
        &["case", "new", "--kind", "manual", "--title", HOSTILE],
    );
    assert_neutral("case new", &made);
    let case = e.json("alice", &["case", "list", "--queue", "all"])["cases"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let said = e.ok("alice", &["case", "comment", &case, HOSTILE]);
    assert_neutral("case comment", &said);
    for args in [
        vec!["case", "show", &case],
        vec!["case", "list", "--queue", "all"],
        vec!["case", "history", &case],
        vec![],
    ] {
        let out = e.ok("alice", &args);
        assert_neutral(&format!("{args:?}"), &out);
        assert!(
            out.contains("a\\x1b[2J\\x1b]0;owned\\x07b"),
            "{args:?} shows the escapes: {out}"
        );
    }
    let show = e.ok("alice", &["case", "show", &case]);
    assert!(show.contains("\\u{202e}txt.exe\\u{9b}31m\\x7f"), "{show}");
    assert!(show.contains("c\\rFAKE\\x08\\x08d"), "{show}");

    // The store and --json keep the text as it was given.
    let v = e.json("alice", &["case", "show", &case]);
    assert_eq!(v["case"]["title"], HOSTILE);
    assert_eq!(v["comments"][0]["text"], HOSTILE);
}

#[test]
fn hostile_account_names_from_an_export_are_shown_escaped() {
    let e = Env::new();
    let account = "evil\x1b]52;c;ZXZpbA==\x07\u{2066}x";
    let out = e.feed(&format!("account,mail\n\"{account}\",\"m\x1b[5m@x.org\"\n"));
    assert_neutral("resource feed", &out);
    for args in [
        vec!["shadow", "list", "badge"],
        vec!["shadow", "show", "badge", account],
        vec!["case", "list", "--queue", "all"],
        vec!["resource", "show", "badge"],
    ] {
        let out = e.ok("root", &args);
        assert_neutral(&format!("{args:?}"), &out);
    }
    let list = e.json("root", &["case", "list", "--queue", "all"]);
    let case = list["cases"][0]["id"].as_str().unwrap().to_string();
    let title = list["cases"][0]["title"].as_str().unwrap();
    assert!(
        title.contains(account),
        "the title keeps the name: {title:?}"
    );
    let show = e.ok("root", &["case", "show", &case]);
    assert_neutral("case show", &show);
    assert!(
        show.contains("evil\\x1b]52;c;ZXZpbA==\\x07\\u{2066}x"),
        "{show}"
    );
    let v = e.json("root", &["shadow", "show", "badge", account]);
    assert_eq!(v["key"], account);
}

#[test]
fn errors_that_echo_a_value_are_one_escaped_line() {
    let e = Env::new();
    for args in [
        vec!["shadow", "show", "badge", "no\x1b]0;t\x07\rbody"],
        vec!["case", "show", "C-1\x1b[2J\rbody"],
        vec!["case", "list", "--queue", "x\x1b[2J"],
    ] {
        let out = e.cmd("root", &args).assert().failure();
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.starts_with("casebench: "), "{err:?}");
        assert_neutral("error", &err);
        assert!(err.contains("1b"), "{err}");
    }
}

/// Holds the store the way a client that opened it itself does, until dropped; then waits
/// until sled's file lock is free (spacejam/sled#1289).
struct Holder {
    store: Option<Store>,
    db: PathBuf,
}

impl Holder {
    fn hold(db: &Path) -> Holder {
        Holder {
            store: Some(Store::open(db).expect("open the store")),
            db: db.to_path_buf(),
        }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.store.take());
        let lock = std::fs::File::open(self.db.join("db")).expect("the lock file");
        let deadline = Instant::now() + Duration::from_secs(10);
        while lock.try_lock().is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A socket file nobody answers on: what a killed server leaves behind.
fn stale_socket(db: &Path) -> PathBuf {
    let socket = casebench::remote::socket_path(db);
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    socket
}

#[test]
fn a_server_restarted_after_a_crash_waits_for_the_store_and_clients_wait_for_it() {
    let e = Env::new();
    let socket = stale_socket(&e.db);
    let holder = Holder::hold(&e.db);

    // Bounded: with the store held throughout, serve says why it waits, then gives up (75).
    let out = e
        .cmd("root", &["serve", "--allow-root"])
        .env("CASEBENCH_STORE_WAIT", "1s")
        .timeout(Duration::from_secs(20))
        .assert()
        .code(75);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("waiting for the store") && err.contains("held by another process"),
        "{err}"
    );

    // Started while a client holds the store, serve waits for it instead of exiting.
    let mut server = Process::new(env!("CARGO_BIN_EXE_casebench"))
        .arg("--db")
        .arg(&e.db)
        .args(["serve", "--allow-root"])
        .env("XDG_CONFIG_HOME", e.dir.join("config"))
        .env_remove("CASEBENCH_NOW")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    BufReader::new(server.stderr.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    assert!(said.contains("waiting for the store"), "{said:?}");

    // A client finding the socket silent waits for the server instead of opening the store
    // (which the holder has: it would fail "busy").
    let mut client = e.cmd("alice", &["--json", "case", "list", "--queue", "all"]);
    client.timeout(Duration::from_secs(20));
    let client = std::thread::spawn(move || client.output().unwrap());
    std::thread::sleep(Duration::from_millis(200));
    drop(holder);
    let out = client.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(casebench::remote::server::running(&e.db));
    assert!(socket.exists());
    // SAFETY: sending SIGTERM to our own child.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    assert!(server.wait().unwrap().success());
}

#[test]
fn a_large_export_opens_a_bounded_number_of_cases_and_keeps_every_account() {
    let e = Env::new();
    let n = 20_000;
    let mut csv = String::from("account,mail\n");
    for i in 0..n {
        csv.push_str(&format!("zq{i:05},zq{i:05}@elsewhere.example\n"));
    }
    // A malformed row at the very end refuses the whole file before anything is written,
    // though the read commits its accounts in parts.
    let bad = e.write("bad.csv", &format!("{csv}zq-last\n"));
    let out = e
        .cmd("root", &["resource", "feed", "badge", &bad])
        .timeout(Duration::from_secs(300))
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains(&format!("line {}: malformed CSV", n + 2)),
        "{err}"
    );
    let none = e.json("root", &["shadow", "list", "badge"]);
    assert_eq!(
        none["shadows"].as_array().unwrap().len(),
        0,
        "nothing written"
    );
    let none = e.json("root", &["case", "list", "--queue", "all", "--limit", "0"]);
    assert_eq!(none["total"], 0, "no case opened");
    let file = e.write("badge.csv", &csv);
    let out = e
        .cmd("root", &["resource", "feed", "badge", &file])
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let said = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        said.contains("20000 accounts read")
            && said.contains("100 correlation cases opened")
            && said.contains("19900 more unknown accounts without a case"),
        "{said}"
    );
    let cases = e.json(
        "root",
        &["case", "list", "--queue", "all", "--limit", "1000"],
    );
    assert_eq!(cases["total"], 101, "100 correlation cases and one summary");
    let summary: Vec<&Value> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] != "correlation")
        .collect();
    assert_eq!(summary.len(), 1);
    assert!(
        summary[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("19900 unknown accounts in export "),
        "{summary:?}"
    );
    let shadows = e.json("root", &["shadow", "list", "badge"]);
    assert_eq!(shadows["shadows"].as_array().unwrap().len(), n);
    // Reading the same accounts again opens nothing new.
    e.cmd("root", &["resource", "feed", "badge", &file])
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let again = e.json("root", &["case", "list", "--queue", "all", "--limit", "0"]);
    assert_eq!(again["total"], 101);
}
