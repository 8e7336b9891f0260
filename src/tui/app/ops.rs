//! What both the keys (`handle.rs`) and the dialogs (`modals.rs`) do: run commands, switch
//! queues, refresh everything, quit.

use super::state::App;
use super::types::Effect;
use crate::api::Command;
use crate::tui::layout::Pane;

pub(super) fn run(app: &mut App, what: String, commands: Vec<Command>) -> Vec<Effect> {
    app.status.busy += 1;
    vec![Effect::Run { what, commands }]
}

pub(super) fn quit(app: &mut App) -> Vec<Effect> {
    app.quit = true;
    vec![Effect::Quit]
}

/// Reloads queues, the case and the people, and runs due timers.
pub(super) fn refresh_all(app: &mut App) -> Vec<Effect> {
    app.say("refreshing…");
    let mut fx = app.refresh();
    fx.push(Effect::LoadOrg);
    fx.push(Effect::Sweep);
    fx
}

pub(super) fn switch_queue(app: &mut App, i: usize) -> Vec<Effect> {
    if i == app.inbox.queue() && app.inbox.has_rows() {
        return vec![];
    }
    if app.inbox.switch_to(i) {
        app.say("marks cleared");
    }
    app.focus = Pane::Inbox;
    app.load_inbox()
}
