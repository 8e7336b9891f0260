//! `casebench request new|approve|deny|list --pending-my-approval|show` through the real
//! binary: a catalogue with approval policies prepared through the library, then every
//! decision, listing and refusal on the command line, with the clock pinned by
//! `CASEBENCH_NOW`.

use casebench::domain::duration::Span;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use chrono::{TimeZone, Utc};
use serde_json::Value;
use tempfile::TempDir;

use casebench::api::{Command as Cmd, UserRecord};
use casebench::domain::approval::{Approvers, Level, NoApprover, OnTimeout, SelfApproval, Step};
use casebench::domain::{ApprovalPolicy, Product};
use casebench::engine::{Engine, ManualClock};

/// When the store is made and requests are filed; decisions come later the same day.
const T0: &str = "2026-12-01T09:00:00Z";

/// ann manages bob and cid; carol and dave own the VPN; nemo decides nothing.
const PEOPLE: [(&str, Option<&str>, &str); 6] = [
    ("ann", None, "staff"),
    ("bob", Some("ann"), "staff"),
    ("cid", Some("ann"), "staff"),
    ("carol", None, "vpn-owners"),
    ("dave", None, "vpn-owners"),
    ("nemo", None, "staff"),
];

fn step(approvers: Approvers, timeout_days: Option<i64>) -> Step {
    Step {
        name: approvers.name(),
        approvers,
        count: 1,
        reminder: (timeout_days.map(|d| (d - 1) * 86_400)).map(Span::Wall),
        timeout: (timeout_days.map(|d| d * 86_400)).map(Span::Wall),
        on_timeout: OnTimeout::Abort,
        no_approver: NoApprover::Abort,
        self_approval: SelfApproval::Skipped,
    }
}

/// A product owned by `vpn-owners` under a policy of `levels` (none: approved at once).
fn product(id: &str, name: &str, levels: Option<Vec<Vec<Step>>>) -> (Product, Vec<ApprovalPolicy>) {
    let mut p = Product::plain(id);
    p.name = name.into();
    p.owners = Some("vpn-owners".into());
    let Some(levels) = levels else {
        return (p, vec![]);
    };
    p.policy = Some(format!("{id}-policy"));
    let policy = ApprovalPolicy {
        calendar: None,
        name: format!("{id}-policy"),
        chief: None,
        levels: levels.into_iter().map(|steps| Level { steps }).collect(),
    };
    (p, vec![policy])
}

/// A store at `<dir>/store` with [`PEOPLE`] and three products: `vpn` (the manager, then
/// the owners; the manager has 2 days, reminded after 1), `wiki` (the manager) and `badge`
/// (no approval).
struct Bench {
    _dir: TempDir,
    db: PathBuf,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("store");
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let engine = Engine::init(&db, Arc::new(ManualClock::new(t0)), "root", &[]).unwrap();
        let users = PEOPLE
            .iter()
            .enumerate()
            .map(|(i, (login, manager, group))| UserRecord {
                line: i as u64 + 2,
                login: login.to_string(),
                name: login.to_string(),
                email: format!("{login}@example.org"),
                manager: manager.map(String::from),
                groups: vec![group.to_string()],
                calendar: None,
            })
            .collect();
        engine.execute("root", Cmd::ImportUsers { users }).unwrap();
        let catalogue = [
            product(
                "vpn",
                "VPN access",
                Some(vec![
                    vec![step(Approvers::Manager, Some(2))],
                    vec![step(Approvers::ProductOwners, None)],
                ]),
            ),
            product(
                "wiki",
                "Team wiki",
                Some(vec![vec![step(Approvers::Manager, None)]]),
            ),
            product("badge", "Door badge", None),
        ];
        let (products, policies): (Vec<Product>, Vec<Vec<ApprovalPolicy>>) =
            catalogue.into_iter().unzip();
        let policies = policies.concat();
        engine
            .execute("root", Cmd::ImportProducts { products, policies })
            .unwrap();
        drop(engine);
        // sled's drop returns before its threads let go of the lock (spacejam/sled#1289).
        let lock = std::fs::File::open(db.join("db")).expect("the store's lock file");
        let deadline = Instant::now() + Duration::from_secs(10);
        while lock.try_lock().is_err() {
            assert!(Instant::now() < deadline, "the store stays locked");
            std::thread::sleep(Duration::from_millis(2));
        }
        Bench { _dir: dir, db }
    }

    /// `casebench --db <store> --as USER ARGS…` at `now`.
    fn cmd(&self, user: &str, now: &str, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("casebench").expect("the casebench binary");
        cmd.env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env("CASEBENCH_NOW", now)
            .env("TZ", "UTC")
            .env("COLUMNS", "200")
            .arg("--db")
            .arg(&self.db)
            .arg("--as")
            .arg(user)
            .args(args);
        cmd
    }

    /// Runs at `now`, expects success; returns stdout.
    fn ok_at(&self, user: &str, now: &str, args: &[&str]) -> String {
        let out = self.cmd(user, now, args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    }

    fn ok(&self, user: &str, args: &[&str]) -> String {
        self.ok_at(user, T0, args)
    }

    fn json(&self, user: &str, args: &[&str]) -> Value {
        let out = self.ok(user, &[&["--json"], args].concat());
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: bad JSON {e}: {out}"))
    }

    /// Runs, expects exit `code`, nothing on stdout and one `casebench: ` line on stderr;
    /// returns that line.
    fn fails(&self, user: &str, args: &[&str], code: i32) -> String {
        let out = self.cmd(user, T0, args).assert().code(code);
        let out = out.get_output();
        assert!(out.stdout.is_empty(), "{args:?} printed {:?}", out.stdout);
        let stderr = String::from_utf8(out.stderr.clone()).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
        assert!(stderr.starts_with("casebench: "), "{stderr:?}");
        stderr
    }
}

