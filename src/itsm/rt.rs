//! Request Tracker over REST 2.0.
// TODO(lead): being written in the RT worktree; this placeholder only lets the tree build.

use super::{Adapter, Draft, ItsmError, Poll, Target};

pub struct Rt {
    target: String,
}

impl Rt {
    pub fn new(target: &Target) -> Result<Rt, ItsmError> {
        Ok(Rt {
            target: target.name.clone(),
        })
    }

    fn unbuilt(&self) -> ItsmError {
        ItsmError::Config {
            target: self.target.clone(),
            message: "the RT adapter is not built yet".into(),
        }
    }
}

impl Adapter for Rt {
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
