use std::path::PathBuf;

use clap::Subcommand;

use crate::api::{ApiError, Command, Org, Service, ServiceExt};
use crate::cli::{output, Ctx};
use crate::domain::Target;
use crate::import::{in_file, parse_policies_with_names, parse_users_csv, NameAt};

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Users from a CSV file with header `login,name,email,manager,groups` (groups `;`-separated).
    Users { file: PathBuf },
    /// Escalation policies from a TOML file (see README); replaces policies of the same name.
    Policies { file: PathBuf },
    /// Manual and semi-manual resources from a TOML file (see README).
    Resources { file: PathBuf },
}

pub fn run(ctx: &Ctx, what: ImportCmd) -> Result<(), ApiError> {
    let (ImportCmd::Users { file } | ImportCmd::Policies { file } | ImportCmd::Resources { file }) =
        &what;
    let label = file.display().to_string();
    let bytes =
        std::fs::read(file).map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))?;
    let at = |line: usize, msg: String| ApiError::BadInput(format!("{label}:{line}: {msg}"));
    // Parsed and checked whole before anything is sent: a bad file changes nothing.
    let (command, names, lines) = match &what {
        ImportCmd::Users { .. } => {
            let users = parse_users_csv(&label, &bytes)?;
            (Command::ImportUsers { users }, vec![], vec![])
        }
        ImportCmd::Policies { .. } => {
            let (policies, names) = parse_policies_with_names(&label, text(&label, &bytes)?)?;
            (Command::ImportPolicies { policies }, names, vec![])
        }
        ImportCmd::Resources { file } => {
            // Feed paths in the file are relative to it.
            let base = std::path::absolute(file)
                .ok()
                .and_then(|p| p.parent().map(|p| p.to_path_buf()))
                .unwrap_or_default();
            let (resources, lines) =
                crate::import::parse_resources_with_lines(&label, text(&label, &bytes)?, &base)?;
            let names = resources
                .iter()
                .zip(&lines)
                .map(|(r, l)| NameAt {
                    line: l.owners,
                    target: Target::Group(r.owners.clone()),
                    context: format!("resource {:?}: ", r.id),
                })
                .collect();
            let policies = resources
                .iter()
                .zip(&lines)
                .filter_map(|(r, l)| Some((r.policy.clone()?, l.policy?)))
                .collect();
            (Command::ImportResources { resources }, names, policies)
        }
    };
    let backend = ctx.backend()?;
    if !names.is_empty() {
        if let Some((line, msg)) = unknown_name(&backend.org(&ctx.actor)?, &names) {
            return Err(at(line, msg));
        }
    }
    let applied = backend.execute(&ctx.actor, command).map_err(|e| match e {
        // The engine knows the policies: an unknown one is bad input at the line naming it.
        ApiError::NotFound(m) if m.starts_with("no policy ") => {
            let line = lines
                .iter()
                .find(|(p, _)| m.contains(&format!("{p:?}")))
                .map_or(1, |(_, line)| *line);
            at(line, m)
        }
        e => in_file(&label, e),
    })?;
    output::applied(ctx.json, &applied)
}

/// The first user or group a policy names that the organisation lacks, with its line.
fn unknown_name(org: &Org, names: &[NameAt]) -> Option<(usize, String)> {
    names.iter().find_map(|n| {
        let known = match &n.target {
            Target::User(u) => org.users.iter().any(|x| &x.login == u),
            Target::Group(g) => org.groups.iter().any(|x| &x.name == g),
        };
        let what = match &n.target {
            Target::User(u) => format!("no user {u:?}"),
            Target::Group(g) => format!("no group @{g}"),
        };
        (!known).then(|| (n.line, format!("{}{what}", n.context)))
    })
}

fn text<'a>(label: &str, bytes: &'a [u8]) -> Result<&'a str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))
}