/// The line of `text` that contains `needle`, for asserting on one line of a listing.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn two_levels_approved_by_the_right_people_and_shown_with_their_times() {
    let b = Bench::new();
    let said = b.ok("bob", &["request", "new", "vpn", "--reason", "remote work"]);
    assert!(
        said.starts_with("R-1 vpn for bob: in approval: level 1 of 2 waits for ann (manager) (C-"),
        "{said}"
    );
    assert!(said.contains("\n  level 1  manager  → ann\n"), "{said}");

    // The owners cannot decide before level 1 is done.
    let early = b.fails("carol", &["request", "approve", "R-1"], 4);
    assert!(early.contains("carol may not decide R-1"), "{early}");

    let said = b.ok_at(
        "ann",
        "2026-12-01T09:30:00Z",
        &["request", "approve", "R-1", "--comment", "fine"],
    );
    assert!(said.contains("R-1: approved by ann at level 1"), "{said}");
    assert!(
        said.contains("level 2 of 2 waits for @vpn-owners"),
        "{said}"
    );
    let said = b.ok_at(
        "dave",
        "2026-12-01T10:15:00Z",
        &["request", "approve", "R-1"],
    );
    assert!(said.contains("R-1: approved by dave at level 2"), "{said}");

    let show = b.ok("bob", &["request", "show", "R-1"]);
    assert!(show.starts_with("R-1  vpn  assigned\n"), "{show}");
    assert!(show.contains("product:     VPN access (vpn)"), "{show}");
    assert!(show.contains("workflow:    vpn-policy (2 levels"), "{show}");
    assert!(line_with(&show, "manager  approved")
        .contains("1/1 approvals  approvers: ann (from manager)"));
    assert!(
        line_with(&show, "2026-12-01 09:30").contains("approved by ann: fine"),
        "{show}"
    );
    assert!(line_with(&show, "product-owners  approved").contains("approvers: @vpn-owners"));
    assert!(
        line_with(&show, "2026-12-01 10:15").contains("approved by dave"),
        "{show}"
    );
    assert!(
        !show.contains("(current)"),
        "decided: no current level\n{show}"
    );

    // A second request for a product bob has: exit 5, naming the first.
    let twice = b.fails("bob", &["request", "new", "vpn"], 5);
    assert!(
        twice.contains("bob already has vpn: R-1 is assigned"),
        "{twice}"
    );
    // And a decided request has nothing to decide.
    let done = b.fails("ann", &["request", "approve", "R-1"], 5);
    assert!(done.contains("cannot decide R-1: it is assigned"), "{done}");
}

#[test]
fn show_marks_the_current_level_and_the_step_timers() {
    let b = Bench::new();
    b.ok("bob", &["request", "new", "vpn"]);
    let show = b.ok("bob", &["request", "show", "R-1"]);
    assert!(
        line_with(&show, "level 1 of 2").starts_with("* level 1 of 2  (current)"),
        "{show}"
    );
    assert!(
        line_with(&show, "level 2 of 2").starts_with("  level 2 of 2"),
        "{show}"
    );
    assert!(line_with(&show, "manager  open").contains("0/1 approvals  approvers: ann"));
    assert!(
        show.contains("      next: reminder at 2026-12-02 09:00, timeout at 2026-12-03 09:00\n"),
        "{show}"
    );
    assert!(
        line_with(&show, "product-owners  waiting").contains("approvers: - (from product-owners)")
    );

    let d = b.json("bob", &["request", "show", "R-1"]);
    assert_eq!(d["request"]["id"], "R-1");
    assert_eq!(d["product"]["name"], "VPN access");
    let steps = d["request"]["approval"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["state"], "open");
    assert_eq!(steps[0]["approvers"][0], "ann");
    assert_eq!(
        d["request"]["approval"]["timers"].as_array().unwrap().len(),
        2
    );
    assert!(!d["events"].as_array().unwrap().is_empty());
}

