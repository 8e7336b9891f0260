//! README.md cannot rot: the commands of its tour (the ```sh blocks after a `<!-- tour -->`
//! line) run in order through the real binary on a fresh store, in a temporary directory,
//! with the clock pinned; every other `casebench …` line of its sh blocks must at least parse;
//! and its links stay inside the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The pinned "now" of the tour.
const NOW: &str = "2026-12-01T09:00:00Z";
/// Who runs the tour (its first administrator).
const USER: &str = "tourist";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// A fenced code block: whether it is marked as part of the tour, its language, and its
/// lines with their line numbers in README.md.
struct Block {
    tour: bool,
    lang: String,
    lines: Vec<(usize, String)>,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = vec![];
    let mut open: Option<Block> = None;
    let mut marked = false;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match open.take() {
            Some(b) if fence => out.push(b),
            Some(mut b) => {
                b.lines.push((i + 1, line.to_string()));
                open = Some(b);
            }
            None if fence => {
                let lang = line.trim_start().trim_start_matches('`').trim().to_string();
                open = Some(Block {
                    tour: marked,
                    lang,
                    lines: vec![],
                });
                marked = false;
            }
            None if line.trim() == "<!-- tour -->" => marked = true,
            None if !line.trim().is_empty() => marked = false,
            None => {}
        }
    }
    assert!(open.is_none(), "README.md: a code block is not closed");
    out
}

/// The shell commands of a block with their first line: blank and comment lines skipped, a
/// here-document kept with its command.
fn commands(block: &Block) -> Vec<(usize, String)> {
    let mut out = vec![];
    let mut lines = block.lines.iter();
    while let Some((n, line)) = lines.next() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut cmd = line.clone();
        if let Some(word) = heredoc_word(t) {
            for (_, body) in lines.by_ref() {
                cmd.push('\n');
                cmd.push_str(body);
                if body.trim() == word {
                    break;
                }
            }
        }
        out.push((*n, cmd));
    }
    out
}

/// The terminator of a here-document started on this line (`<<'EOF'`, `<<EOF`).
fn heredoc_word(line: &str) -> Option<String> {
    let rest = &line[line.find("<<")? + 2..];
    let word: String = rest
        .trim_start_matches('-')
        .trim()
        .trim_matches(|c| c == '\'' || c == '"')
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// A line without its trailing `# comment` (a `#` after a blank, outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return line[..i].trim_end(),
            _ => {}
        }
        prev = c;
    }
    line.trim_end()
}

/// `sh -c CMD` in `dir` with the binary on PATH and a clean, pinned environment.
fn sh(dir: &Path, cmd: &str) -> Output {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_casebench"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.parent().expect("the binary's directory").to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).expect("PATH"))
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("CASEBENCH_USER", USER)
        .env("CASEBENCH_NOW", NOW)
        .env("TZ", "UTC")
        .env_remove("CASEBENCH_DB")
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .output()
        .expect("run sh")
}

fn failed(what: &str, line: usize, cmd: &str, out: &Output) -> String {
    format!(
        "README.md:{line}: {what} `{cmd}` exited {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `cmd` with `--db DB` after every `casebench` in command position (at the start, after
/// `;`, `&&`, `||` or `|`), so the tour acts on its own store; here-documents are left alone.
fn on_store(cmd: &str, db: &Path) -> String {
    let db = format!("casebench --db '{}' ", db.display());
    let (first, body) = cmd.split_once('\n').unwrap_or((cmd, ""));
    let mut out = String::new();
    let mut rest = first;
    while let Some(at) = rest.find("casebench ") {
        let before = rest[..at].trim_end();
        let command_position =
            before.is_empty() || [";", "&&", "||", "|"].iter().any(|s| before.ends_with(s));
        out.push_str(&rest[..at]);
        out.push_str(if command_position { &db } else { "casebench " });
        rest = &rest[at + "casebench ".len()..];
    }
    out.push_str(rest);
    if !body.is_empty() {
        out.push('\n');
        out.push_str(body);
    }
    out
}

#[test]
fn the_tour_runs_as_written_on_a_fresh_store() {
    let text = readme();
    let tour: Vec<(usize, String)> = blocks(&text)
        .iter()
        .filter(|b| b.tour)
        .flat_map(commands)
        .collect();
    assert!(
        tour.len() >= 20,
        "README.md: the tour (sh blocks after `<!-- tour -->`) has {} commands",
        tour.len()
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("store");
    for (line, cmd) in &tour {
        let run = on_store(cmd, &db);
        let out = sh(dir.path(), &run);
        assert!(
            out.status.success(),
            "{}",
            failed("the tour's", *line, cmd, &out)
        );
    }
    assert!(db.exists(), "the tour did not run on its --db store");
    assert!(
        !dir.path().join("data").exists(),
        "the tour used the default store"
    );
}

#[test]
fn every_other_casebench_line_parses() {
    let text = readme();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut checked = 0;
    for block in blocks(&text).iter().filter(|b| !b.tour && b.lang == "sh") {
        for (line, cmd) in commands(block) {
            for part in strip_comment(&cmd).split(" ; ") {
                let part = part.trim();
                if !part.starts_with("casebench ") && part != "casebench" {
                    continue;
                }
                // clap checks the subcommand and every flag before `--help`, then stops.
                let out = sh(dir.path(), &format!("{part} --help"));
                assert!(out.status.success(), "{}", failed("", line, part, &out));
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "README.md: no other casebench lines found");
}

#[test]
fn links_stay_inside_the_repository() {
    let text = readme();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = &after[..end];
            rest = &after[end..];
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let file = target.split('#').next().unwrap_or("");
            assert!(
                file.is_empty() || (!file.starts_with("..") && root().join(file).exists()),
                "README.md:{}: the link {target:?} leaves the repository or names nothing",
                i + 1
            );
        }
    }
}
