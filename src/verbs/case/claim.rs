//! `claim`: take a work item offered to one of your groups.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb(
        "claim",
        "Take a work item offered to one of your groups",
        WRITE,
    ),
    "claim",
    "claim a work item offered to my group",
);

pub const EXAMPLE: &str = "W-4";

/// `claim C-12 …`: the case, then [`Claim`].
pub type Args = OnCase<Claim>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Claim {}

impl ActsOnCases for Claim {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on)))
    }
}

pub fn build(on: &Cases) -> Built {
    let commands = on.each(|case, work_item| Command::Claim { case, work_item });
    built(commands, format!("claimed {}", on.names()), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CaseId, WorkItemId};

    #[test]
    fn one_case_keeps_its_work_item() {
        let w: WorkItemId = "W-4".parse().unwrap();
        let b = build(&Cases::one(CaseId(3), Some(w)));
        assert_eq!(
            b.commands,
            vec![Command::Claim {
                case: CaseId(3),
                work_item: Some(w)
            }]
        );
        assert_eq!(b.what, "claimed C-3");
    }
}
