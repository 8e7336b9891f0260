//! `cancel`: cancel a case (requester or administrator); open work items are cancelled.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb(
        "cancel",
        "Cancel a case (requester or administrator)",
        WRITE,
    ),
    "cancel",
    "cancel the case",
);

pub const EXAMPLE: &str = "C-12 --comment duplicate";

/// `cancel C-12 …`: the case, then [`Cancel`].
pub type Args = OnCase<Cancel>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Cancel {
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Cancel {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, self.comment)))
    }
}

pub fn build(on: &Cases, comment: Option<String>) -> Built {
    let commands = on.each(|case, _| Command::Cancel {
        case,
        comment: comment.clone(),
    });
    let names = on.names();
    let confirm = format!("Cancel {names}? Open work items are cancelled.");
    built(commands, format!("cancelled {names}"), Some(confirm))
}
