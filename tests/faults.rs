//! Fault injection through the binary: truncated and bit-flipped stores, a full disk. Each
//! must end in one clear line naming the store (and its bytes untouched where casebench
//! refuses before sled sees them) or in a consistent store, never in a panic and never with
//! fewer acknowledged changes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

fn casebench() -> Command {
    let mut c = Command::cargo_bin("casebench").unwrap();
    c.env_remove("CASEBENCH_DB")
        .env_remove("CASEBENCH_USER")
        .env("CASEBENCH_NOW", "2026-03-02T09:00:00Z")
        .env("XDG_CONFIG_HOME", "/nonexistent-casebench-config");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(db: &Path, args: &[&str]) -> Run {
    let out = casebench()
        .arg("--db")
        .arg(db)
        .args(["--as", "admin"])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A generated store of `cases` cases, plus one comment made through the CLI.
fn store(dir: &TempDir, cases: u32) -> PathBuf {
    let db = dir.path().join("store");
    let n = cases.to_string();
    let r = run(
        &db,
        &["gen", "--cases", &n, "--users", "50", "--due-now", "10"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&db, &["case", "comment", "1", "after the generation"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    db
}

fn events(db: &Path) -> usize {
    let r = run(db, &["--json", "case", "history", "1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["events"].as_array().unwrap().len()
}

/// One line on stderr, naming the store, saying what to do; no panic, no backtrace.
fn assert_clear_refusal(r: &Run, db: &Path) {
    assert_ne!(r.code, 0);
    assert_ne!(r.code, 101, "a panic: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "not one line: {}", r.stderr);
    assert!(r.stderr.starts_with("casebench: "), "{}", r.stderr);
    assert!(
        r.stderr.contains(&db.display().to_string()),
        "does not name the store: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(!r.stderr.contains("Os {"), "{}", r.stderr);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_truncated_store_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let db = store(&dir, 300);
    let before = events(&db);
    for percent in [99u64, 90, 50, 10] {
        let copy = dir.path().join(format!("cut{percent}"));
        copy_dir(&db, &copy);
        let file = copy.join("db");
        let len = std::fs::metadata(&file).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
        f.set_len(len * percent / 100).unwrap();
        drop(f);
        let bytes = std::fs::read(&file).unwrap();
        let r = run(&copy, &["case", "list", "--queue", "all"]);
        assert_clear_refusal(&r, &copy);
        assert!(r.stderr.contains("restore"), "{}", r.stderr);
        assert_eq!(r.stdout, "");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{percent} %: bytes changed"
        );
    }
    // The original is as healthy as before.
    assert_eq!(events(&db), before);
}

/// A tiny deterministic generator (xorshift), so the flips are the same on every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn flipped_bytes_give_one_clear_line_or_a_consistent_store() {
    let dir = TempDir::new().unwrap();
    let db = store(&dir, 800);
    let before = events(&db);
    for seed in [1u64, 2, 3, 4, 5, 6, 7, 8] {
        let copy = dir.path().join(format!("flip{seed}"));
        copy_dir(&db, &copy);
        let file = copy.join("db");
        let mut bytes = std::fs::read(&file).unwrap();
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for _ in 0..4 {
            let at = (xorshift(&mut s) % bytes.len() as u64) as usize;
            bytes[at] ^= 0xff;
        }
        std::fs::write(&file, &bytes).unwrap();
        let r = run(&copy, &["case", "list", "--queue", "all"]);
        if r.code == 0 {
            // Accepted: then it is consistent and lost nothing acknowledged.
            // Accepted: then it is consistent and lost nothing acknowledged, or the full
            // read of `check` finds the damage and says so in one line.
            let c = run(&copy, &["check"]);
            if c.code == 0 {
                assert!(events(&copy) >= before, "seed {seed}: lost events");
            } else {
                assert_clear_refusal(&c, &copy);
            }
        } else {
            assert_clear_refusal(&r, &copy);
        }
    }
}

#[test]
fn a_regular_file_is_not_a_store() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "not a store").unwrap();
    for args in [&["case", "list"][..], &["init"][..]] {
        let r = run(&file, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("is a file, not a casebench store"),
            "{}",
            r.stderr
        );
        assert_clear_refusal(&r, &file);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a store");
}

#[test]
fn a_crash_before_the_seal_does_not_brick_a_healthy_store() {
    let dir = TempDir::new().unwrap();
    let db = store(&dir, 100);
    let seal = std::fs::read(db.join("casebench.seal")).unwrap();
    // More flushed changes, then the seal of before: as if the process died between the
    // flush and the seal's update.
    for n in 0..5 {
        let r = run(&db, &["case", "comment", "2", &format!("comment {n}")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let after = events(&db);
    std::fs::write(db.join("casebench.seal"), seal).unwrap();
    let r = run(&db, &["case", "list", "--queue", "all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(events(&db), after);
}

#[test]
fn backup_check_and_restore_round_trip() {
    let dir = TempDir::new().unwrap();
    let db = store(&dir, 100);
    let before = events(&db);
    let copy = dir.path().join("backup");
    let r = run(&db, &["backup", copy.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&copy, &["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Damage the store, then restore it from the backup.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(db.join("db"))
        .unwrap();
    f.set_len(1000).unwrap();
    drop(f);
    assert_clear_refusal(&run(&db, &["case", "list"]), &db);
    let r = run(&db, &["restore", copy.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(events(&db), before);
}

/// A small tmpfs mounted for one test, unmounted when dropped (on a panic too).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts `size` at `dir`, or says why it cannot (not root, no mount allowed).
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root: cannot mount a small tmpfs".into());
        }
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Fills the file system of `dir` with `file` until it is full, then frees `spare` bytes.
fn fill(file: &Path, spare: usize) {
    use std::io::Write;
    let mut f = std::fs::File::create(file).unwrap();
    let block = vec![0x5au8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = f.sync_all();
    let len = f.metadata().unwrap().len();
    f.set_len(len.saturating_sub(spare as u64)).unwrap();
    f.sync_all().unwrap();
}

/// `casebench serve` on a store, its stderr kept in a file.
struct Server {
    child: std::process::Child,
    stderr: PathBuf,
}

impl Server {
    fn start(db: &Path, logs: &Path) -> Server {
        let stderr = logs.join("serve.stderr");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_casebench"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--sweep-interval", "1h", "--allow-root"])
            .env_remove("CASEBENCH_NOW")
            .env("XDG_CONFIG_HOME", "/nonexistent-casebench-config")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !casebench::remote::server::running(db) {
            assert!(std::time::Instant::now() < deadline, "no server");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Server { child, stderr }
    }

    fn said(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn stop(&mut self) -> i32 {
        // SAFETY: sending SIGTERM to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The comments of case 1, in order.
fn comments(db: &Path) -> Vec<String> {
    let r = run(db, &["--json", "case", "history", "1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let text = e.to_string();
            text.contains("full-disk comment").then_some(text)
        })
        .collect()
}

/// A small generated store on its own tmpfs, served, and a full disk under it; `None` (said
/// why) where no tmpfs can be mounted.
struct FullDisk {
    db: PathBuf,
    filler: PathBuf,
    server: Server,
    _fs: Tmpfs,
    _logs: TempDir,
}

impl FullDisk {
    fn new() -> Option<FullDisk> {
        let logs = TempDir::new().unwrap();
        let mnt = logs.path().join("mnt");
        let fs = match Tmpfs::mount(&mnt, "8m") {
            Ok(fs) => fs,
            Err(why) => {
                println!("skipped: {why}");
                return None;
            }
        };
        let db = mnt.join("store");
        let r = run(&db, &["gen", "--cases", "20", "--users", "10"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let server = Server::start(&db, logs.path());
        let filler = mnt.join("filler");
        fill(&filler, 0);
        Some(FullDisk {
            db,
            filler,
            server,
            _fs: fs,
            _logs: logs,
        })
    }

    /// Comments until the disk refuses `refusals` in a row (each one clear line); how many
    /// were acknowledged before.
    fn comment_until_refused(&self, refusals: usize) -> usize {
        let (mut acknowledged, mut refused) = (0, 0);
        for n in 0..400 {
            let text = format!("full-disk comment {n} {}", "x".repeat(3000));
            let r = run(&self.db, &["case", "comment", "1", &text]);
            if r.code == 0 {
                assert_eq!(refused, 0, "accepted after a refusal: {}", r.stdout);
                acknowledged += 1;
                continue;
            }
            assert_disk_full(&r, &self.db);
            refused += 1;
            if refused == refusals {
                break;
            }
        }
        assert_eq!(refused, refusals, "the disk never filled");
        assert!(acknowledged > 0, "the disk was full from the start");
        acknowledged
    }

    /// How often the server said "disk full writing" (naming the store when it did).
    fn said_full(&self) -> usize {
        let said = self.server.said();
        let n = said.matches("disk full writing").count();
        assert!(
            n == 0 || said.contains(&self.db.display().to_string()),
            "{said}"
        );
        n
    }
}

fn assert_disk_full(r: &Run, db: &Path) {
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("disk full writing"), "{}", r.stderr);
    assert_clear_refusal(r, db);
}

#[test]
fn a_full_disk_under_serve_refuses_once_then_recovers() {
    let Some(mut disk) = FullDisk::new() else {
        return;
    };
    let db = disk.db.clone();
    let mut acknowledged = disk.comment_until_refused(4);
    assert_eq!(disk.said_full(), 1, "{}", disk.server.said());
    // The server serves what is on disk: no refused comment.
    assert_eq!(comments(&db).len(), acknowledged);
    // Space returns: the next comment is saved.
    std::fs::remove_file(&disk.filler).unwrap();
    let r = run(&db, &["case", "comment", "1", "full-disk comment after"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    acknowledged += 1;
    assert_eq!(comments(&db).len(), acknowledged);
    assert_eq!(disk.server.stop(), 0, "{}", disk.server.said());
    assert_eq!(disk.said_full(), 1, "{}", disk.server.said());
    // Without the server, from disk.
    assert_eq!(comments(&db).len(), acknowledged);
    let r = run(&db, &["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_server_killed_on_a_full_disk_leaves_every_acknowledged_change() {
    let Some(mut disk) = FullDisk::new() else {
        return;
    };
    let db = disk.db.clone();
    let acknowledged = disk.comment_until_refused(2);
    // Killed, so neither sled nor the seal had a last word; the disk is still full.
    let _ = disk.server.child.kill();
    let _ = disk.server.child.wait();
    // The killed server's own space is given back as it dies, so a short comment may fit
    // now: either it is refused clearly or it is acknowledged (and must then be kept).
    let r = run(&db, &["case", "comment", "1", "full-disk comment local"]);
    let acknowledged = if r.code == 0 {
        acknowledged + 1
    } else {
        assert_disk_full(&r, &db);
        acknowledged
    };
    std::fs::remove_file(&disk.filler).unwrap();
    // The seal lagged behind (it could not be written): the store still opens, whole.
    assert_eq!(comments(&db).len(), acknowledged);
    let r = run(&db, &["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&db, &["case", "comment", "1", "full-disk comment after"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(comments(&db).len(), acknowledged + 1);
}
