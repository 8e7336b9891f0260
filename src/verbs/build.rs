//! How each case verb becomes engine commands, one per case, with what to say once it ran and
//! what to ask before it runs when it cannot be undone. The CLI, the `:` prompt and the TUI's
//! dialogs and keys all build their commands here.

use chrono::{DateTime, Utc};

use super::args::CaseCmd;
use super::text::{names, Naming};
use super::timearg;
use crate::api::{ApiError, Command, NewCase};
use crate::domain::{CaseId, DelegationMethod, Outcome, Target, WorkItemId};

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

    fn each(&self, f: impl Fn(CaseId, Option<WorkItemId>) -> Command) -> Vec<Command> {
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

fn built(commands: Vec<Command>, what: String, confirm: Option<String>) -> Built {
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

/// The case `new` asks for. Without `--assignee` or `--group` the work item goes to `me` (the
/// CLI's actor), or the verb is refused.
pub fn new_case(cmd: CaseCmd, me: Option<&str>, now: DateTime<Utc>) -> Result<NewCase, ApiError> {
    let CaseCmd::New {
        kind,
        title,
        resource,
        assignee,
        group,
        deadline,
        policy,
        description,
    } = cmd
    else {
        return Err(ApiError::Internal("new_case needs `case new`".into()));
    };
    let target = match (assignee, group, me) {
        (_, Some(g), _) => target(&format!("@{}", g.trim_start_matches('@')))?,
        (Some(a), None, _) => target(&a)?,
        (None, None, Some(me)) => Target::User(me.to_string()),
        (None, None, None) => {
            return Err(ApiError::BadInput(
                "new: give --assignee USER or --group GROUP".into(),
            ))
        }
    };
    let deadline = deadline
        .map(|d| timearg::parse_time(&d, now).map_err(ApiError::BadInput))
        .transpose()?;
    Ok(NewCase {
        kind,
        title,
        description,
        resource,
        object: None,
        target,
        deadline,
        policy,
    })
}

pub fn create(new: NewCase) -> Built {
    let what = format!("created {:?}", new.title);
    built(vec![Command::CreateCase(new)], what, None)
}

pub fn comment(on: &Cases, text: &str) -> Built {
    let commands = on.each(|case, _| Command::Comment {
        case,
        text: text.to_string(),
    });
    built(commands, format!("commented on {}", on.names), None)
}

pub fn claim(on: &Cases) -> Built {
    let commands = on.each(|case, work_item| Command::Claim { case, work_item });
    built(commands, format!("claimed {}", on.names), None)
}

pub fn assign(on: &Cases, to: &str, comment: Option<String>) -> Built {
    let commands = on.each(|case, work_item| Command::Assign {
        case,
        work_item,
        to: to.to_string(),
        comment: comment.clone(),
    });
    let names = &on.names;
    let what = format!("reassigned {names} to {to}");
    built(commands, what, Some(format!("Reassign {names} to {to}?")))
}

/// `how`: the method as the dialog offered it; the prompt's wording without.
pub fn delegate(
    on: &Cases,
    to: Target,
    method: DelegationMethod,
    comment: Option<String>,
    how: Option<&str>,
) -> Built {
    let commands = on.each(|case, work_item| Command::Delegate {
        case,
        work_item,
        to: to.clone(),
        method,
        comment: comment.clone(),
    });
    let how = how.unwrap_or(match method {
        DelegationMethod::Add => "adding to the assignees",
        DelegationMethod::Replace => "replacing the assignees",
    });
    let names = &on.names;
    let confirm = format!("Delegate {names} to {to} ({how})?");
    built(
        commands,
        format!("delegated {names} to {to}"),
        Some(confirm),
    )
}

/// `to`: `None` for the assignee's manager.
pub fn escalate(on: &Cases, to: Option<Target>, comment: Option<String>) -> Built {
    let commands = on.each(|case, work_item| Command::Escalate {
        case,
        work_item,
        to: to.clone(),
        comment: comment.clone(),
    });
    let whom = to
        .as_ref()
        .map(|t| t.to_string())
        .unwrap_or_else(|| "the assignee's manager".into());
    let names = &on.names;
    let what = format!("escalated {names}");
    built(commands, what, Some(format!("Escalate {names} to {whom}?")))
}

/// `label`: the outcome as the dialog offered it; its name without.
pub fn complete(
    on: &Cases,
    outcome: Outcome,
    comment: Option<String>,
    label: Option<&str>,
) -> Built {
    let commands = on.each(|case, work_item| Command::Complete {
        case,
        work_item,
        outcome,
        comment: comment.clone(),
    });
    let label = label.unwrap_or(outcome.name());
    let names = &on.names;
    let what = format!("completed {names}: {outcome}");
    let confirm = format!("Complete your work item on {names}: {label}?");
    built(commands, what, Some(confirm))
}

/// `label`: the outcome as the dialog offered it (the question then names it).
pub fn close(
    on: &Cases,
    outcome: Option<Outcome>,
    comment: Option<String>,
    label: Option<&str>,
) -> Built {
    let commands = on.each(|case, _| Command::Close {
        case,
        outcome,
        comment: comment.clone(),
    });
    let names = &on.names;
    let outcome = label.map(|l| format!(" (outcome {l})")).unwrap_or_default();
    let confirm = format!("Close {names}{outcome}? Open work items are cancelled.");
    built(commands, format!("closed {names}"), Some(confirm))
}

pub fn cancel(on: &Cases, comment: Option<String>) -> Built {
    let commands = on.each(|case, _| Command::Cancel {
        case,
        comment: comment.clone(),
    });
    let names = &on.names;
    let confirm = format!("Cancel {names}? Open work items are cancelled.");
    built(commands, format!("cancelled {names}"), Some(confirm))
}

/// `owner`: `None` marks the account an orphan.
pub fn correlate(on: &Cases, owner: Option<String>) -> Built {
    let commands = on.each(|case, _| Command::Correlate {
        case,
        owner: owner.clone(),
    });
    let who = owner.unwrap_or_else(|| "nobody (orphan)".into());
    let names = &on.names;
    let what = format!("correlated {names} to {who}");
    let confirm = format!("Record {who} as the owner of the account of {names}?");
    built(commands, what, Some(confirm))
}

/// The commands a parsed write verb stands for on `on`; `None` for the read verbs (list, show,
/// history). `me` takes a new case's work item when the line names nobody; `now` is asked for
/// only by `new` (for its deadline).
pub fn build(
    cmd: CaseCmd,
    on: &Cases,
    me: Option<&str>,
    now: impl FnOnce() -> Result<DateTime<Utc>, ApiError>,
) -> Result<Option<Built>, ApiError> {
    Ok(Some(match cmd {
        CaseCmd::List { .. } | CaseCmd::Show { .. } | CaseCmd::History { .. } => return Ok(None),
        new @ CaseCmd::New { .. } => create(new_case(new, me, now()?)?),
        CaseCmd::Comment { text, .. } => comment(on, &text),
        CaseCmd::Claim { .. } => claim(on),
        CaseCmd::Assign { user, comment, .. } => assign(on, &user, comment),
        CaseCmd::Delegate {
            target: to,
            add,
            comment,
            ..
        } => {
            let method = if add {
                DelegationMethod::Add
            } else {
                DelegationMethod::Replace
            };
            delegate(on, target(&to)?, method, comment, None)
        }
        CaseCmd::Escalate { to, comment, .. } => {
            escalate(on, to.as_deref().map(target).transpose()?, comment)
        }
        CaseCmd::Complete {
            outcome, comment, ..
        } => complete(on, outcome, comment, None),
        CaseCmd::Close {
            outcome, comment, ..
        } => close(on, outcome, comment, None),
        CaseCmd::Cancel { comment, .. } => cancel(on, comment),
        CaseCmd::Correlate { owner, .. } => correlate(on, owner),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Cases {
        Cases::of(&[CaseId(1), CaseId(2)], Naming::Listed)
    }

    #[test]
    fn one_case_keeps_its_work_item() {
        let w: WorkItemId = "W-4".parse().unwrap();
        let b = claim(&Cases::one(CaseId(3), Some(w)));
        assert_eq!(
            b.commands,
            vec![Command::Claim {
                case: CaseId(3),
                work_item: Some(w)
            }]
        );
        assert_eq!(b.what, "claimed C-3");
    }

    #[test]
    fn the_dialog_wording_or_the_prompt_wording() {
        let to = Target::Group("ops".into());
        let dialog = delegate(&two(), to.clone(), DelegationMethod::Add, None, Some("x"));
        assert_eq!(dialog.commands.len(), 2);
        assert_eq!(
            dialog.confirm.as_deref(),
            Some("Delegate 2 cases (C-1, C-2) to @ops (x)?")
        );
        let prompt = delegate(&two(), to, DelegationMethod::Add, None, None);
        assert_eq!(
            prompt.confirm.as_deref(),
            Some("Delegate 2 cases (C-1, C-2) to @ops (adding to the assignees)?")
        );
        let closed = close(&two(), None, None, Some("none"));
        assert_eq!(
            closed.confirm.as_deref(),
            Some("Close 2 cases (C-1, C-2) (outcome none)? Open work items are cancelled.")
        );
        let done = complete(&two(), Outcome::Approved, None, None);
        assert_eq!(done.what, "completed 2 cases (C-1, C-2): approved");
    }

    #[test]
    fn read_verbs_build_nothing() {
        let show = CaseCmd::Show { id: "C-1".into() };
        let now = || Err(ApiError::Internal("not asked".into()));
        assert_eq!(build(show, &two(), None, now), Ok(None));
    }
}
