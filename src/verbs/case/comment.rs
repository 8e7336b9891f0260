//! `comment`: add a comment, also on closed cases; the prompt takes the rest of its line as
//! typed.

use super::CaseVerb;
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

// No doc comment here: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Args {
    pub id: String,
    pub text: String,
}

impl CaseVerb for Args {
    fn case_arg(&self) -> Option<&str> {
        Some(&self.id)
    }

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
