//! Carrying out effects against the [`Service`]: blocking calls, run by the event loop on
//! tokio's blocking pool (and inline by the test driver and the benchmark).

use std::sync::Arc;

use crate::api::{Answer, ApiError, CaseQuery, Query, Service, ServiceExt, SweepArgs, SweepReport};
use crate::tui::app::{Effect, Reply, MAX_APPROVALS};
use crate::tui::panes::inbox::{Rows, ViewJob};
use crate::tui::panes::reports::ReportSet;

/// Runs one effect; `None` for the effects that are not the service's (copy, quit).
pub fn perform(service: &dyn Service, actor: &str, effect: Effect) -> Option<Reply> {
    Some(match effect {
        Effect::LoadInbox {
            gen,
            queue,
            limit,
            filter,
        } => {
            let query = CaseQuery {
                queue,
                limit,
                filter: filter.clone(),
                ..Default::default()
            };
            let result = service
                .list_cases(actor, &query)
                .map(|list| (Rows::new(queue, list.cases), list.total));
            Reply::Inbox {
                gen,
                result,
                filter,
            }
        }
        Effect::LoadCounts { gen, queues } => {
            let counts = queues
                .iter()
                .map(|q| {
                    let query = CaseQuery {
                        queue: *q,
                        limit: Some(0),
                        ..Default::default()
                    };
                    (*q, service.list_cases(actor, &query).map(|l| l.total))
                })
                .collect();
            let approvals = service.pending_approvals(actor, MAX_APPROVALS).map(|list| {
                list.iter()
                    .filter_map(|p| p.request.approval.as_ref().map(|a| (a.case, p.request.id)))
                    .collect()
            });
            Reply::Counts {
                gen,
                counts,
                approvals,
            }
        }
        Effect::LoadCase { gen, case } => {
            let result = service
                .show_case(actor, case)
                .and_then(|d| Ok((d, service.case_history(actor, case)?)));
            Reply::Case { gen, case, result }
        }
        Effect::LoadOrg => Reply::Org(service.org(actor)),
        Effect::LoadItsm => Reply::Itsm(match service.query(actor, Query::ItsmStatus) {
            Ok(Answer::ItsmStatus(s)) => Ok(s),
            Ok(_) => Err(ApiError::Internal(
                "unexpected answer to itsm status".into(),
            )),
            Err(e) => Err(e),
        }),
        Effect::LoadCert { gen, case } => Reply::Cert {
            gen,
            case,
            result: cert_items(service, actor, case),
        },
        Effect::LoadReports { gen, since, until } => Reply::Reports {
            gen,
            result: report_set(service, actor, since, until).map(Box::new),
        },
        Effect::View(job) => {
            let view = job.run();
            Reply::View {
                gen: job.gen,
                view,
                query: job.query,
                sort: (job.sort, job.reverse),
                rows: job.rows,
            }
        }
        Effect::Run { what, commands } => {
            let results = commands
                .into_iter()
                .map(|c| service.execute(actor, c))
                .collect();
            let sweep = sweep(service, actor);
            Reply::Ran {
                what,
                results,
                sweep,
            }
        }
        Effect::Sweep => Reply::Swept(sweep(service, actor)),
        Effect::AsOf { at, load } => {
            return crate::tui::app::perform_as_of(service, actor, at, *load)
        }
        Effect::Copy(_) | Effect::Quit => return None,
    })
}

/// Every item of a certification case.
fn cert_items(
    service: &dyn Service,
    actor: &str,
    case: crate::domain::CaseId,
) -> Result<crate::api::CertItemPage, ApiError> {
    let query = crate::api::Query::CertItems {
        campaign: None,
        filter: crate::api::ItemFilter {
            case: Some(case),
            ..Default::default()
        },
        from: 0,
        limit: MAX_CERT_ITEMS,
    };
    match service.query(actor, query)? {
        crate::api::Answer::CertItems(page) => Ok(page),
        other => Err(ApiError::Internal(format!(
            "items of {case}: unexpected answer {other:?}"
        ))),
    }
}

