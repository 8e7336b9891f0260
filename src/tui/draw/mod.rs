//! Drawing: pure functions of the state. `draw(&App, &mut Frame)` runs only when something
//! changed.

pub mod cert;
pub mod comments;
pub mod detail;
mod dialogs;
mod header;
mod help;
pub mod inbox;
mod reports;
mod status;
mod widgets;

use ratatui::Frame;

use crate::tui::app::{App, Modal};

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let a = crate::tui::layout::areas(area, app.focus);
    header::draw(app, frame, a.header, a.wide);
    let reports = app.reports.is_open();
    // Over the inbox, the Reports view takes the whole body; with a case opened from it,
    // the inbox's place.
    let over = reports && app.focus == crate::tui::layout::Pane::Inbox;
    if over {
        let body = a.header.union(a.hints);
        let body = ratatui::layout::Rect::new(body.x, body.y + 1, body.width, body.height - 2);
        reports::draw(app, frame, body);
    } else if let Some(r) = a.inbox {
        if reports {
            reports::draw(app, frame, r);
        } else {
            inbox::draw(app, frame, r);
        }
    }
    if let Some(r) = a.detail.filter(|_| !over) {
        if app.shows_cert() {
            cert::draw(app, frame, r);
        } else {
            detail::draw(app, frame, r);
        }
    }
    if let Some(r) = a.comments.filter(|_| !over) {
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
