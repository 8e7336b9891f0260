//! The one key resolver: the focused text field first (its own table, then typing), else the
//! top dialog, the focused pane, [case], [list] and [global].

use crossterm::event::{KeyEvent, KeyEventKind, KeyModifiers};

use super::{Action, App, Modal};
use crate::tui::actions::Context;
use crate::tui::keymap::Key;
use crate::tui::layout::Pane;
use crate::tui::panes::form::Field;

/// The action a key press stands for in the app's current state, if any.
pub fn resolve(app: &App, ev: KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let key = Key::from_event(&ev);
    let map = &app.keymap;
    let first = |contexts: &[Context]| contexts.iter().find_map(|c| map.lookup(*c, key));
    // In a text field, ctrl keys of [global] (quit, refresh) still work.
    let global_ctrl = || {
        if key.mods.contains(KeyModifiers::CONTROL) {
            map.lookup(Context::Global, key)
        } else {
            None
        }
    };
    let typed = |takes: bool| takes.then_some(Action::Text(ev));
    let found = match app.modals.last() {
        Some(Modal::Help { .. }) => {
            first(&[Context::Help, Context::List, Context::Global]).map(Action::Key)
        }
        Some(Modal::Confirm(_)) => first(&[Context::Confirm])
            .or_else(global_ctrl)
            .map(Action::Key),
        Some(Modal::Prompt(p)) => first(&[Context::Prompt])
            .map(Action::Key)
            .or_else(|| typed(p.input.takes(&ev)))
            .or_else(|| global_ctrl().map(Action::Key)),
        Some(Modal::Form(f)) => {
            let field = f.field();
            let own = match field {
                Field::Target => first(&[Context::Form, Context::Picker]),
                Field::Comment => first(&[Context::Form]),
                Field::Method | Field::Outcome => first(&[Context::Form, Context::Choice]),
            };
            own.map(Action::Key)
                .or_else(|| typed(f.text_field().is_some_and(|t| t.takes(&ev))))
                .or_else(|| global_ctrl().map(Action::Key))
        }
        None if app.inbox.filtering && app.focus == Pane::Inbox => first(&[Context::Filter])
            .map(Action::Key)
            .or_else(|| typed(app.inbox.filter.takes(&ev)))
            .or_else(|| first(&[Context::List, Context::Global]).map(Action::Key)),
        None => {
            let chain: &[Context] = match app.focus {
                Pane::Inbox => &[
                    Context::Inbox,
                    Context::Case,
                    Context::List,
                    Context::Global,
                ],
                Pane::Detail | Pane::Comments => &[Context::Case, Context::List, Context::Global],
            };
            first(chain).map(Action::Key)
        }
    };
    found
}
