//! `casebench resource …`, `shadow …` and `provision …`: manual and semi-manual resources.

use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;

use crate::api::{ApiError, Command, Service, ServiceExt};
use crate::cli::output::{self, say, Table};
use crate::cli::Ctx;
use crate::domain::{OpKind, Resource, ResourceKind, Shadow};
use crate::import::feed::{fingerprint, parse_feed_csv};

#[derive(Debug, Subcommand)]
pub enum ResourceCmd {
    /// The resources.
    List,
    /// One resource: kind, owners, timers, shadows.
    Show { id: String },
    /// Read a semi-manual export: confirm operations, find divergence and unowned accounts.
    Feed { id: String, file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ShadowCmd {
    /// The accounts casebench knows on a resource.
    List { resource: String },
    /// One account with its pending operations.
    Show { resource: String, account: String },
}

#[derive(Debug, clap::Args)]
pub struct OpArgs {
    resource: String,
    #[arg(long)]
    account: String,
    /// The user the account belongs to.
    #[arg(long)]
    owner: Option<String>,
    /// An attribute to set, `name=value` (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// An attribute to remove (repeatable).
    #[arg(long = "unset", value_name = "NAME")]
    unset: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProvisionCmd {
    /// Create an account (by hand, through a case).
    Add(OpArgs),
    /// Change an account's attributes.
    Modify(OpArgs),
    /// Delete an account.
    Delete(OpArgs),
}

pub fn provision(ctx: &Ctx, cmd: ProvisionCmd) -> Result<(), ApiError> {
    let (kind, a) = match cmd {
        ProvisionCmd::Add(a) => (OpKind::Add, a),
        ProvisionCmd::Modify(a) => (OpKind::Modify, a),
        ProvisionCmd::Delete(a) => (OpKind::Delete, a),
    };
    let mut set = vec![];
    for s in &a.set {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| ApiError::BadInput(format!("--set {s:?}: expected NAME=VALUE")))?;
        if k.trim().is_empty() {
            return Err(ApiError::BadInput(format!(
                "--set {s:?}: empty attribute name"
            )));
        }
        set.push((k.trim().to_string(), Some(v.to_string())));
    }
    set.extend(a.unset.iter().map(|k| (k.clone(), None)));
    let engine = ctx.backend()?;
    let applied = engine.execute(
        &ctx.actor,
        Command::Provision {
            resource: a.resource,
            account: a.account,
            owner: a.owner,
            kind,
            set,
        },
    )?;
    output::applied(ctx.json, &applied)
}

pub fn resource(ctx: &Ctx, cmd: ResourceCmd) -> Result<(), ApiError> {
    let engine = ctx.backend()?;
    let resources = engine.resources(&ctx.actor)?;
    let find = |id: &str| {
        resources
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("no resource {id:?}")))
    };
    match cmd {
        ResourceCmd::List => {
            let all = resources.clone();
            if ctx.json {
                return output::json(&serde_json::json!({ "resources": all }));
            }
            if all.is_empty() {
                say!("no resources: casebench import resources FILE.toml");
                return Ok(());
            }
            let mut t = Table::new(vec!["ID", "KIND", "OWNERS", "PROPAGATION", "NAME"]);
            for r in &all {
                t.row(vec![
                    r.id.clone(),
                    kind(r).into(),
                    format!("@{}", r.owners),
                    r.propagation_secs
                        // A stored value beyond what a duration holds is shown in seconds.
                        .map(|s| match chrono::Duration::try_seconds(s) {
                            Some(d) => crate::domain::duration::format_duration(d),
                            None => format!("{s}s"),
                        })
                        .unwrap_or_else(|| "-".into()),
                    r.name.clone(),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        ResourceCmd::Show { id } => {
            let r = find(&id)?;
            let shadows = engine.shadows(&ctx.actor, &id)?;
            if ctx.json {
                return output::json(
                    &serde_json::json!({ "resource": r, "shadows": shadows.len() }),
                );
            }
            say!("{}  {}  {}", r.id, r.name, kind(&r));
            say!("owners:       @{}", r.owners);
            if let ResourceKind::SemiManual {
                feed,
                key,
                attributes,
            } = &r.kind
            {
                say!(
                    "export:       {feed} (key {key}; compared: {})",
                    attributes.join(", ")
                );
            }
            if let Some(p) = &r.policy {
                say!("policy:       {p}");
            }
            if let Some(d) = r.propagation_due {
                say!("propagation:  next case at {}", output::local(d));
            }
            if let Some(d) = r.grace_due {
                say!("grace check:  {}", output::local(d));
            }
            let pending: usize = shadows
                .iter()
                .map(|s| s.pending.iter().filter(|o| o.is_open()).count())
                .sum();
            say!(
                "accounts:     {} ({pending} operations pending)",
                shadows.len()
            );
            Ok(())
        }
        ResourceCmd::Feed { id, file } => {
            let r = find(&id)?;
            let ResourceKind::SemiManual {
                key, attributes, ..
            } = &r.kind
            else {
                return Err(ApiError::IllegalState(format!(
                    "{id} is a manual resource: it has no export to read"
                )));
            };
            let label = file.display().to_string();
            let bytes = std::fs::read(&file)
                .map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))?;
            let print = fingerprint(&bytes);
            let rows = parse_feed_csv(&label, &bytes, key, attributes)?;
            drop(bytes); // only the rows are needed from here on
            let applied = engine.execute(
                &ctx.actor,
                Command::ReadFeed {
                    resource: id,
                    label,
                    fingerprint: print,
                    rows,
                },
            )?;
            output::applied(ctx.json, &applied)
        }
    }
}

#[derive(Serialize)]
struct ShadowList<'a> {
    resource: &'a str,
    shadows: &'a [Shadow],
}

pub fn shadow(ctx: &Ctx, cmd: ShadowCmd) -> Result<(), ApiError> {
    let engine = ctx.backend()?;
    match cmd {
        ShadowCmd::List { resource } => {
            let shadows = engine.shadows(&ctx.actor, &resource)?;
            if ctx.json {
                return output::json(&ShadowList {
                    resource: &resource,
                    shadows: &shadows,
                });
            }
            if shadows.is_empty() {
                say!("no accounts on {resource}");
                return Ok(());
            }
            let mut t = Table::new(vec!["ACCOUNT", "STATE", "OWNER", "PENDING", "ATTRIBUTES"]);
            for s in &shadows {
                t.row(vec![
                    s.key.clone(),
                    s.state.to_string(),
                    match (&s.owner, s.orphan) {
                        (Some(o), _) => o.clone(),
                        (None, true) => "(orphan)".into(),
                        (None, false) => "?".into(),
                    },
                    s.pending.iter().filter(|o| o.is_open()).count().to_string(),
                    s.attributes
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        ShadowCmd::Show { resource, account } => {
            let s = engine
                .shadow(&ctx.actor, &resource, &account)?
                .ok_or_else(|| {
                    ApiError::NotFound(format!("no account {account:?} on {resource}"))
                })?;
            if ctx.json {
                return output::json(&s);
            }
            say!("{}@{}  {}", s.key, s.resource, s.state);
            say!(
                "owner:      {}",
                s.owner.clone().unwrap_or_else(|| if s.orphan {
                    "(orphan)".into()
                } else {
                    "?".into()
                })
            );
            if let Some(t) = s.last_seen {
                say!("last seen:  {} (in the export)", output::local(t));
            }
            for (k, v) in &s.attributes {
                say!("  {k} = {v}");
            }
            if !s.pending.is_empty() {
                say!("operations:");
                for o in &s.pending {
                    let case = o.case.map(|c| format!(" {c}")).unwrap_or_default();
                    let why = o
                        .reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default();
                    say!(
                        "  op {}  {}  {:?}/{:?}{case}{why}",
                        o.id,
                        o.describe(),
                        o.execution,
                        o.result
                    );
                }
            }
            Ok(())
        }
    }
}

fn kind(r: &Resource) -> &'static str {
    match r.kind {
        ResourceKind::Manual => "manual",
        ResourceKind::SemiManual { .. } => "semi-manual",
    }
}
