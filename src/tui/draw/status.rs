//! The two bottom lines: key hints for where the keyboard is (or the `:` prompt), and the
//! status bar (message; acting user, store, last sweep).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::hint_spans;
use crate::tui::actions::KeyAction;
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::panes::prompt::Prompt;

/// The message line: the last message when there is one (errors stay readable at 80
/// columns), else the key hints.
pub fn hints(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    if let Some(m) = &app.status.message {
        let text = crate::tui::format::fit(&m.text.replace('\n', " "), area.width as usize - 1);
        let style = if m.error { t.error() } else { t.info() };
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {text}"), style)),
            area,
        );
        return;
    }
    let mut pairs: Vec<(String, &str)> = vec![];
    let mut used = 1;
    for hint in app.layer().hints() {
        let Some(key) = crate::tui::app::acting_key(app, hint.context, hint.action) else {
            continue;
        };
        let label = match (hint.action, app.decides_request()) {
            (KeyAction::Complete, true) => "approve",
            (KeyAction::Reject, true) => "deny",
            _ => hint.text(),
        };
        let key = key.to_string();
        let w = format::width(&key) + format::width(label) + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        pairs.push((key, label));
    }
    let mut spans = vec![Span::raw(" ")];
    spans.extend(hint_spans(app, &pairs));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn prompt(app: &App, p: &Prompt, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let [colon, field] =
        Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(Span::styled(":", t.key()), colon);
    let w = p.input.widget(Style::default(), t.cursor(), t.dim());
    frame.render_widget(&w, field);
}

/// `loading 100000 rows…` while the inbox's queue loads (or only its first page came).
fn loading(app: &App) -> String {
    let inbox = &app.inbox;
    if !inbox.loading() && !inbox.partial() {
        return String::new();
    }
    match inbox.counts()[inbox.queue()] {
        Some(n) => format!(" loading {n} rows… "),
        None => " loading… ".into(),
    }
}

/// The status bar: who, which store, the last sweep; `loading N rows…` while a queue loads,
/// `working…` while commands run.
pub fn status(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let mut text = format!(" {} · {} ", app.session.actor, app.session.store);
    match &app.status.sweep {
        Some(s) if s.error.is_some() => text.push_str("· sweep failed "),
        Some(s) => {
            text.push_str(&format!("· swept {} ", app.session.zone.time(s.at)));
            match s.fired.as_slice() {
                [] => text.push_str("(nothing due) "),
                [one] => text.push_str(&format!("(fired: {one}) ")),
                many => text.push_str(&format!("(fired {}: {} …) ", many.len(), many[0])),
            }
        }
        None => text.push_str("· not swept yet "),
    }
    let mut busy = loading(app);
    if app.status.busy > 0 {
        busy.push_str(" working… ");
    }
    let busy = busy.as_str();
    let [left, right] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(format::width(busy) as u16),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(
            crate::tui::format::fit(&text, left.width as usize),
            t.status(),
        ))
        .style(t.status()),
        left,
    );
    frame.render_widget(Paragraph::new(Line::styled(busy, t.status())), right);
}
