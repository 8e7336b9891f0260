//! `casebench serve`: one process owns the store and every CLI call and workbench goes
//! through its socket — several at once, with the timers running in the server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn cb(db: &Path) -> Command {
    let mut c = Command::cargo_bin("casebench").unwrap();
    c.arg("--db")
        .arg(db)
        .env("TZ", "UTC")
        .env_remove("CASEBENCH_NOW")
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .env("XDG_CONFIG_HOME", db.parent().unwrap().join("config"));
    c
}

struct Server {
    child: Child,
    socket: PathBuf,
}

impl Server {
    fn start(db: &Path) -> Server {
        let child = Process::new(env!("CARGO_BIN_EXE_casebench"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--sweep-interval", "1s", "--allow-root"])
            .env_remove("CASEBENCH_NOW")
            .env("XDG_CONFIG_HOME", db.parent().unwrap().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let socket = casebench::remote::socket_path(db);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !casebench::remote::server::running(db) {
            assert!(Instant::now() < deadline, "the server did not come up");
            std::thread::sleep(Duration::from_millis(10));
        }
        Server { child, socket }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: sending SIGTERM to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap()
    }
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    cb(&db).args(["--as", "root", "init"]).assert().success();
    let users = dir.path().join("users.csv");
    std::fs::write(
        &users,
        "login,name,email,manager,groups\nboss,Boss,b@x.org,,ops\nalice,Alice,a@x.org,boss,ops\nbob,Bob,bob@x.org,boss,ops\n",
    )
    .unwrap();
    cb(&db)
        .args(["--as", "root", "import", "users"])
        .arg(&users)
        .assert()
        .success();
    let policy = dir.path().join("p.toml");
    std::fs::write(
        &policy,
        "[[policy]]\nname = \"fast\"\n[[policy.rule]]\nafter = \"1s\"\nescalate = \"manager\"\n",
    )
    .unwrap();
    cb(&db)
        .args(["--as", "root", "import", "policies"])
        .arg(&policy)
        .assert()
        .success();
    (dir, db)
}

fn json(db: &Path, actor: &str, args: &[&str]) -> Value {
    let out = cb(db)
        .args(["--as", actor, "--json"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn clients_share_the_store_through_the_server() {
    let (_dir, db) = setup();
    let server = Server::start(&db);
    // Without the server these would be "store busy" (75): the server holds the store.
    let made = json(
        &db,
        "alice",
        &[
            "case",
            "new",
            "--kind",
            "generic",
            "--title",
            "Shared",
            "--assignee",
            "alice",
        ],
    );
    let case = made["case"].as_str().unwrap().to_string();
    // Two administrators at once.
    let workers: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|who| {
            let db = db.clone();
            let case = case.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    cb(&db)
                        .args(["--as", who, "case", "comment", &case, &format!("{who} {i}")])
                        .assert()
                        .success();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let h = json(&db, "boss", &["case", "history", &case]);
    let comments = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"] == "commented")
        .count();
    assert_eq!(comments, 20);
    // Errors come through as they would locally: one line, the same exit code.
    let out = cb(&db)
        .args(["--as", "nobody", "case", "list"])
        .assert()
        .code(4);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "{err}");
    cb(&db)
        .args(["--as", "alice", "case", "show", "C-99"])
        .assert()
        .code(3);
    // A second server is refused; the store stays with the first.
    Command::cargo_bin("casebench")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["serve", "--allow-root"])
        .assert()
        .code(75);
    assert!(server.stop().success());
    assert!(
        !casebench::remote::socket_path(&db).exists(),
        "socket removed"
    );
    // Back to working on the store directly.
    cb(&db)
        .args(["--as", "alice", "case", "list"])
        .assert()
        .success();
}

#[test]
fn the_server_runs_the_timers() {
    let (_dir, db) = setup();
    let server = Server::start(&db);
    let made = json(
        &db,
        "alice",
        &[
            "case",
            "new",
            "--kind",
            "approval",
            "--title",
            "Approve",
            "--assignee",
            "alice",
            "--policy",
            "fast",
        ],
    );
    let case = made["case"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let show = json(&db, "boss", &["case", "show", &case]);
        if show["work_items"][0]["escalation_level"] == 1 {
            assert_eq!(show["work_items"][0]["assignees"][0], "boss");
            break;
        }
        assert!(Instant::now() < deadline, "no escalation: {show}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = server.socket.clone();
    assert!(server.stop().success());
}

#[test]
fn backup_and_check_go_through_the_server_for_administrators_only() {
    let (dir, db) = setup();
    cb(&db)
        .args([
            "--as", "alice", "case", "new", "--kind", "generic", "--title", "kept",
        ])
        .assert()
        .success();
    let server = Server::start(&db);
    // A non-administrator may do neither.
    let dest = dir.path().join("backup");
    cb(&db)
        .args(["--as", "alice", "backup"])
        .arg(&dest)
        .assert()
        .code(4);
    cb(&db).args(["--as", "alice", "check"]).assert().code(4);
    assert!(!dest.exists());
    // An administrator may, while the server holds the store.
    cb(&db).args(["--as", "root", "check"]).assert().success();
    cb(&db)
        .args(["--as", "root", "backup"])
        .arg(&dest)
        .assert()
        .success();
    assert!(server.stop().success());
    // The copy is a whole store: consistent, with the case in it.
    cb(&dest).args(["--as", "root", "check"]).assert().success();
    let list = json(&dest, "root", &["case", "list", "--queue", "all"]);
    assert_eq!(list["cases"][0]["title"], "kept");
}
