//! `casebench demo`: build (or reuse) the demo store and open it in the TUI (or, when stdout
//! is not a terminal, print its inbox).

use std::sync::Arc;

use crate::api::ApiError;
use crate::cli::{Backend, Ctx, Opened, Workbench};
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
        open: Box::new(move |ctx| {
            let (engine, message) = build(ctx, fresh)?;
            Ok(Opened {
                service: Arc::new(engine) as Backend,
                message,
            })
        }),
    }))
}

/// Builds the demo store at `ctx.db` (reusing it unless `fresh`) and opens it; says how long
/// the build took when it built.
fn build(ctx: &Ctx, fresh: bool) -> Result<(Engine, Option<String>), ApiError> {
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
        return Ok((Engine::open(&ctx.db, ctx.clock.clone())?, None));
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
    Ok((reopen(ctx)?, Some(format!("demo store built in {ms} ms"))))
}

/// Opens the store just built. sled lets go of a store's lock when its last thread ends, a
/// moment after the builder dropped it: wait for that (briefly) instead of calling it busy.
fn reopen(ctx: &Ctx) -> Result<Engine, ApiError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Engine::open(&ctx.db, ctx.clock.clone()) {
            Err(ApiError::Busy(_)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result,
        }
    }
}
