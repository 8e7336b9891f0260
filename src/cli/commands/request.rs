//! `casebench request …`: access requests and their validity.

use clap::Subcommand;

use crate::api::{ApiError, Command, Service, ServiceExt};
use crate::cli::output::{self, say, Table};
use crate::cli::{timearg, Ctx};
use crate::domain::{parse_duration, Request, RequestId};

#[derive(Debug, Subcommand)]
pub enum RequestCmd {
    /// Request a product for yourself or --for a user, valid --from/--until.
    New {
        product: String,
        #[arg(long = "for")]
        recipient: Option<String>,
        /// When the access starts (default: at approval).
        #[arg(long)]
        from: Option<String>,
        /// When the access ends (default: never).
        #[arg(long)]
        until: Option<String>,
        /// Tell the recipient this long before the end (e.g. 7d).
        #[arg(long)]
        notice: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Requests for you (default) or all of them.
    List {
        #[arg(long, conflicts_with = "all")]
        mine: bool,
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// One request with its history.
    Show { id: String },
}

pub fn run(ctx: &Ctx, cmd: RequestCmd) -> Result<(), ApiError> {
    let engine = ctx.backend()?;
    let now = ctx.clock.now();
    let time = |t: Option<String>| {
        t.map(|t| timearg::parse_time(&t, now).map_err(ApiError::BadInput))
            .transpose()
    };
    match cmd {
        RequestCmd::New {
            product,
            recipient,
            from,
            until,
            notice,
            reason,
        } => {
            let notice_secs = notice
                .map(|n| parse_duration(&n).map(|d| d.num_seconds()))
                .transpose()?;
            let applied = engine.execute(
                &ctx.actor,
                Command::RequestAccess {
                    product,
                    recipient,
                    valid_from: time(from)?,
                    valid_until: time(until)?,
                    notice_secs,
                    reason,
                },
            )?;
            output::applied(ctx.json, &applied)
        }
        RequestCmd::List { all, limit, .. } => {
            let list = engine.list_requests(&ctx.actor, all, limit)?;
            if ctx.json {
                return output::json(&serde_json::json!({ "requests": list }));
            }
            if list.is_empty() {
                say!("no requests");
                return Ok(());
            }
            let mut t = Table::new(vec!["ID", "STATE", "FOR", "FROM", "UNTIL", "PRODUCT"]);
            for r in &list {
                t.row(row(r));
            }
            print!("{}", t.render());
            Ok(())
        }
        RequestCmd::Show { id } => {
            let id: RequestId = id.parse()?;
            let d = engine.request_detail(&ctx.actor, id)?;
            if ctx.json {
                return output::json(&d);
            }
            let r = &d.request;
            say!("{}  {}  {}", r.id, r.product, r.state);
            say!(
                "for:         {} (requested by {})",
                r.recipient,
                r.requester
            );
            if let Some(reason) = &r.reason {
                say!("reason:      {reason}");
            }
            let show = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(output::local).unwrap_or_else(|| "-".into())
            };
            say!("valid from:  {}", show(r.valid_from));
            say!("valid until: {}", show(r.valid_until));
            for t in &r.timers {
                say!("  next: {} at {}", t.kind.name(), output::local(t.due));
            }
            println!();
            output::events(&d.events);
            Ok(())
        }
    }
}

fn row(r: &Request) -> Vec<String> {
    let show = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(output::local).unwrap_or_else(|| "-".into())
    };
    vec![
        r.id.to_string(),
        r.state.to_string(),
        r.recipient.clone(),
        show(r.valid_from),
        show(r.valid_until),
        r.product.clone(),
    ]
}
