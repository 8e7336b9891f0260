//! The client side of the socket: one short connection per call.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::{Answer, Call, Envelope};
use crate::api::ApiError;

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

    pub fn call(&self, actor: &str, call: Call) -> Result<Answer, ApiError> {
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
        serde_json::from_str::<Result<Answer, ApiError>>(&reply)
            .map_err(|e| ApiError::Internal(format!("bad answer from the server: {e}")))?
    }
}
