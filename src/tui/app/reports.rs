//! The Reports view's keys: open it from the inbox, move the period, change its length, move
//! in the worst cases and open one (Esc from the case comes back here); and its reports
//! loaded in the background.

use super::ops;
use super::state::App;
use super::types::Effect;
use crate::api::ApiError;
use crate::tui::actions::KeyAction as K;
use crate::tui::layout::{MouseKind, Pane};
use crate::tui::panes::reports::ReportSet;

/// `K` in the inbox: the view, with the reports of its period.
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    app.reports.open();
    load(app)
}

/// Asks for the reports of the period shown (the newest request wins).
fn load(app: &mut App) -> Vec<Effect> {
    app.gens.reports += 1;
    app.reports.loading();
    let (since, until) = app.reports.period(app.now);
    vec![Effect::LoadReports {
        gen: app.gens.reports,
        since,
        until,
    }]
}

/// The reports arrived: shown, or the error said in the status bar.
pub(super) fn arrived(app: &mut App, gen: u64, result: Result<Box<ReportSet>, ApiError>) {
    if gen != app.gens.reports {
        return;
    }
    app.dirty = true;
    let result = result.map(|s| *s).map_err(|e| {
        let text = format!("cannot load the reports: {e}");
        app.fail(text.clone());
        text
    });
    app.reports.arrived(result);
}

/// Keys of [reports] and of the list; `None` for the rest (help, the prompt, refresh).
pub(super) fn key(app: &mut App, k: K) -> Option<Vec<Effect>> {
    let page = (app.size.height as isize / 2).max(1);
    match k {
        K::Quit | K::Back => app.reports.close(),
        K::Down => app.reports.move_by(1),
        K::Up => app.reports.move_by(-1),
        K::PageDown | K::HalfPageDown => app.reports.move_by(page),
        K::PageUp | K::HalfPageUp => app.reports.move_by(-page),
        K::Top => app.reports.move_by(isize::MIN),
        K::Bottom => app.reports.move_by(isize::MAX),
        K::Open => {
            let Some(case) = app.reports.selected_case().map(|o| o.case) else {
                app.fail("no case selected");
                return Some(vec![]);
            };
            app.focus = Pane::Detail;
            return Some(app.open_case(case));
        }
        K::EarlierPeriod => {
            app.reports.earlier();
            return Some(load(app));
        }
        K::LaterPeriod => {
            if !app.reports.later() {
                app.say("the period already ends now");
                return Some(vec![]);
            }
            return Some(load(app));
        }
        K::PeriodLength => {
            app.reports.next_length(app.now);
            app.say(format!("period: {} days", app.reports.days()));
            return Some(load(app));
        }
        K::Refresh => {
            let mut fx = ops::refresh_all(app);
            fx.extend(load(app));
            return Some(fx);
        }
        _ => return None,
    }
    Some(vec![])
}

/// The mouse over the view: the wheel moves in the worst cases, a click does nothing (the
/// inbox under it is not shown). `None` when the view is not where the keyboard is.
pub(super) fn mouse(app: &mut App, kind: MouseKind) -> Option<Vec<Effect>> {
    if !(app.reports.is_open() && app.focus == Pane::Inbox && app.modals.is_empty()) {
        return None;
    }
    match kind {
        MouseKind::ScrollDown => app.reports.move_by(1),
        MouseKind::ScrollUp => app.reports.move_by(-1),
        MouseKind::Click => {}
    }
    Some(vec![])
}
