//! casebench: a terminal workbench for the manual side of identity management.
//!
//! Layers (see DESIGN.md §3): `domain` (pure) ← `store` (sled) ← `engine` (the one write
//! path) ← `api` ← `cli`.

pub mod api;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod import;
pub mod itsm;
pub mod remote;
pub mod store;
pub mod tui;
pub mod verbs;
