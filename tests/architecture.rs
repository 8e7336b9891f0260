//! The layers of DESIGN.md §3, which the compiler cannot enforce inside one crate.

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = vec![];
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = fs::read_to_string(&p).unwrap();
            out.push((p, text));
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Lines of code, without comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.starts_with("//"))
}

fn forbid(dir: &str, words: &[&str], why: &str) {
    let mut bad = vec![];
    for (path, text) in sources(&src().join(dir)) {
        for (n, line) in code_lines(&text) {
            for w in words {
                if line.contains(w) {
                    bad.push(format!("{}:{n}: {w}", path.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{why}:\n{}", bad.join("\n"));
}

#[test]
fn domain_is_pure() {
    forbid(
        "domain",
        &[
            "sled",
            "tokio",
            "ratatui",
            "crossterm",
            "Utc::now",
            "Local::now",
            "SystemTime",
            "Instant::now",
            "std::fs",
            "std::io",
            "crate::store",
            "crate::engine",
        ],
        "domain/ must not do IO, read the clock or know the outer layers",
    );
}

#[test]
fn only_store_names_sled() {
    let mut bad = vec![];
    for (path, text) in sources(&src()) {
        if path.starts_with(src().join("store")) {
            continue;
        }
        for (n, line) in code_lines(&text) {
            if line.contains("sled::") || line.contains("use sled") {
                bad.push(format!("{}:{n}", path.display()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "only store/ may name sled:\n{}",
        bad.join("\n")
    );
}

#[test]
fn front_ends_go_through_the_engine() {
    // The CLI and TUI may read through the engine but never write to the store themselves.
    forbid(
        "cli",
        &["WriteSet", ".commit(", "commit_unflushed"],
        "cli/ must change data only through Engine::execute",
    );
    forbid(
        "tui",
        &["crate::store", "crate::engine::Engine"],
        "tui/ must go through api::Service",
    );
}

#[test]
fn the_clock_is_read_in_one_place() {
    let mut bad = vec![];
    for (path, text) in sources(&src()) {
        let allowed = path.ends_with("src/clock.rs") || path.ends_with("cli/mod.rs");
        for (n, line) in code_lines(&text) {
            if !allowed && line.contains("Utc::now()") && !line.contains("#[cfg(test)]") {
                bad.push(format!("{}:{n}", path.display()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "read time from a Clock:\n{}",
        bad.join("\n")
    );
}
