//! `casebench serve`: one process owns the store; every CLI call and workbench of every
//! administrator goes through it (sled lets one process open a store).

use std::time::Duration;

use crate::api::ApiError;
use crate::cli::{config, Ctx};
use crate::domain::parse_duration;
use crate::engine::Engine;
use crate::remote::server::{serve, ServeOptions};

pub fn run(ctx: &Ctx, sweep_interval: &str) -> Result<(), ApiError> {
    let every = parse_duration(sweep_interval)?;
    if every.num_seconds() < 1 {
        return Err(ApiError::BadInput(
            "--sweep-interval must be at least 1s".into(),
        ));
    }
    let mut engine = open_waiting(ctx, store_wait()?)?;
    engine.set_notify_command(config::notify_command()?);
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
