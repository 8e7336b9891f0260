//! Replies from the background: stale ones (an older generation) are dropped.

use std::sync::Arc;

use super::state::App;
use super::types::{Approvals, Effect, Modal, Reply, SweepInfo};
use crate::api::{ApiError, Applied, SweepReport};
use crate::tui::panes::inbox::Rows;
use crate::tui::panes::picker;

pub(super) fn reply(app: &mut App, r: Reply) -> Vec<Effect> {
    match r {
        Reply::Inbox {
            gen,
            result,
            filter,
        } => inbox(app, gen, result, filter),
        Reply::View {
            gen,
            rows,
            view,
            query,
            sort,
        } => {
            if gen != app.gens.view {
                return vec![];
            }
            app.dirty = true;
            let page = app.inbox_page();
            app.inbox.set_view(rows, view, query, sort, page);
            app.follow_selection()
        }
        Reply::Counts {
            gen,
            counts,
            approvals,
        } => {
            if gen != app.gens.counts {
                return vec![];
            }
            app.dirty = true;
            if let Ok(pending) = approvals {
                app.approvals = Approvals { pending };
            }
            for (q, n) in counts {
                if let Some(i) = app.inbox.queues().iter().position(|x| *x == q) {
                    // The queue shown counts itself when it loads.
                    if let Ok(n) = n {
                        app.inbox.set_count(i, n);
                    }
                }
            }
            vec![]
        }
        Reply::Case { gen, case, result } => {
            if gen != app.gens.case || app.case.id() != Some(case) {
                return vec![];
            }
            app.dirty = true;
            app.case.loaded(case, result);
            super::cert::follow_case(app, case)
        }
        Reply::Cert { gen, case, result } => {
            if gen != app.gens.cert {
                return vec![];
            }
            app.dirty = true;
            app.cert.loaded(case, result);
            let page = app.cert_page();
            app.cert.scroll_into_view(page);
            vec![]
        }
        Reply::Reports { gen, result } => {
            super::reports::arrived(app, gen, result);
            vec![]
        }
        Reply::Itsm(result) => {
            // No ticket systems (or a server that cannot say): the tabs stay as they are.
            match result {
                Ok(s) if !s.targets.is_empty() && app.inbox.show_outsourced() => {
                    app.dirty = true;
                    vec![app.load_counts()]
                }
                _ => vec![],
            }
        }
        Reply::Org(result) => {
            app.dirty = true;
            match result {
                Ok(org) => {
                    let people = Arc::new(picker::entries(&org));
                    app.people = Some(people.clone());
                    for m in &mut app.modals {
                        if let Modal::Form(f) = m {
                            f.picker.set_entries(people.clone());
                        }
                    }
                }
                Err(e) => app.fail(format!("cannot load users and groups: {e}")),
            }
            vec![]
        }
        Reply::Ran {
            what,
            results,
            sweep,
        } => ran(app, what, results, sweep),
        Reply::Swept(result) => {
            app.dirty = true;
            if swept(app, result, true) {
                app.refresh()
            } else {
                vec![]
            }
        }
    }
}

/// Rows of the queue shown: their view is computed next.
fn inbox(
    app: &mut App,
    gen: u64,
    result: Result<(Rows, usize), ApiError>,
    filter: Option<String>,
) -> Vec<Effect> {
    if gen != app.gens.inbox || app.inbox.is_complete(gen) {
        return vec![];
    }
    app.dirty = true;
    match result {
        Ok((rows, total)) => {
            if rows.queue != app.inbox.current_queue() {
                return vec![];
            }
            app.inbox
                .rows_arrived(gen, rows.rows.len(), total, filter.is_some());
            app.gens.view += 1;
            vec![Effect::View(app.inbox.start_view(app.gens.view, rows))]
        }
        Err(e) => {
            let text = format!("cannot load the {} queue: {e}", app.inbox.current_queue());
            app.inbox.load_failed(text.clone());
            app.fail(text);
            vec![]
        }
    }
}

/// Commands ran (and a sweep after them): say how it went, reload.
fn ran(
    app: &mut App,
    what: String,
    results: Vec<Result<Applied, ApiError>>,
    sweep: Result<SweepReport, ApiError>,
) -> Vec<Effect> {
    app.dirty = true;
    app.status.busy = app.status.busy.saturating_sub(1);
    let total = results.len();
    let errors: Vec<&ApiError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    match errors.as_slice() {
        [] => {
            let msg = match results.as_slice() {
                [Ok(one)] if !one.message.is_empty() => one.message.clone(),
                _ => what,
            };
            app.say(format!("✓ {msg}"));
            app.inbox.clear_marks();
        }
        [e] if total == 1 => app.fail(e.to_string()),
        [e, ..] => app.fail(format!("{} of {total} failed; first: {e}", errors.len())),
    }
    swept(app, sweep, false);
    let mut fx = app.refresh();
    if results.iter().any(|r| r.is_ok()) {
        // Creating cases or importing may change the people too; cheap to reload.
        fx.push(Effect::LoadOrg);
    }
    fx
}

/// Records a sweep; returns whether it changed anything.
fn swept(app: &mut App, result: Result<SweepReport, ApiError>, announce: bool) -> bool {
    match result {
        Ok(report) => {
            let mut fired: Vec<String> = report.fired.iter().map(|f| f.action.clone()).collect();
            // What the ticket sync after the sweep changed counts too (a case a ticket
            // completed is reloaded like one a timer escalated).
            if let Some(Ok(sync)) = &report.itsm {
                let moved = sync
                    .lines
                    .iter()
                    .filter(|l| !matches!(l.action.as_str(), "polled" | "waiting"));
                fired.extend(moved.map(|l| format!("{} ticket {}", l.case, l.action)));
            }
            // Timers that could not fire were recorded on their cases (and dropped).
            let failed = report.failed.len();
            let changed = !fired.is_empty() || failed > 0;
            if announce && changed {
                let more = if fired.len() > 1 {
                    format!(" (+{} more)", fired.len() - 1)
                } else {
                    String::new()
                };
                app.say(format!("timers: {}{more}", fired[0]));
            }
            app.status.sweep = Some(SweepInfo {
                at: report.now,
                fired,
                error: None,
            });
            if failed > 0 {
                let s = if failed == 1 { "" } else { "s" };
                app.fail(format!("sweep: {failed} timer{s} failed"));
            }
            changed
        }
        Err(e) => {
            let text = format!("sweep failed: {e}");
            app.status.sweep = Some(SweepInfo {
                at: app.now,
                fired: vec![],
                error: Some(text.clone()),
            });
            app.fail(text);
            false
        }
    }
}
