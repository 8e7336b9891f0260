//! `casebench` with no command: the TUI on the store. When stdout is not a terminal (a pipe,
//! a test) or with `--json`, it prints the inbox instead: the queues with their counts and the
//! cases assigned to you.

use std::io::IsTerminal;

use crate::api::{ApiError, CaseQuery, Queue};
use crate::cli::Ctx;
use crate::remote::Backend;

pub fn run(ctx: &Ctx) -> Result<(), ApiError> {
    // Settings first: a broken keymap or config fails at start, terminal or not.
    let settings = if ctx.json {
        None
    } else {
        Some(crate::tui::settings()?)
    };
    let engine = ctx.backend()?;
    match settings {
        Some((config, keymap)) if std::io::stdout().is_terminal() => {
            open_tui(ctx, engine, config, keymap)
        }
        _ => show(ctx, &engine),
    }
}

/// Opens the TUI on `engine` as `ctx.actor`.
pub fn open_tui(
    ctx: &Ctx,
    engine: Backend,
    config: crate::tui::Config,
    keymap: crate::tui::Keymap,
) -> Result<(), ApiError> {
    // An unknown user would see nothing but errors: say so before the screen is taken.
    engine.org(&ctx.actor)?;
    let service = engine.into_service();
    crate::tui::run(crate::tui::Options {
        service,
        clock: ctx.clock.clone(),
        actor: ctx.actor.clone(),
        store: crate::tui::short_path(&ctx.db),
        config,
        keymap,
    })
}

pub fn show(ctx: &Ctx, engine: &Backend) -> Result<(), ApiError> {
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
