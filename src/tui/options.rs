//! What the TUI needs to start.

use std::sync::Arc;

use crate::api::Service;
use crate::clock::Clock;
use crate::tui::config::Config;
use crate::tui::keymap::Keymap;

pub struct Options {
    pub service: Arc<dyn Service + Send + Sync>,
    /// Where the time shown comes from: read on the event loop, so never the service's.
    pub clock: Arc<dyn Clock>,
    pub actor: String,
    /// The store, as shown in the status bar.
    pub store: String,
    pub config: Config,
    pub keymap: Keymap,
    /// The status bar's first message (`demo store built in 344 ms`), if any.
    pub message: Option<String>,
}
