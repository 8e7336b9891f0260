//! `history`: the audit events of a case (the TUI opens the case).

use super::{OnCase, Read};
use crate::verbs::catalogue::{shape, verb, Role, Verb};

pub const VERB: Verb = verb(
    "history",
    "The audit events of a case, oldest first",
    shape(Role::ShowCase, true),
);

pub const EXAMPLE: &str = "C-12";

/// `history C-12`: the case only.
pub type Args = OnCase<Read>;
