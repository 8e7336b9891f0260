//! `casebench sweep`: fire due timers headless, for cron and systemd timers.

use clap::Args;

use std::sync::Arc;

use crate::api::{self, ApiError, Firing, SweepReport};
use crate::cli::output::{self, say, Table};
use crate::cli::{config, timearg, Backend, Ctx};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Run as of this time instead of now (RFC 3339, a date, now+3d): a dry run only, for a
    /// time later than the clock (a sweep that fires runs at the clock).
    #[arg(long)]
    now: Option<String>,
    /// Preview everything that fires from now until this time; changes nothing.
    #[arg(long)]
    until: Option<String>,
    /// List what would fire, change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: SweepArgs) -> Result<(), ApiError> {
    if let Some(report) = idle(ctx, &args)? {
        return print(ctx, &report);
    }
    // Through a server, its own delivery command applies.
    let service: Backend = match ctx.server() {
        Some(client) => Arc::new(client),
        None => {
            let mut engine = ctx.open()?;
            engine.set_notify_command(config::notify_command()?);
            engine.set_archive_retention(config::archive_retention()?);
            Arc::new(engine)
        }
    };
    let clock_now = ctx.clock.now();
    let now = match &args.now {
        Some(t) => timearg::parse_time(t, clock_now).map_err(ApiError::BadInput)?,
        None => clock_now,
    };
    let (until, dry_run) = match &args.until {
        Some(t) => {
            let until = timearg::parse_time(t, now).map_err(ApiError::BadInput)?;
            if until < now {
                return Err(ApiError::BadInput(format!(
                    "--until {t} is before the sweep's time {}",
                    output::local(now)
                )));
            }
            (until, true)
        }
        None => (now, args.dry_run),
    };
    // A sweep at this process's own time runs at the engine's clock (the server's, through
    // it): only a different `--now` is sent, and the engine refuses it unless in a dry run.
    let report = service.sweep(
        &ctx.actor,
        api::SweepArgs {
            now: (now != clock_now).then_some(now),
            until: dry_run.then_some(until),
            dry_run,
        },
    )?;
    print(ctx, &report)
}

/// A plain sweep with no server that the idle card the last sweep left vouches has nothing
/// to do (`engine::idle_sweep`): its report, without opening the store.
fn idle(ctx: &Ctx, args: &SweepArgs) -> Result<Option<SweepReport>, ApiError> {
    if args.now.is_some() || args.until.is_some() || args.dry_run {
        return Ok(None);
    }
    if crate::remote::socket_path(&ctx.db).exists() {
        return Ok(None);
    }
    Ok(crate::engine::idle_sweep(
        &ctx.db,
        &ctx.actor,
        ctx.clock.now(),
        config::archive_retention()?,
        config::notify_command()?.is_some_and(|c| !c.trim().is_empty()),
        !config::itsm_targets()?.is_empty(),
    ))
}

fn print(ctx: &Ctx, r: &SweepReport) -> Result<(), ApiError> {
    if ctx.json {
        output::json(r)?;
        return failed(r);
    }
    if !r.fired.is_empty() {
        print!("{}", table(&r.fired, "ACTION"));
    }
    if !r.failed.is_empty() {
        print!("{}", table(&r.failed, "COULD NOT FIRE"));
    }
    let verb = if r.dry_run { "would fire" } else { "fired" };
    let n = r.fired.len();
    let mut summary = format!(
        "sweep at {}: {verb} {n} timer{}",
        output::local(r.now),
        if n == 1 { "" } else { "s" }
    );
    if r.delivered + r.delivery_failures > 0 {
        summary.push_str(&format!(
            "; delivered {} notification(s), {} failed (retried next sweep)",
            r.delivered, r.delivery_failures
        ));
    }
    say!("{summary}");
    match &r.itsm {
        Some(Ok(sync)) => {
            super::itsm::print_sync(sync);
            say!(
                "tickets: {} created, {} polled ({} settled), {} failed",
                sync.created,
                sync.polled,
                sync.settled,
                sync.failed
            );
        }
        Some(Err(e)) => say!("tickets: the sync failed: {e}"),
        None => {}
    }
    match &r.archived {
        Some(Ok(n)) if *n > 0 => say!("archive: moved {n} closed cases past the retention"),
        Some(Err(e)) => say!("archive: the archive run failed: {e}"),
        _ => {}
    }
    if r.archive_cleared > 0 {
        say!(
            "archive: removed what {} archived cases left in the hot store",
            r.archive_cleared
        );
    }
    failed(r)
}

/// One row per firing: due, case (or request), work item, timer, and the action (or error).
fn table(firings: &[Firing], last: &'static str) -> String {
    let mut t = Table::new(vec!["DUE", "CASE", "ITEM", "TIMER", last]);
    for f in firings {
        t.row(vec![
            output::local(f.due),
            f.case
                .map(|c| c.to_string())
                .or(f.request.map(|r| r.to_string()))
                .unwrap_or_default(),
            f.work_item.map(|w| w.to_string()).unwrap_or_default(),
            match (&f.policy, f.rule) {
                (Some(p), Some(n)) => format!("{p}#{n}"),
                _ => f.timer.clone(),
            },
            f.action.clone(),
        ]);
    }
    t.render()
}

/// Timers that could not fire make the sweep exit 1 once it has fired the others, naming
/// the first of them.
fn failed(r: &SweepReport) -> Result<(), ApiError> {
    let Some(first) = r.failed.first() else {
        return Ok(());
    };
    let n = r.failed.len();
    let at = match (first.case, first.work_item, &first.policy, first.rule) {
        (Some(c), Some(w), Some(p), Some(rule)) => format!("{w} of {c} ({p}#{rule})"),
        _ => first.timer.clone(),
    };
    let dropped = if r.dry_run {
        "would be dropped"
    } else {
        "dropped, recorded as timer-failed on their cases"
    };
    Err(ApiError::Internal(format!(
        "sweep: {n} timer{} could not fire ({dropped}); first: {at}: {}",
        if n == 1 { "" } else { "s" },
        first.action
    )))
}
