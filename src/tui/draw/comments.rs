//! The comments pane: the case's thread, oldest first, the newest in view.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{pane_block, visible};
use crate::tui::app::App;
use crate::tui::layout::{self, Pane};
use crate::tui::text;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let n = app.case.current().map(|d| d.comments.len());
    let title = match n {
        Some(n) => format!(" Comments ({n}) "),
        None => " Comments ".into(),
    };
    let block = pane_block(app, Pane::Comments, Line::styled(title, t.title()));
    let inner = layout::inner(area);
    let laid = app.case.lines();
    let shown = visible(
        (&laid.0.comments, laid.1.map(|w| w.1)),
        inner,
        || text::comments::lines(&app.look(), &app.case, inner.width as usize),
        |max| app.case.comments_scroll(max),
    );
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
