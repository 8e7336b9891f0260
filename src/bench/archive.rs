//! The archive, whole process: `casebench archive --closed-before 90d` on the store as it
//! will be 100 days later (every case the generator closed is then older than 90 days), in
//! cases per second, `case show` of an archived case, then `casebench compact` and the
//! whole-process figures on the compacted store. Run last, on the generated store
//! (a store given with `--store`, or kept with `--keep`, is copied first: archiving changes
//! it).

use std::path::Path;

use super::{ms, Report, Runner};
use crate::api::ApiError;

/// 900,000 cases in at most 3 minutes.
const TARGET_RATE: f64 = 900_000.0 / 180.0;

pub(super) fn figures(
    report: &mut Report,
    exe: &Path,
    db: &Path,
    in_place: bool,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<(), ApiError> {
    let copy = db.with_extension("archive-bench");
    let target = if in_place {
        db.to_path_buf()
    } else {
        let _ = std::fs::remove_dir_all(&copy);
        crate::store::seal::copy_store(db, &copy)
            .map_err(|e| ApiError::Internal(format!("cannot copy {}: {e}", db.display())))?;
        copy.clone()
    };
    let result = measure(report, exe, &target, now, runs);
    if !in_place {
        let _ = std::fs::remove_dir_all(&copy);
    }
    result
}

fn measure(
    report: &mut Report,
    exe: &Path,
    db: &Path,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<(), ApiError> {
    let later = Runner {
        exe: exe.to_path_buf(),
        db: db.to_path_buf(),
        now: (now + chrono::Duration::days(100)).to_rfc3339(),
    };
    let args = [
        "--as",
        "admin",
        "--json",
        "archive",
        "--closed-before",
        "90d",
    ];
    let (took, out) = later.run(&args)?;
    let v: serde_json::Value = serde_json::from_str(&out)
        .map_err(|e| ApiError::Internal(format!("archive --json: {e}")))?;
    let archived = v["archived"].as_u64().unwrap_or(0);
    let rate = archived as f64 / took.as_secs_f64().max(1e-9);
    report.add(
        format!("archive {archived} closed cases older than 90 d (clock +100 d, whole process)"),
        took.as_secs_f64(),
        "s",
        1,
        None,
    );
    report.add(
        "  cases archived per second",
        rate,
        "/s",
        1,
        Some(("≥ 5,000/s (900k ≤ 3 min)", rate >= TARGET_RATE)),
    );
    let list = [
        "--as",
        "admin",
        "--json",
        "case",
        "list",
        "--queue",
        "closed",
        "--archived",
        "--limit",
        "50",
    ];
    let (_, out) = later.run(&list)?;
    let v: serde_json::Value = serde_json::from_str(&out)
        .map_err(|e| ApiError::Internal(format!("case list --archived --json: {e}")))?;
    let Some(id) = v["cases"][0]["id"].as_str().map(String::from) else {
        return Ok(());
    };
    report.process(
        &later,
        runs,
        "case list --queue closed --archived, first 50 (whole process)",
        &list,
        None,
    )?;
    let show = ["--as", "admin", "case", "show", id.as_str()];
    // The first read of an archived case by a user opens the hot store (and notes the
    // reader); the next ones read the archive alone (`store::readers`).
    let (first, _) = later.run(&show)?;
    report.add(
        "case show of an archived case, the user's first (opens the hot store)",
        ms(first),
        "ms",
        1,
        None,
    );
    report.process(
        &later,
        runs,
        "case show of an archived case (whole process)",
        &show,
        Some(("≤ 20 ms", 20.0)),
    )?;
    compacted(report, &later, &id, runs)
}

/// `casebench compact` after the run, and what a whole process pays on the smaller store.
fn compacted(report: &mut Report, later: &Runner, id: &str, runs: usize) -> Result<(), ApiError> {
    let (took, out) = later.run(&["--as", "admin", "--json", "compact"])?;
    let v: serde_json::Value = serde_json::from_str(&out)
        .map_err(|e| ApiError::Internal(format!("compact --json: {e}")))?;
    let mb = |k: &str| v[k].as_u64().unwrap_or(0) as f64 / (1024.0 * 1024.0);
    let keys = v["keys"].as_u64().unwrap_or(0);
    report.add(
        format!("compact after the archive run ({keys} keys, whole process)"),
        took.as_secs_f64(),
        "s",
        1,
        None,
    );
    report.add(
        "  store on disk before compact",
        mb("bytes_before"),
        "MB",
        1,
        None,
    );
    report.add(
        "  store on disk after compact",
        mb("bytes_after"),
        "MB",
        1,
        None,
    );
    let inbox = ["--as", "admin", "case", "list", "--limit", "50"];
    report.process(
        later,
        runs,
        "first inbox page after compact (whole process)",
        &inbox,
        Some(("≤ 100 ms", 100.0)),
    )?;
    report.process(
        later,
        runs,
        "case show of an archived case after compact (whole process)",
        &["--as", "admin", "case", "show", id],
        Some(("≤ 20 ms", 20.0)),
    )?;
    Ok(())
}
