//! `casebench bench`'s arguments; the benchmark itself is `crate::bench`, which the binary
//! runs (it measures the TUI too, which the CLI does not know).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Cases in the generated store (ignored with an existing --db store).
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: usize,
    #[arg(long, default_value_t = 0.1)]
    pub open_ratio: f64,
    /// Timers due at generation time (what the first sweep fires).
    #[arg(long, default_value_t = 10_000)]
    pub due_now: usize,
    /// The generated store's closed cases spread over this many days (two years by default).
    #[arg(long, default_value_t = 730, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub span_days: u32,
    /// Runs per figure (the median is printed).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Use this generated store instead of generating one (it is changed: the sweep fires).
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Keep the generated store.
    #[arg(long)]
    pub keep: bool,
}
