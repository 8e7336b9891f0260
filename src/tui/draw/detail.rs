//! The case detail pane.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{pane_block, visible};
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
    let laid = app.case.lines();
    let shown = visible(
        (&laid.0.detail, laid.1.map(|w| w.0)),
        inner,
        || text::detail::lines(&app.look(), &app.case, inner.width as usize),
        |max| app.case.scroll(max),
    );
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
