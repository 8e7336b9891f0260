//! Carrying out effects against the [`Service`]: blocking calls, run by the event loop on
//! tokio's blocking pool (and inline by the test driver and the benchmark).

use crate::api::{CaseQuery, Service, ServiceExt, SweepArgs};
use crate::tui::app::{Effect, Reply};
use crate::tui::panes::inbox::{Rows, QUEUES};

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
        Effect::LoadCounts { gen } => {
            let counts = QUEUES
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
            Reply::Counts { gen, counts }
        }
        Effect::LoadCase { gen, case } => {
            let result = service
                .show_case(actor, case)
                .and_then(|d| Ok((d, service.case_history(actor, case)?)));
            Reply::Case { gen, case, result }
        }
        Effect::LoadOrg => Reply::Org(service.org(actor)),
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
            let sweep = service.sweep(SweepArgs::due());
            Reply::Ran {
                what,
                results,
                sweep,
            }
        }
        Effect::Sweep => Reply::Swept(service.sweep(SweepArgs::due())),
        Effect::Copy(_) | Effect::Quit => return None,
    })
}
