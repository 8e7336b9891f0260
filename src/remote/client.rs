//! The client side of the socket: one short connection per call.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::{Call, Envelope, Reply};
use crate::api::{Answer, ApiError, Applied, Command, Query, Service, SweepArgs, SweepReport};

pub struct Client {
    path: PathBuf,
}

impl Client {
    /// A client of the server at `path`, if one answers there.
    pub fn connect(path: &Path) -> Option<Client> {
        UnixStream::connect(path).ok()?;
        Some(Client {
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn call(&self, actor: &str, call: Call) -> Result<Reply, ApiError> {
        let gone = |e: std::io::Error| {
            ApiError::Busy(format!(
                "the casebench server at {} does not answer ({e}); try again",
                self.path.display()
            ))
        };
        let mut stream = UnixStream::connect(&self.path).map_err(gone)?;
        let mut line = serde_json::to_string(&Envelope {
            actor: actor.to_string(),
            call,
        })
        .map_err(|e| ApiError::Internal(format!("cannot encode a call: {e}")))?;
        line.push('\n');
        stream.write_all(line.as_bytes()).map_err(gone)?;
        let mut reply = String::new();
        BufReader::new(stream).read_line(&mut reply).map_err(gone)?;
        if reply.is_empty() {
            return Err(ApiError::Busy(format!(
                "the casebench server at {} closed the connection; try again",
                self.path.display()
            )));
        }
        serde_json::from_str::<Result<Reply, ApiError>>(&reply)
            .map_err(|e| ApiError::Internal(format!("bad answer from the server: {e}")))?
    }
}

fn unexpected(r: Reply) -> ApiError {
    ApiError::Internal(format!("unexpected reply from the server: {r:?}"))
}

/// The store held by `casebench serve`, through its socket.
impl Service for Client {
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        match self.call(actor, Call::Execute(command))? {
            Reply::Applied(a) => Ok(a),
            other => Err(unexpected(other)),
        }
    }

    fn query(&self, actor: &str, query: Query) -> Result<Answer, ApiError> {
        match self.call(actor, Call::Query(query))? {
            Reply::Answer(a) => Ok(a),
            other => Err(unexpected(other)),
        }
    }

    fn sweep(&self, actor: &str, args: SweepArgs) -> Result<SweepReport, ApiError> {
        match self.call(actor, Call::Sweep(args))? {
            Reply::Sweep(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }
}
