//! `correlate`: resolve a correlation case: name the account's owner, or mark it an orphan.

use clap::ArgGroup;

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{verb, Verb, WRITE};

pub const VERB: Verb = verb(
    "correlate",
    "Resolve a correlation case: name the account's owner, or mark it an orphan",
    WRITE,
);

pub const EXAMPLE: &str = "C-12 --owner alice";

/// `correlate C-12 …`: the case, then [`Correlate`].
pub type Args = OnCase<Correlate>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("who").args(["owner", "orphan"]).required(true)))]
pub struct Correlate {
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub orphan: bool,
}

impl ActsOnCases for Correlate {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, self.owner)))
    }
}

/// `owner`: `None` marks the account an orphan.
pub fn build(on: &Cases, owner: Option<String>) -> Built {
    let commands = on.each(|case, _| Command::Correlate {
        case,
        owner: owner.clone(),
    });
    let who = owner.unwrap_or_else(|| "nobody (orphan)".into());
    let names = on.names();
    let what = format!("correlated {names} to {who}");
    let confirm = format!("Record {who} as the owner of the account of {names}?");
    built(commands, what, Some(confirm))
}
