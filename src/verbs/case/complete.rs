//! `complete`: finish your work item with an outcome (`:complete success`).

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::domain::Outcome;
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, OUTCOME};

pub const VERB: Verb = keyed(
    verb(
        "complete",
        "Finish your work item with an outcome (success, failure, approve, reject)",
        OUTCOME,
    ),
    "complete",
    "approve / complete my work item",
);

pub const EXAMPLE: &str = "C-12 --outcome approve --comment fine";

/// `complete C-12 …`: the case, then [`Complete`].
pub type Args = OnCase<Complete>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Complete {
    #[arg(long)]
    pub outcome: Outcome,
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Complete {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, self.outcome, self.comment, None)))
    }
}

/// `label`: the outcome as the dialog offered it; its name without.
pub fn build(on: &Cases, outcome: Outcome, comment: Option<String>, label: Option<&str>) -> Built {
    let commands = on.each(|case, work_item| Command::Complete {
        case,
        work_item,
        outcome,
        comment: comment.clone(),
    });
    let label = label.unwrap_or(outcome.name());
    let names = on.names();
    let what = format!("completed {names}: {outcome}");
    let confirm = format!("Complete your work item on {names}: {label}?");
    built(commands, what, Some(confirm))
}
