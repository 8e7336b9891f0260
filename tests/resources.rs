//! Manual and semi-manual resources through the CLI: the midPoint story (assignment →
//! pending add → case → an administrator does it → the shadow exists), modify, delete and
//! failure; a semi-manual export over several sweeps; propagation of 50 operations.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    db: PathBuf,
    dir: PathBuf,
}

const USERS: &str = "login,name,email,manager,groups
boss,Big Boss,boss@x.org,,ops
alice,Alice Martin,alice@x.org,boss,ops
bob,Bob Keller,bob@x.org,boss,sec
jdoe,John Doe,jdoe@x.org,boss,
jane,Jane Doe,jane.doe@x.org,boss,
";

const RESOURCES: &str = r#"
[[resource]]
id = "sap"
name = "SAP-HR"
kind = "manual"
owners = "ops"

[[resource]]
id = "files"
name = "FileServer-02"
kind = "manual"
owners = "ops"
propagation = "1h"

[[resource]]
id = "badge"
name = "Badge-Access"
kind = "semi-manual"
owners = "sec"
grace = "30m"
[resource.feed]
path = "badge.csv"
key = "account"
attributes = ["mail", "zone"]
"#;

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        let env = Env {
            db: base.join("store"),
            dir: base,
            _dir: dir,
        };
        std::fs::write(env.dir.join("users.csv"), USERS).unwrap();
        std::fs::write(env.dir.join("resources.toml"), RESOURCES).unwrap();
        env.ok("root", &["init"]);
        let users = env.dir.join("users.csv");
        env.ok("root", &["import", "users", users.to_str().unwrap()]);
        let res = env.dir.join("resources.toml");
        env.ok("root", &["import", "resources", res.to_str().unwrap()]);
        env
    }

    fn cmd(&self, actor: &str, now: &str, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casebench").unwrap();
        c.arg("--db")
            .arg(&self.db)
            .args(["--as", actor])
            .args(args)
            .env("CASEBENCH_NOW", now)
            .env("TZ", "UTC")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("XDG_CONFIG_HOME", self.dir.join("config"));
        c
    }

    fn ok(&self, actor: &str, args: &[&str]) -> String {
        self.ok_at(actor, "2026-12-01T09:00:00Z", args)
    }

    fn ok_at(&self, actor: &str, now: &str, args: &[&str]) -> String {
        let out = self.cmd(actor, now, args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    fn json(&self, actor: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(actor, &a)).unwrap()
    }

    fn json_at(&self, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok_at("root", now, &a)).unwrap()
    }

    fn shadow(&self, resource: &str, account: &str) -> Value {
        self.json("root", &["shadow", "show", resource, account])
    }

    fn export(&self, text: &str) {
        std::fs::write(self.dir.join("badge.csv"), text).unwrap();
    }
}

fn case_of(applied: &str) -> String {
    // "op 1 on jdoe: C-1 opened for @ops"
    applied
        .split_whitespace()
        .find(|w| w.starts_with("C-"))
        .unwrap()
        .trim_end_matches(':')
        .to_string()
}

fn events(v: &Value) -> Vec<Value> {
    v["events"].as_array().unwrap().clone()
}

