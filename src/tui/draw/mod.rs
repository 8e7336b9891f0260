//! Drawing: pure functions of the state. `draw(&App, &mut Frame)` runs only when something
//! changed.

pub mod cert;
pub mod comments;
pub mod detail;
mod dialogs;
mod header;
mod help;
pub mod inbox;
mod status;
mod widgets;

use ratatui::Frame;

use crate::tui::app::{App, Modal};

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let a = crate::tui::layout::areas(area, app.focus);
    header::draw(app, frame, a.header, a.wide);
    if let Some(r) = a.inbox {
        inbox::draw(app, frame, r);
    }
    if let Some(r) = a.detail {
        if app.shows_cert() {
            cert::draw(app, frame, r);
        } else {
            detail::draw(app, frame, r);
        }
    }
    if let Some(r) = a.comments {
        comments::draw(app, frame, r);
    }
    status::hints(app, frame, a.hints);
    status::status(app, frame, a.status);
    for m in &app.modals {
        match m {
            Modal::Help { scroll } => help::draw(app, frame, area, *scroll),
            Modal::Form(f) => dialogs::form(app, f, frame, area),
            Modal::Confirm(c) => dialogs::confirm(app, c, frame, area),
            Modal::Prompt(p) => status::prompt(app, p, frame, a.hints),
        }
    }
}
