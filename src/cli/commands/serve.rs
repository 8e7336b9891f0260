//! `casebench serve`: one process owns the store; every CLI call and workbench of every
//! administrator goes through it (sled lets one process open a store).
//!
//! The server runs with its own OS user's rights for every client, so it refuses to run as
//! root unless told (`--allow-root`), and reads semi-manual exports only under the exports
//! directory of its own config (`--exports DIR` or `[serve] exports`), never where the
//! store says.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::api::ApiError;
use crate::cli::{config, Ctx};
use crate::domain::parse_duration;
use crate::engine::{Engine, FeedAccess};
use crate::remote::server::{serve, ServeOptions};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// How often the timers run.
    #[arg(long, default_value = "30s")]
    sweep_interval: String,
    /// Run even as root (the server would read and write with root's rights).
    #[arg(long)]
    allow_root: bool,
    /// The directory semi-manual exports are read from (default: `[serve] exports` in
    /// config.toml); without one, the server reads no export file.
    #[arg(long, value_name = "DIR")]
    exports: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: ServeArgs) -> Result<(), ApiError> {
    let every = parse_duration(&args.sweep_interval)?;
    if every.num_seconds() < 1 {
        return Err(ApiError::BadInput(
            "--sweep-interval must be at least 1s".into(),
        ));
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 && !args.allow_root {
        return Err(ApiError::NotAllowed(
            "casebench serve does not run as root: run it as the store's own OS user (or pass --allow-root)".into(),
        ));
    }
    let exports = match args.exports {
        Some(dir) => Some(dir),
        None => config::serve_exports()?,
    };
    let feeds = match exports {
        Some(dir) => FeedAccess::under(&dir)?,
        None => FeedAccess::Nothing,
    };
    let mut engine = open_waiting(ctx, store_wait()?)?;
    engine.set_notify_command(config::notify_command()?);
    engine.set_archive_retention(config::archive_retention()?);
    engine.set_feed_access(feeds);
    serve(
        engine,
        ServeOptions {
            socket: crate::remote::socket_path(&ctx.db),
            sweep_every: Duration::from_secs(every.num_seconds() as u64),
        },
    )
}

/// How long `serve` waits for a store held by another process: `CASEBENCH_STORE_WAIT`
/// (e.g. `5s`; `0s` does not wait), by default 30 seconds.
fn store_wait() -> Result<Duration, ApiError> {
    match std::env::var("CASEBENCH_STORE_WAIT") {
        Ok(v) if !v.trim().is_empty() => {
            let d = parse_duration(&v)
                .map_err(|e| ApiError::BadInput(format!("CASEBENCH_STORE_WAIT: {e}")))?;
            Ok(Duration::from_secs(d.num_seconds().max(0) as u64))
        }
        _ => Ok(Duration::from_secs(30)),
    }
}

/// Opens the store; while another process holds it (a client that opened it itself after a
/// crash of the server, a workbench, a sweep), says so once and tries again, for at most
/// `wait`. A second server answering on the socket is refused at once.
fn open_waiting(ctx: &Ctx, wait: Duration) -> Result<Engine, ApiError> {
    let deadline = std::time::Instant::now() + wait;
    let mut said = false;
    loop {
        match ctx.open() {
            Err(ApiError::Busy(why)) => {
                if crate::remote::server::running(&ctx.db) {
                    return Err(ApiError::Busy(why));
                }
                if std::time::Instant::now() >= deadline {
                    return Err(ApiError::Busy(if said {
                        format!("{why} (waited {}s)", wait.as_secs())
                    } else {
                        why
                    }));
                }
                if !said {
                    eprintln!(
                        "casebench: waiting for the store at {}: held by another process (up to {}s)",
                        ctx.db.display(),
                        wait.as_secs()
                    );
                    said = true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}
