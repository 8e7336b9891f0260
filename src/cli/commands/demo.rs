//! `casebench demo`: build (or reuse) the demo store and open it.

use crate::api::ApiError;
use crate::cli::Ctx;
use crate::engine::Engine;

pub fn run(ctx: &Ctx, actor_given: bool, fresh: bool, build_only: bool) -> Result<(), ApiError> {
    let exists = ctx.db.join("conf").exists();
    if exists && fresh {
        std::fs::remove_dir_all(&ctx.db).map_err(|e| {
            ApiError::BadInput(format!(
                "cannot remove old demo store {}: {e}",
                ctx.db.display()
            ))
        })?;
    }
    let engine = if exists && !fresh {
        Engine::open(&ctx.db, ctx.clock.clone())?
    } else {
        let started = std::time::Instant::now();
        let engine = crate::demo::build(&ctx.db, ctx.clock.now())?;
        eprintln!(
            "built the demo store at {} in {} ms",
            ctx.db.display(),
            started.elapsed().as_millis()
        );
        drop(engine);
        Engine::open(&ctx.db, ctx.clock.clone())?
    };
    if build_only {
        return Ok(());
    }
    // The demo acts as its administrator unless told otherwise.
    let actor = if actor_given {
        ctx.actor.clone()
    } else {
        crate::demo::ADMIN.to_string()
    };
    let demo_ctx = Ctx {
        db: ctx.db.clone(),
        actor,
        json: ctx.json,
        clock: ctx.clock.clone(),
    };
    super::inbox::show(&demo_ctx, &engine)?;
    if !demo_ctx.json {
        println!(
            "demo store: {} · try: casebench --db {} --as alice case list --queue claimable",
            ctx.db.display(),
            ctx.db.display()
        );
    }
    Ok(())
}
