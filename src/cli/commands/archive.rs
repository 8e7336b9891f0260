//! `casebench archive --closed-before 90d|DATE [--dry-run]`: move old closed and cancelled
//! cases out of the hot store into the archive beside it (administrators).

use clap::Args;

use crate::api::{ApiError, Command, Service};
use crate::cli::output::{self, say};
use crate::cli::{timearg, Ctx};

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Cases closed (or cancelled) before this: a duration ago (`90d`, `12w`) or a TIME
    /// (`2026-01-01`, RFC 3339).
    #[arg(long = "closed-before", value_name = "DURATION|TIME")]
    closed_before: String,
    /// Count what would be archived, change nothing.
    #[arg(long)]
    dry_run: bool,
}

/// The cut-off: `90d` is ninety days before now, anything else a time.
pub fn cutoff(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    cutoff_of("--closed-before", text, now)
}

/// [`cutoff`] of the option `flag`, named in its error.
pub fn cutoff_of(
    flag: &str,
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    let bad = |e: String| ApiError::BadInput(format!("{flag}: {e}"));
    match crate::domain::parse_duration(text) {
        Ok(d) => now
            .checked_sub_signed(d)
            .ok_or_else(|| bad(format!("{text:?} reaches before any time"))),
        Err(_) => timearg::parse_time(text, now).map_err(bad),
    }
}

pub fn run(ctx: &Ctx, args: ArchiveArgs) -> Result<(), ApiError> {
    let before = cutoff(&args.closed_before, ctx.clock.now())?;
    let applied = ctx.backend()?.execute(
        &ctx.actor,
        Command::Archive {
            before,
            dry_run: args.dry_run,
            max: None,
        },
    )?;
    let Some(r) = &applied.archive else {
        return output::applied(ctx.json, &applied);
    };
    if ctx.json {
        return output::json(r);
    }
    say!("{}", applied.message);
    if r.mended > 0 {
        say!(
            "{} cases left in both places by a run cut short are now only in the archive",
            r.mended
        );
    }
    if r.archived > 0 && !r.dry_run {
        say!("the store's files keep their size until `casebench compact` (with no server running) rewrites them");
    }
    if r.kept > 0 {
        say!("{} closed cases kept: still needed (an unsettled ticket, a request in approval, a campaign run not closed)", r.kept);
    }
    say!("the archive holds {} cases ({})", r.total, r.path);
    if r.archived > 0 && !r.dry_run {
        say!("their events and search entries leave the hot store with the next sweeps");
    }
    Ok(())
}
