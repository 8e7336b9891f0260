//! The comments pane's text: the case's thread, oldest first.

use ratatui::text::{Line, Span};

use super::Look;
use crate::tui::actions::{Context, KeyAction};
use crate::tui::format::{self, wrap};
use crate::tui::panes::case::CaseView;

/// The thread's lines for an inner width (also used to bound scrolling).
pub fn lines(app: &Look, case: &CaseView, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let z = app.zone;
    let Some(d) = case.current() else {
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
