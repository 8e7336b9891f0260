//! `casebench product …`: the catalogue of what users may request.

use clap::Subcommand;

use crate::api::{ApiError, ServiceExt};
use crate::cli::output::{self, say, Table};
use crate::cli::Ctx;
use crate::domain::approval::{NoApprover, OnTimeout, SelfApproval, Step};
use crate::domain::duration::format_duration;
use crate::domain::{ApprovalPolicy, Product};

#[derive(Debug, Subcommand)]
pub enum ProductCmd {
    /// The catalogue.
    List,
    /// One product: what it grants, who owns it, how long it lasts, how it is approved.
    Show { id: String },
}

pub fn run(ctx: &Ctx, cmd: ProductCmd) -> Result<(), ApiError> {
    let service = ctx.backend()?;
    match cmd {
        ProductCmd::List => {
            let products = service.products(&ctx.actor)?;
            if ctx.json {
                return output::json(&serde_json::json!({ "products": products }));
            }
            if products.is_empty() {
                say!("no products: casebench import products FILE.toml");
                return Ok(());
            }
            let mut t = Table::new(vec![
                "ID",
                "NAME",
                "RESOURCE",
                "ENTITLEMENT",
                "POLICY",
                "VALIDITY",
                "MULTI",
            ]);
            for p in &products {
                t.row(vec![
                    p.id.clone(),
                    p.name.clone(),
                    dash(&p.resource),
                    dash(&p.entitlement),
                    dash(&p.policy),
                    validity(p),
                    if p.multi_request { "yes" } else { "no" }.into(),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        ProductCmd::Show { id } => {
            let d = service.product(&ctx.actor, &id)?;
            if ctx.json {
                return output::json(&d);
            }
            let p = &d.product;
            say!("{}  {}", p.id, p.name);
            if let Some(text) = &p.description {
                println!("description:    {}", output::lines(text, 16));
            }
            let grants = match (&p.resource, &p.entitlement) {
                (Some(r), Some(e)) => format!("{e} on {r}"),
                (Some(r), None) => r.clone(),
                _ => "nothing provisionable (requests are recorded)".into(),
            };
            say!("grants:         {grants}");
            if let Some(o) = &d.resource_owners {
                say!("resource owners: @{o}");
            }
            say!(
                "owners:         {}",
                p.owners.as_ref().map_or("-".into(), |o| format!("@{o}"))
            );
            say!("validity:       {}", validity(p));
            say!(
                "multi-request:  {}   unsubscribable: {}   renewable: {}",
                yes(p.multi_request),
                yes(p.unsubscribable),
                renewals(p)
            );
            match (&p.policy, &d.policy) {
                (None, _) => say!("approval:       none (approved when requested)"),
                (Some(name), None) => say!("approval:       {name} (not in the store)"),
                (Some(_), Some(policy)) => {
                    for line in describe_policy(policy) {
                        say!("{line}");
                    }
                }
            }
            Ok(())
        }
    }
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn secs(s: i64) -> String {
    // A stored value beyond what a duration holds is shown in seconds.
    match chrono::Duration::try_seconds(s) {
        Some(d) => format_duration(d),
        None => format!("{s}s"),
    }
}

fn validity(p: &Product) -> String {
    p.validity_secs.map_or("unlimited".into(), secs)
}

fn renewals(p: &Product) -> String {
    match (p.renewable, p.max_renewals) {
        (false, _) => "no".into(),
        (true, None) => "yes".into(),
        (true, Some(n)) => format!("yes, at most {n} times"),
    }
}

/// The policy in lines: `approval:       manager-then-owners (chief @approvers)`, then
/// `level 1: manager (count 1, timeout 3d → abort, reminder 1d before)` for each step.
pub fn describe_policy(p: &ApprovalPolicy) -> Vec<String> {
    let chief = p
        .chief
        .as_ref()
        .map(|c| format!(" (chief approval team @{c})"))
        .unwrap_or_default();
    let mut out = vec![format!("approval:       {}{chief}", p.name)];
    for (i, level) in p.levels.iter().enumerate() {
        for (j, s) in level.steps.iter().enumerate() {
            let level = format!("level {}:", i + 1);
            // The steps of one level run in parallel: `and` under the level's name.
            let head = if j == 0 {
                level
            } else {
                format!("{:>w$}", "and", w = level.len())
            };
            out.push(format!("  {head} {}", describe_step(s)));
        }
    }
    out
}

/// `manager (count 1, timeout 3d → abort, reminder 1d before)`.
pub fn describe_step(s: &Step) -> String {
    let mut parts = vec![];
    let source = s.approvers.name();
    if source != s.name {
        parts.push(format!("approvers {source}"));
    }
    parts.push(format!("count {}", s.count));
    match s.timeout {
        Some(t) => parts.push(format!("timeout {t} → {}", on_timeout(s.on_timeout))),
        None => parts.push("no timeout".into()),
    }
    if let Some(r) = s.reminder {
        parts.push(format!("reminder {r} before"));
    }
    if s.no_approver != NoApprover::Abort {
        let to = match s.no_approver {
            NoApprover::Chief => "chief",
            NoApprover::Approve => "approve",
            NoApprover::Abort => "abort",
        };
        parts.push(format!("no approver → {to}"));
    }
    match s.self_approval {
        SelfApproval::Skipped => {}
        SelfApproval::AutoApproved => parts.push("self-approval auto-approved".into()),
        SelfApproval::Allowed => parts.push("self-approval allowed".into()),
    }
    format!("{} ({})", s.name, parts.join(", "))
}

fn on_timeout(o: OnTimeout) -> &'static str {
    match o {
        OnTimeout::Approve => "approve",
        OnTimeout::Abort => "abort",
        OnTimeout::EscalateChief => "escalate to the chief approval team",
        OnTimeout::EscalateManagers => "escalate to the approvers' managers",
    }
}
