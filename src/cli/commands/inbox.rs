//! `casebench` with no command. Until the TUI lands it prints the inbox: the queues with
//! their counts and the cases assigned to you, and says how to go on.

use crate::api::{ApiError, CaseQuery, Queue, Service};
use crate::cli::Ctx;

pub fn run(ctx: &Ctx) -> Result<(), ApiError> {
    let engine = ctx.open()?;
    show(ctx, &engine)
}

pub fn show(ctx: &Ctx, engine: &crate::engine::Engine) -> Result<(), ApiError> {
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
    println!(
        "casebench — {} on {}   [{}]",
        actor,
        ctx.db.display(),
        counts.join(" · ")
    );
    println!();
    super::case::print_list(ctx, engine, &mine)?;
    println!();
    println!(
        "next: casebench case show C-ID · case list --queue claimable|overdue|open · case --help"
    );
    Ok(())
}
