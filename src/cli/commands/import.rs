use std::path::PathBuf;

use clap::Subcommand;

use crate::api::{ApiError, Command, Service};
use crate::cli::{output, Ctx};
use crate::import::{in_file, parse_policies_toml, parse_users_csv};

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
    // Parsed whole before anything is sent: a bad file changes nothing.
    let command = match &what {
        ImportCmd::Users { .. } => Command::ImportUsers {
            users: parse_users_csv(&label, &bytes)?,
        },
        ImportCmd::Policies { .. } => Command::ImportPolicies {
            policies: parse_policies_toml(&label, text(&label, &bytes)?)?,
        },
        ImportCmd::Resources { file } => {
            // Feed paths in the file are relative to it.
            let base = std::path::absolute(file)
                .ok()
                .and_then(|p| p.parent().map(|p| p.to_path_buf()))
                .unwrap_or_default();
            Command::ImportResources {
                resources: crate::import::parse_resources_toml(
                    &label,
                    text(&label, &bytes)?,
                    &base,
                )?,
            }
        }
    };
    let applied = ctx
        .backend()?
        .execute(&ctx.actor, command)
        .map_err(|e| in_file(&label, e))?;
    output::applied(ctx.json, &applied)
}

fn text<'a>(label: &str, bytes: &'a [u8]) -> Result<&'a str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))
}
