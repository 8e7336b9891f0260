//! Who may do what. One function per right; each refusal names the actor and the reason.

use crate::api::ApiError;
use crate::domain::{Case, User, WorkItem};

/// Complete, delegate, reassign or escalate a work item: an assignee or an administrator.
pub fn may_work_on(user: &User, item: &WorkItem, verb: &str) -> Result<(), ApiError> {
    if user.admin || item.is_assignee(&user.login) {
        return Ok(());
    }
    let hint = if item.candidates.iter().any(|g| user.in_group(g)) {
        format!(
            "; it is offered to {}: claim it first",
            groups(&item.candidates)
        )
    } else {
        String::new()
    };
    Err(ApiError::NotAllowed(format!(
        "{} may not {verb} {}: only its assignees ({}) or an administrator may{hint}",
        user.login,
        item.id,
        holders(item)
    )))
}

/// Claim: a member of one of the candidate groups (or an administrator).
pub fn may_claim(user: &User, item: &WorkItem) -> Result<(), ApiError> {
    if item.is_assignee(&user.login) && item.candidates.is_empty() {
        return Err(ApiError::IllegalState(format!(
            "{} is already assigned to {}",
            item.id, user.login
        )));
    }
    if user.admin || item.candidates.iter().any(|g| user.in_group(g)) {
        return Ok(());
    }
    Err(ApiError::NotAllowed(format!(
        "{} may not claim {}: it is not offered to any of their groups (held by {})",
        user.login,
        item.id,
        holders(item)
    )))
}

/// Claim an approval step: only a member of a group it is offered to (an administrator's
/// right to act on any work item does not make them an approver).
pub fn may_claim_step(user: &User, item: &WorkItem) -> Result<(), ApiError> {
    if item.candidates.iter().any(|g| user.in_group(g)) {
        return Ok(());
    }
    Err(ApiError::NotAllowed(format!(
        "{} may not claim {}: an approval step is for its approvers ({})",
        user.login,
        item.id,
        holders(item)
    )))
}

/// Close or cancel a whole case: its requester or an administrator.
pub fn may_end_case(user: &User, case: &Case, verb: &str) -> Result<(), ApiError> {
    if user.admin || case.requester == user.login {
        return Ok(());
    }
    Err(ApiError::NotAllowed(format!(
        "{} may not {verb} {}: only its requester ({}) or an administrator may",
        user.login, case.id, case.requester
    )))
}

/// Administration (imports, policies): administrators only.
pub fn may_administer(user: &User, what: &str) -> Result<(), ApiError> {
    if user.admin {
        Ok(())
    } else {
        Err(ApiError::NotAllowed(format!(
            "{} may not {what}: administrators only",
            user.login
        )))
    }
}

fn groups(gs: &[String]) -> String {
    gs.iter()
        .map(|g| format!("@{g}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn holders(item: &WorkItem) -> String {
    let all = item.holders();
    if all.is_empty() {
        "nobody".into()
    } else {
        all.join(", ")
    }
}