#[test]
fn a_denial_with_a_comment_ends_the_request() {
    let b = Bench::new();
    b.ok("cid", &["request", "new", "wiki"]);
    let said = b.ok_at(
        "ann",
        "2026-12-01T11:00:00Z",
        &["request", "deny", "R-1", "--comment", "not needed"],
    );
    assert!(
        said.contains("R-1: denied by ann at level 1; denied"),
        "{said}"
    );
    let show = b.ok("cid", &["request", "show", "R-1"]);
    assert!(show.starts_with("R-1  wiki  denied\n"), "{show}");
    assert!(
        line_with(&show, "2026-12-01 11:00  denied by ann").ends_with("denied by ann: not needed"),
        "{show}"
    );
    let d = b.json("cid", &["request", "show", "R-1"]);
    let decision = &d["request"]["approval"]["steps"][0]["decisions"][0];
    assert_eq!(decision["comment"], "not needed");
    assert_eq!(decision["approve"], false);
    let again = b.fails("ann", &["request", "approve", "R-1"], 5);
    assert!(again.contains("cannot decide R-1: it is denied"), "{again}");
}

#[test]
fn pending_my_approval_lists_what_waits_for_the_user_only() {
    let b = Bench::new();
    b.ok("bob", &["request", "new", "vpn"]);
    b.ok("bob", &["request", "new", "wiki", "--for", "cid"]);
    let table = b.ok("ann", &["request", "list", "--pending-my-approval"]);
    let header = table.lines().next().unwrap();
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        columns.join(" "),
        "ID PRODUCT FOR REQUESTED-BY LEVEL STEP(S) SINCE"
    );
    let vpn = line_with(&table, "R-1");
    for cell in ["vpn", "bob", "1/2", "manager", "2026-12-01 09:00"] {
        assert!(vpn.contains(cell), "{cell}: {vpn}");
    }
    let wiki = line_with(&table, "R-2");
    assert!(wiki.contains("cid") && wiki.contains("1/1"), "{wiki}");

    let v = b.json("ann", &["request", "list", "--pending-my-approval"]);
    let pending = v["pending"].as_array().unwrap();
    let ids: Vec<&str> = pending
        .iter()
        .map(|p| p["request"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["R-1", "R-2"]);
    let work_item = pending[0]["steps"][0][0].as_str().unwrap().to_string();
    assert!(work_item.starts_with("W-"), "{work_item}");

    // Nothing waits for carol yet, nor for nemo.
    assert_eq!(
        b.ok("nemo", &["request", "list", "--pending-my-approval"]),
        "no requests wait for your approval\n"
    );
    let v = b.json("carol", &["request", "list", "--pending-my-approval"]);
    assert_eq!(v["pending"], Value::Array(vec![]));

    // Naming the step by its work item decides it; then the owners have it.
    let said = b.ok("ann", &["request", "approve", "R-1", "--step", &work_item]);
    assert!(said.contains("approved by ann at level 1"), "{said}");
    let v = b.json("carol", &["request", "list", "--pending-my-approval"]);
    assert_eq!(v["pending"][0]["request"]["id"], "R-1");
    let v = b.json("ann", &["request", "list", "--pending-my-approval"]);
    assert_eq!(
        v["pending"].as_array().unwrap().len(),
        1,
        "only R-2 left: {v}"
    );

    // --pending-my-approval goes with neither --mine nor --all.
    for other in ["--mine", "--all"] {
        b.cmd(
            "ann",
            T0,
            &["request", "list", "--pending-my-approval", other],
        )
        .assert()
        .code(2);
    }
}

