//! The comments pane: the case's thread, oldest first, the newest in view.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::pane_block;
use crate::tui::actions::{Context, KeyAction};
use crate::tui::app::App;
use crate::tui::format::{self, wrap};
use crate::tui::layout::{self, Pane};

/// The thread's lines for an inner width (also used to bound scrolling).
pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = app.session.theme;
    let z = app.session.zone;
    let Some(d) = app.case.current() else {
        return vec![];
    };
    let mut out = vec![];
    if d.comments.is_empty() {
        let key = app
            .keymap
            .hint(Context::Case, KeyAction::Comment)
            .map(|k| k.to_string())
            .unwrap_or_else(|| ":comment".into());
        out.push(Line::styled("No comments yet.", t.dim()));
        out.push(Line::styled(format!("Press {key} to write one."), t.dim()));
        return out;
    }
    for (i, c) in d.comments.iter().enumerate() {
        if i > 0 {
            out.push(Line::raw(""));
        }
        let mut head = vec![Span::styled(c.author.clone(), t.user())];
        if c.on != "commented" {
            head.push(Span::styled(format!(" ({})", c.on), t.heading()));
        }
        head.push(Span::styled(
            format!(
                " · {} · {}",
                z.date_time(c.time),
                format::ago(c.time, app.now)
            ),
            t.dim(),
        ));
        out.push(Line::from(head));
        for l in wrap(&c.text, width.saturating_sub(2)) {
            out.push(Line::raw(format!("  {l}")));
        }
    }
    out
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let n = app.case.current().map(|d| d.comments.len());
    let title = match n {
        Some(n) => format!(" Comments ({n}) "),
        None => " Comments ".into(),
    };
    let block = pane_block(app, Pane::Comments, Line::styled(title, t.title()));
    let inner = layout::inner(area);
    let all = lines(app, inner.width as usize);
    let max = all.len().saturating_sub(inner.height as usize);
    let scroll = if app.case.comments_follow {
        max
    } else {
        app.case.comments_scroll.min(max)
    };
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
