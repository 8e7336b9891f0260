//! `casebench` with no command opens the workbench on the store; when stdout is not a
//! terminal (a pipe, a test) or with `--json`, it prints the inbox instead: the queues with
//! their counts and the cases assigned to you.

use crate::api::{ApiError, CaseQuery, Queue, Service, ServiceExt};
use crate::cli::output::say;
use crate::cli::Ctx;

pub fn show(ctx: &Ctx, engine: &dyn Service) -> Result<(), ApiError> {
    let actor = ctx.actor.as_str();
    let mine = engine.list_cases(
        actor,
        &CaseQuery {
            queue: Queue::Mine,
            limit: Some(20),
            ..Default::default()
        },
    )?;
    if ctx.json {
        return crate::cli::output::json(&mine);
    }
    let mut counts = vec![];
    for q in [
        Queue::Mine,
        Queue::Claimable,
        Queue::Delegated,
        Queue::Overdue,
        Queue::Open,
    ] {
        let n = engine
            .list_cases(
                actor,
                &CaseQuery {
                    queue: q,
                    limit: Some(0),
                    ..Default::default()
                },
            )?
            .total;
        counts.push(format!("{q} {n}"));
    }
    say!(
        "casebench — {} on {}   [{}]",
        actor,
        ctx.db.display(),
        counts.join(" · ")
    );
    println!();
    super::case::print_list(ctx, &mine)?;
    println!();
    say!("next: casebench case show C-ID · case list --queue claimable|overdue|open · case --help");
    Ok(())
}
