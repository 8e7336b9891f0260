//! The case detail pane.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::pane_block;
use crate::tui::app::App;
use crate::tui::layout::{self, Pane};
use crate::tui::text;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let title = match app.case.id() {
        Some(id) => format!(" Case {id} "),
        None => " Case ".into(),
    };
    let mut spans = vec![Span::styled(title, t.title())];
    if app.case.is_loading() && app.case.current().is_some() {
        spans.push(Span::styled("refreshing… ", t.dim()));
    }
    let block = pane_block(app, Pane::Detail, Line::from(spans));
    let inner = layout::inner(area);
    // The text as laid out when the case arrived (or the width changed); laid out here only
    // when it was laid out for another width.
    let (laid, widths) = app.case.lines();
    let fresh;
    let all: &[Line<'static>] = match widths {
        Some(w) if w.0 == inner.width => &laid.detail,
        _ => {
            fresh = text::detail::lines(&app.look(), &app.case, inner.width as usize);
            &fresh
        }
    };
    let max = all.len().saturating_sub(inner.height as usize);
    let scroll = app.case.scroll(max);
    let shown: Vec<Line> = all
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .cloned()
        .collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
