//! `casebench compact` as the binary: after an archive run, the store rewritten into fresh
//! files reads exactly as before (queues, an archived and a hot case, the KPI report, `check`
//! clean) and is smaller on disk; a non-administrator is refused and nothing moves; a
//! compaction cut short between its renames is finished (whole copy) or undone (no copy),
//! and until then every command names the way out.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

fn casebench(db: &Path, actor: &str, args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_casebench"))
        .arg("--db")
        .arg(db)
        .args(["--as", actor])
        .args(args)
        .env("CASEBENCH_NOW", "2026-12-01T09:00:00Z")
        .env("XDG_CONFIG_HOME", db.with_extension("config"))
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = casebench(db, "admin", args);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

fn size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| match e.file_type().unwrap().is_dir() {
            true => size(&e.path()),
            false => e.metadata().unwrap().len(),
        })
        .sum()
}

/// What people read from the store: compared before and after.
fn reading(db: &Path) -> Vec<String> {
    let mut out = vec![];
    for q in ["all", "open", "closed"] {
        out.push(ok(db, &["case", "list", "--queue", q, "--limit", "5000"]));
    }
    out.push(ok(
        db,
        &[
            "case",
            "list",
            "--queue",
            "closed",
            "--archived",
            "--limit",
            "100",
        ],
    ));
    for id in ["C-1", "C-2", "C-2999", "C-3000"] {
        out.push(ok(db, &["case", "show", id]));
        out.push(ok(db, &["case", "history", id]));
    }
    out.push(ok(db, &["report", "kpi", "--since", "now-400d"]));
    out
}

/// A generated store of 3,000 cases over a year, its old closed ones archived.
fn archived_store(dir: &Path) -> PathBuf {
    let db = dir.join("s");
    let gen = [
        "gen",
        "--cases",
        "3000",
        "--due-now",
        "0",
        "--users",
        "20",
        "--groups",
        "3",
        "--span-days",
        "365",
    ];
    ok(&db, &gen);
    let out = ok(&db, &["archive", "--closed-before", "90d"]);
    assert!(out.contains("casebench compact"), "{out}");
    db
}

#[test]
fn a_compacted_store_reads_as_before_and_is_smaller() {
    let dir = tempfile::tempdir().unwrap();
    let db = archived_store(dir.path());
    let before = reading(&db);
    let bytes = size(&db);

    // Only administrators; nothing moves.
    let (code, _, err) = casebench(&db, "u00003", &["compact"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("administrators"), "{err}");
    assert!(!sibling(&db, ".compacting").exists());

    let out = ok(&db, &["compact"]);
    assert!(out.starts_with("compacted "), "{out}");
    assert!(out.contains("archive files linked"), "{out}");
    assert!(!sibling(&db, ".compacting").exists() && !sibling(&db, ".before-compact").exists());
    assert!(size(&db) < bytes, "{} !< {bytes}", size(&db));
    assert_eq!(reading(&db), before);
    let check = ok(&db, &["check"]);
    assert!(check.contains("is consistent"), "{check}");
    // And it goes on working: a comment, a sweep.
    ok(&db, &["case", "comment", "C-1", "after the compaction"]);
    ok(&db, &["sweep"]);
}

#[test]
fn a_compaction_cut_short_is_finished_or_undone() {
    let dir = tempfile::tempdir().unwrap();
    let db = archived_store(dir.path());
    let before = reading(&db);
    ok(&db, &["compact"]);

    // Cut between the renames with no whole copy: the old store goes back.
    let aside = sibling(&db, ".before-compact");
    std::fs::rename(&db, &aside).unwrap();
    let (code, _, err) = casebench(&db, "admin", &["case", "list"]);
    assert_ne!(code, 0);
    assert!(err.contains("run `casebench compact` to finish"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = ok(&db, &["compact"]);
    assert!(out.contains("undid a compaction cut short"), "{out}");
    assert_eq!(reading(&db), before);

    // Cut between the renames with the whole copy written: it is put in place.
    let copy = sibling(&db, ".compacting");
    let mut cp = Process::new("cp");
    assert!(cp.arg("-a").arg(&db).arg(&copy).status().unwrap().success());
    std::fs::write(copy.join("casebench.compacted"), b"").unwrap();
    std::fs::rename(&db, &aside).unwrap();
    let out = ok(&db, &["compact"]);
    assert!(out.contains("finished a compaction cut short"), "{out}");
    assert!(!aside.exists() && !copy.exists());
    assert_eq!(reading(&db), before);

    // An unfinished copy beside the store is thrown away.
    std::fs::create_dir(&copy).unwrap();
    let out = ok(&db, &["compact"]);
    assert!(out.contains("removed the unfinished copy"), "{out}");
    assert_eq!(reading(&db), before);
}
