//! The one input resolver. Keys: the focused text field first (its own table, then typing),
//! else the top dialog, the focused pane, [case], [list] and [global], as the [`Layer`] says.
//! The mouse: what a pointer event landed on, from the layout.

use crossterm::event::{KeyEvent, KeyEventKind, KeyModifiers, MouseEvent};

use super::layer::{Fallback, Layer};
use super::state::App;
use super::types::{Action, Modal};
use crate::tui::actions::{self, Context, KeyAction};
use crate::tui::input::TextInput;
use crate::tui::keymap::Key;
use crate::tui::layout;

/// The text field that has the keyboard in `layer`, if any.
fn text_field(app: &App, layer: Layer) -> Option<&TextInput> {
    match (layer, app.modals.last()) {
        (Layer::Prompt, Some(Modal::Prompt(p))) => Some(&p.input),
        (Layer::Form(_), Some(Modal::Form(f))) => f.text_field(),
        (Layer::Filter, _) => Some(app.inbox.filter()),
        (Layer::CertFilter, _) => app.cert.filter(),
        (Layer::CertReduce(_), _) => app.cert.reduce.as_ref().map(|r| r.input()),
        _ => None,
    }
}

/// The action a key press stands for in the app's current state, if any.
pub fn resolve(app: &App, ev: KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let key = Key::from_event(&ev);
    let map = &app.keymap;
    let first = |contexts: &[Context]| contexts.iter().find_map(|c| map.lookup(*c, key));
    let layer = app.layer();
    let own = first(layer.contexts()).map(Action::Key);
    let typed = || {
        text_field(app, layer)
            .is_some_and(|t| t.takes(&ev))
            .then_some(Action::Text(ev))
    };
    let fallback = || match layer.fallback() {
        Fallback::Nothing => None,
        Fallback::GlobalCtrl if key.mods.contains(KeyModifiers::CONTROL) => {
            map.lookup(Context::Global, key)
        }
        Fallback::GlobalCtrl => None,
        Fallback::Tables(contexts) => first(contexts),
    };
    own.or_else(typed)
        .or_else(|| fallback().map(Action::Key))
        .or_else(|| extra_tab(app, layer, key).map(Action::Key))
}

/// The tabs after those the keymap names (Outsourced, when ticket systems are configured)
/// take the next digits in the inbox.
fn extra_tab(app: &App, layer: Layer, key: Key) -> Option<KeyAction> {
    let i = match (layer, key.code) {
        (Layer::Inbox, crossterm::event::KeyCode::Char(c)) if key.mods.is_empty() => {
            (c.to_digit(10)? as usize).checked_sub(1)?
        }
        _ => return None,
    };
    let named = crate::tui::panes::inbox::QUEUES.len();
    (named..app.inbox.queues().len())
        .contains(&i)
        .then_some(KeyAction::Queue(i))
}

/// The first key of `action` in `context` that really does it here, for the footer's hints:
/// in the filter field `j` types, so `down` is hinted by the arrow, not by `j`.
pub fn acting_key(app: &App, context: Context, action: KeyAction) -> Option<Key> {
    actions::ACTIONS
        .iter()
        .filter(|d| d.context == context && d.action == action)
        .flat_map(|d| app.keymap.keys(context, d.name))
        .copied()
        .find(|k| matches!(resolve(app, k.event()), Some(Action::Key(a)) if a == action))
}

/// The action a mouse event stands for: what it did and where (which pane, which row).
pub fn mouse(app: &App, m: MouseEvent) -> Option<Action> {
    let kind = layout::MouseKind::of(m.kind)?;
    let hit = layout::hit(
        &app.areas(),
        layout::InboxLines {
            filter_line: app.filter_line(),
            offset: app.inbox.offset(),
        },
        (m.column, m.row),
    );
    Some(Action::Mouse(layout::Mouse { kind, hit }))
}
