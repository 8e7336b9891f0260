//! `comment`: add a comment, also on closed cases; the prompt takes the rest of its line as
//! typed.

use super::{ActsOnCases, OnCase};
use crate::api::{ApiError, Command};
use crate::verbs::build::{built, Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Shape, Verb, WRITE};

pub const VERB: Verb = keyed(
    verb(
        "comment",
        "Add a comment (allowed on closed cases too)",
        Shape {
            text: true,
            ..WRITE
        },
    ),
    "comment",
    "write a comment",
);

pub const EXAMPLE: &str = "C-12 done";

/// `comment C-12 …`: the case, then [`Comment`].
pub type Args = OnCase<Comment>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Comment {
    pub text: String,
}

impl ActsOnCases for Comment {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, &self.text)))
    }
}

pub fn build(on: &Cases, text: &str) -> Built {
    let commands = on.each(|case, _| Command::Comment {
        case,
        text: text.to_string(),
    });
    built(commands, format!("commented on {}", on.names()), None)
}
