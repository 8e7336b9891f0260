//! `casebench serve`: one process owns the store; every CLI call and workbench of every
//! administrator goes through it (sled lets one process open a store).

use std::time::Duration;

use crate::api::ApiError;
use crate::cli::{config, Ctx};
use crate::domain::parse_duration;
use crate::remote::server::{serve, ServeOptions};

pub fn run(ctx: &Ctx, sweep_interval: &str) -> Result<(), ApiError> {
    let every = parse_duration(sweep_interval)?;
    if every.num_seconds() < 1 {
        return Err(ApiError::BadInput(
            "--sweep-interval must be at least 1s".into(),
        ));
    }
    let mut engine = ctx.open()?;
    engine.set_notify_command(config::notify_command()?);
    serve(
        engine,
        ServeOptions {
            socket: crate::remote::socket_path(&ctx.db),
            sweep_every: Duration::from_secs(every.num_seconds() as u64),
        },
    )
}
