//! The comments pane: the case's thread, oldest first, the newest in view.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::pane_block;
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
    // The text as laid out when the case arrived (or the width changed); laid out here only
    // when it was laid out for another width.
    let (laid, widths) = app.case.lines();
    let fresh;
    let all: &[Line<'static>] = match widths {
        Some(w) if w.1 == inner.width => &laid.comments,
        _ => {
            fresh = text::comments::lines(&app.look(), &app.case, inner.width as usize);
            &fresh
        }
    };
    let max = all.len().saturating_sub(inner.height as usize);
    let scroll = app.case.comments_scroll(max);
    let shown: Vec<Line> = all
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .cloned()
        .collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
