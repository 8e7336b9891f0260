//! The two bottom lines: key hints for where the keyboard is (or the `:` prompt), and the
//! status bar (message; acting user, store, last sweep).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::hint_spans;
use crate::tui::actions::{Context as C, KeyAction as K};
use crate::tui::app::{App, Modal};
use crate::tui::layout::Pane;
use crate::tui::panes::prompt::Prompt;

fn hints_for(app: &App) -> Vec<(C, K, &'static str)> {
    match app.modals.last() {
        Some(Modal::Help { .. }) => vec![
            (C::List, K::Down, "scroll"),
            (C::Help, K::CloseHelp, "close"),
        ],
        Some(Modal::Confirm(_)) => vec![(C::Confirm, K::Yes, "yes"), (C::Confirm, K::No, "no")],
        Some(Modal::Form(_)) => vec![
            (C::Form, K::Submit, "send"),
            (C::Form, K::NextField, "next field"),
            (C::Form, K::Cancel, "cancel"),
        ],
        Some(Modal::Prompt(_)) => vec![],
        None if app.inbox.filtering && app.focus == Pane::Inbox => vec![
            (C::Filter, K::Accept, "keep"),
            (C::Filter, K::ClearFilter, "clear"),
            (C::List, K::Down, "down"),
            (C::List, K::Up, "up"),
        ],
        None if app.focus == Pane::Inbox => vec![
            (C::Inbox, K::Open, "open"),
            (C::Inbox, K::Filter, "filter"),
            (C::Inbox, K::NextQueue, "queue"),
            (C::Case, K::Comment, "comment"),
            (C::Case, K::Complete, "complete"),
            (C::Case, K::Delegate, "delegate"),
            (C::Case, K::Claim, "claim"),
            (C::Inbox, K::Mark, "mark"),
            (C::Inbox, K::Sort, "sort"),
            (C::Global, K::CommandPrompt, "command"),
            (C::Global, K::Help, "help"),
            (C::Global, K::Quit, "quit"),
        ],
        None => vec![
            (C::Case, K::Comment, "comment"),
            (C::Case, K::Complete, "complete"),
            (C::Case, K::Reject, "reject"),
            (C::Case, K::Delegate, "delegate"),
            (C::Case, K::Claim, "claim"),
            (C::Global, K::NextPane, "pane"),
            (C::Global, K::Help, "help"),
            (C::Global, K::Quit, "back"),
        ],
    }
}

pub fn hints(app: &App, frame: &mut Frame, area: Rect) {
    let mut pairs: Vec<(String, &str)> = vec![];
    let mut used = 1;
    for (ctx, action, label) in hints_for(app) {
        let Some(key) = app.keymap.hint(ctx, action) else {
            continue;
        };
        let key = key.to_string();
        let w = key.chars().count() + label.chars().count() + 3;
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

pub fn status(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let bar = t.status();
    let mut right = format!(" {} · {} ", app.session.actor, app.session.store);
    match &app.status.sweep {
        Some(s) if s.error.is_some() => right.push_str("· sweep failed "),
        Some(s) => right.push_str(&format!(
            "· swept {} ({} fired) ",
            app.session.zone.time(s.at),
            s.fired.len()
        )),
        None => right.push_str("· not swept yet "),
    }
    let right_w = right.chars().count() as u16;
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(right_w.min(area.width / 2 + 10)),
    ])
    .areas(area);
    let left = match (&app.status.message, app.status.busy) {
        (Some(m), _) => Span::styled(
            format!(" {}", m.text.replace('\n', " ")),
            if m.error { t.error() } else { t.info() },
        ),
        (None, n) if n > 0 => Span::styled(" working…", t.dim()),
        _ => Span::raw(""),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![left])).style(Style::default()),
        left_area,
    );
    frame.render_widget(
        Paragraph::new(Line::styled(
            crate::tui::format::fit(&right, right_area.width as usize),
            bar,
        )),
        right_area,
    );
}
