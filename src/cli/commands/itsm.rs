//! `casebench itsm sync|status`: push outsourced cases to their ticket systems and read the
//! tickets' state back; where each ticket system stands.

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::api::{Answer, ApiError, Command, ItsmStatus, Query, Service, SyncReport};
use crate::cli::output::{self, say, Table};
use crate::cli::Ctx;
use crate::domain::Outsourcing;
use crate::verbs::ago;

#[derive(Debug, Subcommand)]
pub enum ItsmCmd {
    /// Create the tickets of newly outsourced cases and poll the open ones; a done ticket
    /// completes its case (every sweep does this too).
    Sync {
        /// Only this target (an `[itsm.NAME]` of the config file).
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// List what would be synced; call nothing, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The configured ticket systems with their counts, and every case not settled.
    Status,
}

pub fn run(ctx: &Ctx, cmd: ItsmCmd) -> Result<(), ApiError> {
    let service = ctx.backend()?;
    match cmd {
        ItsmCmd::Sync { target, dry_run } => {
            let applied = service.execute(&ctx.actor, Command::SyncTickets { target, dry_run })?;
            let report = applied.sync.unwrap_or_default();
            if ctx.json {
                return output::json(&report);
            }
            print_sync(&report);
            say!("{}", applied.message);
            Ok(())
        }
        ItsmCmd::Status => {
            let status = match service.query(&ctx.actor, Query::ItsmStatus)? {
                Answer::ItsmStatus(s) => s,
                other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
            };
            if ctx.json {
                return output::json(&status);
            }
            print_status(&status, ctx.clock.now());
            Ok(())
        }
    }
}

/// One row per case the sync did something for.
pub fn print_sync(r: &SyncReport) {
    if r.lines.is_empty() {
        return;
    }
    let mut t = Table::new(vec!["CASE", "TARGET", "TICKET", "ACTION", "DETAIL"]);
    for l in &r.lines {
        t.row(vec![
            l.case.to_string(),
            l.target.clone(),
            l.reference.clone().unwrap_or_default(),
            l.action.clone(),
            l.detail.clone(),
        ]);
    }
    print!("{}", t.render());
}

fn print_status(s: &ItsmStatus, now: DateTime<Utc>) {
    if s.targets.is_empty() {
        say!("no ticket systems: add an [itsm.NAME] table to the config file");
        return;
    }
    let mut t = Table::new(vec![
        "TARGET",
        "KIND",
        "KINDS",
        "QUEUED",
        "OPEN",
        "FAILING",
        "LAST SYNC",
    ]);
    for x in &s.targets {
        t.row(vec![
            x.name.clone(),
            x.kind.clone(),
            x.kinds.join(","),
            x.queued.to_string(),
            x.open.to_string(),
            x.failing.to_string(),
            x.last_sync.map(|l| ago(l, now)).unwrap_or("never".into()),
        ]);
    }
    print!("{}", t.render());
    if s.live.is_empty() {
        return;
    }
    println!();
    let mut t = Table::new(vec![
        "CASE",
        "TARGET",
        "TICKET",
        "STATE",
        "LAST SYNC",
        "ERROR",
    ]);
    for o in &s.live {
        t.row(vec![
            o.case.to_string(),
            o.target.clone(),
            o.reference.clone().unwrap_or_default(),
            state_word(o),
            o.last_sync.map(|l| ago(l, now)).unwrap_or("never".into()),
            o.error.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", t.render());
}

/// `stalled (open)`, `queued`, `creating`.
fn state_word(o: &Outsourcing) -> String {
    match (&o.status, o.state) {
        (Some(raw), Some(s)) => format!("{raw} ({})", s.name()),
        _ => o.phase.name().to_string(),
    }
}

/// The ticket lines of `case show`.
pub fn ticket_lines(o: &Outsourcing, now: DateTime<Utc>) -> Vec<String> {
    let mut out = vec![format!(
        "ticket:     {} {} — {}",
        o.target,
        o.reference.as_deref().unwrap_or("(not created yet)"),
        state_word(o)
    )];
    let sync = match o.last_sync {
        Some(l) => format!("{} ({})", output::local(l), ago(l, now)),
        None => "never".into(),
    };
    out.push(format!(
        "synced:     {sync}; outsourced {}",
        output::local(o.since)
    ));
    if let Some(e) = &o.error {
        let next = o
            .next_try
            .map(|t| format!("; next try {}", output::local(t)))
            .unwrap_or_default();
        out.push(format!("sync error: {e} ({} in a row{next})", o.failures));
    }
    out
}
