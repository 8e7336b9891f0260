//! A certification campaign through the binary: definitions imported (and a bad file
//! refused at its line, changing nothing), a run started over accounts made by the CLI,
//! decisions by number and in bulk, refusals (not the reviewer's, a closed stage, after the
//! deadline, a reduce of a value the account lacks), the stage advanced, and the report as
//! JSON and CSV.

use assert_cmd::Command;
use serde_json::Value;

const USERS: &str = "login,name,email,manager,groups\n\
root,Root,root@example.org,,\n\
dora,Dora,dora@example.org,,staff\n\
ann,Ann,ann@example.org,dora,staff\n\
bob,Bob,bob@example.org,ann,staff\n\
carl,Carl,carl@example.org,ann,staff\n\
olga,Olga,olga@example.org,,ops\n";

const RESOURCES: &str = r#"
[[resource]]
id = "sap"
name = "SAP"
kind = "manual"
owners = "ops"
"#;

const CAMPAIGNS: &str = r#"[[campaign]]
name = "q4"
description = "Quarterly review of sap"
scope = { resources = ["sap"] }

[[campaign.stage]]
name = "managers"
reviewers = "manager"
duration = "7d"
reminders = ["48h"]

[[campaign.stage]]
name = "owners"
reviewers = "owners"
duration = "7d"
items = "accepted"
"#;

const T0: &str = "2026-12-01T09:00:00Z";
const T1: &str = "2026-12-02T09:00:00Z";

struct Env {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
}

impl Env {
    fn cmd(&self, actor: &str, now: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("casebench")
            .unwrap()
            .arg("--db")
            .arg(self.dir.join("store"))
            .args(["--as", actor])
            .args(args)
            .env("CASEBENCH_NOW", now)
            .env("TZ", "UTC")
            .env("COLUMNS", "200")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .assert()
    }

    fn run(&self, actor: &str, now: &str, args: &[&str]) -> String {
        let out = self.cmd(actor, now, args).success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    /// A refused command: its exit code and its one-line error.
    fn fail(&self, actor: &str, now: &str, args: &[&str]) -> (i32, String) {
        let out = self.cmd(actor, now, args).failure();
        let o = out.get_output();
        let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        (o.status.code().unwrap(), err)
    }

    fn json(&self, actor: &str, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.run(actor, now, &a)).unwrap()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// An account on sap through its manual case, carried out by olga (ops).
    fn account(&self, login: &str, groups: &str) {
        let set = format!("groups={groups}");
        let a = self.json(
            "root",
            T0,
            &[
                "provision",
                "add",
                "sap",
                "--account",
                login,
                "--owner",
                login,
                "--set",
                &set,
            ],
        );
        let case = a["case"].as_str().expect("a case").to_string();
        self.run("olga", T0, &["case", "claim", &case]);
        self.run(
            "olga",
            T0,
            &["case", "complete", &case, "--outcome", "success"],
        );
    }

    /// The items of q4: (number, account key, decision now).
    fn items(&self, now: &str) -> Vec<(u64, String, Value)> {
        let v = self.json("root", now, &["campaign", "show", "q4", "--items"]);
        v["items"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let key = i["subject"]["account"]["key"].as_str().unwrap().to_string();
                (i["no"].as_u64().unwrap(), key, i["current"].clone())
            })
            .collect()
    }
}

fn world() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let env = Env {
        dir: dir.path().to_path_buf(),
        _dir: dir,
    };
    env.run("root", T0, &["init"]);
    let users = env.file("users.csv", USERS);
    env.run("root", T0, &["import", "users", &users]);
    let res = env.file("resources.toml", RESOURCES);
    env.run("root", T0, &["import", "resources", &res]);
    env.account("bob", "fin-ro;fin-rw");
    env.account("carl", "fin-ro");
    env
}

