//! The verb catalogue: every case verb once, for both front ends, in one file each under
//! [`case`]: its catalogue entry (name, aliases, help, the TUI's label: a [`Verb`]), its clap
//! arguments, and how it turns into engine commands with its messages. The CLI, the TUI's `:`
//! prompt, its dialogs and its keys all go through here. Adding a verb: a file in `case/` and
//! its line in the list there (and the engine's command).
//!
//! Layer: may use `api`, `domain` and `clock` only.

pub mod build;
pub mod case;
pub mod catalogue;
pub mod text;
pub mod timearg;

pub use build::{Built, Cases};
pub use case::new::new_case;
pub use case::{build, find, CaseCmd, CaseVerb, VERBS};
pub use catalogue::{Role, Verb};
pub use text::{ago, names, span, Naming};

#[cfg(test)]
mod tests;
