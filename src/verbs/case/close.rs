//! `close`: close a case early (requester or administrator); open work items are cancelled.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::domain::Outcome;
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, OUTCOME};

pub const VERB: Verb = keyed(
    verb(
        "close",
        "Close a case early (requester or administrator); open work items are cancelled",
        OUTCOME,
    ),
    "close",
    "close the case early",
);

pub const EXAMPLE: &str = "C-12 --outcome failure";

/// `close C-12 …`: the case, then [`Close`].
pub type Args = OnCase<Close>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Close {
    #[arg(long)]
    pub outcome: Option<Outcome>,
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Close {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, self.outcome, self.comment, None)))
    }
}

/// `label`: the outcome as the dialog offered it (the question then names it).
pub fn build(
    on: &Cases,
    outcome: Option<Outcome>,
    comment: Option<String>,
    label: Option<&str>,
) -> Built {
    let commands = on.each(|case, _| Command::Close {
        case,
        outcome,
        comment: comment.clone(),
    });
    let names = on.names();
    let outcome = label.map(|l| format!(" (outcome {l})")).unwrap_or_default();
    let confirm = format!("Close {names}{outcome}? Open work items are cancelled.");
    built(commands, format!("closed {names}"), Some(confirm))
}
