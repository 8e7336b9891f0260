//! Peak memory of the benchmark's child processes, as each one measures itself.
//!
//! A child's `ru_maxrss` (from `wait4` or `RUSAGE_CHILDREN`) is worthless here: Linux keeps
//! the high-water mark of the memory a process had before `exec`, and a child spawned from
//! the benchmark starts inside the benchmark's hundreds of megabytes. So each child reads
//! its own `VmHWM` (the mark of its own address space, new at `exec`) when it exits and
//! appends it to the file named by `CASEBENCH_PEAK_FILE`.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable naming the file a process appends its peak to (kB, one line).
pub const ENV: &str = "CASEBENCH_PEAK_FILE";

/// This process's peak resident set in kB (`VmHWM`), if the system says.
fn own_peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Appends this process's peak to `$CASEBENCH_PEAK_FILE`, when it is set (at exit).
pub fn record() {
    let Some(path) = std::env::var_os(ENV) else {
        return;
    };
    if let Some(kb) = own_peak_kb() {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        if let Ok(mut f) = file {
            let _ = writeln!(f, "{kb}");
        }
    }
}

/// The peak file of the children of one measurement (`label`) of this benchmark run.
pub(super) fn path(label: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "casebench-bench-peak-{}-{label}",
        std::process::id()
    ))
}

/// The peak file of `label`, emptied.
pub(super) fn fresh(label: &str) -> PathBuf {
    let p = path(label);
    let _ = std::fs::remove_file(&p);
    p
}

/// The largest peak the children wrote to `path`, in MB (0 when none did).
pub(super) fn max_mb(path: &Path) -> f64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .max()
        .map_or(0.0, |kb| kb as f64 / 1024.0)
}
