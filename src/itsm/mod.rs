//! Ticket systems casebench outsources cases to (Request Tracker, Jira, or any system behind
//! a command plugin). This module only talks to them: one [`Adapter`] per target, built from
//! the `[itsm.NAME]` tables of the config file ([`config`]). What a reply means for a case,
//! when to call, and what is written to the store are the engine's (`engine/itsm`).
//!
//! Every call has a timeout; every value a ticket system sends back is untrusted: bounded in
//! size ([`MAX_REPLY`], [`MAX_TEXT`]) and kept as plain text (human output neutralises it).

pub mod command;
pub mod config;
pub mod http;
pub mod jira;
pub mod rt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::CaseId;
pub use crate::domain::TicketState;

pub use config::{Auth, Kind, Secret, SecretSource, Target, TargetSpec};

/// The most bytes read of any one reply (HTTP body or plugin output).
pub const MAX_REPLY: u64 = 1 << 20;
/// The most characters kept of a text from a ticket system (a status word, a comment).
pub const MAX_TEXT: usize = 4000;

/// What casebench asks a ticket system to do for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub case: CaseId,
    /// `[casebench C-12]`: ends the subject; how a ticket is found again by its case.
    pub marker: String,
    /// `casebench-C-12`: a label (Jira) / the value searched for where markers cannot be.
    pub label: String,
    pub subject: String,
    /// What to do, in words: the pending operations, the account, the resource, the deadline.
    pub body: String,
}

impl Draft {
    pub fn new(case: CaseId, title: &str, body: String) -> Draft {
        let marker = format!("[casebench {case}]");
        Draft {
            case,
            subject: format!("{} {marker}", bounded(title, 200)),
            marker,
            label: format!("casebench-{case}"),
            body,
        }
    }
}

/// A ticket's state as read from its system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub state: TicketState,
    /// The system's own word for it (`stalled`, `In Progress`), bounded.
    pub raw: String,
    /// When the ticket last changed, by the system's account.
    pub changed: Option<DateTime<Utc>>,
    /// The ticket's last comment or reply, when the state is final: the reason a failure or
    /// a rejection gives the case.
    pub last_comment: Option<String>,
    /// The validator to send with the next status call (HTTP ETag), if the system has one.
    pub etag: Option<String>,
}

/// What a status call found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// The ticket has not changed since the validator given (HTTP 304).
    Unchanged,
    Now(Status),
}

/// A comment read from a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketComment {
    pub author: String,
    pub at: Option<DateTime<Utc>>,
    pub text: String,
}

/// Why a call to a ticket system failed: one line, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItsmError {
    /// No answer within the target's timeout.
    #[error("{target}: no answer within {secs} s")]
    Timeout { target: String, secs: u64 },
    /// Could not connect or the connection broke.
    #[error("{target}: {message}")]
    Transport { target: String, message: String },
    /// The system answered with an error status.
    #[error("{target}: HTTP {status} from {what}: {body}")]
    Http {
        target: String,
        status: u16,
        what: String,
        body: String,
    },
    /// The reply could not be understood (malformed JSON, a field missing, too long).
    #[error("{target}: unexpected reply to {what}: {message}")]
    Reply {
        target: String,
        what: String,
        message: String,
    },
    /// The target's configuration or secret is not usable.
    #[error("{target}: {message}")]
    Config { target: String, message: String },
    /// A command plugin failed (did not start, exited non-zero, was killed).
    #[error("{target}: plugin {message}")]
    Plugin { target: String, message: String },
}

/// One ticket system, as the engine uses it. Implementations are blocking and bound every
/// call by the target's timeout.
pub trait Adapter: Send + Sync {
    /// Opens a ticket for `draft`; its reference (RT ticket number, Jira key, plugin ref).
    fn create(&self, draft: &Draft) -> Result<String, ItsmError>;
    /// The reference of a ticket already opened for `draft`'s case (found by its marker or
    /// label), if any: asked before creating again after an attempt that left no reference.
    fn find(&self, draft: &Draft) -> Result<Option<String>, ItsmError>;
    /// The ticket's state; `etag` is the validator of the last answer, when there was one.
    fn status(&self, reference: &str, etag: Option<&str>) -> Result<Poll, ItsmError>;
    /// Adds `text` as a comment to the ticket.
    fn comment(&self, reference: &str, text: &str) -> Result<(), ItsmError>;
    /// Comments added to the ticket after `since` (all, when none), oldest first; a target
    /// that cannot read comments answers none.
    fn comments_since(
        &self,
        _reference: &str,
        _since: Option<DateTime<Utc>>,
    ) -> Result<Vec<TicketComment>, ItsmError> {
        Ok(vec![])
    }
}

/// The adapter for `target`: its secret is read now (from the environment or its file).
pub fn adapter(target: &Target) -> Result<Box<dyn Adapter>, ItsmError> {
    Ok(match &target.kind {
        Kind::Rt { .. } => Box::new(rt::Rt::new(target)?),
        Kind::Jira { .. } => Box::new(jira::Jira::new(target)?),
        Kind::Command { .. } => Box::new(command::Plugin::new(target)?),
    })
}

/// At most `max` characters of `s` (a ticket system's text), cut on a character boundary.
pub fn bounded(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
