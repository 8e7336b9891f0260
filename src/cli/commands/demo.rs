//! `casebench demo`: build (or reuse) the demo store and open it in the TUI (or, when stdout
//! is not a terminal, print its inbox).

use std::io::IsTerminal;

use crate::api::ApiError;
use crate::cli::Ctx;
use crate::engine::Engine;

pub fn run(ctx: &Ctx, actor_given: bool, fresh: bool, build_only: bool) -> Result<(), ApiError> {
    let tui = !build_only && !ctx.json && std::io::stdout().is_terminal();
    // Settings first: a broken keymap or config fails before anything is built.
    let settings = if tui {
        Some(crate::tui::settings()?)
    } else {
        None
    };
    let exists = crate::store::Store::exists(&ctx.db);
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
        eprintln!(
            "built the demo store at {} in {} ms",
            ctx.db.display(),
            started.elapsed().as_millis()
        );
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
    let engine = crate::remote::Backend::Local(engine);
    if let Some((config, keymap)) = settings {
        return super::inbox::open_tui(&demo_ctx, engine, config, keymap);
    }
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
