//! The user's config file, `$XDG_CONFIG_HOME/casebench/config.toml`. The CLI reads the
//! `[notify]` and `[serve]` tables; other tables belong to other parts (the TUI) and are
//! ignored here.
//!
//! ```toml
//! [notify]
//! command = "sendmail -t"   # gets the message on stdin; exit 0 = delivered
//!
//! [serve]
//! exports = "/srv/casebench/exports"   # the only place the server reads exports from
//!
//! [archive]
//! retention = "90d"    # the sweep archives cases closed longer ago (default: off)
//!
//! [itsm.rt]                            # ticket systems (see `crate::itsm::config`)
//! kind = "rt"
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use crate::api::ApiError;

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    notify: Notify,
    #[serde(default)]
    serve: Serve,
    #[serde(default)]
    archive: ArchiveTable,
    #[serde(default)]
    itsm: std::collections::BTreeMap<String, crate::itsm::TargetSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Serve {
    exports: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveTable {
    retention: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Notify {
    command: Option<String>,
}

pub fn config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "casebench").map(|d| d.config_dir().join("config.toml"))
}

/// The delivery command: `CASEBENCH_NOTIFY_COMMAND`, else `[notify] command` in the config.
pub fn notify_command() -> Result<Option<String>, ApiError> {
    if let Ok(c) = std::env::var("CASEBENCH_NOTIFY_COMMAND") {
        return Ok(Some(c).filter(|c| !c.trim().is_empty()));
    }
    Ok(read()?.notify.command)
}

/// How long closed cases stay in the hot store before a sweep archives them: `[archive]
/// retention = "90d"` (none: the sweep archives nothing).
pub fn archive_retention() -> Result<Option<chrono::TimeDelta>, ApiError> {
    let Some(text) = read()?.archive.retention else {
        return Ok(None);
    };
    let label = config_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let d = crate::domain::parse_duration(&text)
        .map_err(|e| ApiError::BadInput(format!("{label}: [archive] retention: {e}")))?;
    Ok(Some(d))
}

/// The server's exports directory: `[serve] exports` in the config.
pub fn serve_exports() -> Result<Option<PathBuf>, ApiError> {
    Ok(read()?.serve.exports)
}

/// The ticket systems of `[itsm.NAME]` tables; a table that is wrong is refused with the
/// file and what is wrong (`CASEBENCH_CONFIG` names another file, for tests and servers).
pub fn itsm_targets() -> Result<Vec<crate::itsm::Target>, ApiError> {
    let file = read()?;
    let label = config_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    file.itsm
        .iter()
        .map(|(name, spec)| {
            spec.check(name)
                .map_err(|e| ApiError::BadInput(format!("{label}: {e}")))
        })
        .collect()
}

/// The config file's tables (empty when there is no file).
fn read() -> Result<File, ApiError> {
    let Some(path) = config_path() else {
        return Ok(File::default());
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(File::default());
    };
    let label = path.display().to_string();
    toml::from_str(&text).map_err(|e| crate::import::toml_error(&label, &text, &e))
}
