//! The clap arguments of every case verb: `casebench case VERB …` and the TUI's `:VERB …` parse
//! with these. Each verb's one-line help comes from its catalogue entry.

use clap::{ArgGroup, Subcommand};

use super::catalogue as v;
use crate::api::Queue;
use crate::domain::{CaseKind, CaseState, Outcome};

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    #[command(about = v::NEW.about, aliases = v::NEW.aliases)]
    #[command(group(ArgGroup::new("target").args(["assignee", "group"])))]
    New {
        #[arg(long)]
        kind: CaseKind,
        #[arg(long)]
        title: String,
        #[arg(long)]
        resource: Option<String>,
        /// Assign the work item to this user (default: yourself).
        #[arg(long)]
        assignee: Option<String>,
        /// Offer the work item to this group; any member may claim it.
        #[arg(long)]
        group: Option<String>,
        /// A duration from now (3d) or a time (RFC 3339, 2026-12-01, now+3d).
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        policy: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    #[command(about = v::LIST.about, aliases = v::LIST.aliases)]
    List {
        #[arg(long, default_value = "mine")]
        queue: Queue,
        #[arg(long)]
        state: Option<CaseState>,
        #[arg(long)]
        kind: Option<CaseKind>,
        /// Text to look for in id, title, requester, resource, assignees.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    #[command(about = v::SHOW.about, aliases = v::SHOW.aliases)]
    Show { id: String },
    #[command(about = v::HISTORY.about, aliases = v::HISTORY.aliases)]
    History { id: String },
    #[command(about = v::COMMENT.about, aliases = v::COMMENT.aliases)]
    Comment { id: String, text: String },
    #[command(about = v::CLAIM.about, aliases = v::CLAIM.aliases)]
    Claim { id: String },
    #[command(about = v::ASSIGN.about, aliases = v::ASSIGN.aliases)]
    Assign {
        id: String,
        user: String,
        #[arg(long)]
        comment: Option<String>,
    },
    #[command(about = v::DELEGATE.about, aliases = v::DELEGATE.aliases)]
    Delegate {
        id: String,
        target: String,
        #[arg(long)]
        add: bool,
        #[arg(long)]
        comment: Option<String>,
    },
    #[command(about = v::ESCALATE.about, aliases = v::ESCALATE.aliases)]
    Escalate {
        id: String,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    #[command(about = v::COMPLETE.about, aliases = v::COMPLETE.aliases)]
    Complete {
        id: String,
        #[arg(long)]
        outcome: Outcome,
        #[arg(long)]
        comment: Option<String>,
    },
    #[command(about = v::CLOSE.about, aliases = v::CLOSE.aliases)]
    Close {
        id: String,
        #[arg(long)]
        outcome: Option<Outcome>,
        #[arg(long)]
        comment: Option<String>,
    },
    #[command(about = v::CANCEL.about, aliases = v::CANCEL.aliases)]
    Cancel {
        id: String,
        #[arg(long)]
        comment: Option<String>,
    },
    #[command(about = v::CORRELATE.about, aliases = v::CORRELATE.aliases)]
    #[command(group(ArgGroup::new("who").args(["owner", "orphan"]).required(true)))]
    Correlate {
        id: String,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        orphan: bool,
    },
}

impl CaseCmd {
    /// The case (`C-12`, `12` or `W-45`) the line names, for the verbs that take one.
    pub fn case_arg(&self) -> Option<&str> {
        match self {
            CaseCmd::New { .. } | CaseCmd::List { .. } => None,
            CaseCmd::Show { id }
            | CaseCmd::History { id }
            | CaseCmd::Comment { id, .. }
            | CaseCmd::Claim { id }
            | CaseCmd::Assign { id, .. }
            | CaseCmd::Delegate { id, .. }
            | CaseCmd::Escalate { id, .. }
            | CaseCmd::Complete { id, .. }
            | CaseCmd::Close { id, .. }
            | CaseCmd::Cancel { id, .. }
            | CaseCmd::Correlate { id, .. } => Some(id),
        }
    }
}
