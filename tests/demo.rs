//! Every open case of the demo store can be worked with the product's own verbs: each is
//! shown, and the verb of its kind is accepted (run in a throwaway copy of the store).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-11-26T09:00:00Z";

fn run(db: &Path, user: &str, args: &[&str]) -> Output {
    Command::cargo_bin("casebench")
        .expect("the casebench binary")
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env("CASEBENCH_NOW", NOW)
        .env("TZ", "UTC")
        .env("COLUMNS", "200")
        .arg("--db")
        .arg(db)
        .args(["--as", user])
        .args(args)
        .output()
        .expect("casebench runs")
}

/// Runs and asserts exit 0; returns stdout.
fn ok(db: &Path, user: &str, args: &[&str]) -> String {
    let out = run(db, user, args);
    assert!(
        out.status.success(),
        "{user}: {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The verb that works a case of `kind` (the destructive one, run in a copy).
fn verb(kind: &str, id: &str) -> Vec<String> {
    let args: &[&str] = match kind {
        "correlation" => &["case", "correlate", id, "--orphan"],
        "approval" => &["case", "complete", id, "--outcome", "approve"],
        "remediation" | "manual-provisioning" | "generic" => {
            &["case", "complete", id, "--outcome", "success"]
        }
        other => panic!("{id}: the demo has a {other} case, which no verb works"),
    };
    args.iter().map(|s| s.to_string()).collect()
}

/// A member of `group` in the demo's users.
fn member_of(group: &str) -> Option<String> {
    let users = std::fs::read_to_string("assets/demo/users.csv").unwrap();
    users.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        f[4].split(';')
            .any(|g| g == group)
            .then(|| f[0].to_string())
    })
}

#[test]
fn every_open_demo_case_is_workable() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let built = Command::cargo_bin("casebench")
        .unwrap()
        .env("CASEBENCH_NOW", NOW)
        .arg("--db")
        .arg(&demo)
        .args(["demo", "--build-only"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    // The demo's store is consistent (its propagation and export-grace timers included).
    assert!(ok(&demo, "admin", &["check"]).contains("is consistent"));
    // The demo's default working-time calendar (its `standard` policy counts in it): Friday
    // 16:00 in Berlin plus one business day is Monday 16:00.
    let args = [
        "--json",
        "calendar",
        "show",
        "--from",
        "2026-11-27T15:00:00Z",
        "--add",
        "1bd",
    ];
    let due: Value = serde_json::from_str(&ok(&demo, "admin", &args)).expect("JSON");
    assert_eq!(
        (&due["calendar"], &due["due"]),
        (&"office".into(), &"2026-11-30T15:00:00Z".into())
    );

    let list = ok(
        &demo,
        "admin",
        &[
            "--json", "case", "list", "--queue", "open", "--limit", "100000",
        ],
    );
    let list: Value = serde_json::from_str(&list).expect("JSON");
    let cases = list["cases"].as_array().expect("cases");
    assert_eq!(cases.len() as u64, list["total"].as_u64().unwrap());
    let of_kind = |k: &str| cases.iter().filter(|c| c["kind"] == k).count();
    assert!(
        of_kind("correlation") >= 3,
        "several open correlation cases"
    );
    assert!(of_kind("remediation") >= 1);
    // Its campaigns' certification cases are decided item by item (tests/demo_campaigns.rs).
    assert!(
        of_kind("certification") >= 2,
        "the demo's campaign in review"
    );

    let mut two_candidates = false;
    for (n, case) in cases.iter().enumerate() {
        let id = case["id"].as_str().unwrap();
        let kind = case["kind"].as_str().unwrap();
        if kind == "certification" {
            continue;
        }
        let shown = ok(&demo, "admin", &["case", "show", id]);
        if kind == "correlation" {
            let candidates = shown.matches("\n  candidate ").count();
            two_candidates |= candidates >= 2;
            assert!(
                candidates > 0 || shown.contains("no user matches"),
                "{id}: a correlation case without candidates:\n{shown}"
            );
        }
        // Its assignee works it, or the administrator when it waits in a queue; an approval
        // step waiting for a group, a member of it.
        let member = case["candidates"][0]
            .as_str()
            .filter(|_| kind == "approval")
            .and_then(member_of);
        let actor = case["assignees"][0]
            .as_str()
            .or(member.as_deref())
            .unwrap_or("admin");
        let copy = dir.path().join(format!("copy-{n}"));
        copy_dir(&demo, &copy);
        if member.is_some() && case["assignees"][0].is_null() {
            ok(&copy, actor, &["case", "claim", id]);
        }
        let args = verb(kind, id);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&copy, actor, &args);
        std::fs::remove_dir_all(&copy).unwrap();
    }
    assert!(two_candidates, "a correlation case with two candidates");

    // One open correlation case is in the administrator's own queue.
    let mine = ok(
        &demo,
        "admin",
        &["--json", "case", "list", "--queue", "mine"],
    );
    let mine: Value = serde_json::from_str(&mine).expect("JSON");
    let mine = mine["cases"].as_array().unwrap();
    assert!(
        mine.iter().any(|c| c["kind"] == "correlation"),
        "no correlation case in admin's Mine: {mine:?}"
    );
}