#[test]
fn the_midpoint_story_add_modify_delete_and_failure() {
    let e = Env::new();
    // The IDM computes an account for jdoe's new role: a pending add and a case.
    let out = e.ok(
        "root",
        &[
            "provision",
            "add",
            "sap",
            "--account",
            "jdoe",
            "--owner",
            "jdoe",
            "--set",
            "mail=jdoe@x.org",
            "--set",
            "dept=HR",
        ],
    );
    let case = case_of(&out);
    let s = e.shadow("sap", "jdoe");
    assert_eq!(s["state"], "proposed");
    assert_eq!(s["pending"][0]["execution"], "executing");
    assert_eq!(s["pending"][0]["case"], Value::String(case.clone()));
    // The case says exactly what to do.
    let show = e.json("alice", &["case", "show", &case]);
    assert_eq!(show["case"]["kind"], "manual-provisioning");
    let op = &show["operations"][0]["operation"];
    assert_eq!(op["kind"], "add");
    let changes: Vec<(String, String)> = op["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["new"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("mail".into(), "jdoe@x.org".into()),
            ("dept".into(), "HR".into())
        ]
    );
    let text = e.ok("alice", &["case", "show", &case]);
    assert!(text.contains("add mail = jdoe@x.org, dept = HR"), "{text}");
    // An administrator of the owners' group does it.
    e.ok("alice", &["case", "claim", &case]);
    e.ok(
        "alice",
        &[
            "case",
            "complete",
            &case,
            "--outcome",
            "success",
            "--comment",
            "created in SU01",
        ],
    );
    let s = e.shadow("sap", "jdoe");
    assert_eq!(s["state"], "exists");
    assert_eq!(s["attributes"]["dept"], "HR");
    assert_eq!(s["pending"][0]["result"], "success");

    // Modify: old → new in the case, applied on success.
    let case = case_of(&e.ok(
        "root",
        &[
            "provision",
            "modify",
            "sap",
            "--account",
            "jdoe",
            "--set",
            "dept=IT",
        ],
    ));
    let text = e.ok("alice", &["case", "show", &case]);
    assert!(text.contains("dept: HR → IT"), "{text}");
    e.ok("alice", &["case", "claim", &case]);
    e.ok(
        "alice",
        &["case", "complete", &case, "--outcome", "success"],
    );
    assert_eq!(e.shadow("sap", "jdoe")["attributes"]["dept"], "IT");

    // Failure: the shadow stays, the operation is failed with the reason.
    let case = case_of(&e.ok(
        "root",
        &[
            "provision",
            "modify",
            "sap",
            "--account",
            "jdoe",
            "--set",
            "dept=Sales",
        ],
    ));
    e.ok("alice", &["case", "claim", &case]);
    e.ok(
        "alice",
        &[
            "case",
            "complete",
            &case,
            "--outcome",
            "failure",
            "--comment",
            "SAP is locked",
        ],
    );
    let s = e.shadow("sap", "jdoe");
    assert_eq!(s["attributes"]["dept"], "IT");
    let failed = s["pending"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(failed["result"], "failure");
    assert_eq!(failed["reason"], "SAP is locked");

    // Delete: the account ends Dead.
    let case = case_of(&e.ok("root", &["provision", "delete", "sap", "--account", "jdoe"]));
    e.ok("alice", &["case", "claim", &case]);
    e.ok(
        "alice",
        &["case", "complete", &case, "--outcome", "success"],
    );
    assert_eq!(e.shadow("sap", "jdoe")["state"], "dead");

    // The case's history records the operation.
    let h = e.json("root", &["case", "history", &case]);
    assert!(events(&h)
        .iter()
        .any(|ev| ev["what"].get("operation-completed").is_some()));

    // Bad requests change nothing.
    e.cmd(
        "root",
        "2026-12-01T09:00:00Z",
        &[
            "provision",
            "modify",
            "sap",
            "--account",
            "nobody",
            "--set",
            "a=b",
        ],
    )
    .assert()
    .code(3);
    e.cmd(
        "root",
        "2026-12-01T09:00:00Z",
        &["provision", "add", "nope", "--account", "x"],
    )
    .assert()
    .code(3);
    e.cmd(
        "root",
        "2026-12-01T09:00:00Z",
        &[
            "provision",
            "add",
            "sap",
            "--account",
            "x",
            "--set",
            "novalue",
        ],
    )
    .assert()
    .code(2);
    e.cmd(
        "alice",
        "2026-12-01T09:00:00Z",
        &["provision", "add", "sap", "--account", "x"],
    )
    .assert()
    .code(4);
}

