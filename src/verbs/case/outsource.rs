//! `outsource`: send a case to a ticket system (`[itsm.NAME]` of the config file).

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{verb, Verb, WRITE};

pub const VERB: Verb = verb(
    "outsource",
    "Send the case to a ticket system (its ticket is created at the next sync)",
    WRITE,
);

pub const EXAMPLE: &str = "C-12 --to rt";

/// `outsource C-12 --to NAME`: the case, then [`Outsource`].
pub type Args = OnCase<Outsource>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Outsource {
    /// The ticket system: an `[itsm.NAME]` of the config file.
    #[arg(long, value_name = "NAME")]
    pub to: String,
}

impl ActsOnCases for Outsource {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, &self.to)))
    }
}

pub fn build(on: &Cases, to: &str) -> Built {
    let commands = on.each(|case, _| Command::Outsource {
        case,
        target: to.to_string(),
    });
    let names = on.names();
    built(
        commands,
        format!("outsourced {names} to {to}"),
        Some(format!("Outsource {names} to {to}?")),
    )
}
