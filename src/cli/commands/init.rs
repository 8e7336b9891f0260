use crate::api::ApiError;
use crate::cli::output::{self, say};
use crate::cli::Ctx;
use crate::engine::Engine;

/// `casebench init [--group NAME]…`: a new store, the caller its first administrator and a
/// member of `groups` (a leading `@` is accepted).
pub fn run(ctx: &Ctx, groups: &[String]) -> Result<(), ApiError> {
    let mut groups: Vec<String> = groups
        .iter()
        .map(|g| g.trim().trim_start_matches('@').to_string())
        .collect();
    groups.sort();
    groups.dedup();
    let engine = Engine::init(&ctx.db, ctx.clock.clone(), &ctx.actor, &groups)?;
    drop(engine);
    if ctx.json {
        return output::json(&serde_json::json!({
            "store": ctx.db.display().to_string(),
            "admin": ctx.actor,
            "groups": groups,
        }));
    }
    say!(
        "created store {} with {} as its first administrator",
        ctx.db.display(),
        ctx.actor
    );
    if groups.is_empty() {
        say!(
            "{} is in no group, so `case list --queue claimable` is empty (claim works: you are \
             an administrator); to join groups, list yourself in `casebench import users \
             FILE.csv`, or create the store with `casebench init --group NAME`",
            ctx.actor
        );
    } else {
        let names: Vec<String> = groups.iter().map(|g| format!("@{g}")).collect();
        say!("{} is a member of {}", ctx.actor, names.join(", "));
    }
    say!("next: casebench import users FILE.csv");
    Ok(())
}
