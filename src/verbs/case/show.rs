//! `show`: the fields, work items and comments of a case (the TUI opens it).

use super::{OnCase, Read};
use crate::verbs::catalogue::{shape, verb, Role, Verb};

pub const VERB: Verb = verb(
    "show",
    "Fields, work items and comments of a case",
    shape(Role::ShowCase, true),
);

pub const EXAMPLE: &str = "C-12";

/// `show C-12`: the case only.
pub type Args = OnCase<Read>;
