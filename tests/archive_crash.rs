//! `casebench archive` as the binary: runs killed with SIGKILL at random points (fixed
//! seeds) and cut at named points (`CASEBENCH_ARCHIVE_FAULT`); after each, `check` reports
//! only cases in both places or a torn tail, and every case is in the hot store or the
//! archive; the next run finishes, after which every case is in exactly one place. Then bad
//! input (a future or malformed cut-off, a non-administrator, a damaged segment: one line
//! naming the file), and the sweep's retention.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use casebench::domain::CaseId;
use casebench::store::archive::Archive;
use casebench::store::{Storage, Store};

const NOW: &str = "2026-12-01T09:00:00Z";

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_casebench"))
}

fn casebench(db: &Path, args: &[&str]) -> Process {
    let mut p = Process::new(bin());
    p.arg("--db").arg(db);
    if !args.contains(&"--as") {
        p.args(["--as", "admin"]);
    }
    p.args(args)
        .env("CASEBENCH_NOW", NOW)
        .env("XDG_CONFIG_HOME", db.with_extension("config"))
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .stdin(Stdio::null());
    p
}

/// (exit code, stdout, stderr).
fn run(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = casebench(db, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A generated store of 5,000 cases, about 3,900 of them closed more than a week ago.
fn generated(dir: &Path) -> PathBuf {
    let db = dir.join("gen");
    let (code, _, err) = run(
        &db,
        &[
            "gen",
            "--cases",
            "5000",
            "--open-ratio",
            "0.1",
            "--due-now",
            "0",
            "--users",
            "40",
            "--groups",
            "4",
        ],
    );
    assert_eq!(code, 0, "{err}");
    db
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// (ids in the hot store, ids in the archive).
fn census(db: &Path) -> (BTreeSet<u64>, BTreeSet<u64>) {
    let hot = {
        let store = Store::open(db).unwrap();
        store.all_cases().unwrap().iter().map(|c| c.id.0).collect()
    };
    let archived = Archive::beside(db).ids().unwrap().into_keys().collect();
    (hot, archived)
}

/// `check` after a crash: nothing but cases in both places or a torn tail.
fn check_after_crash(db: &Path) {
    let (_, out, err) = run(db, &["--json", "check"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    for f in v["findings"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        assert!(
            f.contains("is both in the hot store and in the archive") || f.contains("torn tail"),
            "{f}"
        );
    }
}

/// Every case of `all` is somewhere, none in both (when `settled`).
fn assert_whole(db: &Path, all: &BTreeSet<u64>, settled: bool) {
    let (hot, archived) = census(db);
    let union: BTreeSet<u64> = hot.union(&archived).copied().collect();
    assert_eq!(&union, all, "a case was lost");
    if settled {
        let both: Vec<_> = hot.intersection(&archived).collect();
        assert!(both.is_empty(), "in both places: {both:?}");
    }
}

fn finish(db: &Path, all: &BTreeSet<u64>) {
    let (code, out, err) = run(db, &["archive", "--closed-before", "7d"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(db, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_whole(db, all, true);
    let (_, archived) = census(db);
    assert!(archived.len() > 3000, "{}", archived.len());
}

#[test]
fn killed_runs_lose_nothing_and_the_next_run_settles_every_case() {
    let dir = tempfile::tempdir().unwrap();
    let base = generated(dir.path());
    let all = census(&base).0;
    for seed in [7u64, 42, 1234] {
        let db = dir.path().join(format!("s{seed}"));
        copy(&base, &db);
        let mut rng = seed;
        for _ in 0..3 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let delay = 150 + (rng >> 33) % 2500;
            let mut child = casebench(&db, &["archive", "--closed-before", "7d"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay));
            let _ = child.kill();
            child.wait().unwrap();
            check_after_crash(&db);
            assert_whole(&db, &all, false);
        }
        finish(&db, &all);
    }
    for point in ["after-append", "after-commit"] {
        let db = dir.path().join(point);
        copy(&base, &db);
        let out = casebench(&db, &["archive", "--closed-before", "7d"])
            .env("CASEBENCH_ARCHIVE_FAULT", point)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(86), "{point}");
        let (hot, archived) = census(&db);
        let both = hot.intersection(&archived).count();
        match point {
            "after-append" => assert!(both > 0, "the batch is in both places"),
            _ => assert_eq!(both, 0),
        }
        check_after_crash(&db);
        assert_whole(&db, &all, false);
        finish(&db, &all);
    }

    // Bad input changes nothing and says why in one line.
    let db = dir.path().join("after-commit");
    let before = census(&db);
    for (args, code, says) in [
        (
            vec!["archive", "--closed-before", "now+1d"],
            2,
            "in the future",
        ),
        (
            vec!["archive", "--closed-before", "ninety days"],
            2,
            "--closed-before",
        ),
        (
            vec!["--as", "u00003", "archive", "--closed-before", "7d"],
            4,
            "administrators",
        ),
    ] {
        let (c, _, err) = run(&db, &args);
        assert_eq!(c, code, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(census(&db), before);

    // An archived case through the binary: shown, its history, refused a comment.
    let some = *before.1.iter().next().unwrap();
    let id = CaseId(some).to_string();
    let (c, out, err) = run(&db, &["--json", "case", "show", &id]);
    assert_eq!(c, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["archived"].is_string(), "{out}");
    let (c, out, _) = run(&db, &["case", "history", &id]);
    assert_eq!(c, 0);
    assert!(out.contains("(read-only)"), "{out}");
    let (c, _, err) = run(&db, &["case", "comment", &id, "still there?"]);
    assert_eq!(c, 5, "{err}");
    assert!(
        err.contains("is archived (") && err.contains("read-only"),
        "{err}"
    );
    let (c, out, _) = run(
        &db,
        &[
            "case",
            "list",
            "--queue",
            "closed",
            "--archived",
            "--limit",
            "3",
        ],
    );
    assert_eq!(c, 0);
    assert!(
        out.contains(&format!("3 of {} cases in queue closed", before.1.len())),
        "{out}"
    );

    // A damaged segment: bytes flipped in its first record's payload.
    let seg = Archive::beside(&db)
        .dir()
        .join(format!("{}.seg", Archive::beside(&db).months().unwrap()[0]));
    let mut bytes = std::fs::read(&seg).unwrap();
    let first = u64::from_be_bytes(bytes[12..20].try_into().unwrap());
    for b in &mut bytes[40..48] {
        *b ^= 0x5a;
    }
    std::fs::write(&seg, bytes).unwrap();
    let (c, _, err) = run(&db, &["case", "show", &CaseId(first).to_string()]);
    assert_eq!(c, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&seg.display().to_string()) && err.contains("damaged"),
        "{err}"
    );
    let (c, out, _) = run(&db, &["check"]);
    assert_eq!(c, 1);
    assert!(out.contains(&seg.display().to_string()), "{out}");
}

#[test]
fn a_sweep_archives_what_the_retention_makes_due() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s");
    let (code, _, err) = run(
        &db,
        &[
            "gen",
            "--cases",
            "600",
            "--due-now",
            "0",
            "--users",
            "10",
            "--groups",
            "2",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let all = census(&db).0;
    // Off by default.
    let (code, out, _) = run(&db, &["sweep"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("archive"), "{out}");
    assert!(census(&db).1.is_empty());
    let config = db.with_extension("config").join("casebench");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[archive]\nretention = \"7d\"\n",
    )
    .unwrap();
    let (code, out, err) = run(&db, &["sweep"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("archive: moved"), "{out}");
    assert!(!census(&db).1.is_empty());
    assert_whole(&db, &all, true);
    std::fs::write(
        config.join("config.toml"),
        "[archive]\nretention = \"soon\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&db, &["sweep"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("retention"), "{err}");
}