/// The Reports view's four reports of `[since, until)`.
fn report_set(
    service: &dyn Service,
    actor: &str,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> Result<ReportSet, ApiError> {
    let kpi = |by| {
        let args = crate::api::KpiArgs { since, until, by };
        match service.query(actor, crate::api::Query::KpiReport(args))? {
            crate::api::Answer::KpiReport(r) => Ok(r),
            other => Err(ApiError::Internal(format!(
                "KPI report: unexpected answer {other:?}"
            ))),
        }
    };
    use crate::api::KpiGroup as G;
    Ok(ReportSet {
        all: kpi(None)?,
        by_resource: kpi(Some(G::Resource))?,
        by_product: kpi(Some(G::Product))?,
        by_week: kpi(Some(G::Week))?,
    })
}

/// Items of one certification case asked for at most.
pub const MAX_CERT_ITEMS: usize = 100_000;

/// Runs the due timers at the engine's time, as the workbench's user (the one place the TUI
/// sweeps). Only administrators sweep: another user's workbench skips quietly, with the
/// engine's time for the status bar.
fn sweep(service: &dyn Service, actor: &str) -> Result<SweepReport, ApiError> {
    match service.sweep(actor, SweepArgs::due()) {
        Err(ApiError::NotAllowed(_)) => Ok(SweepReport {
            now: service.now(actor)?,
            dry_run: true,
            fired: vec![],
            failed: vec![],
            delivered: 0,
            delivery_failures: 0,
            itsm: None,
            archived: None,
            archive_cleared: 0,
        }),
        other => other,
    }
}

/// Filter and sort jobs, coalesced: at most one runs; while it runs, a newer job only takes
/// the place of the one waiting (the newest filter wins), and starts when the running one
/// answers, unless that answer is already what it asks for.
#[derive(Debug, Default)]
pub struct Views {
    running: bool,
    waiting: Option<ViewJob>,
}

impl Views {
    /// A job asked for: the one to start now, if any.
    pub fn offer(&mut self, job: ViewJob) -> Option<ViewJob> {
        if self.running {
            self.waiting = Some(job);
            None
        } else {
            self.running = true;
            Some(job)
        }
    }

    /// The running job answered: the waiting job to start now, if any. A waiting job of the
    /// same rows, query and sort is answered by this reply, which takes its generation.
    pub fn done(&mut self, reply: &mut Reply) -> Option<ViewJob> {
        self.running = false;
        let next = self.waiting.take()?;
        if let Reply::View {
            gen,
            rows,
            query,
            sort,
            ..
        } = reply
        {
            let same = Arc::ptr_eq(&rows.rows, &next.rows.rows)
                && *query == next.query
                && *sort == (next.sort, next.reverse);
            if same {
                *gen = next.gen;
                return None;
            }
        }
        self.running = true;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Queue;
    use crate::tui::panes::inbox::Sort;

    fn job(gen: u64, rows: &Rows, query: &str) -> ViewJob {
        ViewJob {
            gen,
            rows: rows.clone(),
            query: query.into(),
            sort: Sort::Deadline,
            reverse: false,
            base: None,
            base_fuzzy: false,
        }
    }

    fn answer(job: &ViewJob) -> Reply {
        Reply::View {
            gen: job.gen,
            rows: job.rows.clone(),
            view: job.run(),
            query: job.query.clone(),
            sort: (job.sort, job.reverse),
        }
    }

    #[test]
    fn one_job_runs_and_the_newest_waits() {
        let rows = Rows::new(Queue::Mine, vec![]);
        let mut views = Views::default();
        let first = views.offer(job(1, &rows, "s")).expect("starts at once");
        assert!(views.offer(job(2, &rows, "sx")).is_none());
        assert!(views.offer(job(3, &rows, "sxy")).is_none());
        let mut reply = answer(&first);
        let next = views.done(&mut reply).expect("the newest starts");
        assert_eq!((next.gen, next.query.as_str()), (3, "sxy"));
        let mut reply = answer(&next);
        assert!(views.done(&mut reply).is_none());
        assert!(views.offer(job(4, &rows, "")).is_some(), "idle again");
    }

    #[test]
    fn a_waiting_job_the_reply_answers_is_not_run() {
        let rows = Rows::new(Queue::Mine, vec![]);
        let mut views = Views::default();
        let first = views.offer(job(1, &rows, "s")).unwrap();
        assert!(views.offer(job(2, &rows, "s")).is_none());
        let mut reply = answer(&first);
        assert!(views.done(&mut reply).is_none());
        assert!(matches!(reply, Reply::View { gen: 2, .. }));
    }
}
