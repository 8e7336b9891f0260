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
use crate::tui::panes::form::Field;
use crate::tui::panes::prompt::Prompt;

fn hints_for(app: &App) -> Vec<(C, K, &'static str)> {
    match app.modals.last() {
        Some(Modal::Help { .. }) => vec![
            (C::List, K::Down, "scroll"),
            (C::Help, K::CloseHelp, "close"),
        ],
        Some(Modal::Confirm(_)) => vec![(C::Confirm, K::Yes, "yes"), (C::Confirm, K::No, "no")],
        Some(Modal::Form(f)) => match f.field() {
            Field::Target => vec![
                (C::Picker, K::Down, "next match"),
                (C::Picker, K::Up, "previous"),
                (C::Picker, K::Pick, "take it"),
                (C::Form, K::Submit, "send"),
                (C::Form, K::Cancel, "cancel"),
            ],
            Field::Method | Field::Outcome => vec![
                (C::Choice, K::NextChoice, "change"),
                (C::Choice, K::Accept, "keep"),
                (C::Form, K::Submit, "send"),
                (C::Form, K::Cancel, "cancel"),
            ],
            Field::Comment => vec![
                (C::Form, K::Submit, "send"),
                (C::Form, K::NextField, "next field"),
                (C::Form, K::Cancel, "cancel"),
            ],
        },
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

/// The status bar: who, which store, the last sweep; `working…` while commands run.
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
    let busy = if app.status.busy > 0 {
        " working… "
    } else {
        ""
    };
    let [left, right] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(busy.chars().count() as u16),
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
