//! The TUI's state and its one transition function, [`update`]: an action in, the state
//! changed, effects out. No I/O here: the event loop (or the test driver) carries the effects
//! out and feeds their replies back as actions.

mod asof;
mod cert;
mod handle;
mod keys;
mod layer;
mod modals;
mod ops;
mod replies;
mod reports;
mod state;
mod types;

use ratatui::layout::Rect;

pub use crate::tui::panes::inbox::MAX_ROWS;
pub use asof::{banner as asof_banner, perform as perform_as_of};
pub use cert::{table_rows, TABLE_HEAD};
pub use keys::{acting_key, mouse, resolve};
pub use layer::{Hint, Layer};
pub use state::App;
pub use types::*;

/// The transition function.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let fx = transition(app, action);
    // Looking at the past (`:asof`): its loads, and no change.
    asof::guard(app, fx)
}

fn transition(app: &mut App, action: Action) -> Vec<Effect> {
    let fx = match action {
        Action::Tick(now) => {
            let fx = handle::tick(app, now);
            // Relative times in the case panes move on with the minute.
            if app.measure() {
                app.dirty = true;
            }
            return fx;
        }
        Action::Key(k) => handle::key(app, k),
        Action::Text(ev) => handle::text(app, ev),
        Action::Paste(s) => handle::paste(app, &s),
        Action::Mouse(m) => handle::mouse(app, m),
        Action::Resize(w, h) => {
            app.size = Rect::new(0, 0, w, h);
            let page = app.inbox_page();
            app.inbox.scroll_into_view(page);
            vec![]
        }
        Action::Reply(r) => {
            let fx = replies::reply(app, r);
            app.measure();
            return fx;
        }
        Action::Quit => {
            app.quit = true;
            vec![Effect::Quit]
        }
    };
    app.dirty = true;
    app.measure();
    fx
}
