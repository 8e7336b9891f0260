//! `show`: the fields, work items and comments of a case (the TUI opens it).

use super::{ActsOnCases, OnCase};
use crate::api::ApiError;
use crate::verbs::build::{Built, Cases};
use crate::verbs::catalogue::{shape, verb, Role, Verb};

pub const VERB: Verb = verb(
    "show",
    "Fields, work items and comments of a case",
    shape(Role::ShowCase, true),
);

pub const EXAMPLE: &str = "C-12";

/// `show C-12 [--as-of T]`: the case, now or as it stood at T (read-only).
pub type Args = OnCase<AsOf>;

// No doc comment: the variant's `about` is the help.
#[derive(Debug, Default, clap::Args)]
pub struct AsOf {
    /// The case as it stood at TIME, rebuilt from its events (read-only).
    #[arg(long = "as-of", value_name = "TIME")]
    pub as_of: Option<String>,
}

impl ActsOnCases for AsOf {
    fn commands(self, _on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(None)
    }
}
