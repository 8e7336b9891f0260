//! Jira over REST v2.
// TODO(lead): being written in the Jira worktree; this placeholder only lets the tree build.

use super::{Adapter, Draft, ItsmError, Poll, Target};

pub struct Jira {
    target: String,
}

impl Jira {
    pub fn new(target: &Target) -> Result<Jira, ItsmError> {
        Ok(Jira {
            target: target.name.clone(),
        })
    }

    fn unbuilt(&self) -> ItsmError {
        ItsmError::Config {
            target: self.target.clone(),
            message: "the Jira adapter is not built yet".into(),
        }
    }
}

impl Adapter for Jira {
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
