//! CLI integration tests: the command-line contract of docs/cli.md, run against the real
//! binary on a temporary store, with the clock pinned by `CASEBENCH_NOW`.

use std::fs::TryLockError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};
use tempfile::TempDir;

use casebench::store::{Storage, Store};

/// The pinned "now" of every command.
const NOW: &str = "2026-11-20T09:00:00Z";

/// boss manages alice and bob; carol and dave have no manager.
const USERS_CSV: &str = "\
login,name,email,manager,groups
boss,Boss,boss@example.org,,
alice,Alice,alice@example.org,boss,ops;db
bob,Bob,bob@example.org,boss,ops
carol,Carol,carol@example.org,,db
dave,Dave,dave@example.org,,
";

/// The binary with a clean, deterministic environment.
fn casebench() -> Command {
    let mut cmd = Command::cargo_bin("casebench").expect("the casebench binary");
    cmd.env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env("CASEBENCH_NOW", NOW)
        .env("TZ", "UTC")
        .env("COLUMNS", "200");
    cmd
}

/// Asserts the contract for errors: exactly one line on stderr, starting with `casebench: `.
fn assert_one_line_error(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr should be one line, got {stderr:?}");
    assert!(
        lines[0].starts_with("casebench: "),
        "stderr should start with `casebench: `, got {stderr:?}"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// A temporary directory holding a store (at `<dir>/store`) and input files.
struct Bench {
    dir: TempDir,
    db: PathBuf,
}

impl Bench {
    /// A temporary directory without a store.
    fn empty() -> Bench {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("store");
        Bench { dir, db }
    }

    /// A store created by `root` with the users of [`USERS_CSV`] imported.
    fn new() -> Bench {
        let b = Bench::empty();
        b.ok("root", &["init"]);
        let users = b.write("users.csv", USERS_CSV);
        b.ok("root", &["import", "users", path_str(&users)]);
        b
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write a test file");
        p
    }

    fn db_str(&self) -> &str {
        path_str(&self.db)
    }

    /// `casebench --db <store> --as <user> ARGS…`
    fn cmd(&self, user: &str, args: &[&str]) -> Command {
        let mut cmd = casebench();
        cmd.arg("--db")
            .arg(&self.db)
            .arg("--as")
            .arg(user)
            .args(args);
        cmd
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, user: &str, args: &[&str]) -> String {
        let out = self.cmd(user, args).assert().success();
        text(&out.get_output().stdout)
    }

    /// Runs with `--json`, expects success and one JSON document on stdout.
    fn json(&self, user: &str, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(user, &all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: bad JSON {e}: {out}"))
    }

    /// Runs and expects exit `code` with a one-line `casebench: …` error; returns stderr.
    fn fails(&self, user: &str, args: &[&str], code: i32) -> String {
        let stderr = self.fails_any_format(user, args, code);
        assert_one_line_error(&stderr);
        stderr
    }

    /// Runs and expects exit `code`, whatever stderr looks like; returns stderr.
    fn fails_any_format(&self, user: &str, args: &[&str], code: i32) -> String {
        let out = self.cmd(user, args).assert().code(code);
        let out = out.get_output();
        assert!(
            out.stdout.is_empty(),
            "{args:?}: a failure prints nothing on stdout, got {:?}",
            text(&out.stdout)
        );
        text(&out.stderr)
    }

    /// Opens the store in this process, hands it to `f`, then closes it and waits for the
    /// lock to be released, so the next CLI process does not find the store busy.
    fn with_store<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        let store = Store::open(&self.db).expect("open the store");
        let out = f(&store);
        release(store, &self.db);
        out
    }

    /// `case new --kind manual --title TITLE EXTRA…` as `user`; returns the case id.
    fn new_case(&self, user: &str, title: &str, extra: &[&str]) -> String {
        let mut args = vec!["case", "new", "--kind", "manual", "--title", title];
        args.extend_from_slice(extra);
        let v = self.json(user, &args);
        v["case"].as_str().expect("a case id").to_string()
    }

    fn show(&self, user: &str, id: &str) -> Value {
        self.json(user, &["case", "show", id])
    }

    fn history(&self, user: &str, id: &str) -> Value {
        self.json(user, &["case", "history", id])
    }

    /// The case ids of a queue, in the order listed.
    fn queue(&self, user: &str, queue: &str, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["case", "list", "--queue", queue];
        args.extend_from_slice(extra);
        let v = self.json(user, &args);
        assert_eq!(v["queue"], queue);
        ids(&v)
    }
}

/// Drops a store opened in this process and waits until its file lock is free: sled's drop
/// returns before its background threads have closed the locked file (spacejam/sled#1289).
fn release(store: Store, db: &Path) {
    drop(store);
    let lock_file = db.join("db");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let file = std::fs::File::open(&lock_file).expect("the store's lock file");
        match file.try_lock() {
            Ok(()) => return,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("{} is still locked: {e}", db.display()),
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// The `id`s of the `cases` of a `case list --json` document.
fn ids(list: &Value) -> Vec<String> {
    list["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_string())
        .collect()
}

/// The event tag of a history event's `what`: `"commented"` or the key of `{"claimed": …}`.
fn tag(what: &Value) -> String {
    match what {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.keys().next().expect("a tag").clone(),
        other => panic!("unexpected event {other}"),
    }
}

fn events(history: &Value) -> &Vec<Value> {
    history["events"].as_array().expect("events")
}

// 1 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn full_flow_from_group_offer_to_closed_case() {
    let b = Bench::new();
    let created = b.json(
        "root",
        &[
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            "Create the ERP account of Xavier",
            "--group",
            "ops",
            "--deadline",
            "2d",
        ],
    );
    assert_eq!(created["case"], "C-1");
    assert_eq!(created["work_item"], "W-1");
    assert!(created["message"].as_str().unwrap().contains("C-1"));
    // CaseCreated, WorkItemCreated, WorkItemOpened, CaseOpened, the move to Open.
    assert_eq!(created["events"].as_array().unwrap().len(), 5);

    // Alice, a member of ops, sees it in her claimable queue, with its deadline.
    let claimable = b.json("alice", &["case", "list", "--queue", "claimable"]);
    assert_eq!(claimable["total"], 1);
    let row = &claimable["cases"][0];
    assert_eq!(row["id"], "C-1");
    assert_eq!(row["title"], "Create the ERP account of Xavier");
    assert_eq!(row["state"], "open");
    assert_eq!(row["candidates"], json!(["ops"]));
    assert_eq!(row["assignees"], json!([]));
    assert_eq!(row["deadline"], "2026-11-22T09:00:00Z");
    assert_eq!(row["escalation_level"], 0);
    // Carol (db only) does not.
    assert!(b.queue("carol", "claimable", &[]).is_empty());

    let claimed = b.json("alice", &["case", "claim", "C-1"]);
    assert_eq!(claimed["work_item"], "W-1");
    assert_eq!(b.queue("alice", "mine", &[]), ["C-1"]);
    assert!(b.queue("alice", "claimable", &[]).is_empty());
    assert!(b.queue("bob", "claimable", &[]).is_empty());

    b.ok(
        "alice",
        &["case", "comment", "C-1", "asking HR for the cost centre"],
    );
    b.ok(
        "alice",
        &[
            "case",
            "delegate",
            "C-1",
            "bob",
            "--comment",
            "bob owns the ERP",
        ],
    );
    assert_eq!(b.queue("bob", "mine", &[]), ["C-1"]);
    assert_eq!(b.queue("alice", "delegated", &[]), ["C-1"]);
    assert!(b.queue("alice", "mine", &[]).is_empty());

    let done = b.json(
        "bob",
        &[
            "case",
            "complete",
            "C-1",
            "--outcome",
            "success",
            "--comment",
            "account created",
        ],
    );
    assert_eq!(done["case"], "C-1");
    assert!(b.queue("bob", "mine", &[]).is_empty());
    assert!(b.queue("alice", "delegated", &[]).is_empty());

    let history = b.history("bob", "C-1");
    assert_eq!(history["case"], "C-1");
    let evs = events(&history);
    let tags: Vec<String> = evs.iter().map(|e| tag(&e["what"])).collect();
    assert_eq!(
        tags,
        [
            "case-created",
            "work-item-created",
            "work-item-opened",
            "case-opened",
            "state-changed",
            "claimed",
            "commented",
            "delegated",
            "work-item-completed",
            "state-changed",
            "state-changed",
        ]
    );
    let seqs: Vec<u64> = evs.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seq ascending: {seqs:?}"
    );
    for e in evs {
        assert_eq!(e["case"], "C-1");
        assert_eq!(e["time"], NOW);
    }
    let actors: Vec<&str> = evs.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(
        actors,
        ["root", "root", "root", "root", "root", "alice", "alice", "alice", "bob", "bob", "bob"]
    );
    assert_eq!(
        evs[4]["what"],
        json!({"state-changed": {"from": "created", "to": "open", "outcome": null}})
    );
    assert_eq!(evs[5]["what"], json!({"claimed": {"work_item": "W-1"}}));
    assert_eq!(evs[6]["what"], "commented");
    assert_eq!(evs[6]["why"], "asking HR for the cost centre");
    assert_eq!(
        evs[7]["what"],
        json!({"delegated": {"work_item": "W-1", "to": {"user": "bob"}, "method": "replace"}})
    );
    assert_eq!(evs[7]["why"], "bob owns the ERP");
    assert_eq!(
        evs[8]["what"],
        json!({"work-item-completed": {"work_item": "W-1", "outcome": "success"}})
    );
    assert_eq!(evs[8]["why"], "account created");
    assert_eq!(
        evs[9]["what"],
        json!({"state-changed": {"from": "open", "to": "closing", "outcome": null}})
    );
    assert_eq!(
        evs[10]["what"],
        json!({"state-changed": {"from": "closing", "to": "closed", "outcome": "success"}})
    );

    let show = b.show("alice", "C-1");
    assert_eq!(show["case"]["id"], "C-1");
    assert_eq!(show["case"]["state"], "closed");
    assert_eq!(show["case"]["outcome"], "success");
    assert_eq!(show["case"]["requester"], "root");
    let items = show["work_items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], "W-1");
    assert_eq!(items[0]["state"], "completed");
    assert_eq!(items[0]["outcome"], "success");
    assert_eq!(items[0]["performer"], "bob");
    let comments = show["comments"].as_array().unwrap();
    let authors: Vec<&str> = comments
        .iter()
        .map(|c| c["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["alice", "alice", "bob"]);
    assert_eq!(comments[0]["on"], "commented");
    assert_eq!(comments[0]["text"], "asking HR for the cost centre");
    assert_eq!(comments[1]["text"], "bob owns the ERP");
    assert_eq!(comments[2]["text"], "account created");

    assert_eq!(b.queue("alice", "closed", &[]), ["C-1"]);
    assert!(b.queue("alice", "open", &[]).is_empty());

    // The human forms say the same.
    let human = b.ok("alice", &["case", "show", "C-1"]);
    assert!(human.contains("closed"), "{human}");
    assert!(human.contains("success by bob"), "{human}");
    let human = b.ok("alice", &["case", "history", "C-1"]);
    assert!(human.starts_with("SEQ"), "{human}");
    assert_eq!(human.lines().count(), 12, "{human}");
}

// 2 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn close_and_cancel_end_a_case_early() {
    let b = Bench::new();
    // Alice asks bob for something, then changes her mind.
    let c1 = b.new_case(
        "alice",
        "Access to the payroll share",
        &["--assignee", "bob"],
    );
    // Neither the assignee nor a bystander may close it: only its requester or an admin.
    let err = b.fails("bob", &["case", "close", &c1, "--outcome", "failure"], 4);
    assert!(err.contains("bob may not close"), "{err}");
    b.fails("carol", &["case", "close", &c1], 4);
    b.fails("bob", &["case", "cancel", &c1], 4);

    let closed = b.json(
        "alice",
        &[
            "case",
            "close",
            &c1,
            "--outcome",
            "failure",
            "--comment",
            "no longer needed",
        ],
    );
    assert_eq!(closed["case"], c1.as_str());
    let show = b.show("alice", &c1);
    assert_eq!(show["case"]["state"], "closed");
    assert_eq!(show["case"]["outcome"], "failure");
    assert_eq!(show["work_items"][0]["state"], "cancelled");
    assert_eq!(show["work_items"][0]["outcome"], Value::Null);
    let comments = show["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["author"], "alice");
    assert_eq!(comments[0]["text"], "no longer needed");
    let history = b.history("alice", &c1);
    let evs = events(&history);
    let n = evs.len();
    assert_eq!(
        evs[n - 2]["what"],
        json!({"work-item-cancelled": {"work_item": "W-1"}})
    );
    assert_eq!(
        evs[n - 1]["what"],
        json!({"state-changed": {"from": "open", "to": "closed", "outcome": "failure"}})
    );
    assert_eq!(evs[n - 1]["why"], "no longer needed");
    assert!(b.queue("bob", "mine", &[]).is_empty());

    // An administrator may cancel anybody's case.
    let c2 = b.new_case("carol", "Badge for the new lab", &["--group", "db"]);
    b.ok("root", &["case", "cancel", &c2, "--comment", "duplicate"]);
    let show = b.show("carol", &c2);
    assert_eq!(show["case"]["state"], "cancelled");
    assert_eq!(show["case"]["outcome"], Value::Null);
    assert_eq!(show["work_items"][0]["state"], "cancelled");
    assert!(b.queue("alice", "claimable", &[]).is_empty());
    assert_eq!(b.queue("root", "closed", &[]), [c2.as_str(), c1.as_str()]);

    // And a requester may cancel their own.
    let c3 = b.new_case("dave", "Laptop", &["--assignee", "carol"]);
    b.ok("dave", &["case", "cancel", &c3]);
    assert_eq!(b.show("dave", &c3)["case"]["state"], "cancelled");

    // Ended is ended.
    b.fails("alice", &["case", "close", &c1], 5);
    b.fails("root", &["case", "cancel", &c2], 5);
}

// 3 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn exit_2_for_bad_input() {
    let b = Bench::new();
    let c = b.new_case("root", "Something", &["--assignee", "alice"]);

    // Unknown --outcome value (a clap error; its one-line format is checked below).
    let err = b.fails_any_format("alice", &["case", "complete", &c, "--outcome", "bogus"], 2);
    assert!(err.contains("bogus"), "{err}");

    // Malformed users CSV.
    let bad = b.write(
        "short.csv",
        "login,name,email,manager,groups\nerin,Erin,erin@example.org,,\nfrank,Frank\n",
    );
    let err = b.fails("root", &["import", "users", path_str(&bad)], 2);
    assert!(err.contains("short.csv") && err.contains("line 3"), "{err}");
    let bad = b.write("header.csv", "login,name\nerin,Erin\n");
    let err = b.fails("root", &["import", "users", path_str(&bad)], 2);
    assert!(err.contains("missing column"), "{err}");
    let missing = b.dir.path().join("absent.csv");
    let err = b.fails("root", &["import", "users", path_str(&missing)], 2);
    assert!(err.contains("absent.csv"), "{err}");

    // Bad duration and time.
    let err = b.fails(
        "root",
        &[
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            "x",
            "--deadline",
            "3x",
        ],
        2,
    );
    assert!(err.contains("3x"), "{err}");
    b.fails(
        "root",
        &[
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            "x",
            "--deadline",
            "2026-13-01",
        ],
        2,
    );
    // Empty comments and titles.
    let err = b.fails("alice", &["case", "comment", &c, ""], 2);
    assert!(err.contains("empty"), "{err}");
    b.fails("alice", &["case", "comment", &c, "   "], 2);
    b.fails(
        "root",
        &["case", "new", "--kind", "manual", "--title", "  "],
        2,
    );
    // Malformed ids.
    b.fails("root", &["case", "show", "0"], 2);
    b.fails("root", &["case", "show", "C-x"], 2);
    b.fails("root", &["case", "show", "W-x"], 2);
    // A second init on an existing store.
    b.fails("root", &["init"], 2);

    // Nothing of that left a trace.
    assert_eq!(b.queue("root", "all", &[]), [c.as_str()]);
    assert!(b.show("root", &c)["comments"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn exit_3_for_not_found() {
    let b = Bench::new();
    let c = b.new_case("root", "Something", &["--assignee", "alice"]);
    let err = b.fails("alice", &["case", "show", "C-999"], 3);
    assert!(err.contains("C-999"), "{err}");
    b.fails("alice", &["case", "history", "C-999"], 3);
    b.fails("alice", &["case", "comment", "C-999", "hello"], 3);
    let err = b.fails("alice", &["case", "show", "W-99"], 3);
    assert!(err.contains("W-99"), "{err}");
    let err = b.fails("alice", &["case", "delegate", &c, "nobody"], 3);
    assert!(err.contains("nobody"), "{err}");
    let err = b.fails("alice", &["case", "delegate", &c, "@nogroup"], 3);
    assert!(err.contains("nogroup"), "{err}");
    b.fails(
        "root",
        &[
            "case", "new", "--kind", "manual", "--title", "x", "--group", "nogroup",
        ],
        3,
    );
    // The failed delegation changed nothing.
    assert_eq!(
        b.show("alice", &c)["work_items"][0]["assignees"],
        json!(["alice"])
    );

    // --db naming no store: not found, and nothing is created there.
    let nowhere = b.dir.path().join("nowhere");
    let mut cmd = casebench();
    let out = cmd
        .arg("--db")
        .arg(&nowhere)
        .args(["--as", "root", "case", "list"])
        .assert()
        .code(3);
    let stderr = text(&out.get_output().stderr);
    assert_one_line_error(&stderr);
    assert!(stderr.contains(path_str(&nowhere)), "{stderr}");
    assert!(!nowhere.exists());
}

#[test]
fn exit_4_for_not_allowed() {
    let b = Bench::new();
    // An unknown actor may do nothing, not even read.
    let err = b.fails("nobody", &["case", "list"], 4);
    assert!(err.contains("nobody"), "{err}");
    b.fails("nobody", &["case", "list", "--queue", "all"], 4);

    let c1 = b.new_case("root", "Alice's job", &["--assignee", "alice"]);
    b.fails("nobody", &["case", "show", &c1], 4);
    b.fails("nobody", &["case", "comment", &c1, "hi"], 4);
    // Completing, delegating or escalating someone else's work item.
    let err = b.fails("bob", &["case", "complete", &c1, "--outcome", "success"], 4);
    assert!(err.contains("bob may not complete"), "{err}");
    b.fails("bob", &["case", "delegate", &c1, "bob"], 4);
    b.fails("bob", &["case", "escalate", &c1], 4);
    b.fails("bob", &["case", "assign", &c1, "bob"], 4);

    // Claiming what is offered to a group one is not in.
    let c2 = b.new_case("root", "For ops", &["--group", "ops"]);
    let err = b.fails("carol", &["case", "claim", &c2], 4);
    assert!(err.contains("carol may not claim"), "{err}");
    b.fails("dave", &["case", "claim", &c2], 4);
    // A member must claim before completing; the error says so.
    let err = b.fails("bob", &["case", "complete", &c2, "--outcome", "success"], 4);
    assert!(err.contains("claim it first"), "{err}");

    // Imports are for administrators.
    let more = b.write(
        "more.csv",
        "login,name,email,manager,groups\nerin,Erin,erin@example.org,,\n",
    );
    let err = b.fails("alice", &["import", "users", path_str(&more)], 4);
    assert!(err.contains("administrators only"), "{err}");
    b.fails("erin", &["case", "list"], 4);

    // None of it changed anything.
    assert_eq!(b.queue("alice", "mine", &[]), [c1.as_str()]);
    assert_eq!(b.queue("bob", "claimable", &[]), [c2.as_str()]);
}

#[test]
fn exit_5_for_illegal_state() {
    let b = Bench::new();
    let c1 = b.new_case("root", "Done soon", &["--assignee", "alice"]);
    b.ok("alice", &["case", "complete", &c1, "--outcome", "success"]);
    let err = b.fails(
        "alice",
        &["case", "complete", &c1, "--outcome", "success"],
        5,
    );
    assert!(err.contains("closed"), "{err}");
    b.fails(
        "alice",
        &["case", "complete", "W-1", "--outcome", "failure"],
        5,
    );
    b.fails("alice", &["case", "delegate", &c1, "bob"], 5);
    b.fails("root", &["case", "close", &c1], 5);

    // A comment on a closed case is allowed.
    b.ok("bob", &["case", "comment", &c1, "thanks, works now"]);
    let comments = b.show("bob", &c1)["comments"].clone();
    assert_eq!(comments[0]["author"], "bob");
    assert_eq!(comments[0]["text"], "thanks, works now");
    assert_eq!(b.show("bob", &c1)["case"]["state"], "closed");

    // Claiming on a cancelled case.
    let c2 = b.new_case("root", "Cancelled", &["--group", "ops"]);
    b.ok("root", &["case", "cancel", &c2]);
    let err = b.fails("alice", &["case", "claim", &c2], 5);
    assert!(err.contains("cancelled"), "{err}");

    // Escalating when the assignee has no manager (carol has none).
    let c3 = b.new_case("root", "Carol's", &["--assignee", "carol"]);
    let err = b.fails("carol", &["case", "escalate", &c3], 5);
    assert!(err.contains("no manager") && err.contains("--to"), "{err}");
    // Nor does the group ops.
    let c4 = b.new_case("root", "Offered", &["--group", "ops"]);
    b.fails("root", &["case", "escalate", &c4], 5);
    // Claiming what one already holds.
    let c5 = b.new_case("root", "Mine already", &["--assignee", "alice"]);
    b.fails("alice", &["case", "claim", &c5], 5);
}

#[test]
fn exit_75_when_the_store_is_busy() {
    let b = Bench::new();
    b.new_case("root", "Something", &["--assignee", "alice"]);
    let held = Store::open(&b.db).expect("open the store");
    for args in [
        &["case", "list"][..],
        &["case", "show", "C-1"][..],
        &["case", "comment", "C-1", "hello"][..],
    ] {
        let err = b.fails("alice", args, 75);
        assert!(err.contains(b.db_str()), "{err}");
        assert!(err.contains("busy"), "{err}");
    }
    release(held, &b.db);
    assert_eq!(b.queue("alice", "mine", &[]), ["C-1"]);
    assert!(b.show("alice", "C-1")["comments"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn usage_errors_are_one_line_too() {
    let b = Bench::new();
    let c = b.new_case("root", "Something", &["--assignee", "alice"]);
    b.fails("alice", &["case", "complete", &c, "--outcome", "bogus"], 2);
    b.fails("alice", &["case", "list", "--queue", "bogus"], 2);
    b.fails(
        "alice",
        &["case", "new", "--kind", "bogus", "--title", "x"],
        2,
    );
}

#[test]
fn a_non_ascii_id_is_bad_input_not_a_panic() {
    let b = Bench::new();
    b.new_case("root", "Something", &["--assignee", "alice"]);
    for id in ["€1", "é", "ü-1"] {
        b.fails("alice", &["case", "show", id], 2);
    }
}

// 4 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn a_malformed_users_csv_changes_nothing() {
    let b = Bench::new();
    b.new_case("root", "Before", &["--assignee", "alice"]);
    let before = b.with_store(|s| s.event_count());
    let before_all = b.json("root", &["case", "list", "--queue", "all"]);

    // x and y are fine (y's manager x is in the same file); line 4 names an unknown manager.
    let bad = b.write(
        "bad-manager.csv",
        "login,name,email,manager,groups\n\
         x,Xavier,x@example.org,,newgroup\n\
         y,Yann,y@example.org,x,ops\n\
         z,Zoe,z@example.org,ghost,\n",
    );
    let err = b.fails("root", &["import", "users", path_str(&bad)], 2);
    assert!(err.contains("bad-manager.csv"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("ghost"), "{err}");

    let dup = b.write(
        "dup.csv",
        "login,name,email,manager,groups\n\
         x,Xavier,x@example.org,,\n\
         w,Wanda,w@example.org,,\n\
         x,Xavier Again,x2@example.org,,\n",
    );
    let err = b.fails("root", &["import", "users", path_str(&dup)], 2);
    assert!(err.contains("dup.csv") && err.contains("line 4"), "{err}");
    assert!(err.contains("duplicate"), "{err}");

    let fields = b.write(
        "fields.csv",
        "login,name,email,manager,groups\n\
         x,Xavier,x@example.org,,\n\
         w,Wanda,w@example.org,,,extra\n",
    );
    let err = b.fails("root", &["import", "users", path_str(&fields)], 2);
    assert!(
        err.contains("fields.csv") && err.contains("line 3"),
        "{err}"
    );

    // An existing user's update in a bad file is not applied either.
    let update = b.write(
        "update.csv",
        "login,name,email,manager,groups\n\
         dave,Dave Renamed,dave@example.org,,ops\n\
         v,Victor,not-an-email,,\n",
    );
    b.fails("root", &["import", "users", path_str(&update)], 2);

    // Nothing was written: no events, no users, no groups, same cases.
    b.with_store(|store| {
        assert_eq!(store.event_count(), before);
        for login in ["x", "y", "z", "w", "v"] {
            assert!(store.user(login).unwrap().is_none(), "{login}");
        }
        assert!(store.group("newgroup").unwrap().is_none());
        let dave = store.user("dave").unwrap().expect("dave");
        assert_eq!(dave.name, "Dave");
        assert!(dave.groups.is_empty());
    });
    assert_eq!(
        b.json("root", &["case", "list", "--queue", "all"]),
        before_all
    );
    for login in ["x", "y", "w"] {
        b.fails(login, &["case", "list"], 4);
    }
    assert!(b.queue("dave", "claimable", &[]).is_empty());
}

// 5 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn what_is_written_reads_back_the_same_after_reopening() {
    let b = Bench::new();
    let c1 = b.new_case("root", "First", &["--group", "ops", "--deadline", "3d"]);
    let c2 = b.new_case("alice", "Second", &["--assignee", "bob"]);
    let c3 = b.new_case(
        "carol",
        "Third",
        &["--assignee", "carol", "--description", "with a description"],
    );
    b.ok("alice", &["case", "claim", &c1]);
    b.ok("alice", &["case", "comment", &c1, "on it"]);
    b.ok("bob", &["case", "comment", &c2, "need more details"]);
    b.ok("alice", &["case", "comment", &c2, "details: ünïcödé ✓"]);
    b.ok(
        "bob",
        &["case", "delegate", &c2, "@db", "--comment", "db team"],
    );
    b.ok(
        "carol",
        &[
            "case",
            "complete",
            &c3,
            "--outcome",
            "approve",
            "--comment",
            "ok",
        ],
    );

    let cases = [&c1, &c2, &c3];
    let first: Vec<(Value, Value)> = cases
        .iter()
        .map(|c| (b.show("dave", c), b.history("dave", c)))
        .collect();
    assert_eq!(first[1].0["comments"][1]["text"], "details: ünïcödé ✓");
    assert_eq!(first[2].0["case"]["description"], "with a description");
    let again: Vec<(Value, Value)> = cases
        .iter()
        .map(|c| (b.show("dave", c), b.history("dave", c)))
        .collect();
    assert_eq!(first, again);

    let all = b.json("root", &["case", "list", "--queue", "all"]);
    assert_eq!(all["total"], 3);
    assert_eq!(b.json("root", &["case", "list", "--queue", "all"]), all);

    let store = Store::open(&b.db).expect("open the store");
    let stored = store.all_cases().unwrap();
    assert_eq!(stored.len(), 3);
    let titles: Vec<&str> = stored.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["First", "Second", "Third"]);
    let seqs: Vec<u64> = first
        .iter()
        .flat_map(|(_, h)| events(h).iter().map(|e| e["seq"].as_u64().unwrap()))
        .collect();
    let stored: Vec<u64> = store.all_events().unwrap().iter().map(|e| e.seq).collect();
    for seq in seqs {
        assert!(stored.contains(&seq), "event {seq}");
    }
}

// 6 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn a_store_of_a_newer_schema_is_refused() {
    let b = Bench::new();
    b.new_case("root", "Something", &["--assignee", "alice"]);
    b.with_store(|s| s.set_schema_version(99).unwrap());
    let users = b.dir.path().join("users.csv");
    for args in [
        &["case", "list"][..],
        &["case", "show", "C-1"][..],
        &["case", "comment", "C-1", "hello"][..],
        &["case", "new", "--kind", "manual", "--title", "x"][..],
        &["import", "users", path_str(&users)][..],
    ] {
        let out = b.cmd("root", args).assert().failure();
        let stderr = text(&out.get_output().stderr);
        assert_one_line_error(&stderr);
        assert!(stderr.contains("schema version 99"), "{args:?}: {stderr}");
    }
    // Left as it was.
    assert!(matches!(
        Store::open(&b.db),
        Err(casebench::store::StoreError::NewerSchema { found: 99, .. })
    ));
}

#[test]
fn init_refuses_a_store_of_a_newer_schema() {
    let b = Bench::new();
    b.new_case("root", "Keep me", &["--assignee", "alice"]);
    b.with_store(|s| s.set_schema_version(99).unwrap());
    let out = b.cmd("alice", &["init"]).assert().failure();
    let stderr = text(&out.get_output().stderr);
    assert_one_line_error(&stderr);
    assert!(stderr.contains("a store already exists"), "{stderr}");
    // Untouched: still version 99, alice still not an administrator.
    match Store::open(&b.db) {
        Err(casebench::store::StoreError::NewerSchema { found, .. }) => assert_eq!(found, 99),
        Err(e) => panic!("unexpected error {e}"),
        Ok(s) => panic!(
            "store reopened at schema {:?}; alice admin: {:?}",
            s.schema_version().unwrap(),
            s.user("alice").unwrap().map(|u| u.admin)
        ),
    }
}

// 7 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn queues_filters_limits_and_the_table() {
    let b = Bench::new();
    // Overdue: created two days ago (a past deadline is refused), due yesterday.
    let out = b
        .cmd(
            "root",
            &[
                "--json",
                "case",
                "new",
                "--kind",
                "manual",
                "--title",
                "Reset password for Xavier",
                "--assignee",
                "alice",
                "--deadline",
                "2026-11-19T09:00:00Z",
            ],
        )
        .env("CASEBENCH_NOW", "2026-11-18T09:00:00Z")
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let overdue = v["case"].as_str().expect("a case id").to_string();
    let offered = b.new_case(
        "root",
        "Database account for Yann",
        &["--group", "ops", "--deadline", "3d"],
    );
    let delegated = b.new_case("root", "Review firewall rules", &["--assignee", "alice"]);
    b.ok("alice", &["case", "delegate", &delegated, "bob"]);
    let completed = b.new_case("root", "Rotate the keys", &["--assignee", "carol"]);
    b.ok(
        "carol",
        &["case", "complete", &completed, "--outcome", "success"],
    );
    let cancelled = b.new_case("root", "Old request", &["--group", "db"]);
    b.ok("root", &["case", "cancel", &cancelled]);
    let (c1, c2, c3, c4, c5) = (&*overdue, &*offered, &*delegated, &*completed, &*cancelled);

    assert_eq!(b.queue("alice", "mine", &[]), [c1]);
    assert_eq!(b.queue("alice", "claimable", &[]), [c2]);
    assert_eq!(b.queue("alice", "delegated", &[]), [c3]);
    // Open and overdue queues: by deadline, those without last.
    assert_eq!(b.queue("alice", "open", &[]), [c1, c2, c3]);
    assert_eq!(b.queue("alice", "overdue", &[]), [c1]);
    // Closed and all: newest first.
    assert_eq!(b.queue("alice", "closed", &[]), [c5, c4]);
    assert_eq!(b.queue("alice", "all", &[]), [c5, c4, c3, c2, c1]);
    // Mine is the default queue.
    let default = b.json("alice", &["case", "list"]);
    assert_eq!(default["queue"], "mine");
    assert_eq!(ids(&default), [c1]);
    // Others see their own.
    assert_eq!(b.queue("bob", "mine", &[]), [c3]);
    assert_eq!(b.queue("bob", "claimable", &[]), [c2]);
    assert!(b.queue("bob", "delegated", &[]).is_empty());
    assert!(b.queue("carol", "mine", &[]).is_empty());
    assert!(b.queue("carol", "claimable", &[]).is_empty());
    assert!(b.queue("dave", "claimable", &[]).is_empty());

    // Rows carry what a list shows.
    let open = b.json("alice", &["case", "list", "--queue", "open"]);
    let row = &open["cases"][0];
    assert_eq!(row["deadline"], "2026-11-19T09:00:00Z");
    assert_eq!(row["assignees"], json!(["alice"]));
    assert_eq!(open["cases"][2]["assignees"], json!(["bob"]));
    let closed = b.json("alice", &["case", "list", "--queue", "closed"]);
    assert_eq!(closed["cases"][0]["state"], "cancelled");
    assert_eq!(closed["cases"][1]["state"], "closed");
    assert_eq!(closed["cases"][1]["outcome"], "success");

    // --filter: title text (case-insensitive), assignee, candidate group.
    assert_eq!(b.queue("alice", "all", &["--filter", "firewall"]), [c3]);
    assert_eq!(b.queue("alice", "all", &["--filter", "XAVIER"]), [c1]);
    assert_eq!(b.queue("alice", "open", &["--filter", "bob"]), [c3]);
    assert_eq!(b.queue("alice", "open", &["--filter", "alice"]), [c1]);
    assert_eq!(b.queue("alice", "open", &["--filter", "@ops"]), [c2]);
    assert!(b
        .queue("alice", "all", &["--filter", "no such text"])
        .is_empty());
    // --state and --kind.
    assert_eq!(b.queue("alice", "all", &["--state", "cancelled"]), [c5]);
    assert_eq!(b.queue("alice", "all", &["--kind", "manual"]).len(), 5);
    assert!(b.queue("alice", "all", &["--kind", "approval"]).is_empty());

    // --limit: fewer rows, the full total.
    let limited = b.json("alice", &["case", "list", "--queue", "all", "--limit", "1"]);
    assert_eq!(limited["total"], 5);
    assert_eq!(ids(&limited), [c5]);
    let limited = b.json(
        "alice",
        &["case", "list", "--queue", "open", "--limit", "2"],
    );
    assert_eq!(limited["total"], 3);
    assert_eq!(ids(&limited), [c1, c2]);

    // The human table: aligned columns, overdue shown.
    let table = b.ok("alice", &["case", "list", "--queue", "open"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    let header = lines[0];
    assert!(header.starts_with("ID "), "{table}");
    let rows = &lines[1..4];
    for col in ["KIND", "STATE", "DUE", "ASSIGNEE", "TITLE"] {
        let at = header
            .find(col)
            .unwrap_or_else(|| panic!("{col} in {header}"));
        for row in rows {
            assert!(row.len() > at, "{table}");
            assert!(row[..at].ends_with("  "), "{col} misaligned:\n{table}");
            assert_ne!(&row[at..at + 1], " ", "{col} misaligned:\n{table}");
        }
    }
    let title_at = header.find("TITLE").unwrap();
    let row1 = rows
        .iter()
        .find(|r| r.starts_with("C-1 "))
        .expect("C-1 row");
    assert!(row1.contains("overdue"), "{table}");
    assert_eq!(&row1[title_at..], "Reset password for Xavier");
    let row2 = rows
        .iter()
        .find(|r| r.starts_with("C-2 "))
        .expect("C-2 row");
    assert!(row2.contains("in 3d") && row2.contains("@ops"), "{table}");
    assert!(!row2.contains("overdue"), "{table}");
    assert_eq!(lines[4], "3 cases in queue open");

    let limited = b.ok("alice", &["case", "list", "--queue", "all", "--limit", "1"]);
    assert!(limited.contains("1 of 5"), "{limited}");
    let empty = b.ok("dave", &["case", "list"]);
    assert!(empty.contains("no cases"), "{empty}");
}

// 8 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn escalate_by_hand() {
    let b = Bench::new();
    let c = b.new_case(
        "root",
        "Stuck",
        &["--assignee", "alice", "--deadline", "1d"],
    );
    let applied = b.json("alice", &["case", "escalate", &c, "--comment", "I am away"]);
    assert!(applied["message"].as_str().unwrap().contains("boss"));
    let show = b.show("alice", &c);
    let item = &show["work_items"][0];
    assert_eq!(item["assignees"], json!(["boss"]));
    assert_eq!(item["escalation_level"], 1);
    assert_eq!(item["state"], "open");
    assert_eq!(show["case"]["state"], "open");
    assert_eq!(show["comments"][0]["text"], "I am away");
    let row = &b.json("boss", &["case", "list", "--queue", "mine"])["cases"][0];
    assert_eq!(row["id"], c.as_str());
    assert_eq!(row["escalation_level"], 1);
    assert!(b.queue("alice", "mine", &[]).is_empty());
    let history = b.history("boss", &c);
    let last = events(&history).last().unwrap().clone();
    assert_eq!(
        last["what"],
        json!({"escalated": {"work_item": "W-1", "to": {"user": "boss"}, "level": 1}})
    );
    assert_eq!(last["actor"], "alice");

    // boss has no manager, but may name a group.
    b.fails("boss", &["case", "escalate", &c], 5);
    b.ok("boss", &["case", "escalate", &c, "--to", "@ops"]);
    let item = b.show("boss", &c)["work_items"][0].clone();
    assert_eq!(item["assignees"], json!([]));
    assert_eq!(item["candidates"], json!(["ops"]));
    assert_eq!(item["escalation_level"], 2);
    assert_eq!(b.queue("bob", "claimable", &[]), [c.as_str()]);
    // An escalated case shows its level in the table.
    let table = b.ok("bob", &["case", "list", "--queue", "claimable"]);
    let header = table.lines().next().unwrap();
    let esc = header.find("ESC").unwrap();
    let row = table.lines().nth(1).unwrap();
    assert_eq!(&row[esc..esc + 1], "2", "{table}");

    // To a named user, and refused to unknown targets.
    b.ok("bob", &["case", "claim", &c]);
    b.ok("bob", &["case", "escalate", &c, "--to", "carol"]);
    assert_eq!(
        b.show("bob", &c)["work_items"][0]["assignees"],
        json!(["carol"])
    );
    b.fails("carol", &["case", "escalate", &c, "--to", "nobody"], 3);
    b.fails("carol", &["case", "escalate", &c, "--to", "@nogroup"], 3);
    assert_eq!(b.show("bob", &c)["work_items"][0]["escalation_level"], 3);
}

// 9 ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn ids_in_every_accepted_form() {
    let b = Bench::new();
    b.new_case("root", "One", &["--group", "ops"]);
    b.new_case("root", "Two", &["--assignee", "bob"]);

    for id in ["C-1", "c-1", "1", " 1 ", "W-1", "w-1"] {
        assert_eq!(b.show("alice", id)["case"]["id"], "C-1", "{id:?}");
        assert_eq!(b.history("alice", id)["case"], "C-1", "{id:?}");
    }
    assert_eq!(b.show("alice", "W-2")["case"]["id"], "C-2");

    assert_eq!(
        b.json("alice", &["case", "claim", "W-1"])["work_item"],
        "W-1"
    );
    b.ok("alice", &["case", "comment", "1", "bare number"]);
    b.ok("alice", &["case", "comment", "c-1", "lower case"]);
    b.ok("alice", &["case", "delegate", "w-1", "bob"]);
    b.ok("bob", &["case", "complete", "W-1", "--outcome", "success"]);
    b.ok("bob", &["case", "comment", "W-1", "by work item"]);
    b.ok("root", &["case", "cancel", "2"]);

    let show = b.show("alice", "1");
    assert_eq!(show["case"]["state"], "closed");
    let texts: Vec<&str> = show["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["bare number", "lower case", "by work item"]);
    assert_eq!(b.show("alice", "c-2")["case"]["state"], "cancelled");

    // The printed forms in JSON.
    let list = b.json("alice", &["case", "list", "--queue", "all"]);
    assert_eq!(ids(&list), ["C-2", "C-1"]);
    assert_eq!(list["cases"][1]["work_item"], "W-1");
}

// 10 ──────────────────────────────────────────────────────────────────────────────────────

#[test]
fn the_demo_store() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    casebench()
        .arg("--db")
        .arg(&demo)
        .args(["demo", "--build-only"])
        .assert()
        .success()
        .stdout(predicate::str::is_empty());

    let run = |user: &str, args: &[&str]| -> Value {
        let out = casebench()
            .arg("--db")
            .arg(&demo)
            .args(["--as", user, "--json"])
            .args(args)
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).expect("JSON")
    };
    let all = run("admin", &["case", "list", "--queue", "all", "--limit", "5"]);
    assert!(all["total"].as_u64().unwrap() >= 100, "{}", all["total"]);
    assert_eq!(all["cases"].as_array().unwrap().len(), 5);
    let open = run("alice", &["case", "list", "--queue", "open"]);
    assert_eq!(open["queue"], "open");
    assert!(open["total"].as_u64().unwrap() > 0);
    let first = open["cases"][0]["id"].as_str().unwrap().to_string();
    let show = run("alice", &["case", "show", &first]);
    assert_eq!(show["case"]["id"], first.as_str());

    // Without --build-only (and without --as) it reuses the store and shows admin's inbox.
    casebench()
        .env_remove("USER")
        .env_remove("LOGNAME")
        .arg("--db")
        .arg(&demo)
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains("admin"))
        .stdout(predicate::str::contains("open"));
    casebench()
        .arg("--db")
        .arg(&demo)
        .args(["--as", "admin", "demo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("casebench — admin"));
}

// 11 ──────────────────────────────────────────────────────────────────────────────────────

#[test]
fn init_says_the_admin_is_in_no_group_or_joins_the_groups_given() {
    let plain = Bench::empty();
    let out = plain.ok("root", &["init"]);
    assert!(out.contains("root is in no group"), "{out}");
    assert!(out.contains("init --group NAME"), "{out}");
    assert!(plain.queue("root", "claimable", &[]).is_empty());

    let b = Bench::empty();
    let out = b.ok(
        "root",
        &["init", "--group", "ops", "--group", "@db", "--group", "ops"],
    );
    assert!(out.contains("root is a member of @db, @ops"), "{out}");
    assert!(!out.contains("no group"), "{out}");
    let c = b.new_case("root", "Offered", &["--group", "ops"]);
    assert_eq!(b.queue("root", "claimable", &[]), [c]);

    // One transaction, recorded as `import users` records a new group and its member.
    use casebench::domain::EventKind;
    let (events, user) = b.with_store(|s| (s.all_events().unwrap(), s.user("root").unwrap()));
    let what: Vec<EventKind> = events.into_iter().map(|e| e.what).take(4).collect();
    assert_eq!(
        what,
        [
            EventKind::StoreInitialized,
            EventKind::GroupCreated { name: "db".into() },
            EventKind::GroupCreated { name: "ops".into() },
            EventKind::UserCreated {
                login: "root".into()
            },
        ]
    );
    let user = user.expect("the administrator");
    assert!(user.admin);
    assert_eq!(user.groups, ["db", "ops"]);

    // A bad group name is bad input and creates nothing.
    let bad = Bench::empty();
    bad.fails("root", &["init", "--group", "no good"], 2);
    assert!(!bad.db.exists());
}
