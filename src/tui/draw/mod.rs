//! Drawing: pure functions of the state. `draw(&App, &mut Frame)` runs only when something
//! changed.

pub mod comments;
pub mod detail;
mod dialogs;
mod header;
mod help;
pub mod inbox;
mod status;

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use ratatui::Frame;

use crate::tui::app::{App, Modal};
use crate::tui::layout::Pane;

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let a = crate::tui::layout::areas(area, app.focus);
    header::draw(app, frame, a.header, a.wide);
    if let Some(r) = a.inbox {
        inbox::draw(app, frame, r);
    }
    if let Some(r) = a.detail {
        detail::draw(app, frame, r);
    }
    if let Some(r) = a.comments {
        comments::draw(app, frame, r);
    }
    status::hints(app, frame, a.hints);
    status::status(app, frame, a.status);
    for m in &app.modals {
        match m {
            Modal::Help { scroll } => help::draw(app, frame, area, *scroll),
            Modal::Form(f) => dialogs::form(app, f, frame, area),
            Modal::Confirm(c) => dialogs::confirm(app, c, frame, area),
            Modal::Prompt(p) => status::prompt(app, p, frame, a.hints),
        }
    }
}

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

/// `text` padded with spaces (or cut with `…`) to exactly `width` columns.
pub(crate) fn pad(text: &str, width: usize) -> String {
    let s = crate::tui::format::fit(text, width);
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

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
