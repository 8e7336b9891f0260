use crate::api::ApiError;
use crate::cli::{output, Ctx};
use crate::engine::Engine;

pub fn run(ctx: &Ctx) -> Result<(), ApiError> {
    let engine = Engine::init(&ctx.db, ctx.clock.clone(), &ctx.actor)?;
    drop(engine);
    if ctx.json {
        output::json(&serde_json::json!({
            "store": ctx.db.display().to_string(),
            "admin": ctx.actor,
        }))
    } else {
        println!(
            "created store {} with {} as its first administrator",
            ctx.db.display(),
            ctx.actor
        );
        println!("next: casebench import users FILE.csv");
        Ok(())
    }
}
