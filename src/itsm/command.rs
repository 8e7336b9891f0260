//! Command plugins: one JSON request on stdin, one JSON reply on stdout.
// TODO(lead): being written in the plugin worktree; this placeholder only lets the tree build.

use super::{Adapter, Draft, ItsmError, Poll, Target};

pub struct Plugin {
    target: String,
}

impl Plugin {
    pub fn new(target: &Target) -> Result<Plugin, ItsmError> {
        Ok(Plugin {
            target: target.name.clone(),
        })
    }

    fn unbuilt(&self) -> ItsmError {
        ItsmError::Config {
            target: self.target.clone(),
            message: "the plugin adapter is not built yet".into(),
        }
    }
}

impl Adapter for Plugin {
    fn create(&self, _draft: &Draft) -> Result<String, ItsmError> {
        Err(self.unbuilt())
    }
    fn find(&self, _draft: &Draft) -> Result<Option<String>, ItsmError> {
        Err(self.unbuilt())
    }
    fn status(&self, _reference: &str, _etag: Option<&str>) -> Result<Poll, ItsmError> {
        Err(self.unbuilt())
    }
    fn comment(&self, _reference: &str, _text: &str) -> Result<(), ItsmError> {
        Err(self.unbuilt())
    }
}
