//! Pieces every pane and dialog draws with: frames, centring, padding, key hints.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::tui::app::App;
use crate::tui::layout::Pane;

/// A pane's frame: highlighted when it has the keyboard.
pub(crate) fn pane_block<'a>(app: &App, pane: Pane, title: Line<'a>) -> Block<'a> {
    let t = app.session.theme;
    let focused = app.focus == pane && app.modals.is_empty();
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            t.border_focused()
        } else {
            t.border()
        })
        .title(title)
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

pub(crate) use crate::tui::format::pad;

/// `key label` pairs for hint lines.
pub(crate) fn hint_spans(app: &App, hints: &[(String, &str)]) -> Vec<Span<'static>> {
    let t = app.session.theme;
    let mut out = vec![];
    for (key, label) in hints {
        if !out.is_empty() {
            out.push(Span::raw("  "));
        }
        out.push(Span::styled(key.clone(), t.key()));
        out.push(Span::styled(format!(" {label}"), Style::default()));
    }
    out
}

/// The lines of a case pane that fit in `inner`, from the text as laid out when the case
/// arrived (or the width changed) — laid out here again only when that was for another width
/// — scrolled to where the pane says (`scroll` gets the largest scroll there is).
pub fn visible(
    (laid, width): (&[Line<'static>], Option<u16>),
    inner: Rect,
    lay_out: impl FnOnce() -> Vec<Line<'static>>,
    scroll: impl FnOnce(usize) -> usize,
) -> Vec<Line<'static>> {
    let fresh;
    let all = if width == Some(inner.width) {
        laid
    } else {
        fresh = lay_out();
        &fresh[..]
    };
    let scroll = scroll(all.len().saturating_sub(inner.height as usize));
    all.iter()
        .skip(scroll)
        .take(inner.height as usize)
        .cloned()
        .collect()
}
