//! `casebench notify list`: the outbox.

use clap::Subcommand;
use serde::Serialize;

use crate::api::{ApiError, ServiceExt};
use crate::cli::output::{self, say, Table};
use crate::cli::Ctx;
use crate::domain::Notification;

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// Messages in the outbox, newest first.
    List {
        /// Only those not delivered yet.
        #[arg(long)]
        unsent: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Serialize)]
struct Listing {
    notifications: Vec<Notification>,
}

pub fn run(ctx: &Ctx, cmd: NotifyCmd) -> Result<(), ApiError> {
    let engine = ctx.backend()?;
    let NotifyCmd::List { unsent, limit } = cmd;
    let notifications = engine.notifications(&ctx.actor, unsent, limit)?;
    if ctx.json {
        return output::json(&Listing { notifications });
    }
    if notifications.is_empty() {
        say!("no notifications");
        return Ok(());
    }
    let mut t = Table::new(vec!["#", "CREATED", "TO", "CASE", "STATUS", "SUBJECT"]);
    for n in &notifications {
        let status = match (&n.sent, &n.last_error) {
            (Some(s), _) => format!("sent {}", output::local(*s)),
            (None, Some(e)) => format!("failed x{}: {e}", n.attempts),
            (None, None) => "queued".into(),
        };
        t.row(vec![
            n.seq.to_string(),
            output::local(n.created),
            n.to.clone(),
            n.case.map(|c| c.to_string()).unwrap_or_default(),
            status,
            n.subject.clone(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}
