//! `new`: open a case with one work item, assigned to a user or offered to a group.

use chrono::{DateTime, Utc};
use clap::ArgGroup;

use super::{CaseVerb, Now};
use crate::api::{ApiError, Command, NewCase};
use crate::domain::{CaseKind, Target};
use crate::verbs::build::{built, target, Built, Cases};
use crate::verbs::catalogue::{shape, verb, Role, Verb};
use crate::verbs::timearg;

pub const VERB: Verb = verb(
    "new",
    "Open a case with one work item, assigned to a user or offered to a group",
    shape(Role::Write, false),
);

pub const EXAMPLE: &str = "--kind generic --title Rotate --group ops --deadline 3d";

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("target").args(["assignee", "group"])))]
pub struct Args {
    #[arg(long)]
    pub kind: CaseKind,
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub resource: Option<String>,
    /// Assign the work item to this user (default: yourself).
    #[arg(long)]
    pub assignee: Option<String>,
    /// Offer the work item to this group; any member may claim it.
    #[arg(long)]
    pub group: Option<String>,
    /// A duration from now (3d; 3bd or 6bh in working time), or a time (RFC 3339,
    /// 2026-12-01, now+3d, now+3bd).
    #[arg(long)]
    pub deadline: Option<String>,
    #[arg(long)]
    pub policy: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
}

impl CaseVerb for Args {
    fn case_arg(&self) -> Option<&str> {
        None
    }

    fn build(
        self,
        _on: &Cases,
        me: Option<&str>,
        now: impl Now,
    ) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(new_case(self, me, now()?)?)))
    }
}

/// The case `new` asks for. Without `--assignee` or `--group` the work item goes to `me` (the
/// CLI's actor), or the verb is refused.
pub fn new_case(args: Args, me: Option<&str>, now: DateTime<Utc>) -> Result<NewCase, ApiError> {
    let target = match (args.assignee, args.group, me) {
        (_, Some(g), _) => target(&format!("@{}", g.trim_start_matches('@')))?,
        (Some(a), None, _) => target(&a)?,
        (None, None, Some(me)) => Target::User(me.to_string()),
        (None, None, None) => {
            return Err(ApiError::BadInput(
                "new: give --assignee USER or --group GROUP".into(),
            ))
        }
    };
    let (deadline, deadline_in) = match args.deadline.as_deref().map(str::trim) {
        None => (None, None),
        Some(d) => match timearg::working_offset(d) {
            Some(span) => (None, Some(span.map_err(ApiError::BadInput)?)),
            None => (
                Some(timearg::parse_time(d, now).map_err(ApiError::BadInput)?),
                None,
            ),
        },
    };
    Ok(NewCase {
        kind: args.kind,
        title: args.title,
        description: args.description,
        resource: args.resource,
        object: None,
        target,
        deadline,
        deadline_in,
        policy: args.policy,
    })
}

pub fn build(new: NewCase) -> Built {
    let what = format!("created {:?}", new.title);
    built(vec![Command::CreateCase(new)], what, None)
}
