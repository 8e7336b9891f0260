//! End to end, approvals: a store prepared through the library (users, a product whose policy
//! has two levels, bob's request), then the real binary in tmux as ann, bob's manager: the
//! approval is in Mine, its detail shows the product and the level, `a` and Ctrl-s approve,
//! and `casebench request show R-1 --json` then says level 1 approved and level 2 open.
//! Skipped (with a notice) when tmux is missing.

use std::path::Path;
use std::process::Command as Process;
use std::sync::Arc;

use chrono::{TimeZone, Utc};

use casebench::engine::ManualClock;

mod tmux;
mod vpn_store;

use tmux::{tmux, Server};

const BIN: &str = env!("CARGO_BIN_EXE_casebench");
const NOW: &str = "2026-12-01T10:03:00Z";

/// The VPN store (tests/vpn_store), the engine dropped before the binary opens it.
fn prepare(db: &Path) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    drop(vpn_store::prepare(db, clock));
}

#[test]
fn ann_approves_bobs_vpn_request_in_the_tui() {
    if !Process::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI approvals test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    prepare(&db);
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let q = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let shell = format!(
        "env -u CASEBENCH_USER CASEBENCH_NOW={NOW} XDG_CONFIG_HOME={} TERM=xterm-256color {} --db {} --as ann; echo CASEBENCH-EXITED $?; sleep 60",
        q(&config),
        q(Path::new(BIN)),
        q(&db)
    );
    let server = Server(format!("casebench-approvals-{}", std::process::id()));
    let args = [
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "40",
        &shell,
    ];
    assert!(tmux(&server.0, &args).status.success(), "tmux new-session");

    // The header's counts come before the queue's rows (under load, "loading…" a moment):
    // wait for the row itself.
    let screen = server.until("Approve Remote VPN for bob", 10);
    assert!(screen.contains("Approvals 1"), "{screen}");
    assert!(screen.contains("1 Mine 1"), "{screen}");
    server.send(&["Enter"]);
    let screen = server.until("› level 1  manager", 5);
    assert!(screen.contains("Request R-1"), "{screen}");
    assert!(screen.contains("Remote VPN (vpn)"), "{screen}");
    assert!(screen.contains("level 1 of 2"), "{screen}");
    assert!(screen.contains("90d from approval"), "{screen}");
    server.send(&["a"]);
    server.until("Approve R-1 on C-1?", 5);
    server.send(&["-l", "fine by me"]);
    server.send(&["C-s"]);
    server.until("waits for @vpn-owners", 5);
    // The queue's refresh follows the reply (under load, a frame or two later).
    server.until_gone("Approvals 1", 5);
    server.until("ann (approved) · 2026-12-01 10:03", 5);
    server.send(&["q"]);
    server.send(&["q"]);
    server.until("CASEBENCH-EXITED 0", 10);

    let out = Process::new(BIN)
        .env("CASEBENCH_NOW", NOW)
        .env_remove("CASEBENCH_USER")
        .arg("--db")
        .arg(&db)
        .args(["--as", "bob", "request", "show", "R-1", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = shown.to_string();
    let approval = shown
        .pointer("/request/approval")
        .unwrap_or_else(|| panic!("no approval: {text}"));
    assert_eq!(approval["level"], 1, "{text}");
    let steps = approval["steps"].as_array().unwrap();
    assert_eq!(steps[0]["state"], "approved", "{text}");
    assert_eq!(steps[0]["decisions"][0]["by"], "ann", "{text}");
    assert_eq!(steps[0]["decisions"][0]["comment"], "fine by me", "{text}");
    assert_eq!(steps[1]["state"], "open", "{text}");
}