#[test]
fn a_bad_campaigns_file_is_refused_at_its_line_and_changes_nothing() {
    let env = world();
    let unknown = env.file(
        "unknown.toml",
        &CAMPAIGNS.replace("[\"sap\"]", "[\"sapp\"]"),
    );
    let (code, err) = env.fail("root", T0, &["import", "campaigns", &unknown]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.ends_with("unknown.toml:4: no resource \"sapp\" (scope of q4)"),
        "{err}"
    );
    let late = env.file("late.toml", &CAMPAIGNS.replace("\"48h\"", "\"8d\""));
    let (code, err) = env.fail("root", T0, &["import", "campaigns", &late]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("late.toml:10: campaign \"q4\": stage 1: a reminder"),
        "{err}"
    );
    let typo = env.file("typo.toml", &CAMPAIGNS.replace("items =", "itemz ="));
    let (code, err) = env.fail("root", T0, &["import", "campaigns", &typo]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("typo.toml:16: unknown field `itemz`"), "{err}");
    let reviewer = env.file("who.toml", &CAMPAIGNS.replace("\"owners\"\n", "\"zed\"\n"));
    let (code, err) = env.fail("root", T0, &["import", "campaigns", &reviewer]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("who.toml:14: stage 2: no user \"zed\""),
        "{err}"
    );
    let list = env.json("root", T0, &["campaign", "list"]);
    assert_eq!(list["campaigns"], serde_json::json!([]), "nothing imported");
    let good = env.file("campaigns.toml", CAMPAIGNS);
    let (code, err) = env.fail("ann", T0, &["import", "campaigns", &good]);
    assert_eq!(code, 4, "administrators only: {err}");
    let (code, err) = env.fail("root", T0, &["campaign", "start", "nope"]);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn a_campaign_is_decided_by_number_and_in_bulk_advanced_and_reported() {
    let env = world();
    let file = env.file("campaigns.toml", CAMPAIGNS);
    env.run("root", T0, &["import", "campaigns", &file]);
    let list = env.run("root", T0, &["campaign", "list"]);
    assert!(
        list.contains("q4") && list.contains("not started"),
        "{list}"
    );
    let started = env.run("root", T0, &["campaign", "start", "q4"]);
    assert!(started.contains("started q4#1: 2 items"), "{started}");
    let (code, err) = env.fail("root", T0, &["campaign", "start", "q4"]);
    assert_eq!(code, 5, "one run at a time: {err}");

    let shown = env.run("root", T0, &["campaign", "show", "q4"]);
    assert!(shown.contains("in-review (stage 1 of 2)"), "{shown}");
    assert!(shown.contains("0 of 2 decided, 7d left"), "{shown}");
    assert!(
        shown.contains("2026-12-08 09:00"),
        "the deadline in local time: {shown}"
    );
    assert!(shown.contains("ann") && shown.contains("100%"), "{shown}");
    let table = env.run("root", T0, &["campaign", "show", "q4", "--items"]);
    assert!(table.contains("groups=fin-ro;fin-rw"), "{table}");
    let items = env.items(T0);
    let no = |key: &str| items.iter().find(|i| i.1 == key).unwrap().0.to_string();
    let (bob, carl) = (no("bob"), no("carl"));

    // Not bob's to decide; a bad item number; then ann by number and in bulk.
    let (code, err) = env.fail("bob", T0, &["campaign", "decide", "q4", &bob, "--accept"]);
    assert_eq!(code, 4, "{err}");
    let (code, err) = env.fail("ann", T0, &["campaign", "decide", "q4", "1-x", "--accept"]);
    assert_eq!(code, 2, "{err}");
    let (code, _) = env.fail(
        "ann",
        T0,
        &["campaign", "decide", "q4", "1", "--accept", "--revoke"],
    );
    assert_eq!(code, 2, "one decision at a time");
    env.run(
        "ann",
        T0,
        &[
            "campaign",
            "decide",
            "q4",
            &bob,
            "--revoke",
            "--comment",
            "left finance",
        ],
    );
    let bulk = env.run(
        "ann",
        T0,
        &[
            "campaign",
            "decide",
            "q4",
            "--all",
            "--undecided",
            "--accept",
        ],
    );
    assert!(bulk.contains("accept 1 item"), "{bulk}");
    // Changed before the deadline, by a range.
    env.run("ann", T1, &["campaign", "decide", "q4", "1-2", "--accept"]);
    let shown = env.run("root", T1, &["campaign", "show", "q4"]);
    assert!(shown.contains("2 of 2 decided, 6d left"), "{shown}");
    // After the deadline: refused, even before any sweep.
    let late = "2026-12-08T09:00:00Z";
    let (code, err) = env.fail(
        "ann",
        late,
        &["campaign", "decide", "q4", &carl, "--revoke"],
    );
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("no decision after it"), "{err}");

    // Stage 2: the owners review what ann accepted; ann's stage is closed.
    env.run("root", T1, &["campaign", "advance", "q4"]);
    let shown = env.run("root", T1, &["campaign", "show", "q4"]);
    assert!(shown.contains("stage 2 of 2"), "{shown}");
    let (code, err) = env.fail("ann", T1, &["campaign", "decide", "q4", &carl, "--revoke"]);
    assert_eq!(code, 4, "not ann's any more: {err}");
    let (code, err) = env.fail(
        "olga",
        T1,
        &["campaign", "decide", "q4", &bob, "--reduce", "groups=hr"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no groups=hr"), "{err}");
    env.run(
        "olga",
        T1,
        &[
            "campaign",
            "decide",
            "q4",
            &bob,
            "--reduce",
            "groups=fin-rw",
        ],
    );
    let (code, err) = env.fail(
        "olga",
        T1,
        &[
            "campaign", "decide", "q4", "--all", "--filter", "nobody", "--accept",
        ],
    );
    assert_eq!(code, 3, "{err}");

    let report = env.json("root", T1, &["campaign", "report", "q4"]);
    assert_eq!(report["campaign"], "q4#1");
    let decisions: Vec<(String, String, String)> = report["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["by"].as_str().unwrap().to_string(),
                d["subject"].as_str().unwrap().to_string(),
                d["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = |by: &str, s: &str, d: &str| (by.to_string(), s.to_string(), d.to_string());
    assert!(
        decisions.contains(&want("ann", "sap/bob", "accept")),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&want("ann", "sap/carl", "accept")),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&want("olga", "sap/bob", "reduce groups=fin-rw")),
        "{decisions:?}"
    );
    assert_eq!(report["total"]["items"], 2);
    assert_eq!(report["total"]["reduced"], 1);
    let csv = env.run("root", T1, &["campaign", "report", "q4", "--csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("by,key,items,accepted,revoked,reduced,undecided,overdue")
    );
    assert_eq!(lines.next(), Some("total,all,2,1,0,1,0,0"), "{csv}");
    assert!(csv.contains("resource,sap,2,1,0,1,0,0"), "{csv}");
    let human = env.run("root", T1, &["campaign", "report", "q4"]);
    assert!(
        human.contains("REVIEWER") && human.contains("RESOURCE"),
        "{human}"
    );

    // Closing ends the review and carries out the reduce: a manual case for ops.
    let closed = env.run("root", T1, &["campaign", "close", "q4"]);
    assert!(!closed.is_empty());
    let shown = env.json("root", T1, &["campaign", "show", "q4"]);
    assert_eq!(shown["remediations"][0], 1, "one remediation open: {shown}");
}
