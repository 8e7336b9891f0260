//! `casebench request …`: access requests, their approval workflows and their validity.

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::api::{ApiError, Command, PendingApproval, RequestDetail, Service, ServiceExt};
use crate::cli::output::{self, say, Table};
use crate::cli::{timearg, Ctx};
use crate::domain::approval::{Approval, ApprovalTimerKind, StepRun};
use crate::domain::{parse_duration, Request, RequestId, WorkItemId};

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
    /// Approve your open approval step of a request (or, --step, the one of that work item).
    Approve {
        id: String,
        #[command(flatten)]
        decision: DecisionArgs,
    },
    /// Deny a request at your open approval step: the whole request is denied.
    Deny {
        id: String,
        #[command(flatten)]
        decision: DecisionArgs,
    },
    /// Requests for you (default), all of them, or those waiting for your approval.
    List {
        #[arg(long, conflicts_with = "all")]
        mine: bool,
        #[arg(long)]
        all: bool,
        /// Requests with an open approval step you may decide, oldest first.
        #[arg(long, conflicts_with_all = ["mine", "all"])]
        pending_my_approval: bool,
        /// Approved requests starting later on resources you own, soonest first.
        #[arg(long, conflicts_with_all = ["mine", "all", "pending_my_approval"])]
        upcoming: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// One request with its product, approval workflow and history.
    Show { id: String },
    /// Renew an assigned request until a later time (through the product's approval policy).
    Renew {
        id: String,
        /// The new end of the access.
        #[arg(long)]
        until: String,
    },
    /// Cancel a request: aborted while in approval; unsubscribed once assigned (now, or
    /// with the access ending --from a date).
    Cancel {
        id: String,
        /// When the access ends (default: now).
        #[arg(long)]
        from: Option<String>,
    },
}

/// What `request approve` and `request deny` take besides the request.
#[derive(Debug, clap::Args)]
pub struct DecisionArgs {
    /// Why (shown in the request's history).
    #[arg(long)]
    comment: Option<String>,
    /// The open step to decide, by its work item (`W-12`), when you hold several.
    #[arg(long, value_name = "W-N")]
    step: Option<String>,
}

pub fn run(ctx: &Ctx, cmd: RequestCmd) -> Result<(), ApiError> {
    let engine = ctx.backend()?;
    match cmd {
        RequestCmd::New {
            product,
            recipient,
            from,
            until,
            notice,
            reason,
        } => {
            let now = ctx.clock.now();
            let time = |t: Option<String>| {
                t.map(|t| timearg::parse_time(&t, now).map_err(ApiError::BadInput))
                    .transpose()
            };
            let notice_secs = notice
                .map(|n| parse_duration(&n).map(|d| d.num_seconds()))
                .transpose()?;
            let command = Command::RequestAccess {
                product,
                recipient,
                valid_from: time(from)?,
                valid_until: time(until)?,
                notice_secs,
                reason,
            };
            new_request(ctx, &engine, command)
        }
        RequestCmd::Approve { id, decision } => decide(ctx, &engine, &id, true, decision),
        RequestCmd::Deny { id, decision } => decide(ctx, &engine, &id, false, decision),
        RequestCmd::List {
            pending_my_approval: true,
            limit,
            ..
        } => pending(ctx, &engine.pending_approvals(&ctx.actor, limit)?),
        RequestCmd::List {
            upcoming: true,
            limit,
            ..
        } => list(ctx, &engine.upcoming(&ctx.actor, limit)?),
        RequestCmd::List { all, limit, .. } => {
            list(ctx, &engine.list_requests(&ctx.actor, all, limit)?)
        }
        RequestCmd::Renew { id, until } => {
            let until = timearg::parse_time(&until, ctx.clock.now()).map_err(ApiError::BadInput)?;
            let command = Command::Renew {
                request: id.parse()?,
                until,
            };
            output::applied(ctx.json, &engine.execute(&ctx.actor, command)?)
        }
        RequestCmd::Cancel { id, from } => {
            let now = ctx.clock.now();
            let from = from
                .map(|t| timearg::parse_time(&t, now).map_err(ApiError::BadInput))
                .transpose()?;
            let command = Command::CancelRequest {
                request: id.parse()?,
                from,
            };
            output::applied(ctx.json, &engine.execute(&ctx.actor, command)?)
        }
        RequestCmd::Show { id } => {
            let d = engine.request_detail(&ctx.actor, id.parse()?)?;
            if ctx.json {
                return output::json(&d);
            }
            show(&d);
            Ok(())
        }
    }
}

/// `request new`: the engine's message and the open steps of the first level, or (JSON) the
/// command's result and the request as it stands.
fn new_request(ctx: &Ctx, engine: &crate::cli::Backend, command: Command) -> Result<(), ApiError> {
    let applied = engine.execute(&ctx.actor, command)?;
    let request = match applied.request {
        Some(id) => Some(engine.request_detail(&ctx.actor, id)?.request),
        None => None,
    };
    if ctx.json {
        return output::json(&serde_json::json!({ "applied": applied, "request": request }));
    }
    output::applied(false, &applied)?;
    if let Some(a) = request.as_ref().and_then(|r| r.approval.as_ref()) {
        let open: Vec<&StepRun> = a.open_steps().collect();
        let wide = open
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        for s in open {
            say!(
                "  level {}  {:<wide$}  → {}",
                s.level + 1,
                s.name,
                holders(s)
            );
        }
    }
    Ok(())
}

/// `request approve|deny`: the engine's message.
fn decide(
    ctx: &Ctx,
    engine: &crate::cli::Backend,
    id: &str,
    approve: bool,
    args: DecisionArgs,
) -> Result<(), ApiError> {
    let request: RequestId = id.parse()?;
    let work_item = args.step.map(|w| w.parse::<WorkItemId>()).transpose()?;
    let applied = engine.execute(
        &ctx.actor,
        Command::Decide {
            request,
            work_item,
            approve,
            comment: args.comment,
        },
    )?;
    output::applied(ctx.json, &applied)
}

