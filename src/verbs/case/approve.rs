//! `approve`: approve the request of an approval case (your step of its workflow); the TUI's
//! `a` on an approval case and `:approve` on the marked ones.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::domain::Outcome;
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Shape, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb(
        "approve",
        "Approve the access request of an approval case (your step of its workflow)",
        WRITE,
    ),
    "approve",
    "approve the request (approval cases)",
);

pub const EXAMPLE: &str = "C-12 --comment fine";

/// `approve C-12 …`: the case, then [`Approve`].
pub type Args = OnCase<Approve>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Approve {
    #[arg(long)]
    pub comment: Option<String>,
}

impl ActsOnCases for Approve {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, self.comment, None)))
    }
}

/// `requests`: the requests the cases decide, as the question names them (`R-1, R-2`), when
/// known.
pub fn build(on: &Cases, comment: Option<String>, requests: Option<&str>) -> Built {
    decision(on, Outcome::Approved, comment, requests)
}

/// An approver's decision on the cases: a completion with `outcome`, asked first.
pub(super) fn decision(
    on: &Cases,
    outcome: Outcome,
    comment: Option<String>,
    requests: Option<&str>,
) -> Built {
    let commands = on.each(|case, work_item| Command::Complete {
        case,
        work_item,
        outcome,
        comment: comment.clone(),
    });
    let names = on.names();
    let (ask, did) = match outcome {
        Outcome::Rejected => ("Deny", "denied"),
        _ => ("Approve", "approved"),
    };
    let what = match requests {
        Some(r) => format!("{r} on {names}"),
        None => format!("the request of {names}"),
    };
    built(
        commands,
        format!("{did} {what}"),
        Some(format!("{ask} {what}?")),
    )
}

/// The shape `deny` shares: the rest of the `:` line is its comment, as typed.
pub(super) const TEXT: Shape = Shape {
    text: true,
    ..WRITE
};
