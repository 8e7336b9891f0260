use std::path::PathBuf;

use clap::Subcommand;

use crate::api::{ApiError, Command, Service};
use crate::cli::{output, Ctx};
use crate::domain::Target;
use crate::import::{
    in_file, parse_campaigns_toml, parse_catalogue_toml, parse_orgs_toml,
    parse_policies_with_lines, parse_users_csv, FileLines, NameAt,
};

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Users from a CSV file with header `login,name,email,manager,groups` (groups `;`-separated).
    Users { file: PathBuf },
    /// Escalation policies from a TOML file (see README); replaces policies of the same name.
    Policies { file: PathBuf },
    /// Manual and semi-manual resources from a TOML file (see README).
    Resources { file: PathBuf },
    /// Org units, workgroup managers and fallbacks, the chief approval team (TOML; docs/cli.md).
    Orgs { file: PathBuf },
    /// Products and their approval policies (TOML; docs/cli.md).
    Products { file: PathBuf },
    /// Certification campaign definitions (TOML; docs/cli.md).
    Campaigns { file: PathBuf },
    /// Working-time calendars and the default (TOML; docs/cli.md).
    Calendars { file: PathBuf },
}

pub fn run(ctx: &Ctx, what: ImportCmd) -> Result<(), ApiError> {
    let (ImportCmd::Users { file }
    | ImportCmd::Policies { file }
    | ImportCmd::Resources { file }
    | ImportCmd::Orgs { file }
    | ImportCmd::Products { file }
    | ImportCmd::Campaigns { file }
    | ImportCmd::Calendars { file }) = &what;
    let label = file.display().to_string();
    let bytes =
        std::fs::read(file).map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))?;
    let at = |line: usize, msg: String| ApiError::BadInput(format!("{label}:{line}: {msg}"));
    // Parsed and checked whole before anything is sent: a bad file changes nothing.
    let mut file_lines = FileLines::default();
    let (command, names, lines) = match &what {
        ImportCmd::Users { .. } => {
            let users = parse_users_csv(&label, &bytes)?;
            (Command::ImportUsers { users }, vec![], vec![])
        }
        ImportCmd::Policies { .. } => {
            let (policies, names, at) = parse_policies_with_lines(&label, text(&label, &bytes)?)?;
            file_lines = at;
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
            for (r, l) in resources.iter().zip(&lines) {
                let ctx = format!("resource {:?}: ", r.id);
                if let (Some(c), Some(line)) = (&r.calendar, l.calendar) {
                    file_lines.value(&ctx, format!("no calendar {c:?}"), line);
                }
                if let (Some(t), Some(line)) = (&r.itsm, l.itsm) {
                    file_lines.value(&ctx, format!("no ITSM target {t:?}"), line);
                }
            }
            let policies = resources
                .iter()
                .zip(&lines)
                .filter_map(|(r, l)| Some((r.policy.clone()?, l.policy?)))
                .collect();
            (Command::ImportResources { resources }, names, policies)
        }
        ImportCmd::Orgs { .. } => {
            let (import, at) = parse_orgs_toml(&label, text(&label, &bytes)?)?;
            file_lines = at;
            (Command::ImportOrgs(import), vec![], vec![])
        }
        ImportCmd::Products { .. } => {
            let (import, at) = parse_catalogue_toml(&label, text(&label, &bytes)?)?;
            file_lines = at;
            (Command::ImportCatalogue(import), vec![], vec![])
        }
        ImportCmd::Campaigns { .. } => {
            let (campaigns, at) = parse_campaigns_toml(&label, text(&label, &bytes)?)?;
            file_lines = at;
            (Command::ImportCampaigns { campaigns }, vec![], vec![])
        }
        ImportCmd::Calendars { .. } => {
            let f = crate::import::parse_calendars_toml(&label, text(&label, &bytes)?)?;
            file_lines = f.lines;
            let (calendars, default) = (f.calendars, f.default);
            (
                Command::ImportCalendars { calendars, default },
                vec![],
                vec![],
            )
        }
    };
    // The engine decides what a file may name; the file's lines are this side's to say:
    // an unknown user, group or policy is bad input at the line naming it.
    let policy_line = |m: &str| {
        m.starts_with("no policy ").then(|| {
            lines
                .iter()
                .find(|(p, _)| m.contains(&format!("{p:?}")))
                .map_or(1, |(_, line)| *line)
        })
    };
    let applied = ctx.backend()?.execute(&ctx.actor, command).map_err(|e| {
        let line = match &e {
            ApiError::BadInput(m) | ApiError::NotFound(m) => line_of_name(&names, m)
                .or_else(|| policy_line(m))
                .or_else(|| file_lines.line_of(m)),
            _ => None,
        };
        match line {
            // The engine's `line N: ` (a record's line) gives way to the value's.
            Some(line) => at(line, strip_record_line(&e.to_string())),
            None => in_file(&label, e),
        }
    })?;
    output::applied(ctx.json, &applied)
}

/// The line of the name an engine refusal (`no group @x`, `resource "r": no group @x`)
/// is about.
fn line_of_name(names: &[NameAt], message: &str) -> Option<usize> {
    names.iter().find_map(|n| {
        let what = match &n.target {
            Target::User(u) => format!("no user {u:?}"),
            Target::Group(g) => format!("no group @{g}"),
        };
        (message == format!("{}{what}", n.context)).then_some(n.line)
    })
}

/// `line 3: no resource "x"` → `no resource "x"`.
fn strip_record_line(m: &str) -> String {
    m.strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .filter(|(n, _)| n.parse::<u64>().is_ok())
        .map_or(m, |(_, rest)| rest)
        .to_string()
}

fn text<'a>(label: &str, bytes: &'a [u8]) -> Result<&'a str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| ApiError::BadInput(format!("cannot read {label}: {e}")))
}
