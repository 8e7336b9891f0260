//! `casebench demo`: build (or reuse) the demo store and open it in the TUI (or, when stdout
//! is not a terminal, print its inbox).

use std::sync::Arc;

use crate::api::ApiError;
use crate::cli::{Backend, Ctx, Workbench};
use crate::engine::Engine;

pub fn run(
    ctx: Ctx,
    actor_given: bool,
    fresh: bool,
    build_only: bool,
) -> Result<Option<Workbench>, ApiError> {
    if build_only {
        build(&ctx, fresh)?;
        return Ok(None);
    }
    // The demo acts as its administrator unless told otherwise.
    let actor = if actor_given {
        ctx.actor.clone()
    } else {
        crate::demo::ADMIN.to_string()
    };
    Ok(Some(Workbench {
        ctx: Ctx { actor, ..ctx },
        demo: true,
        open: Box::new(move |ctx| Ok(Arc::new(build(ctx, fresh)?) as Backend)),
    }))
}

/// What the last build of this process said, for the TUI's status bar.
static BUILT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `demo store built in 344 ms` once this process built the demo store.
pub fn built_message() -> Option<String> {
    BUILT.get().cloned()
}

/// Builds the demo store at `ctx.db` (reusing it unless `fresh`) and opens it.
fn build(ctx: &Ctx, fresh: bool) -> Result<Engine, ApiError> {
    let exists = Engine::exists(&ctx.db);
    if exists && fresh {
        std::fs::remove_dir_all(&ctx.db).map_err(|e| {
            ApiError::BadInput(format!(
                "cannot remove old demo store {}: {e}",
                ctx.db.display()
            ))
        })?;
    }
    if exists && !fresh {
        return Engine::open(&ctx.db, ctx.clock.clone());
    }
    // Said before the TUI takes the screen: the first build takes a moment.
    eprintln!("building the demo store at {} …", ctx.db.display());
    let started = std::time::Instant::now();
    // Built aside and moved in place whole: an interrupted build leaves no half store.
    let mut aside = ctx.db.clone().into_os_string();
    aside.push(".building");
    let aside = std::path::PathBuf::from(aside);
    let _ = std::fs::remove_dir_all(&aside);
    let exports = crate::demo::exports_dir(&ctx.db);
    let engine = crate::demo::build(&aside, &exports, ctx.clock.now())?;
    drop(engine);
    std::fs::rename(&aside, &ctx.db).map_err(|e| {
        ApiError::Internal(format!(
            "cannot move the demo store into {}: {e}",
            ctx.db.display()
        ))
    })?;
    let ms = started.elapsed().as_millis();
    eprintln!("built the demo store at {} in {ms} ms", ctx.db.display());
    let _ = BUILT.set(format!("demo store built in {ms} ms"));
    Engine::open(&ctx.db, ctx.clock.clone())
}
