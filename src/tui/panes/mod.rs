//! The state of each pane and dialog. Drawing lives in `draw/`, twin files by name.

pub mod case;
pub mod cert;
pub mod complete;
pub mod form;
pub mod help;
pub mod inbox;
pub mod picker;
pub mod prompt;
pub mod reports;
pub mod view;
