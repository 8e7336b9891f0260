//! Keys in the dialogs on the stack: help, confirmation, the `:` prompt, the action forms.

use super::ops::{self, run, switch_queue};
use super::state::App;
use super::types::{Confirm, Effect, Modal};
use crate::tui::actions::KeyAction as K;
use crate::tui::layout::Pane;
use crate::tui::panes::complete::Known;
use crate::tui::panes::form::{FormKind, FormStep};
use crate::tui::panes::help;
use crate::tui::panes::prompt::{self, PromptAction};

pub(super) fn help_key(app: &mut App, k: K) -> Vec<Effect> {
    let inner_w = help::popup_width(app.size.width).saturating_sub(2) as usize;
    let total = help::rows(&app.keymap, inner_w).len();
    let page = (app.size.height as usize).saturating_sub(4).max(1);
    let max = total.saturating_sub(page);
    let Some(Modal::Help { scroll }) = app.modals.last_mut() else {
        return vec![];
    };
    let cur = (*scroll).min(max);
    *scroll = match k {
        K::CloseHelp | K::Back | K::Quit | K::Help => {
            app.modals.pop();
            return vec![];
        }
        K::Down => cur + 1,
        K::Up => cur.saturating_sub(1),
        K::PageDown | K::HalfPageDown => cur + page,
        K::PageUp | K::HalfPageUp => cur.saturating_sub(page),
        K::Top => 0,
        K::Bottom => max,
        _ => cur,
    }
    .min(max);
    vec![]
}

pub(super) fn confirm_key(app: &mut App, k: K) -> Vec<Effect> {
    match k {
        K::Yes => {
            let Some(Modal::Confirm(c)) = app.modals.pop() else {
                return vec![];
            };
            if c.closes_form {
                app.modals.pop();
            }
            if c.clears_cert_marks {
                app.cert.clear_marks();
            }
            run(app, c.what, c.commands)
        }
        K::No => {
            app.modals.pop();
            app.say("not done");
            vec![]
        }
        _ => vec![],
    }
}

pub(super) fn prompt_key(app: &mut App, k: K) -> Vec<Effect> {
    let Some(Modal::Prompt(p)) = app.modals.last_mut() else {
        return vec![];
    };
    match k {
        K::Cancel => {
            app.modals.pop();
            vec![]
        }
        K::HistoryPrev | K::HistoryNext => {
            let n = app.prompt_history.len();
            if n == 0 {
                return vec![];
            }
            let pos = match (k, p.history_pos) {
                (K::HistoryPrev, None) => Some(n - 1),
                (K::HistoryPrev, Some(i)) => Some(i.saturating_sub(1)),
                (_, Some(i)) if i + 1 < n => Some(i + 1),
                _ => None,
            };
            p.history_pos = pos;
            let text = pos
                .map(|i| app.prompt_history[i].clone())
                .unwrap_or_default();
            p.input.set_text(&text);
            vec![]
        }
        K::TabComplete => {
            let people = app.people.clone().unwrap_or_default();
            let cases: Vec<String> = (0..app.inbox.len())
                .filter_map(|i| app.inbox.row(i))
                .map(|r| r.id.to_string())
                .collect();
            let known = Known {
                people: &people,
                cases: &cases,
            };
            let options = p.complete(&known);
            if !options.is_empty() {
                app.say(options.join(" "));
            }
            vec![]
        }
        K::Submit => {
            let line = p.input.text();
            app.modals.pop();
            if !line.trim().is_empty() && app.prompt_history.last() != Some(&line) {
                app.prompt_history.push(line.clone());
            }
            let targets = app.targets();
            let requests = |cases: &[crate::domain::CaseId]| app.request_names(cases);
            match prompt::parse_naming(&line, &targets, app.now, &requests) {
                Err(e) => {
                    app.fail(e);
                    vec![]
                }
                Ok(action) => prompt_action(app, action),
            }
        }
        _ => vec![],
    }
}

fn prompt_action(app: &mut App, action: PromptAction) -> Vec<Effect> {
    match action {
        PromptAction::Nothing => vec![],
        PromptAction::Quit => ops::quit(app),
        PromptAction::Help => {
            app.modals.push(Modal::Help { scroll: 0 });
            vec![]
        }
        PromptAction::Refresh => ops::refresh_all(app),
        PromptAction::AsOf(text) => super::asof::set(app, &text),
        PromptAction::Open(id) => {
            app.focus = Pane::Detail;
            app.open_case(id)
        }
        PromptAction::Queue(i, _) if i >= app.inbox.queues().len() => {
            app.fail("no Outsourced tab: no ticket systems are configured ([itsm.NAME])");
            vec![]
        }
        PromptAction::Queue(i, filter) => {
            let mut fx = switch_queue(app, i);
            if let Some(f) = filter {
                app.inbox.set_filter(&f);
            }
            fx.extend(app.review());
            fx
        }
        PromptAction::Filter(text) => {
            app.focus = Pane::Inbox;
            app.inbox.set_filter(&text);
            app.review()
        }
        PromptAction::Sort(s) => {
            app.inbox.set_sort(s);
            app.review()
        }
        PromptAction::Run {
            commands,
            what,
            confirm,
        } => match confirm {
            Some(question) => {
                app.modals.push(Modal::Confirm(Confirm {
                    question,
                    what,
                    commands,
                    closes_form: false,
                    clears_cert_marks: false,
                }));
                vec![]
            }
            None => run(app, what, commands),
        },
    }
}

pub(super) fn form_key(app: &mut App, k: K) -> Vec<Effect> {
    let Some(Modal::Form(form)) = app.modals.last_mut() else {
        return vec![];
    };
    match form.key(k) {
        FormStep::Stay => vec![],
        FormStep::Cancel => {
            let kind = form.kind;
            let draft = !form.comment.is_blank();
            app.modals.pop();
            if kind == FormKind::Comment && draft {
                app.say("comment discarded");
            }
            vec![]
        }
        FormStep::Submit => match form.build() {
            Err(e) => {
                form.error = Some(e.clone());
                app.fail(e);
                vec![]
            }
            Ok(built) => match built.confirm {
                Some(question) => {
                    app.modals.push(Modal::Confirm(Confirm {
                        question,
                        what: built.what,
                        commands: built.commands,
                        closes_form: true,
                        clears_cert_marks: false,
                    }));
                    vec![]
                }
                None => {
                    app.modals.pop();
                    run(app, built.what, built.commands)
                }
            },
        },
    }
}
