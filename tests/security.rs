//! Issue 15, security, through the binary: who may move time (item 5) and which files the
//! server reads (item 6). The checks through the socket run the client as a second OS user,
//! `casebench-t2` (created here when run as root, removed afterwards; skipped with a printed
//! reason otherwise).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
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
        Env::new_as("root")
    }

    /// A store whose first administrator is `admin`, with boss and alice, and case C-1 with a
    /// timer due in a day.
    fn new_as(admin: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = dir.path().join("casebench");
        std::fs::copy(env!("CARGO_BIN_EXE_casebench"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        wait_executable(&bin);
        let db = dir.path().join("store");
        let env = Env { dir, db, bin };
        env.ok(admin, &["init"]);
        env.write(
            "users.csv",
            "login,name,email,manager,groups\nboss,Boss,b@x.org,,ops\nalice,Alice,a@x.org,boss,ops\n",
        );
        env.ok(admin, &["import", "users", &env.path("users.csv")]);
        env.write(
            "p.toml",
            "[[policy]]\nname = \"day\"\n[[policy.rule]]\nafter = \"1d\"\nescalate = \"manager\"\n",
        );
        env.ok(admin, &["import", "policies", &env.path("p.toml")]);
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

    /// The binary as `actor`, whatever it answers.
    fn run(&self, actor: &str, args: &[&str]) -> Output {
        self.cb(Some(actor)).args(args).output().unwrap()
    }

    fn ok(&self, actor: &str, args: &[&str]) -> String {
        let out = self.cb(Some(actor)).args(args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    /// The events of case C-1, as JSON text (what a sweep would have added to).
    fn history(&self) -> String {
        self.ok("root", &["--json", "case", "history", "C-1"])
    }

    /// Starts `casebench serve` as root on this store, with extra arguments; its output goes
    /// to `serve.out`.
    fn serve(&self, args: &[&str]) -> Server {
        let log = std::fs::File::create(self.dir.path().join("serve.out")).unwrap();
        let child = Process::new(&self.bin)
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--sweep-interval", "1h"])
            .args(args)
            .env("CASEBENCH_NOW", NOW)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .stdout(log)
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

/// A process forked by another test while the copy was open for writing holds it open
/// until it execs: running the copy fails with ETXTBSY ("text file busy") until then.
fn wait_executable(bin: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Process::new(bin).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => panic!("cannot run {}: {e}", bin.display()),
            Ok(_) => return,
        }
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
    refused(
        &env.run("root", &["sweep", "--now", "now+30d"]),
        "later than the clock",
    );
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
    refused(
        &env.run("root", &["sweep", "--now", "now+30d"]),
        "later than the clock",
    );
    let out = env.cb(Some("alice")).arg("sweep").output().unwrap();
    refused(&out, "administrators only");
    assert_eq!(env.history(), before, "the store changed");
}

/// A semi-manual resource whose export is at `feed`.
fn resource_toml(feed: &str) -> String {
    format!(
        "[[resource]]\nid = \"badge\"\nname = \"Badge\"\nkind = \"semi-manual\"\nowners = \"ops\"\n[resource.feed]\npath = \"{feed}\"\nkey = \"account\"\nattributes = [\"mail\"]\n"
    )
}

const SECRET: &str = "account,mail\nroot,TOPSECRET\n";

/// A file only root may read (mode 600), in a directory of its own.
fn root_only(env: &Env) -> String {
    let dir = env.dir.path().join("private");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.join("creds.csv");
    std::fs::write(&file, SECRET).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    file.display().to_string()
}

fn accounts(env: &Env, actor: &str) -> String {
    env.ok(actor, &["shadow", "list", "badge"])
}

#[test]
fn serve_refuses_root_unless_told() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped serve_refuses_root_unless_told: not running as root");
        return;
    }
    let env = Env::new();
    let out = env.cb(None).arg("serve").output().unwrap();
    refused(&out, "does not run as root");
    assert!(!casebench::remote::socket_path(&env.db).exists());
}

#[test]
fn the_server_reads_exports_only_under_its_exports_directory() {
    let env = Env::new();
    let secret = root_only(&env);
    env.write("res.toml", &resource_toml(&secret));
    env.ok("root", &["import", "resources", &env.path("res.toml")]);
    let exports = env.dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    {
        // No exports directory: the server reads no export, and says so (once).
        // Its first sweep runs as it starts.
        let _server = env.serve(&["--allow-root"]);
        let said = "this server reads no export file";
        let log = env.dir.path().join("serve.out");
        let deadline = Instant::now() + Duration::from_secs(10);
        let out = loop {
            let out = std::fs::read_to_string(&log).unwrap();
            if out.contains(said) || Instant::now() > deadline {
                break out;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(out.contains(said), "{out}");
        assert!(!out.contains("TOPSECRET"), "{out}");
        env.ok("root", &["sweep"]);
        assert!(accounts(&env, "root").contains("no accounts"));
    }
    {
        // Outside the exports directory, or through a link out of it: not read.
        let link = exports.join("link.csv");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let exports_arg = exports.display().to_string();
        let _server = env.serve(&["--allow-root", "--exports", &exports_arg]);
        env.ok("root", &["sweep"]);
        // Naming a file outside it is refused at import (the server would never read it).
        env.write("res.toml", &resource_toml(&secret));
        let out = env.run("root", &["import", "resources", &env.path("res.toml")]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("resource badge: its export")
                && err.contains("not under the server's exports directory"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        env.write("res.toml", &resource_toml(&link.display().to_string()));
        env.ok("root", &["import", "resources", &env.path("res.toml")]);
        env.ok("root", &["sweep"]);
        assert!(accounts(&env, "root").contains("no accounts"));
        // Under it: read.
        let inside = exports.join("badge.csv");
        std::fs::write(&inside, "account,mail\njdoe,j@x.org\n").unwrap();
        env.write("res.toml", &resource_toml(&inside.display().to_string()));
        env.ok("root", &["import", "resources", &env.path("res.toml")]);
        let out = env.ok("root", &["sweep"]);
        assert!(out.contains("1 accounts read"), "{out}");
        assert!(accounts(&env, "root").contains("jdoe"));
    }
    // A bad exports directory is one line.
    let out = env
        .cb(None)
        .args(["serve", "--allow-root", "--exports", "/no/such/dir"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("exports directory /no/such/dir"), "{err}");
}

#[test]
fn a_feed_through_the_server_is_read_with_the_clients_rights() {
    let test = "a_feed_through_the_server_is_read_with_the_clients_rights";
    let Some(t2) = SecondUser::get(test) else {
        return;
    };
    // casebench-t2 administers this store; root runs its server.
    let env = Env::new_as(T2);
    let secret = root_only(&env);
    env.write("res.toml", &resource_toml(&secret));
    let res = env.path("res.toml");
    std::fs::set_permissions(&res, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Imported before the server runs (through a server that reads no export it is refused
    // at import: see the_server_reads_exports_only_under_its_exports_directory).
    env.ok(T2, &["import", "resources", &res]);
    let _server = env.serve(&["--allow-root"]);
    let ok = |args: &[&str]| {
        let out = env.as_t2(&t2, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = env.as_t2(&t2, &["import", "resources", &res]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("would never be read"),
        "{}",
        stderr(&out)
    );
    // The server does not read the root-only file the resource names.
    let out = ok(&["sweep"]);
    assert!(!out.contains("TOPSECRET"), "{out}");
    assert!(ok(&["shadow", "list", "badge"]).contains("no accounts"));
    // `resource feed` reads the file in the client, with the client's rights: refused.
    let out = env.as_t2(&t2, &["resource", "feed", "badge", &secret]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot read") && !err.contains("TOPSECRET"),
        "{err}"
    );
    assert!(ok(&["shadow", "list", "badge"]).contains("no accounts"));
    // A file the client may read goes through the socket as rows.
    let mine = env.dir.path().join("mine.csv");
    std::fs::write(&mine, "account,mail\njdoe,j@x.org\n").unwrap();
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(&["resource", "feed", "badge", &mine.display().to_string()]);
    assert!(ok(&["shadow", "list", "badge"]).contains("jdoe"));
}
