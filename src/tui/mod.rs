//! The terminal workbench (issue 3). A shell around [`app::update`]: the event loop turns
//! terminal input, ticks, sweeps and background replies into actions, carries out the effects
//! off the UI thread, and draws when something changed. The TUI decides nothing: it renders
//! queries and sends commands through [`crate::api::Service`].
//!
//! - `app/`: state and `update(&mut App, Action) -> Vec<Effect>`, no I/O; one `Layer` (where
//!   the keyboard is) decides key contexts, key handling and the footer's hints
//! - `event.rs`: the one `tokio::select!` loop (time from `Options::clock`, never the
//!   service); `jobs.rs`: effects against the service, view jobs coalesced
//! - `keymap.rs` + `actions.rs`: `keymap.toml`, compiled in, overridable
//! - `panes/` state (private, behind methods) and `draw/` drawing, twin files; `text/` the
//!   case panes' lines, drawn by `draw/` and counted by `app/`; `theme.rs`; `layout.rs`
//!   (where panes go, and what a mouse event lands on)
//! - `driver.rs`: the same loop, synchronous, for tests and the benchmark
//!
//! Imports go one way: `event`/`driver` → `draw` → `app` → `panes`/`text`/`layout`.

pub mod actions;
pub mod app;
pub mod bench;
mod clipboard;
pub mod config;
pub mod draw;
pub mod driver;
pub mod event;
pub mod format;
pub mod fuzzy;
pub mod input;
pub mod jobs;
pub mod keymap;
pub mod layout;
mod options;
pub mod panes;
pub mod text;
pub mod theme;

use std::path::Path;

use crate::api::ApiError;
pub use config::Config;
pub use keymap::Keymap;
pub use options::Options;

/// Reads `config.toml` and `keymap.toml` from the config dir (`$XDG_CONFIG_HOME/casebench`).
/// A bad file is one line naming it and the line: `…/keymap.toml:14: [case] "d" is bound …`.
pub fn settings() -> Result<(Config, Keymap), ApiError> {
    let dir = config::config_dir();
    settings_in(dir.as_deref())
}

pub fn settings_in(dir: Option<&Path>) -> Result<(Config, Keymap), ApiError> {
    let bad = |e: keymap::KeymapError| ApiError::BadInput(e.to_string());
    let config = Config::load(dir.map(|d| d.join("config.toml")).as_deref()).map_err(bad)?;
    let keymap = Keymap::load(dir.map(|d| d.join("keymap.toml")).as_deref()).map_err(bad)?;
    Ok((config, keymap))
}

/// `~/…` for paths under the home directory.
pub fn short_path(path: &Path) -> String {
    let shown = path.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && shown.starts_with(&home) => {
            format!("~{}", &shown[home.len()..])
        }
        _ => shown,
    }
}

/// Runs the TUI until the user quits; the terminal is restored however it ends.
pub fn run(options: Options) -> Result<(), ApiError> {
    event::run(options)
}
