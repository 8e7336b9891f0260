//! `case show ID --as-of T`: the case as it stood at T, rebuilt from its events; a time
//! before a delegation shows the old holder; a time in the future is refused.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

const USERS_CSV: &str = "\
login,name,email,manager,groups
boss,Boss,boss@example.org,,
alice,Alice,alice@example.org,boss,ops
bob,Bob,bob@example.org,boss,ops
";

fn run(db: &Path, now: &str, user: &str, args: &[&str]) -> Output {
    Command::cargo_bin("casebench")
        .expect("the casebench binary")
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env("CASEBENCH_NOW", now)
        .env("TZ", "UTC")
        .env("COLUMNS", "200")
        .arg("--db")
        .arg(db)
        .args(["--as", user])
        .args(args)
        .output()
        .expect("casebench runs")
}

fn ok(db: &Path, now: &str, user: &str, args: &[&str]) -> String {
    let out = run(db, now, user, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A new store in `dir` with the users of `USERS_CSV`, made at `t0`.
fn store_with_users(dir: &Path, t0: &str) -> std::path::PathBuf {
    let db = dir.join("store");
    let users = dir.join("users.csv");
    std::fs::write(&users, USERS_CSV).unwrap();
    ok(&db, t0, "root", &["init"]);
    ok(
        &db,
        t0,
        "root",
        &["import", "users", users.to_str().unwrap()],
    );
    db
}

#[test]
fn as_of_before_a_delegation_shows_the_old_holder() {
    let (dir, t0) = (tempfile::tempdir().unwrap(), "2026-11-20T09:00:00Z");
    let db = store_with_users(dir.path(), t0);
    let new = [
        "case",
        "new",
        "--kind",
        "manual",
        "--title",
        "Rename",
        "--assignee",
        "alice",
    ];
    ok(&db, t0, "alice", &new);
    let t1 = "2026-11-20T15:00:00Z";
    ok(&db, t1, "alice", &["case", "delegate", "C-1", "bob"]);
    let later = "2026-11-21T09:00:00Z";

    let past = ok(
        &db,
        later,
        "alice",
        &[
            "case",
            "show",
            "C-1",
            "--as-of",
            "2026-11-20T14:00:00Z",
            "--json",
        ],
    );
    let v: Value = serde_json::from_str(&past).unwrap();
    assert_eq!(
        v["detail"]["work_items"][0]["assignees"],
        serde_json::json!(["alice"])
    );
    let after = ok(
        &db,
        later,
        "alice",
        &["case", "show", "C-1", "--as-of", t1, "--json"],
    );
    let v: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(
        v["detail"]["work_items"][0]["assignees"],
        serde_json::json!(["bob"])
    );
    assert_eq!(
        v["detail"]["work_items"][0]["delegated_by"],
        serde_json::json!(["alice"])
    );

    let text = ok(
        &db,
        later,
        "alice",
        &["case", "show", "C-1", "--as-of", "2026-11-20T14:00:00Z"],
    );
    assert!(text.starts_with("as of 2026-11-20 14:00"), "{text}");
    assert!(text.contains("(read-only)"), "{text}");

    let out = run(
        &db,
        later,
        "alice",
        &["case", "show", "C-1", "--as-of", "2026-11-22T09:00:00Z"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in the future"), "{err}");
    let before = run(
        &db,
        later,
        "alice",
        &["case", "show", "C-1", "--as-of", "2026-11-19T09:00:00Z"],
    );
    assert_ne!(before.status.code(), Some(0));
}

/// The ids of a `case list --json`.
fn ids(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_queue_as_of_a_past_time() {
    let (dir, t0) = (tempfile::tempdir().unwrap(), "2026-11-20T09:00:00Z");
    let db = store_with_users(dir.path(), t0);
    let new = |title: &'static str| {
        [
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            title,
            "--assignee",
            "alice",
        ]
    };
    ok(&db, t0, "alice", &new("Rename"));
    ok(&db, t0, "alice", &new("Unlock"));
    let t1 = "2026-11-20T15:00:00Z";
    ok(&db, t1, "alice", &["case", "delegate", "C-1", "bob"]);
    ok(&db, t1, "alice", &["case", "cancel", "C-2"]);
    ok(&db, t1, "alice", &new("Reset"));
    let later = "2026-11-21T09:00:00Z";
    let t = "2026-11-20T14:00:00Z";
    let list = |user: &str, queue: &str, at: Option<&str>| {
        let mut a = vec!["case", "list", "--queue", queue, "--json"];
        if let Some(at) = at {
            a.extend(["--as-of", at]);
        }
        ids(&ok(&db, later, user, &a))
    };

    // Delegated after T: the old holder's then, the new holder's now.
    assert_eq!(list("alice", "mine", Some(t)), ["C-1", "C-2"]);
    assert_eq!(list("bob", "mine", Some(t)), Vec::<String>::new());
    assert_eq!(list("bob", "mine", None), ["C-1"]);
    assert_eq!(list("alice", "delegated", None), ["C-1"]);
    assert_eq!(list("alice", "delegated", Some(t)), Vec::<String>::new());
    // Cancelled after T: open then, closed now.
    assert_eq!(list("alice", "open", Some(t)), ["C-1", "C-2"]);
    assert_eq!(list("alice", "closed", Some(t)), Vec::<String>::new());
    assert_eq!(list("alice", "closed", None), ["C-2"]);
    // Created after T: absent then.
    assert_eq!(list("alice", "all", Some(t)), ["C-2", "C-1"]);
    assert_eq!(list("alice", "all", None), ["C-3", "C-2", "C-1"]);
    // As of now, the same list as without --as-of.
    for q in ["mine", "open", "closed", "all"] {
        assert_eq!(list("alice", q, Some(later)), list("alice", q, None), "{q}");
    }

    let text = ok(
        &db,
        later,
        "alice",
        &["case", "list", "--queue", "mine", "--as-of", t],
    );
    assert!(text.starts_with("as of 2026-11-20 14:00"), "{text}");
    assert!(
        text.contains("(read-only)") && text.contains("Rename"),
        "{text}"
    );
    let out = run(
        &db,
        later,
        "alice",
        &["case", "list", "--as-of", "2026-11-22T09:00:00Z"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in the future"));
}
