//! What each resolved key does, by where the keyboard is (the [`Layer`]).

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::layer::Layer;
use super::modals;
use super::ops::{self, run, switch_queue};
use super::state::App;
use super::types::{Effect, Modal, MESSAGE_TICKS};
use crate::domain::CaseKind;
use crate::tui::actions::KeyAction as K;
use crate::tui::layout::{self, Hit, Mouse, MouseKind, Pane};
use crate::tui::panes::form::{Form, FormKind};
use crate::verbs;

pub(super) fn tick(app: &mut App, now: DateTime<Utc>) -> Vec<Effect> {
    app.ticks += 1;
    let minute = |t: DateTime<Utc>| t.timestamp() / 60;
    if minute(now) != minute(app.now) {
        app.dirty = true;
    }
    app.now = now;
    if let Some(m) = &app.status.message {
        if app.ticks.saturating_sub(m.tick) >= MESSAGE_TICKS {
            app.status.message = None;
            app.dirty = true;
        }
    }
    vec![]
}

/// A key press clears a message that has been on screen for a while.
fn age_message(app: &mut App) {
    if app
        .status
        .message
        .as_ref()
        .is_some_and(|m| m.tick < app.ticks)
    {
        app.status.message = None;
    }
}

pub(super) fn key(app: &mut App, k: K) -> Vec<Effect> {
    age_message(app);
    if k == K::ForceQuit {
        return ops::quit(app);
    }
    match app.layer() {
        Layer::Help => modals::help_key(app, k),
        Layer::Confirm => modals::confirm_key(app, k),
        Layer::Prompt => modals::prompt_key(app, k),
        Layer::Form(_) => modals::form_key(app, k),
        Layer::Filter => filter_key(app, k).unwrap_or_else(|| pane_key(app, k)),
        Layer::Inbox | Layer::Case => pane_key(app, k),
        Layer::Cert => super::cert::key(app, k).unwrap_or_else(|| pane_key(app, k)),
        Layer::CertFilter => super::cert::filter_key(app, k).unwrap_or_else(|| pane_key(app, k)),
        Layer::CertReduce(_) => super::cert::reduce_key(app, k),
        Layer::Reports => super::reports::key(app, k).unwrap_or_else(|| pane_key(app, k)),
    }
}

/// The filter field's own keys; others go on to the panes.
fn filter_key(app: &mut App, k: K) -> Option<Vec<Effect>> {
    match k {
        K::Accept => {
            app.inbox.keep_filter();
            Some(vec![])
        }
        K::ClearFilter => {
            app.inbox.clear_filter();
            Some(app.review())
        }
        _ => None,
    }
}

/// Keys of [global], [list] and [case] and [inbox] in the panes.
fn pane_key(app: &mut App, k: K) -> Vec<Effect> {
    match k {
        K::Quit if app.focus != Pane::Inbox => {
            app.focus = Pane::Inbox;
            vec![]
        }
        K::Quit => ops::quit(app),
        K::Back => back(app),
        K::Help => {
            app.modals.push(Modal::Help { scroll: 0 });
            vec![]
        }
        K::CommandPrompt => {
            app.modals.push(Modal::Prompt(Box::default()));
            vec![]
        }
        K::Refresh => ops::refresh_all(app),
        K::NextPane => {
            app.focus = app.focus.next();
            vec![]
        }
        K::PrevPane => {
            app.focus = app.focus.prev();
            vec![]
        }
        K::Down
        | K::Up
        | K::PageDown
        | K::PageUp
        | K::HalfPageDown
        | K::HalfPageUp
        | K::Top
        | K::Bottom => list_key(app, k),
        _ => inbox_key(app, k).unwrap_or_else(|| case_key(app, k)),
    }
}

/// Keys of [inbox]: open, filter, sort, marks, queues.
fn inbox_key(app: &mut App, k: K) -> Option<Vec<Effect>> {
    let tabs = app.inbox.queues().len();
    Some(match k {
        K::Open => match app.inbox.selected_id() {
            Some(id) => {
                app.focus = Pane::Detail;
                if app.case.id() == Some(id) && app.case.current().is_some() {
                    vec![]
                } else {
                    app.open_case(id)
                }
            }
            None => vec![],
        },
        K::Filter => {
            app.inbox.start_filter();
            let page = app.inbox_page();
            app.inbox.scroll_into_view(page);
            vec![]
        }
        K::Sort | K::ReverseSort => {
            if k == K::Sort {
                app.inbox.next_sort();
            } else {
                app.inbox.reverse_sort();
            }
            let dir = if app.inbox.reverse() {
                " (reversed)"
            } else {
                ""
            };
            app.say(format!("sorted by {}{dir}", app.inbox.sort().name()));
            app.review()
        }
        K::Mark => {
            app.inbox.toggle_mark();
            let page = app.inbox_page();
            app.inbox.move_by(1, page);
            app.follow_selection()
        }
        K::MarkAll => {
            app.inbox.mark_all();
            vec![]
        }
        K::NextQueue => switch_queue(app, (app.inbox.queue() + 1) % tabs),
        K::PrevQueue => switch_queue(app, (app.inbox.queue() + tabs - 1) % tabs),
        K::Queue(i) => switch_queue(app, i.min(tabs - 1)),
        K::Reports => super::reports::open(app),
        _ => return None,
    })
}

