//! The catalogue's own rules: what verbs may import, and that the one list of verbs in
//! [`super::case`] gives every verb its clap subcommand, its entry and its builder.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use super::case::{OnCase, EXAMPLES};
use super::{build, CaseCmd, Cases, Naming, Role, VERBS};
use crate::api::ApiError;
use crate::domain::{CaseId, DelegationMethod, Outcome, Target};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn verbs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/verbs")
}

#[test]
fn verbs_know_only_api_domain_and_clock() {
    let mut files = vec![];
    rust_files(&verbs_dir(), &mut files);
    assert!(files.len() > VERBS.len(), "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| !l.trim().starts_with("//")) {
            for layer in ["cli", "tui", "engine", "store", "remote", "import", "demo"] {
                let word = format!("crate::{layer}");
                assert!(!line.contains(&word), "{path:?}: {line}");
            }
        }
    }
}

#[test]
fn every_verb_has_its_clap_subcommand() {
    let cmd = CaseCmd::augment_subcommands(clap::Command::new("case"));
    let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    let catalogue: Vec<&str> = VERBS.iter().map(|v| v.name).collect();
    assert_eq!(names, catalogue);
}

/// `casebench case VERB …` as clap parses it.
#[derive(Debug, Parser)]
#[command(no_binary_name = true)]
struct Line {
    #[command(subcommand)]
    verb: CaseCmd,
}

/// The claim: from the one list, every verb file is registered, and every entry of `VERBS`
/// parses (by name and by each alias) into its own variant, which names its case when the verb
/// acts on cases and builds commands exactly when it writes.
#[test]
fn every_verb_parses_names_its_case_and_builds_from_the_one_list() {
    let mut files = vec![];
    rust_files(&verbs_dir().join("case"), &mut files);
    let mut modules: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .filter(|m| m != "mod")
        .collect();
    modules.sort();
    let mut names: Vec<String> = VERBS.iter().map(|v| v.name.to_string()).collect();
    names.sort();
    assert_eq!(modules, names, "every file in case/ is a verb in the list");
    assert_eq!(EXAMPLES.len(), VERBS.len());
    for (verb, (name, example)) in VERBS.iter().zip(EXAMPLES) {
        assert_eq!(verb.name, *name);
        for called in std::iter::once(&verb.name).chain(verb.aliases) {
            let words = std::iter::once(*called).chain(example.split_whitespace());
            let cmd = Line::try_parse_from(words)
                .unwrap_or_else(|e| panic!("{called} {example}: {e}"))
                .verb;
            assert_eq!(cmd.verb(), verb);
            assert_eq!(cmd.case_arg().is_some(), verb.shape.on_cases, "{called}");
            let on = Cases::one(CaseId(12), None);
            let now = || Ok(chrono::DateTime::UNIX_EPOCH);
            let built = build(cmd, &on, Some("me"), now).unwrap();
            let commands = built.map(|b| b.commands.len());
            let writes = verb.shape.role == Role::Write;
            assert_eq!(commands, writes.then_some(1), "{called}");
        }
    }
}

fn two() -> Cases {
    Cases::of(&[CaseId(1), CaseId(2)], Naming::Listed)
}

#[test]
fn the_dialog_wording_or_the_prompt_wording() {
    use super::case::{close, complete, delegate};
    let to = Target::Group("ops".into());
    let dialog = delegate::build(&two(), to.clone(), DelegationMethod::Add, None, Some("x"));
    assert_eq!(dialog.commands.len(), 2);
    assert_eq!(
        dialog.confirm.as_deref(),
        Some("Delegate 2 cases (C-1, C-2) to @ops (x)?")
    );
    let prompt = delegate::build(&two(), to, DelegationMethod::Add, None, None);
    assert_eq!(
        prompt.confirm.as_deref(),
        Some("Delegate 2 cases (C-1, C-2) to @ops (adding to the assignees)?")
    );
    let closed = close::build(&two(), None, None, Some("none"));
    assert_eq!(
        closed.confirm.as_deref(),
        Some("Close 2 cases (C-1, C-2) (outcome none)? Open work items are cancelled.")
    );
    let done = complete::build(&two(), Outcome::Approved, None, None);
    assert_eq!(done.what, "completed 2 cases (C-1, C-2): approved");
}

#[test]
fn read_verbs_build_nothing() {
    let show = CaseCmd::Show(OnCase {
        id: "C-1".into(),
        args: crate::verbs::case::show::AsOf::default(),
    });
    let now = || Err(ApiError::Internal("not asked".into()));
    assert_eq!(build(show, &two(), None, now), Ok(None));
}
