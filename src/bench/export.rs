//! Reading a large semi-manual export: 100,000 accounts nobody asked for (and 1,000,000 when
//! the benchmark runs at a million cases), on a store of its own, as `resource feed` does it.
//! Time and peak RSS of that one process.

use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use super::Report;
use crate::api::ApiError;

const RESOURCES: &str = r#"
[[resource]]
id = "badge"
name = "Badge-Access"
kind = "semi-manual"
owners = "ops"
[resource.feed]
path = "badge.csv"
key = "account"
attributes = ["mail"]
"#;

/// Runs `casebench --db DB --as bench ARGS…`; its time and peak RSS in MB.
fn run(exe: &Path, db: &Path, args: &[&str]) -> Result<(Duration, f64), ApiError> {
    let started = Instant::now();
    let peaks = super::peak::fresh("export");
    let child = Process::new(exe)
        .env(super::peak::ENV, &peaks)
        .arg("--db")
        .arg(db)
        .args(["--as", "bench"])
        .args(args)
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ApiError::Internal(format!("cannot run {}: {e}", exe.display())))?;
    let mut status = 0;
    // SAFETY: wait4 writes into the status and rusage we own; the pid is our child's.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    let took = started.elapsed();
    if pid < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(ApiError::Internal(format!("{args:?} failed ({status})")));
    }
    // Not `ru.ru_maxrss`: it holds this process's size at the spawn (`super::peak`).
    let peak = super::peak::max_mb(&peaks);
    let _ = std::fs::remove_file(&peaks);
    Ok((took, peak))
}

/// `rows` unknown accounts, one a line.
fn export(rows: usize) -> String {
    let mut csv = String::with_capacity(rows * 40 + 16);
    csv.push_str("account,mail\n");
    for i in 0..rows {
        csv.push_str(&format!("acct{i:07},acct{i:07}@elsewhere.example\n"));
    }
    csv
}

/// The figures for an export of 100,000 rows, and of 1,000,000 when `cases` ≥ 1M.
pub(super) fn large_export(report: &mut Report, cases: usize) -> Result<(), ApiError> {
    let exe = std::env::current_exe().map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut sizes = vec![100_000];
    if cases >= 1_000_000 {
        sizes.push(1_000_000);
    }
    for rows in sizes {
        let dir = std::env::temp_dir().join(format!(
            "casebench-bench-export-{}-{rows}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| ApiError::Internal(e.to_string()))?;
        let result = (|| {
            let db = dir.join("store");
            let write = |name: &str, text: &str| {
                let p = dir.join(name);
                std::fs::write(&p, text).map_err(|e| ApiError::Internal(e.to_string()))?;
                Ok::<_, ApiError>(p.display().to_string())
            };
            let resources = write("resources.toml", RESOURCES)?;
            let csv = write("badge.csv", &export(rows))?;
            run(&exe, &db, &["init", "--group", "ops"])?;
            run(&exe, &db, &["import", "resources", &resources])?;
            run(&exe, &db, &["resource", "feed", "badge", &csv])
        })();
        let _ = std::fs::remove_dir_all(&dir);
        let (took, peak) = result?;
        report.add(
            format!("resource feed: {rows} unknown accounts"),
            took.as_secs_f64(),
            "s",
            1,
            None,
        );
        report.add(
            format!("peak RSS of resource feed, {rows} rows"),
            peak,
            "MB",
            1,
            Some(("< 300 MB", peak < 300.0)),
        );
    }
    Ok(())
}
