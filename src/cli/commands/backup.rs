//! `casebench backup DEST`: a consistent copy of the store, also while a server holds it.

use std::path::Path;

use crate::api::{ApiError, Command, Service};
use crate::cli::{output, Ctx};

pub fn run(ctx: &Ctx, dest: &Path) -> Result<(), ApiError> {
    // The server resolves relative paths from its own directory: send an absolute one.
    let dest = std::path::absolute(dest)
        .map_err(|e| ApiError::BadInput(format!("bad backup path {}: {e}", dest.display())))?;
    let applied = ctx
        .backend()?
        .execute(&ctx.actor, Command::Backup { dest })?;
    output::applied(ctx.json, &applied)
}
