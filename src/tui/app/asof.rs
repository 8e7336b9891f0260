//! `:asof T`: the workbench as it stood at a past time, read-only. The inbox, its counts and
//! the case shown are loaded as of T (`Query::QueueAsOf`, `Query::CaseAsOf`); the header
//! says so; every change (a command, a form, a confirmation, a sweep) is refused with a
//! status-bar message until `:asof` (or `:asof now`) returns to the present.

use chrono::{DateTime, Utc};

use super::types::{Effect, Modal, Reply};
use super::App;
use crate::api::{Answer, ApiError, CaseHistory, CaseQuery, Query, Service, ServiceExt};
use crate::domain::CaseId;
use crate::tui::panes::inbox::Rows;

/// `:asof TIME` goes back to TIME; `:asof` or `:asof now` returns to the present.
pub(super) fn set(app: &mut App, text: &str) -> Vec<Effect> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("now") {
        if app.as_of.take().is_some() {
            app.say("back to the present");
        }
        return app.refresh();
    }
    match crate::verbs::timearg::parse_time(text, app.now) {
        Err(e) => {
            app.fail(format!("asof: {e}"));
            vec![]
        }
        Ok(at) if at > app.now => {
            app.fail("asof: that is in the future: the past only");
            vec![]
        }
        Ok(at) => {
            app.as_of = Some(at);
            app.say("read-only: :asof now returns to the present");
            app.refresh()
        }
    }
}

/// The header's banner while looking at the past.
pub fn banner(app: &App, width: u16) -> Option<String> {
    let at = app.as_of?;
    let when = app.session.zone.date_time(at);
    // On a narrow screen the year and the words go (the line below says "read-only"), and
    // the banner stands in for the title: the queues still need their room.
    Some(match (width < 100, when.get(5..)) {
        (true, Some(short)) => format!(" AS OF {short} "),
        _ => format!(" AS OF {when} — read-only "),
    })
}

/// What an update asks for, as of the time looked at: the loads are of the past, and a
/// change is refused (its dialog closed) with a message.
pub(super) fn guard(app: &mut App, fx: Vec<Effect>) -> Vec<Effect> {
    let Some(at) = app.as_of else { return fx };
    let changing = matches!(app.modals.last(), Some(Modal::Form(_) | Modal::Confirm(_)));
    if changing {
        app.modals.pop();
    }
    let mut refused = changing;
    let mut out = vec![];
    for e in fx {
        match e {
            Effect::LoadInbox { .. } | Effect::LoadCounts { .. } | Effect::LoadCase { .. } => out
                .push(Effect::AsOf {
                    at,
                    load: Box::new(e),
                }),
            Effect::Run { .. } => refused = true,
            Effect::Sweep => {}
            e => out.push(e),
        }
    }
    if refused {
        app.fail("read-only as of the past: :asof now returns to the present");
    }
    out
}

/// Carries out a load as of `at` (`None` for what is not one of the loads [`guard`] wraps).
pub fn perform(
    service: &dyn Service,
    actor: &str,
    at: DateTime<Utc>,
    load: Effect,
) -> Option<Reply> {
    let past = |queue, limit, filter| {
        let q = CaseQuery {
            queue,
            limit,
            filter,
            ..Default::default()
        };
        service.list_cases_as_of(actor, &q, at)
    };
    Some(match load {
        Effect::LoadInbox {
            gen,
            queue,
            limit,
            filter,
        } => Reply::Inbox {
            gen,
            result: past(queue, limit, filter.clone())
                .map(|l| (Rows::new(queue, l.cases), l.total)),
            filter,
        },
        Effect::LoadCounts { gen, queues } => Reply::Counts {
            gen,
            counts: queues
                .iter()
                .map(|q| (*q, past(*q, Some(0), None).map(|l| l.total)))
                .collect(),
            // The approvals waiting are today's: none are shown in the past.
            approvals: Ok(vec![]),
        },
        Effect::LoadCase { gen, case } => Reply::Case {
            gen,
            case,
            result: case_as_of(service, actor, case, at),
        },
        _ => return None,
    })
}

/// The case and its history up to `at`.
fn case_as_of(
    service: &dyn Service,
    actor: &str,
    case: CaseId,
    at: DateTime<Utc>,
) -> Result<(crate::api::CaseDetail, CaseHistory), ApiError> {
    let detail = match service.query(actor, Query::CaseAsOf { case, at })? {
        Answer::CaseAsOf(p) => p.detail,
        other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
    };
    let mut history = service.case_history(actor, case)?;
    history.events.retain(|e| e.time <= at);
    Ok((detail, history))
}
