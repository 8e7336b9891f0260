//! `history`: the audit events of a case (the TUI opens the case).

use super::CaseVerb;
use crate::verbs::catalogue::{shape, verb, Role, Verb};

pub const VERB: Verb = verb(
    "history",
    "The audit events of a case, oldest first",
    shape(Role::ShowCase, true),
);

pub const EXAMPLE: &str = "C-12";

// No doc comment here: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Args {
    pub id: String,
}

impl CaseVerb for Args {
    fn case_arg(&self) -> Option<&str> {
        Some(&self.id)
    }
}