#[test]
fn a_semi_manual_export_over_several_sweeps() {
    let e = Env::new();
    let t = |hm: &str| format!("2026-12-01T{hm}:00Z");
    // Two accounts requested and worked.
    let c1 = case_of(&e.ok(
        "root",
        &[
            "provision",
            "add",
            "badge",
            "--account",
            "alice",
            "--owner",
            "alice",
            "--set",
            "mail=alice@x.org",
            "--set",
            "zone=A",
        ],
    ));
    let c2 = case_of(&e.ok(
        "root",
        &[
            "provision",
            "add",
            "badge",
            "--account",
            "bob",
            "--owner",
            "bob",
            "--set",
            "mail=bob@x.org",
            "--set",
            "zone=B",
        ],
    ));
    e.ok("bob", &["case", "claim", &c2]);
    e.ok("bob", &["case", "complete", &c2, "--outcome", "success"]);

    // 09:10 export: alice's account is there (confirms her open case), bob's not yet;
    // svc_door belongs to nobody; jdoe is obviously jdoe.
    e.export("account,mail,zone\nalice,alice@x.org,A\nsvc_door,,C\njdoe,jdoe@x.org,A\n");
    let r = e.json_at(&t("09:10"), &["sweep"]);
    let actions: Vec<&str> = r["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert!(
        actions[0].contains("1 operations confirmed") && actions[0].contains("1 correlation"),
        "{actions:?}"
    );
    let show = e.json("root", &["case", "show", &c1]);
    assert_eq!(show["case"]["state"], "closed", "confirmed by the export");
    assert_eq!(e.shadow("badge", "alice")["pending"][0]["confirmed"], true);
    assert_eq!(e.shadow("badge", "jdoe")["owner"], "jdoe");
    // Same file, later sweep: nothing new (bob still within grace).
    let r = e.json_at(&t("09:20"), &["sweep"]);
    assert_eq!(r["fired"].as_array().unwrap().len(), 0);
    // After the grace period the unconfirmed completion is a divergence: a remediation case.
    let r = e.json_at(&t("09:45"), &["sweep"]);
    let fired = r["fired"].as_array().unwrap();
    assert_eq!(fired.len(), 1);
    assert!(
        fired[0]["action"]
            .as_str()
            .unwrap()
            .contains("1 remediation"),
        "{fired:?}"
    );
    let open = e.json("root", &["case", "list", "--queue", "open"]);
    let titles: Vec<&str> = open["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Divergence: account bob on Badge-Access"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Who owns account svc_door on Badge-Access?"),
        "{titles:?}"
    );

    // The correlation case lists candidates; a person picks the owner.
    let corr = open["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "correlation")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let show = e.json("bob", &["case", "show", &corr]);
    assert_eq!(show["case"]["correlation"]["account"], "svc_door");
    e.cmd(
        "alice",
        &t("09:50"),
        &["case", "correlate", &corr, "--owner", "bob"],
    )
    .assert()
    .code(4);
    e.ok_at(
        "bob",
        &t("09:50"),
        &["case", "correlate", &corr, "--owner", "boss"],
    );
    assert_eq!(e.shadow("badge", "svc_door")["owner"], "boss");
    assert_eq!(
        e.json("root", &["case", "show", &corr])["case"]["state"],
        "closed"
    );

    // A changed attribute behind casebench's back: remediation naming what differs.
    e.export(
        "account,mail,zone\nalice,alice@x.org,Z\nsvc_door,,C\njdoe,jdoe@x.org,A\nbob,bob@x.org,B\n",
    );
    e.json_at(&t("10:00"), &["sweep"]);
    let open = e.json(
        "root",
        &["case", "list", "--queue", "open", "--filter", "alice"],
    );
    let case = open["cases"][0]["id"].as_str().unwrap().to_string();
    let text = e.ok("root", &["case", "show", &case]);
    assert!(
        text.contains("zone: A in casebench, Z in the export"),
        "{text}"
    );

    // A malformed export is refused whole, naming file and line; nothing changes.
    let before = e.json("root", &["shadow", "list", "badge"]);
    let cases_before = e.json("root", &["case", "list", "--queue", "all"])["total"].clone();
    e.export("account,mail,zone\nalice,alice@x.org,A\nalice,dup@x.org,A\n");
    let out = e
        .cmd(
            "root",
            &t("10:10"),
            &[
                "resource",
                "feed",
                "badge",
                e.dir.join("badge.csv").to_str().unwrap(),
            ],
        )
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("badge.csv: line 3: duplicate account \"alice\""),
        "{err}"
    );
    let r = e.json_at(&t("10:10"), &["sweep"]);
    assert!(r["fired"][0]["action"]
        .as_str()
        .unwrap()
        .contains("export refused"));
    e.export("login,mail,zone\nalice,alice@x.org,A\n");
    e.cmd(
        "root",
        &t("10:11"),
        &[
            "resource",
            "feed",
            "badge",
            e.dir.join("badge.csv").to_str().unwrap(),
        ],
    )
    .assert()
    .code(2);
    assert_eq!(e.json("root", &["shadow", "list", "badge"]), before);
    assert_eq!(
        e.json("root", &["case", "list", "--queue", "all"])["total"],
        cases_before
    );
}

#[test]
fn fifty_operations_in_one_interval_make_one_case() {
    let e = Env::new();
    for i in 0..50 {
        let account = format!("user{}", i % 40);
        let kind = if i < 40 { "add" } else { "modify" };
        let quota = format!("quota={}G", i);
        e.ok_at(
            "root",
            "2026-12-01T09:05:00Z",
            &[
                "provision",
                kind,
                "files",
                "--account",
                &account,
                "--set",
                &quota,
            ],
        );
    }
    // Nothing yet: the interval runs.
    assert_eq!(
        e.json("root", &["case", "list", "--queue", "all"])["total"],
        0
    );
    let r = e.json_at("2026-12-01T10:05:00Z", &["sweep"]);
    assert_eq!(r["fired"].as_array().unwrap().len(), 1);
    let all = e.json("root", &["case", "list", "--queue", "all"]);
    assert_eq!(all["total"], 1, "exactly one case");
    let case = all["cases"][0]["id"].as_str().unwrap().to_string();
    let show = e.json("root", &["case", "show", &case]);
    let ops = show["operations"].as_array().unwrap();
    // 40 adds; the 10 modifies merged into the adds of their accounts.
    assert_eq!(ops.len(), 40);
    assert!(ops.iter().all(|o| o["operation"]["kind"] == "add"));
    let user0 = ops.iter().find(|o| o["account"] == "user0").unwrap();
    assert_eq!(user0["operation"]["changes"][0]["new"], "40G");
    e.ok("alice", &["case", "claim", &case]);
    e.ok(
        "alice",
        &["case", "complete", &case, "--outcome", "success"],
    );
    let shadows = e.json("root", &["shadow", "list", "files"]);
    let list = shadows["shadows"].as_array().unwrap();
    assert_eq!(list.len(), 40);
    assert!(list.iter().all(|s| s["state"] == "exists"));
    let s9 = list.iter().find(|s| s["key"] == "user9").unwrap();
    assert_eq!(s9["attributes"]["quota"], "49G");
    // A second sweep opens nothing more.
    let r = e.json_at("2026-12-01T12:00:00Z", &["sweep"]);
    assert_eq!(r["fired"].as_array().unwrap().len(), 0);
}
