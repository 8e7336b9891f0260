//! The verb catalogue: every case verb once, for both front ends. Each has a catalogue entry
//! ([`catalogue`]: name, aliases, help, the TUI's label), clap arguments ([`args`]) and one
//! function that turns it into engine commands with its messages ([`build`]). The CLI, the TUI's
//! `:` prompt, its dialogs and its keys all go through here. Adding a verb: an entry in
//! `catalogue`, a variant in `args`, a function in `build` (and the engine's command).
//!
//! Layer: may use `api`, `domain` and `clock` only.

pub mod args;
pub mod build;
pub mod catalogue;
pub mod text;
pub mod timearg;

pub use args::CaseCmd;
pub use build::{build, new_case, Built, Cases};
pub use catalogue::{find, Role, Verb, VERBS};
pub use text::{ago, names, span, Naming};

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn verbs_know_only_api_domain_and_clock() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/verbs");
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for line in text.lines().filter(|l| !l.trim().starts_with("//")) {
                for layer in ["cli", "tui", "engine", "store", "remote", "import", "demo"] {
                    let word = format!("crate::{layer}");
                    assert!(!line.contains(&word), "{:?}: {line}", entry.path());
                }
            }
        }
    }

    #[test]
    fn every_verb_has_its_clap_subcommand() {
        use clap::Subcommand;
        let cmd = super::CaseCmd::augment_subcommands(clap::Command::new("case"));
        let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        let catalogue: Vec<&str> = super::VERBS.iter().map(|v| v.name).collect();
        assert_eq!(names, catalogue);
    }
}
