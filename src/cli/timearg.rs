//! TIME and DURATION arguments; they live in [`crate::verbs::timearg`], shared with the TUI.

pub use crate::verbs::timearg::parse_time;
