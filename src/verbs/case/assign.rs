//! `assign`: replace the assignees (the TUI's reassign).

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb("assign", "Replace the assignees (reassign)", WRITE),
    "reassign",
    "reassign to a user",
);

pub const EXAMPLE: &str = "C-12 bob --comment over-to-you";

/// `assign C-12 …`: the case, then [`Assign`].
pub type Args = OnCase<Assign>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Assign {
    pub user: String,
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Assign {
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
