//! What every verb's builder works with: the cases it acts on ([`Cases`]) and what it hands back
//! ([`Built`]): commands ready to run, what to say once they ran, and what to ask before they
//! run when they cannot be undone. Each verb's builder is in its file under [`super::case`].

use crate::api::{ApiError, Command};
use crate::domain::{CaseId, Target, WorkItemId};

use super::text::{names, Naming};

/// The cases a verb acts on, and how messages name them.
#[derive(Debug, Clone, PartialEq)]
pub struct Cases {
    items: Vec<(CaseId, Option<WorkItemId>)>,
    names: String,
}

impl Cases {
    /// One case the user named, perhaps through one of its work items (`W-45`).
    pub fn one(case: CaseId, work_item: Option<WorkItemId>) -> Cases {
        Cases {
            items: vec![(case, work_item)],
            names: case.to_string(),
        }
    }

    /// The selected or marked cases, named as `naming` says.
    pub fn of(cases: &[CaseId], naming: Naming) -> Cases {
        Cases {
            items: cases.iter().map(|c| (*c, None)).collect(),
            names: names(cases, naming),
        }
    }

    /// No case at all (`new`, `list`).
    pub fn none() -> Cases {
        Cases::of(&[], Naming::Brief)
    }

    /// `C-12`, `3 cases`, …: the cases as messages name them.
    pub fn names(&self) -> &str {
        &self.names
    }

    /// One command per case (and the work item the user named, if any).
    pub fn each(&self, f: impl Fn(CaseId, Option<WorkItemId>) -> Command) -> Vec<Command> {
        self.items.iter().map(|(c, w)| f(*c, *w)).collect()
    }
}

/// Commands ready to run, what to say once they ran, and the question to ask first when they
/// cannot be undone.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub commands: Vec<Command>,
    pub what: String,
    pub confirm: Option<String>,
}

pub fn built(commands: Vec<Command>, what: String, confirm: Option<String>) -> Built {
    Built {
        commands,
        what,
        confirm,
    }
}

/// A user login or `@group`.
pub fn target(text: &str) -> Result<Target, ApiError> {
    Ok(text.parse::<Target>()?)
}
