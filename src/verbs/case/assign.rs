//! `assign`: replace the assignees (the TUI's reassign).

use super::CaseVerb;
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb("assign", "Replace the assignees (reassign)", WRITE),
    "reassign",
    "reassign to a user",
);

pub const EXAMPLE: &str = "C-12 bob --comment over-to-you";

// No doc comment here: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Args {
    pub id: String,
    pub user: String,
    #[arg(long)]
    pub comment: Option<String>,
}

impl CaseVerb for Args {
    fn case_arg(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, &self.user, self.comment)))
    }
}

pub fn build(on: &Cases, to: &str, comment: Option<String>) -> Built {
    let commands = on.each(|case, work_item| Command::Assign {
        case,
        work_item,
        to: to.to_string(),
        comment: comment.clone(),
    });
    let names = on.names();
    let what = format!("reassigned {names} to {to}");
    built(commands, what, Some(format!("Reassign {names} to {to}?")))
}
