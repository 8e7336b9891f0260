//! `escalate`: escalate by hand, to the assignee's manager or `--to` a user or `@group`.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::domain::Target;
use crate::verbs::build::{built, target, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb(
        "escalate",
        "Escalate by hand: to the assignee's manager, or --to a user or @group",
        WRITE,
    ),
    "escalate",
    "escalate (to the manager, or a target)",
);

pub const EXAMPLE: &str = "C-12 --to @ops";

/// `escalate C-12 …`: the case, then [`Escalate`].
pub type Args = OnCase<Escalate>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Escalate {
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Escalate {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        let to = self.to.as_deref().map(target).transpose()?;
        Ok(Some(build(on, to, self.comment)))
    }
}

/// `to`: `None` for the assignee's manager.
pub fn build(on: &Cases, to: Option<Target>, comment: Option<String>) -> Built {
    let commands = on.each(|case, work_item| Command::Escalate {
        case,
        work_item,
        to: to.clone(),
        comment: comment.clone(),
    });
    let whom = to
        .as_ref()
        .map(|t| t.to_string())
        .unwrap_or_else(|| "the assignee's manager".into());
    let names = on.names();
    let what = format!("escalated {names}");
    built(commands, what, Some(format!("Escalate {names} to {whom}?")))
}
