//! The case panes' text, laid out for a width: drawn by `draw/`, counted by `app/` to bound
//! scrolling (the counts are cached in the [`CaseView`](crate::tui::panes::case::CaseView)).

pub mod comments;
pub mod detail;
pub mod request;
pub mod ticket;

use chrono::{DateTime, Utc};

use crate::tui::format::Zone;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

/// How to show things: the theme, the time zone, the time now and the keys (for hints).
#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    pub theme: Theme,
    pub zone: Zone,
    pub now: DateTime<Utc>,
    pub keymap: &'a Keymap,
}
