//! One store, many clients: `casebench serve` owns the store (sled allows one process) and
//! answers the CLI and the TUI of every administrator on a Unix socket next to it, each
//! client authenticated by its OS user (peer credentials). The socket carries only envelopes
//! of the [`Service`] calls, so a remote store answers exactly as a local one.
//!
//! Protocol: one JSON object per line each way — `{"actor": "...", "call": Call}` and then
//! `{"Ok": Reply}` or `{"Err": ApiError}`.

pub mod client;
pub mod server;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::{Answer, ApiError, Applied, Command, Query, Service, SweepArgs, SweepReport};
use crate::engine::Engine;

/// A [`Service`] call, as it crosses the socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Call {
    Execute(Command),
    Query(Query),
    Sweep(SweepArgs),
}

/// What a call returns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    Applied(Applied),
    Answer(Answer),
    Sweep(SweepReport),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub actor: String,
    pub call: Call,
}

/// Carries out `call` as `actor` on the server's engine.
pub fn dispatch(engine: &Engine, actor: &str, call: Call) -> Result<Reply, ApiError> {
    Ok(match call {
        Call::Execute(c) => Reply::Applied(engine.execute(actor, c)?),
        Call::Query(q) => Reply::Answer(engine.query(actor, q)?),
        Call::Sweep(a) => Reply::Sweep(engine.sweep(actor, a)?),
    })
}

/// Where the server of the store at `db` listens: `<db>.sock` beside it.
pub fn socket_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".sock");
    PathBuf::from(name)
}