/// Keys of [case]: the verbs on the targets.
fn case_key(app: &mut App, k: K) -> Vec<Effect> {
    match k {
        K::Claim => {
            let cases = app.targets();
            if cases.is_empty() {
                app.fail("no case selected");
                return vec![];
            }
            let claim = verbs::case::claim::build(&verbs::Cases::of(&cases, verbs::Naming::Brief));
            run(app, claim.what, claim.commands)
        }
        K::CopyId => {
            let cases = app.targets();
            if cases.is_empty() {
                app.fail("no case selected");
                return vec![];
            }
            let text = names_all(&cases);
            app.say(format!("copied {text}"));
            vec![Effect::Copy(text)]
        }
        K::Comment => open_form(app, FormKind::Comment, 0),
        K::Delegate => open_form(app, FormKind::Delegate, 0),
        K::Reassign => open_form(app, FormKind::Reassign, 0),
        K::Escalate => open_form(app, FormKind::Escalate, 0),
        K::Close => open_form(app, FormKind::Close, 0),
        K::CancelCase => open_form(app, FormKind::Cancel, 0),
        K::Complete | K::Reject if app.decides_request() => {
            let kind = if k == K::Complete {
                FormKind::Approve
            } else {
                FormKind::Deny
            };
            open_form(app, kind, 0)
        }
        K::Complete | K::Reject => {
            let approval = selected_kind(app) == Some(CaseKind::Approval);
            // Indices into COMPLETE_OUTCOMES: approve, reject, success, failure.
            let outcome = match (k == K::Complete, approval) {
                (true, true) => 0,
                (false, true) => 1,
                (true, false) => 2,
                (false, false) => 3,
            };
            open_form(app, FormKind::Complete, outcome)
        }
        _ => vec![],
    }
}

