//! Issue 15, security, through the binary: who may move time (item 5) and which files the
//! server reads (item 6). The checks through the socket run the client as a second OS user,
//! `casebench-t2` (created here when run as root, removed afterwards; skipped with a printed
//! reason otherwise).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command as Process, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const T2: &str = "casebench-t2";
const NOW: &str = "2026-11-02T09:00:00Z";

/// A store in a temporary directory every user may traverse, with a copy of the binary
/// there (target/ may not be reachable by another user).
struct Env {
    dir: tempfile::TempDir,
    db: PathBuf,
    bin: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = dir.path().join("casebench");
        std::fs::copy(env!("CARGO_BIN_EXE_casebench"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.path().join("store");
        let env = Env { dir, db, bin };
        env.ok("root", &["init"]);
        env.write(
            "users.csv",
            "login,name,email,manager,groups\nboss,Boss,b@x.org,,ops\nalice,Alice,a@x.org,boss,ops\n",
        );
        env.ok("root", &["import", "users", &env.path("users.csv")]);
        env.write(
            "p.toml",
            "[[policy]]\nname = \"day\"\n[[policy.rule]]\nafter = \"1d\"\nescalate = \"manager\"\n",
        );
        env.ok("root", &["import", "policies", &env.path("p.toml")]);
        let args = [
            "case",
            "new",
            "--kind",
            "generic",
            "--title",
            "t",
            "--assignee",
            "alice",
            "--policy",
            "day",
        ];
        env.ok("alice", &args);
        env
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    /// The binary as `actor` (`None`: the OS login), the clock pinned at [`NOW`].
    fn cb(&self, actor: Option<&str>) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--db").arg(&self.db);
        if let Some(a) = actor {
            c.args(["--as", a]);
        }
        c.env("CASEBENCH_NOW", NOW)
            .env("TZ", "UTC")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"));
        c
    }

    fn ok(&self, actor: &str, args: &[&str]) -> String {
        let out = self.cb(Some(actor)).args(args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    /// The events of case C-1, as JSON text (what a sweep would have added to).
    fn history(&self) -> String {
        self.ok("root", &["--json", "case", "history", "C-1"])
    }

    /// Starts `casebench serve` as root on this store, with extra arguments.
    fn serve(&self, args: &[&str]) -> Server {
        let child = Process::new(&self.bin)
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--sweep-interval", "1h"])
            .args(args)
            .env("CASEBENCH_NOW", NOW)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !casebench::remote::server::running(&self.db) {
            assert!(Instant::now() < deadline, "the server did not come up");
            std::thread::sleep(Duration::from_millis(10));
        }
        Server { child }
    }

    /// The binary as the second OS user, through the server (one line of stderr on failure).
    fn as_t2(&self, user: &SecondUser, args: &[&str]) -> Output {
        let mut c = Process::new(&self.bin);
        c.arg("--db")
            .arg(&self.db)
            .args(args)
            .env("USER", T2)
            .env("LOGNAME", T2)
            .env("HOME", self.dir.path())
            .env("CASEBENCH_NOW", NOW)
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env("XDG_CONFIG_HOME", self.dir.path().join("config-t2"))
            .current_dir(self.dir.path())
            .uid(user.uid)
            .gid(user.gid);
        c.output().unwrap()
    }
}

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: sending SIGTERM to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// How many tests hold the second OS user; the last one out removes it.
static HOLDERS: Mutex<usize> = Mutex::new(0);

/// The second OS user, created for the tests that need one (root only).
struct SecondUser {
    uid: u32,
    gid: u32,
}

impl SecondUser {
    /// The user, or `None` (with the reason printed) when this process may not create one.
    fn get(test: &str) -> Option<SecondUser> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped {test}: needs root to create a second OS user ({T2})");
            return None;
        }
        let mut holders = HOLDERS.lock().unwrap_or_else(|p| p.into_inner());
        let out = Process::new("useradd")
            .args(["--system", "--no-create-home", T2])
            .output();
        match out {
            Err(e) => {
                eprintln!("skipped {test}: cannot run useradd: {e}");
                return None;
            }
            // 9: the user exists already (an earlier run, or another test).
            Ok(o) if !o.status.success() && o.status.code() != Some(9) => {
                eprintln!(
                    "skipped {test}: useradd {T2} failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                return None;
            }
            Ok(_) => {}
        }
        let id = |flag: &str| -> u32 {
            let o = Process::new("id").args([flag, T2]).output().unwrap();
            String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
        };
        *holders += 1;
        Some(SecondUser {
            uid: id("-u"),
            gid: id("-g"),
        })
    }
}

impl Drop for SecondUser {
    fn drop(&mut self) {
        let mut holders = HOLDERS.lock().unwrap_or_else(|p| p.into_inner());
        *holders -= 1;
        if *holders == 0 {
            let _ = Process::new("userdel").arg(T2).output();
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One line on stderr, exit 4 (not allowed).
fn refused(o: &Output, says: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
}

#[test]
fn a_local_sweep_may_not_fire_later_than_the_clock() {
    let env = Env::new();
    let before = env.history();
    let out = env
        .cb(Some("root"))
        .args(["sweep", "--now", "now+30d"])
        .output()
        .unwrap();
    refused(&out, "later than the clock");
    assert_eq!(env.history(), before, "a refused sweep changed the store");
    // A dry run may look ahead, and changes nothing.
    let preview = env.ok("root", &["sweep", "--now", "now+30d", "--dry-run"]);
    assert!(preview.contains("would fire 1 timer"), "{preview}");
    assert_eq!(env.history(), before);
    // Only administrators sweep: alice is a user, nobody is unknown.
    for who in ["alice", "nobody"] {
        let out = env.cb(Some(who)).arg("sweep").output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    }
    // At the clock, an administrator's sweep fires what is due.
    let out = env
        .cb(Some("root"))
        .env("CASEBENCH_NOW", "2026-11-04T09:00:00Z")
        .arg("sweep")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("fired 1 timer"), "{text}");
}

#[test]
fn through_the_server_an_unknown_os_user_gets_nothing() {
    let Some(t2) = SecondUser::get("through_the_server_an_unknown_os_user_gets_nothing") else {
        return;
    };
    let env = Env::new();
    let before = env.history();
    let _server = env.serve(&["--allow-root"]);
    // casebench-t2 is no user of the store: no sweep, no reads, no writes.
    let out = env.as_t2(&t2, &["sweep", "--now", "now+30d"]);
    refused(&out, "not known to this store");
    let out = env.as_t2(&t2, &["sweep"]);
    refused(&out, "not known to this store");
    let out = env.as_t2(&t2, &["case", "list", "--queue", "all"]);
    refused(&out, "not known to this store");
    let out = env.as_t2(&t2, &["case", "comment", "C-1", "hello"]);
    refused(&out, "not known to this store");
    // Nor as anyone else.
    let out = env.as_t2(&t2, &["--as", "root", "sweep"]);
    refused(&out, "may not act as root");
    // Even an administrator (root may act as one) fires nothing early through the server.
    let out = env
        .cb(Some("root"))
        .args(["sweep", "--now", "now+30d"])
        .output()
        .unwrap();
    refused(&out, "later than the clock");
    let out = env.cb(Some("alice")).arg("sweep").output().unwrap();
    refused(&out, "administrators only");
    assert_eq!(env.history(), before, "the store changed");
}
