//! End to end: the real binary in tmux on a demo store, driven with send-keys and read with
//! capture-pane, then checked through the CLI's `case history --json`. Skipped (with a notice)
//! when tmux is not installed; `.ci/run` installs it.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_casebench");

/// A private tmux server (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    target: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Starts `shell` in a detached 120×40 session on a server of its own (`name` keeps the
    /// tests of one process apart).
    fn start(name: &str, shell: &str) -> Tmux {
        let t = Tmux {
            socket: format!("casebench-test-{}-{name}", std::process::id()),
            target: "e2e".into(),
        };
        let out = t.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "120",
            "-y",
            "40",
            shell,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        t
    }

    fn screen(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-t", &self.target]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`; fails with the screen after `secs`.
    fn wait_for(&self, text: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("waited {secs}s for {text:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.target];
        args.extend_from_slice(keys);
        let out = self.cmd(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    fn type_text(&self, text: &str) {
        let out = self.cmd(&["send-keys", "-t", &self.target, "-l", text]);
        assert!(out.status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn cli(db: &Path, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .env_remove("CASEBENCH_NOW")
        .env_remove("CASEBENCH_USER")
        .arg("--db")
        .arg(db)
        .args(["--as", "alice", "--json"])
        .args(args)
        .output()
        .expect("run casebench");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// A demo store and an empty config directory under `dir`.
fn demo(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let db = dir.join("demo");
    let config = dir.join("config");
    std::fs::create_dir_all(&config).unwrap();
    let built = Command::new(BIN)
        .env_remove("CASEBENCH_NOW")
        .arg("--db")
        .arg(&db)
        .args(["demo", "--build-only"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    (db, config)
}

/// The TUI on `db` as alice in a tmux session, with the shell's report of its exit.
fn tui(name: &str, db: &Path, config: &Path) -> Tmux {
    let shell = format!(
        "env -u CASEBENCH_NOW -u CASEBENCH_USER XDG_CONFIG_HOME={} TERM=xterm-256color {} --db {} --as alice; echo CASEBENCH-EXITED $?; sleep 60",
        quote(config),
        quote(Path::new(BIN)),
        quote(db)
    );
    Tmux::start(name, &shell)
}

#[test]
fn j_in_the_filter_types_and_the_footer_says_what_acts() {
    if !Tmux::available() {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI filter test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, config) = demo(dir.path());
    let tmux = tui("filterj", &db, &config);
    tmux.wait_for("(nothing due)", 10);
    tmux.keys(&["/"]);
    tmux.wait_for("enter keep", 5);
    tmux.keys(&["j"]);
    let screen = tmux.wait_for("/ j ", 5);
    assert!(screen.contains("match"), "{screen}");
    assert!(!screen.contains("j down"), "{screen}");
    assert!(screen.contains("down next"), "{screen}");
    // Esc clears the filter, then leaves the field.
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for("/ filter", 5);
    tmux.keys(&["q"]);
    tmux.wait_for("CASEBENCH-EXITED 0", 10);
}

#[test]
fn filter_open_comment_delegate_complete_in_tmux() {
    if !Tmux::available() {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, config) = demo(dir.path());

    // A case of alice's own, named by its id so the filter has one answer.
    let mine = cli(&db, &["case", "list", "--queue", "mine"]);
    let case = mine["cases"][0]["id"]
        .as_str()
        .expect("alice has cases")
        .to_string();
    let title = mine["cases"][0]["title"].as_str().unwrap().to_string();

    let tmux = tui("flow", &db, &config);
    tmux.wait_for("Mine", 10);
    tmux.wait_for("(nothing due)", 10);

    // Filter the inbox down to the case.
    tmux.keys(&["/"]);
    tmux.type_text(&case);
    tmux.wait_for(" 1 match ", 5);
    tmux.keys(&["Enter"]);
    // Open it.
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("Case {case} "), 5);
    let head: String = title.chars().take(30).collect();
    tmux.wait_for(&head, 5);

    // Write a comment.
    tmux.keys(&["c"]);
    tmux.wait_for(&format!("Comment on {case}"), 5);
    tmux.type_text("Checked with the owner over tmux");
    tmux.keys(&["C-s"]);
    tmux.wait_for("commented on", 5);
    tmux.wait_for("Checked with the owner over tmux", 5);

    // Delegate to a group, keeping alice as assignee.
    tmux.keys(&["d"]);
    tmux.wait_for(&format!("Delegate {case}"), 5);
    tmux.type_text("db-admins");
    tmux.wait_for("▸ @db-admins", 5);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Right"]);
    tmux.wait_for("(•) add to the assignees", 5);
    tmux.keys(&["C-s"]);
    tmux.wait_for("Confirm", 5);
    tmux.keys(&["y"]);
    tmux.wait_for("delegated to @db-admins", 5);

    // Complete the work item.
    tmux.keys(&["a"]);
    tmux.wait_for(&format!("Complete {case}"), 5);
    tmux.keys(&["C-s"]);
    tmux.wait_for("Complete your work item", 5);
    tmux.keys(&["y"]);
    tmux.wait_for("completed", 5);

    // Back to the inbox, then quit; the terminal is given back.
    tmux.keys(&["q"]);
    tmux.keys(&["q"]);
    tmux.wait_for("CASEBENCH-EXITED 0", 10);
    drop(tmux);

    let history = cli(&db, &["case", "history", &case]);
    let events = history["events"].as_array().unwrap();
    let tag = |e: &Value| match &e["what"] {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.keys().next().unwrap().clone(),
        other => panic!("{other}"),
    };
    let commented = events
        .iter()
        .find(|e| tag(e) == "commented" && e["why"] == "Checked with the owner over tmux");
    assert!(commented.is_some(), "no comment in {history}");
    let delegated = events
        .iter()
        .find(|e| tag(e) == "delegated")
        .unwrap_or_else(|| panic!("no delegation in {history}"));
    assert_eq!(delegated["what"]["delegated"]["to"]["group"], "db-admins");
    assert_eq!(delegated["what"]["delegated"]["method"], "add");
    assert_eq!(delegated["actor"], "alice");
    let completed = events
        .iter()
        .find(|e| tag(e) == "work-item-completed")
        .unwrap_or_else(|| panic!("no completion in {history}"));
    assert_eq!(completed["actor"], "alice");
}

#[test]
fn sigterm_quits_and_gives_the_terminal_back() {
    if !Tmux::available() {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI SIGTERM test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let init = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["--as", "alice", "init"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let shell = format!(
        "env -u CASEBENCH_NOW XDG_CONFIG_HOME={} TERM=xterm-256color {} --db {} --as alice; echo CASEBENCH-EXITED $?; stty -a | grep -q -- '-icanon' && echo STILL-RAW || echo COOKED; sleep 60",
        quote(dir.path()),
        quote(Path::new(BIN)),
        quote(&db)
    );
    let tmux = Tmux::start("sigterm", &shell);
    tmux.wait_for("No cases in Mine", 10);
    // The shell's child is casebench (env execs it).
    let out = tmux.cmd(&["display-message", "-p", "-t", &tmux.target, "#{pane_pid}"]);
    let shell_pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let children = Command::new("ps")
        .args(["-o", "pid=", "--ppid", &shell_pid])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&children.stdout)
        .split_whitespace()
        .next()
        .expect("casebench runs under the shell")
        .to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let screen = tmux.wait_for("CASEBENCH-EXITED 0", 10);
    let screen = if screen.contains("COOKED") || screen.contains("STILL-RAW") {
        screen
    } else {
        tmux.wait_for("COOKED", 5)
    };
    assert!(screen.contains("COOKED"), "raw mode left on:\n{screen}");
    assert!(
        !screen.contains("No cases in Mine"),
        "alternate screen left on:\n{screen}"
    );
}
