//! `deny`: deny the request of an approval case, saying why (`:deny not needed`).

use super::approve::{decision, TEXT};
use super::{ActsOnCases, OnCase};
use crate::api::ApiError;
use crate::domain::Outcome;
use crate::verbs::build::{Built, Cases};
use crate::verbs::catalogue::{keyed, verb, Verb};

pub const VERB: Verb = keyed(
    verb(
        "deny",
        "Deny the access request of an approval case, saying why",
        TEXT,
    ),
    "deny",
    "deny the request, saying why (approval cases)",
);

pub const EXAMPLE: &str = "C-12 obsolete";

/// `deny C-12 …`: the case, then [`Deny`].
pub type Args = OnCase<Deny>;

// No doc comment: the variant's `about` (from `VERB`) is the help.
#[derive(Debug, clap::Args)]
pub struct Deny {
    /// Why (or --comment): a denial says why.
    #[arg(required_unless_present = "comment")]
    pub why: Option<String>,
    #[arg(long, conflicts_with = "why")]
    pub comment: Option<String>,
}

impl Deny {
    /// The reason given, either way.
    pub fn reason(&self) -> &str {
        self.why
            .as_deref()
            .or(self.comment.as_deref())
            .unwrap_or("")
    }
}

impl ActsOnCases for Deny {
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(Some(build(on, self.reason(), None)?))
    }
}

/// `requests`: the requests the cases decide (`R-1, R-2`), when known. A blank comment is
/// refused: a denial says why.
pub fn build(on: &Cases, comment: &str, requests: Option<&str>) -> Result<Built, ApiError> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(ApiError::BadInput(
            "deny says why: give a comment (deny C-12 WHY)".into(),
        ));
    }
    Ok(decision(
        on,
        Outcome::Rejected,
        Some(comment.to_string()),
        requests,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Command;
    use crate::domain::CaseId;
    use crate::verbs::Naming;

    #[test]
    fn approve_and_deny_complete_the_work_items_and_ask_naming_the_requests() {
        let on = Cases::of(&[CaseId(3), CaseId(5)], Naming::Listed);
        let yes = super::super::approve::build(&on, None, Some("R-1, R-2"));
        assert_eq!(
            yes.confirm.as_deref(),
            Some("Approve R-1, R-2 on 2 cases (C-3, C-5)?")
        );
        assert_eq!(yes.commands.len(), 2);
        let no = build(&on, " not needed ", None).unwrap();
        assert_eq!(
            no.confirm.as_deref(),
            Some("Deny the request of 2 cases (C-3, C-5)?")
        );
        assert_eq!(
            no.commands[1],
            Command::Complete {
                case: CaseId(5),
                work_item: None,
                outcome: Outcome::Rejected,
                comment: Some("not needed".into()),
            }
        );
        assert!(build(&on, "  ", None).is_err(), "a denial says why");
    }
}