fn names_all(cases: &[crate::domain::CaseId]) -> String {
    cases
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn selected_kind(app: &App) -> Option<CaseKind> {
    match app.focus {
        Pane::Inbox => app.inbox.selected_row().map(|r| r.kind),
        _ => app.case.current().map(|d| d.case.kind),
    }
}

fn back(app: &mut App) -> Vec<Effect> {
    if app.focus != Pane::Inbox {
        app.focus = Pane::Inbox;
        return vec![];
    }
    if !app.inbox.filter().is_blank() {
        app.inbox.clear_filter();
        return app.review();
    }
    let n = app.inbox.clear_marks();
    if n > 0 {
        app.say(format!("cleared {n} marks"));
    }
    vec![]
}

fn open_form(app: &mut App, kind: FormKind, outcome: usize) -> Vec<Effect> {
    let cases = app.targets();
    if cases.is_empty() {
        app.fail("no case selected");
        return vec![];
    }
    let people = app.people.clone().unwrap_or_default();
    let needs_people = matches!(
        kind,
        FormKind::Delegate | FormKind::Reassign | FormKind::Escalate
    );
    let requests = app.request_names(&cases);
    let form = Form::new(kind, cases, people)
        .with_outcome(outcome)
        .with_requests(requests);
    app.modals.push(Modal::Form(Box::new(form)));
    if needs_people && app.people.is_none() {
        return vec![Effect::LoadOrg];
    }
    vec![]
}

fn list_key(app: &mut App, k: K) -> Vec<Effect> {
    match app.focus {
        Pane::Inbox => {
            let page = app.inbox_page();
            let half = (page / 2).max(1) as isize;
            let last = app.inbox.len().saturating_sub(1);
            let moved = match k {
                K::Down => app.inbox.move_by(1, page),
                K::Up => app.inbox.move_by(-1, page),
                K::PageDown => app.inbox.move_by(page as isize, page),
                K::PageUp => app.inbox.move_by(-(page as isize), page),
                K::HalfPageDown => app.inbox.move_by(half, page),
                K::HalfPageUp => app.inbox.move_by(-half, page),
                K::Top => app.inbox.select(0, page),
                K::Bottom => app.inbox.select(last, page),
                _ => false,
            };
            if moved {
                app.follow_selection()
            } else {
                vec![]
            }
        }
        Pane::Detail | Pane::Comments => {
            let comments = app.focus == Pane::Comments;
            let (total, page) = scroll_extent(app, comments);
            let max = total.saturating_sub(page);
            let cur = if comments {
                app.case.comments_scroll(max)
            } else {
                app.case.scroll(max)
            };
            let half = (page / 2).max(1);
            let to = match k {
                K::Down => cur + 1,
                K::Up => cur.saturating_sub(1),
                K::PageDown => cur + page.max(1),
                K::PageUp => cur.saturating_sub(page.max(1)),
                K::HalfPageDown => cur + half,
                K::HalfPageUp => cur.saturating_sub(half),
                K::Top => 0,
                K::Bottom => max,
                _ => cur,
            }
            .min(max);
            if comments {
                app.case.scroll_comments_to(to, max);
            } else {
                app.case.scroll_to(to);
            }
            vec![]
        }
    }
}

/// (lines of content, lines shown) of the detail or comments pane; the lines were counted
/// when the case arrived or the screen changed.
fn scroll_extent(app: &App, comments: bool) -> (usize, usize) {
    let pane = if comments {
        Pane::Comments
    } else {
        Pane::Detail
    };
    let Some(area) = app.areas().of(pane) else {
        return (0, 1);
    };
    let counts = app.case.line_counts();
    let total = if comments {
        counts.comments
    } else {
        counts.detail
    };
    (total, layout::inner(area).height as usize)
}

/// Typing or pasting into the text field that has the keyboard.
enum Typed<'a> {
    Key(KeyEvent),
    Paste(&'a str),
}

pub(super) fn text(app: &mut App, ev: KeyEvent) -> Vec<Effect> {
    age_message(app);
    typed(app, Typed::Key(ev))
}

pub(super) fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    typed(app, Typed::Paste(text))
}

fn typed(app: &mut App, input: Typed) -> Vec<Effect> {
    match (app.layer(), app.modals.last_mut()) {
        (Layer::Prompt, Some(Modal::Prompt(p))) => {
            match input {
                Typed::Key(ev) => {
                    p.input.key(ev);
                    p.history_pos = None;
                }
                Typed::Paste(text) => {
                    p.input.paste(text);
                }
            }
            vec![]
        }
        (Layer::Form(_), Some(Modal::Form(f))) => {
            match input {
                Typed::Key(ev) => f.text(ev),
                Typed::Paste(text) => f.paste(text),
            }
            vec![]
        }
        (Layer::CertFilter | Layer::CertReduce(_), None) => {
            match input {
                Typed::Key(ev) => super::cert::typed(app, Some(ev), None),
                Typed::Paste(text) => super::cert::typed(app, None, Some(text)),
            }
            vec![]
        }
        // An open filter takes text also from beside it (a wide screen shows it by the case).
        (Layer::Filter | Layer::Case, None) if app.inbox.filtering() => {
            let changed = match input {
                Typed::Key(ev) => app.inbox.filter_key(ev),
                Typed::Paste(text) => {
                    app.inbox.filter_paste(text);
                    true
                }
            };
            if changed {
                app.review()
            } else {
                vec![]
            }
        }
        _ => vec![],
    }
}

pub(super) fn mouse(app: &mut App, m: Mouse) -> Vec<Effect> {
    if !app.modals.is_empty() {
        return match m.kind {
            MouseKind::ScrollDown => key(app, K::Down),
            MouseKind::ScrollUp => key(app, K::Up),
            MouseKind::Click => vec![],
        };
    }
    if let Some(fx) = super::reports::mouse(app, m.kind) {
        return fx;
    }
    let Some(hit) = m.hit else { return vec![] };
    app.focus = hit.pane();
    match (m.kind, hit) {
        (MouseKind::ScrollDown, _) => list_key(app, K::Down),
        (MouseKind::ScrollUp, _) => list_key(app, K::Up),
        (MouseKind::Click, Hit::InboxLine(line)) => {
            let page = app.inbox_page();
            if line < app.inbox.len() && app.inbox.select(line, page) {
                return app.follow_selection();
            }
            vec![]
        }
        (MouseKind::Click, Hit::Pane(_)) => vec![],
    }
}