fn list(ctx: &Ctx, list: &[Request]) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(&serde_json::json!({ "requests": list }));
    }
    if list.is_empty() {
        say!("no requests");
        return Ok(());
    }
    let mut t = Table::new(vec!["ID", "STATE", "FOR", "FROM", "UNTIL", "PRODUCT"]);
    for r in list {
        t.row(vec![
            r.id.to_string(),
            r.state.to_string(),
            r.recipient.clone(),
            when(r.valid_from),
            when(r.valid_until),
            r.product.clone(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

/// `request list --pending-my-approval`.
fn pending(ctx: &Ctx, list: &[PendingApproval]) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(&serde_json::json!({ "pending": list }));
    }
    if list.is_empty() {
        say!("no requests wait for your approval");
        return Ok(());
    }
    let mut t = Table::new(vec![
        "ID",
        "PRODUCT",
        "FOR",
        "REQUESTED-BY",
        "LEVEL",
        "STEP(S)",
        "SINCE",
    ]);
    for p in list {
        let r = &p.request;
        let a = r.approval.as_ref();
        let level = a.map_or("-".into(), |a| format!("{}/{}", a.level + 1, a.levels()));
        let steps: Vec<String> = p
            .steps
            .iter()
            .map(|(w, name)| format!("{w} {name}"))
            .collect();
        // Since the user has had their chance at the earliest of their steps.
        let since = a
            .into_iter()
            .flat_map(|a| a.steps.iter())
            .filter(|s| {
                s.work_item
                    .is_some_and(|w| p.steps.iter().any(|(x, _)| *x == w))
            })
            .filter_map(|s| s.chance_from)
            .min()
            .unwrap_or(r.modified);
        t.row(vec![
            r.id.to_string(),
            r.product.clone(),
            r.recipient.clone(),
            r.requester.clone(),
            level,
            steps.join(", "),
            output::local(since),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

/// `request show`: the request, its product, its workflow step by step, its history.
fn show(d: &RequestDetail) {
    let r = &d.request;
    say!("{}  {}  {}", r.id, r.product, r.state);
    if let Some(p) = &d.product {
        say!("product:     {} ({})", p.name, p.id);
    }
    say!(
        "for:         {} (requested by {})",
        r.recipient,
        r.requester
    );
    if let Some(reason) = &r.reason {
        say!("reason:      {reason}");
    }
    say!("valid from:  {}", when(r.valid_from));
    say!("valid until: {}", when(r.valid_until));
    for t in &r.timers {
        say!("  next: {} at {}", t.kind.name(), output::local(t.due));
    }
    if let Some(a) = &r.approval {
        println!();
        workflow(a, r.in_approval());
    }
    if r.approved_at.is_some() || !d.provisioning.is_empty() {
        println!();
    }
    if let Some(t) = r.approved_at {
        say!("approved:    {}", output::local(t));
    }
    if let Some(t) = r.provisioned_at {
        say!("provisioned: {}", output::local(t));
    }
    for line in &d.provisioning {
        say!("{line}");
    }
    println!();
    output::events(&d.events);
}

/// The workflow: each level (the current one marked `*` while in approval), each step with
/// its state, approvers, count, timers and decisions.
fn workflow(a: &Approval, running: bool) {
    let chief = a
        .chief
        .as_deref()
        .map(|c| format!(", chief approval team @{c}"))
        .unwrap_or_default();
    say!(
        "workflow:    {} ({} levels; case {}{chief})",
        a.policy.name,
        a.levels(),
        a.case
    );
    for level in 0..a.levels() {
        let current = running && level == a.level;
        say!(
            "{} level {} of {}{}",
            if current { "*" } else { " " },
            level + 1,
            a.levels(),
            if current { "  (current)" } else { "" }
        );
        for s in a.steps.iter().filter(|s| s.level == level) {
            step(a, s);
        }
    }
}

fn step(a: &Approval, s: &StepRun) {
    let def = a.def(s.level, s.step);
    let source = def.map(|d| d.approvers.name()).unwrap_or_default();
    let count = def.map_or(1, |d| d.count.max(1));
    let item = s.work_item.map(|w| format!("  {w}")).unwrap_or_default();
    say!(
        "    {}  {}  {}/{} approvals  approvers: {} (from {source}){}{item}",
        s.name,
        s.state.name(),
        s.approvals(),
        count,
        holders(s),
        if s.escalated { "  escalated" } else { "" },
    );
    let timers: Vec<String> = a
        .timers
        .iter()
        .filter(|t| t.level == s.level && t.step == s.step)
        .map(|t| {
            let kind = match t.kind {
                ApprovalTimerKind::Reminder => "reminder",
                ApprovalTimerKind::Timeout => "timeout",
            };
            format!("{kind} at {}", output::local(t.due))
        })
        .collect();
    if !timers.is_empty() {
        say!("      next: {}", timers.join(", "));
    }
    for d in &s.decisions {
        let comment = d
            .comment
            .as_deref()
            .map(|c| format!(": {c}"))
            .unwrap_or_default();
        say!("      {}  {}{comment}", output::local(d.at), d.describe());
    }
    if let Some(note) = &s.note {
        say!("      {note}");
    }
}

/// Who may decide a step: users and `@groups`, or `-` when nobody is asked (yet).
fn holders(s: &StepRun) -> String {
    let who = s.holders();
    if who.is_empty() {
        "-".into()
    } else {
        who.join(", ")
    }
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(output::local).unwrap_or_else(|| "-".into())
}
