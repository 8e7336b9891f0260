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
    match what {
        ImportCmd::Resources { file } => {
            let label = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))?;
            let base = std::path::absolute(&file)
                .ok()
                .and_then(|p| p.parent().map(|p| p.to_path_buf()))
                .unwrap_or_default();
            let resources = crate::import::parse_resources_toml(&label, &text, &base)?;
            let engine = ctx.backend()?;
            let applied = engine.execute(&ctx.actor, Command::ImportResources { resources })?;
            output::applied(ctx.json, &applied)
        }
        ImportCmd::Policies { file } => {
            let label = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))?;
            let policies = parse_policies_toml(&label, &text)?;
            let engine = ctx.backend()?;
            let applied = engine.execute(&ctx.actor, Command::ImportPolicies { policies })?;
            output::applied(ctx.json, &applied)
        }
        ImportCmd::Users { file } => {
            let label = file.display().to_string();
            let bytes = std::fs::read(&file)
                .map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))?;
            let users = parse_users_csv(&label, &bytes)?;
            let engine = ctx.backend()?;
            let applied = engine
                .execute(&ctx.actor, Command::ImportUsers { users })
                .map_err(|e| in_file(&label, e))?;
            output::applied(ctx.json, &applied)
        }
    }
}
