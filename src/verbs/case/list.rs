//! `list`: a queue of cases (the TUI switches to it).

use super::{CaseVerb, Now};
use crate::api::{ApiError, Queue};
use crate::domain::{CaseKind, CaseState};
use crate::verbs::build::{Built, Cases};
use crate::verbs::catalogue::{shape, verb, Role, Verb};

pub const VERB: Verb = verb(
    "list",
    "List a queue of cases",
    shape(Role::ListQueue, false),
);

pub const EXAMPLE: &str = "--queue claimable --state open --filter oracle --limit 5";

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value = "mine")]
    pub queue: Queue,
    #[arg(long)]
    pub state: Option<CaseState>,
    #[arg(long)]
    pub kind: Option<CaseKind>,
    /// Text to look for in id, title, requester, resource, assignees.
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long)]
    pub limit: Option<usize>,
    /// The queue as it stood at TIME, rebuilt from the events (read-only).
    #[arg(long = "as-of", value_name = "TIME")]
    pub as_of: Option<String>,
    /// The archived cases (with `--queue closed`), the last closed first; 100 unless --limit.
    #[arg(long)]
    pub archived: bool,
}

impl CaseVerb for Args {
    fn case_arg(&self) -> Option<&str> {
        None
    }

    /// Nothing to run: the CLI prints the queue, the TUI switches to it.
    fn build(self, _: &Cases, _: Option<&str>, _: impl Now) -> Result<Option<Built>, ApiError> {
        Ok(None)
    }
}
