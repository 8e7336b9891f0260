//! `casebench backup DEST`: a consistent copy of the store, also while a server holds it.

use std::path::Path;

use crate::api::ApiError;
use crate::cli::Ctx;

pub fn run(ctx: &Ctx, dest: &Path) -> Result<(), ApiError> {
    // The server resolves relative paths from its own directory: send an absolute one.
    let dest = std::path::absolute(dest)
        .map_err(|e| ApiError::BadInput(format!("bad backup path {}: {e}", dest.display())))?;
    match ctx.server() {
        Some(client) => client.backup(&ctx.actor, &dest)?,
        None => ctx.open()?.backup(&dest)?,
    }
    println!("backed up {} to {}", ctx.db.display(), dest.display());
    Ok(())
}