#[test]
fn json_of_new_and_of_decisions_parses() {
    let b = Bench::new();
    let v = b.json("bob", &["request", "new", "vpn"]);
    assert_eq!(v["applied"]["request"], "R-1");
    assert!(v["applied"]["message"]
        .as_str()
        .unwrap()
        .contains("waits for ann"));
    assert_eq!(v["request"]["state"], "request");
    assert_eq!(v["request"]["approval"]["level"], 0);
    let v = b.json("bob", &["request", "new", "badge"]);
    assert_eq!(
        v["request"]["state"], "assigned",
        "no policy: approved at once"
    );
    assert_eq!(v["request"]["approval"], Value::Null);
    let v = b.json("ann", &["request", "approve", "R-1"]);
    assert_eq!(v["request"], "R-1");
    assert!(v["work_item"].as_str().unwrap().starts_with("W-"));
    assert!(v["message"].as_str().unwrap().contains("approved by ann"));
    let v = b.json("ann", &["request", "list", "--all"]);
    assert_eq!(v["requests"].as_array().unwrap().len(), 2);
}

#[test]
fn each_refusal_has_its_exit_code() {
    let b = Bench::new();
    // 2: bad input.
    let typo = b.fails("bob", &["request", "new", "vnp"], 2);
    assert!(
        typo.contains("no product \"vnp\"; did you mean vpn?"),
        "{typo}"
    );
    b.ok("bob", &["request", "new", "vpn"]);
    let step = b.fails("ann", &["request", "approve", "R-1", "--step", "banana"], 2);
    assert!(step.contains("banana"), "{step}");
    b.fails("ann", &["request", "deny", "R-1", "--step", "C-1"], 2);
    b.fails("ann", &["request", "approve", "nope"], 2);
    // 3: no such request.
    let missing = b.fails("ann", &["request", "approve", "R-99"], 3);
    assert!(missing.contains("no request R-99"), "{missing}");
    b.fails("ann", &["request", "deny", "R-99"], 3);
    b.fails("ann", &["request", "show", "R-99"], 3);
    // 4: not an approver (the requester neither).
    let nemo = b.fails("nemo", &["request", "approve", "R-1"], 4);
    assert!(nemo.contains("nemo may not decide R-1"), "{nemo}");
    b.fails("bob", &["request", "deny", "R-1"], 4);
    // 5: a work item that is no open step of the request.
    b.fails("ann", &["request", "approve", "R-1", "--step", "W-99"], 5);
    // Nothing of that changed the request.
    let v = b.json("bob", &["request", "show", "R-1"]);
    assert_eq!(v["request"]["state"], "request");
    assert_eq!(
        v["request"]["approval"]["steps"][0]["decisions"],
        Value::Array(vec![])
    );
}

/// An archived approval case shows its request and product as they stood when it was
/// archived, the long way and from the archive alone (the store held), whatever changed in
/// the catalogue since.
#[test]
fn an_archived_approval_case_shows_its_request_as_archived() {
    let b = Bench::new();
    b.ok("cid", &["request", "new", "wiki"]);
    b.ok_at(
        "ann",
        "2026-12-01T11:00:00Z",
        &["request", "deny", "R-1", "--comment", "not needed"],
    );
    let closed = b.json("root", &["case", "list", "--queue", "closed"]);
    let case = closed["cases"][0]["id"].as_str().unwrap().to_string();
    let later = "2027-06-01T09:00:00Z";
    let archived = b.ok_at("root", later, &["archive", "--closed-before", "90d"]);
    assert!(archived.contains("archived 1 case"), "{archived}");
    // The catalogue changes after the case was archived.
    let t = Utc.with_ymd_and_hms(2027, 6, 1, 10, 0, 0).unwrap();
    let engine = Engine::open(&b.db, Arc::new(ManualClock::new(t))).unwrap();
    let (mut wiki, policies) = product(
        "wiki",
        "Team wiki",
        Some(vec![vec![step(Approvers::Manager, None)]]),
    );
    wiki.name = "Knowledge base".into();
    let products = vec![wiki];
    engine
        .execute("root", Cmd::ImportProducts { products, policies })
        .unwrap();
    drop(engine);
    std::thread::sleep(Duration::from_millis(200));
    let show = |at: &str| -> Value {
        let out = b.ok_at("root", at, &["--json", "case", "show", &case]);
        serde_json::from_str(&out).unwrap()
    };
    let long = show(later);
    assert_eq!(long["request"]["id"], "R-1", "{long}");
    assert_eq!(long["request"]["state"], "denied", "{long}");
    assert_eq!(long["product"]["name"], "Team wiki", "{long}");
    assert!(long["archived"].is_string(), "{long}");
    let now = b.json("root", &["product", "show", "wiki"]);
    assert!(now.to_string().contains("Knowledge base"), "{now}");
    // The store held: the archive alone answers the same.
    let lock = std::fs::File::open(b.db.join("db")).unwrap();
    lock.try_lock().unwrap();
    assert_eq!(show(later), long);
}
