//! `casebench gen`: a synthetic store for benchmarks and trials.

use clap::Args;

use crate::api::ApiError;
use crate::cli::{output, Ctx};
use crate::engine::generate::GenSpec;
use crate::engine::Engine;

#[derive(Debug, Args)]
pub struct GenArgs {
    /// How many cases.
    #[arg(long, default_value_t = 100_000)]
    pub cases: usize,
    /// The share of cases still open (0..1).
    #[arg(long, default_value_t = 0.1)]
    pub open_ratio: f64,
    #[arg(long, default_value_t = 1_000)]
    pub users: usize,
    #[arg(long, default_value_t = 20)]
    pub groups: usize,
    /// Policy timers due at the generation time (what the first sweep fires).
    #[arg(long, default_value_t = 10_000)]
    pub due_now: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Closed cases are spread over this many days up to now (open ones over the last 90 at
    /// most): `--span-days 730` is two years of history.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub span_days: u32,
    /// Write the cases closed before this (`90d`: ninety days before now, or a TIME)
    /// straight to the archive beside the store, as `casebench archive --closed-before`
    /// would have moved them: a store as it stands under an archive retention.
    #[arg(long = "archive-before", value_name = "DURATION|TIME")]
    pub archive_before: Option<String>,
}

impl GenArgs {
    pub fn spec(&self, now: chrono::DateTime<chrono::Utc>) -> Result<GenSpec, ApiError> {
        let archive_before = match &self.archive_before {
            Some(t) => Some(super::archive::cutoff_of("--archive-before", t, now)?),
            None => None,
        };
        Ok(GenSpec {
            cases: self.cases,
            open_ratio: self.open_ratio,
            users: self.users,
            groups: self.groups,
            due_now: self.due_now,
            seed: self.seed,
            span_days: self.span_days,
            archive_before,
        })
    }
}

pub fn run(ctx: &Ctx, args: GenArgs) -> Result<(), ApiError> {
    let now = ctx.clock.now();
    let report = Engine::generate(&ctx.db, now, &args.spec(now)?)?;
    if ctx.json {
        return output::json(&report);
    }
    println!(
        "generated {} cases ({} open, {} overdue, {} timers, {} due now, {} events{}) at {} in {:.1} s",
        report.spec.cases,
        report.open,
        report.overdue,
        report.timers,
        report.due_now,
        report.events,
        match report.archived {
            0 => String::new(),
            n => format!(", {n} closed ones archived"),
        },
        ctx.db.display(),
        report.millis as f64 / 1000.0
    );
    println!(
        "users u00000..u{:05} (u00000 is everyone's top manager), groups g000..g{:03}; administrator: admin",
        report.spec.users - 1,
        report.spec.groups - 1
    );
    Ok(())
}
