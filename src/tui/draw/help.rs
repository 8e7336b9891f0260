//! The help screen, generated from the keymap in force.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::widgets::{centered, pad};
use crate::tui::app::App;
use crate::tui::panes::help::{self, HelpLine};

pub fn draw(app: &App, frame: &mut Frame, area: Rect, scroll: usize) {
    let t = app.session.theme;
    let popup = centered(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, popup);
    let all = help::lines(&app.keymap);
    let inner_h = popup.height.saturating_sub(2) as usize;
    let max = all.len().saturating_sub(inner_h);
    let scroll = scroll.min(max);
    let inner_w = popup.width.saturating_sub(2) as usize;
    let keys_w = 16;
    let name_w = 16;
    let lines: Vec<Line> = all
        .iter()
        .skip(scroll)
        .take(inner_h)
        .map(|l| match l {
            HelpLine::Heading(h) => Line::styled(h.clone(), t.heading()),
            HelpLine::Binding { keys, about, name } => {
                let rest = inner_w.saturating_sub(2 + keys_w + name_w);
                Line::from(vec![
                    Span::styled(format!("  {}", pad(keys, keys_w)), t.key()),
                    Span::styled(pad(name, name_w), t.dim()),
                    Span::raw(crate::tui::format::fit(about, rest)),
                ])
            }
            HelpLine::Blank => Line::raw(""),
        })
        .collect();
    let more = match (scroll > 0, scroll < max) {
        (false, true) => " more below ↓ ",
        (true, true) => " ↑ more above and below ↓ ",
        (true, false) => " ↑ more above ",
        (false, false) => "",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.border_focused())
        .title(Span::styled(" Help — keys in force ", t.title()))
        .title_bottom(Line::styled(more, t.dim()).right_aligned());
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
