//! The help screen, generated from the keymap in force.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::widgets::{centered, pad};
use crate::tui::app::App;
use crate::tui::panes::help::{self, HelpRow};

pub fn draw(app: &App, frame: &mut Frame, area: Rect, scroll: usize) {
    let t = app.session.theme;
    let popup = centered(
        area,
        help::popup_width(area.width),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, popup);
    let inner_w = popup.width.saturating_sub(2) as usize;
    let all = help::rows(&app.keymap, inner_w);
    let inner_h = popup.height.saturating_sub(2) as usize;
    let max = all.len().saturating_sub(inner_h);
    let scroll = scroll.min(max);
    let lines: Vec<Line> = all
        .iter()
        .skip(scroll)
        .take(inner_h)
        .map(|l| match l {
            HelpRow::Heading(h) => Line::styled(h.clone(), t.heading()),
            HelpRow::Binding { keys, name, about } => Line::from(vec![
                Span::styled(format!("  {}", pad(keys, help::KEYS_W)), t.key()),
                Span::styled(pad(name, help::NAME_W), t.dim()),
                Span::raw(about.clone()),
            ]),
            HelpRow::More { indent, text } => Line::raw(format!("{:indent$}{text}", "")),
            HelpRow::Blank => Line::raw(""),
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
