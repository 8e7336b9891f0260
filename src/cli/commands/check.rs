//! `casebench check` (every invariant of the store, read-only) and `casebench restore SRC`.

use std::path::Path;

use crate::api::{ApiError, Service, ServiceExt};
use crate::cli::{output, Ctx};
use crate::engine::Engine;

/// Prints the findings (none: "store … is consistent"); findings are exit 1.
pub fn run(ctx: &Ctx) -> Result<(), ApiError> {
    let backend = ctx.backend()?;
    let findings = backend.check(&ctx.actor)?;
    let archive = match backend.query(&ctx.actor, crate::api::Query::ArchiveStatus)? {
        crate::api::Answer::Archive(a) => a,
        other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
    };
    let db = ctx.db.display();
    if ctx.json {
        output::json(&serde_json::json!({
            "store": db.to_string(),
            "findings": findings,
            "archive": archive,
        }))?;
    } else {
        for f in &findings {
            println!("{f}");
        }
        if !archive.months.is_empty() {
            crate::cli::output::say!(
                "archive {}: {} cases in {} segments",
                archive.path,
                archive.cases,
                archive.months.len()
            );
        }
    }
    if findings.is_empty() {
        if !ctx.json {
            println!("store {db} is consistent");
        }
        return Ok(());
    }
    Err(ApiError::Internal(format!(
        "store {db} has {} problems (listed above): restore the last backup with `casebench restore BACKUP`",
        findings.len()
    )))
}

/// `casebench restore SRC`: the backup at SRC becomes the store at --db.
pub fn restore(ctx: &Ctx, src: &Path) -> Result<(), ApiError> {
    let now = ctx.clock.now().format("%Y%m%dT%H%M%S").to_string();
    if crate::remote::server::running(&ctx.db) {
        return Err(ApiError::Busy(format!(
            "a casebench server holds the store {}: stop it before restoring over it",
            ctx.db.display()
        )));
    }
    let aside = Engine::restore(src, &ctx.db, &now)?;
    println!("restored {} from {}", ctx.db.display(), src.display());
    if let Some(a) = aside {
        println!("the store that was there is now {}", a.display());
    }
    Ok(())
}

/// `casebench compact`: first finishes (or undoes) a compaction cut short, then rewrites
/// the store into fresh files with no server holding it.
pub fn compact(ctx: &Ctx) -> Result<(), ApiError> {
    if let Some(done) = crate::store::compact::finish_cut_short(&ctx.db)? {
        crate::cli::output::say!("{done}");
    }
    if crate::remote::server::running(&ctx.db) {
        return Err(ApiError::Busy(format!(
            "a casebench server holds the store {}: stop it before compacting",
            ctx.db.display()
        )));
    }
    let (_engine, r) = ctx.open()?.compact(&ctx.actor)?;
    if ctx.json {
        return crate::cli::output::json(&r);
    }
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "compacted {}: {:.1} MB → {:.1} MB ({} keys in {} trees, {} archive files linked) in {:.1} s",
        ctx.db.display(),
        mb(r.bytes_before),
        mb(r.bytes_after),
        r.keys,
        r.trees,
        r.archive_files,
        r.secs
    );
    if r.cleared > 0 {
        println!(
            "removed first what {} archived cases had left in the hot store (their events and search entries)",
            r.cleared
        );
    }
    Ok(())
}
