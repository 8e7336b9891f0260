//! `$XDG_CONFIG_HOME/casebench/config.toml`, the `[tui]` table:
//!
//! ```toml
//! [tui]
//! sweep_interval = "30s"   # how often the timers run while the TUI is open
//! mouse = false            # capture the mouse (scroll, click); off so text can be selected
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::keymap::{line_of, KeymapError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub sweep_interval: Duration,
    pub mouse: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sweep_interval: Duration::from_secs(30),
            mouse: false,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    tui: Option<RawTui>,
    /// Read by the CLI (`[notify] command`); accepted here as is.
    #[serde(default)]
    #[allow(dead_code)]
    notify: Option<toml::Value>,
    /// Read by the server (`[serve] exports`); accepted here as is.
    #[serde(default)]
    #[allow(dead_code)]
    serve: Option<toml::Value>,
    /// The ticket systems (`[itsm.NAME]`), read and checked by the CLI; accepted here as is.
    #[serde(default)]
    #[allow(dead_code)]
    itsm: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTui {
    sweep_interval: Option<Spanned<String>>,
    mouse: Option<bool>,
}

/// The config directory: `$XDG_CONFIG_HOME/casebench` (or the platform's equivalent).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "casebench").map(|d| d.config_dir().to_path_buf())
}

impl Config {
    /// Parses a config file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Config, KeymapError> {
        let err = |pos: usize, message: String| KeymapError {
            file: file.to_string(),
            line: line_of(text, pos),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let pos = e.span().map(|s| s.start).unwrap_or(0);
            err(pos, e.message().trim().replace('\n', " "))
        })?;
        let mut config = Config::default();
        if let Some(tui) = raw.tui {
            if let Some(s) = tui.sweep_interval {
                let d = crate::domain::parse_duration(s.get_ref()).map_err(|e| {
                    err(
                        s.span().start,
                        format!("[tui] sweep_interval: {e} (e.g. \"30s\", \"5m\")"),
                    )
                })?;
                let secs = d.num_seconds();
                if secs < 1 {
                    return Err(err(
                        s.span().start,
                        "[tui] sweep_interval: must be at least 1s".into(),
                    ));
                }
                config.sweep_interval = Duration::from_secs(secs as u64);
            }
            if let Some(m) = tui.mouse {
                config.mouse = m;
            }
        }
        Ok(config)
    }

    /// Reads `path` if it exists; the defaults otherwise.
    pub fn load(path: Option<&Path>) -> Result<Config, KeymapError> {
        let Some(path) = path.filter(|p| p.exists()) else {
            return Ok(Config::default());
        };
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeymapError {
            file: name.clone(),
            line: 1,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&name, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tui_table() {
        let c = Config::parse("c", "[tui]\nsweep_interval = \"2m\"\nmouse = true\n").unwrap();
        assert_eq!(c.sweep_interval, Duration::from_secs(120));
        assert!(c.mouse);
        assert_eq!(Config::parse("c", "").unwrap(), Config::default());
        // The CLI's [notify] table lives in the same file.
        let c = Config::parse(
            "c",
            "[notify]\ncommand = \"sendmail -t\"\n[tui]\nmouse = true\n",
        )
        .unwrap();
        assert!(c.mouse);
        // So do the server's [serve] and the ticket systems' [itsm.NAME] tables.
        let c = Config::parse(
            "c",
            "[serve]\nexports = \"/srv/x\"\n[itsm.rt]\nkind = \"rt\"\n[tui]\nmouse = true\n",
        )
        .unwrap();
        assert!(c.mouse);
    }

    #[test]
    fn bad_values_name_the_line() {
        let e = Config::parse(
            "c.toml",
            "[tui]\nmouse = false\nsweep_interval = \"soon\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("c.toml:3: [tui] sweep_interval: "),
            "{e}"
        );
        let e = Config::parse("c.toml", "[tui]\ncolour = 1\n").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2: "), "{e}");
        assert!(!e.to_string().contains('\n'));
    }
}
