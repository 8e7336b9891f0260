//! `delegate`: hand the work to a user or `@group`, replacing the assignees or (`--add`) adding
//! to them.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::domain::{DelegationMethod, Target};
use crate::verbs::build::{built, target, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb(
        "delegate",
        "Delegate to a user or @group (replacing the assignees unless --add)",
        WRITE,
    ),
    "delegate",
    "delegate to a user or group",
);

pub const EXAMPLE: &str = "C-12 @db-admins --add";

/// `delegate C-12 …`: the case, then [`Delegate`].
pub type Args = OnCase<Delegate>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Delegate {
    pub target: String,
    #[arg(long)]
    pub add: bool,
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Delegate {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        let method = if self.add {
            DelegationMethod::Add
        } else {
            DelegationMethod::Replace
        };
        let to = target(&self.target)?;
        Ok(Some(build(on, to, method, self.comment, None)))
    }
}

/// `how`: the method as the dialog offered it; the prompt's wording without.
pub fn build(
    on: &Cases,
    to: Target,
    method: DelegationMethod,
    comment: Option<String>,
    how: Option<&str>,
) -> Built {
    let commands = on.each(|case, work_item| Command::Delegate {
        case,
        work_item,
        to: to.clone(),
        method,
        comment: comment.clone(),
    });
    let how = how.unwrap_or(match method {
        DelegationMethod::Add => "adding to the assignees",
        DelegationMethod::Replace => "replacing the assignees",
    });
    let names = on.names();
    let confirm = format!("Delegate {names} to {to} ({how})?");
    built(
        commands,
        format!("delegated {names} to {to}"),
        Some(confirm),
    )
}
