//! Access certification (midPoint's certification campaigns, One Identity's attestation):
//! a [`CampaignDef`] names a scope (accounts of some resources, assigned requests of some
//! products), stages in sequence with their reviewers, durations, reminders and what no
//! response means, and when revocations are carried out. A [`CampaignRun`] is one start of
//! a definition: a snapshot of the items in scope ([`CertItem`]), reviewed stage by stage
//! (`created → in-review(n) → review-done → in-remediation → closed`).
//!
//! The arithmetic lives here: which items a stage reviews, what no response makes of an
//! item, the final verdict, whether a decision is still allowed. The engine resolves
//! reviewers, opens the certification cases and carries out the remediations.

use serde::{Deserialize, Serialize};

use super::duration::Span;
use super::DomainError;

mod item;
mod run;

pub use item::{
    CertItem, Decision, Flags, Remediation, RemediationState, StageResult, Subject, Verdict,
};
pub use run::{CampaignRun, ReviewCase, RunState, RunTimer, RunTimerKind};

/// At most this many stages per definition, reminders per stage (timer slots hold them).
pub const MAX_STAGES: usize = 8;
pub const MAX_REMINDERS: usize = 8;

/// Who reviews an item in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewerSource {
    /// The item owner's manager.
    Manager,
    /// The resource's owners (an account) or the product's owners (a request).
    Owners,
    User(String),
    Group(String),
}

impl ReviewerSource {
    /// `manager`, `owners`, a login, or `@group`.
    pub fn parse(s: &str) -> Result<ReviewerSource, DomainError> {
        let t = s.trim();
        let bad = || DomainError::BadValue {
            what: "reviewers",
            value: s.to_string(),
            expected: "manager, owners, a user login or @group",
        };
        let valid = |n: &str| super::org::valid_name(n);
        Ok(match t {
            "manager" => ReviewerSource::Manager,
            "owners" => ReviewerSource::Owners,
            _ => match t.strip_prefix('@') {
                Some(g) if valid(g) => ReviewerSource::Group(g.to_string()),
                None if valid(t) => ReviewerSource::User(t.to_string()),
                _ => return Err(bad()),
            },
        })
    }

    pub fn describe(&self) -> String {
        match self {
            ReviewerSource::Manager => "the owner's manager".into(),
            ReviewerSource::Owners => "the resource's or product's owners".into(),
            ReviewerSource::User(u) => u.clone(),
            ReviewerSource::Group(g) => format!("@{g}"),
        }
    }
}

/// What no response by the stage's deadline makes of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoResponse {
    Keep,
    Revoke,
    /// To the reviewer's manager, with the deadline moved by `escalate_for`; what is still
    /// undecided at the new deadline stays undecided.
    Escalate,
}

impl NoResponse {
    pub fn name(self) -> &'static str {
        match self {
            NoResponse::Keep => "keep",
            NoResponse::Revoke => "revoke",
            NoResponse::Escalate => "escalate",
        }
    }
}

/// Which items a stage after the first reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageItems {
    /// Every item still in review (not revoked earlier).
    All,
    /// Only what the previous stage's reviewers accepted.
    Accepted,
    /// Only what nobody decided in the previous stage.
    Undecided,
}

/// When revocations are carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Remediate {
    /// When the last stage ends (review-done → in-remediation).
    AtEnd,
    /// When the stage that revoked ends.
    AtOnce,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDef {
    pub name: String,
    pub reviewers: ReviewerSource,
    /// How long the stage runs (positive; wall-clock or working time, counted in the
    /// stage's calendar: see `Engine::stage_calendar`).
    pub duration: Span,
    /// Remind reviewers with undecided items this long before the deadline.
    pub reminders: Vec<Span>,
    pub no_response: NoResponse,
    /// How long an escalated stage runs on (none = its duration again).
    pub escalate_for: Option<Span>,
    pub items: StageItems,
}

/// What a campaign reviews. Accounts: shadows with an owner (or orphans) on `resources`
/// that are not dead; requests: assigned requests of `products`. Both narrowed to owners in
/// `org_unit` (and its subunits) and, for accounts, to those whose attribute has the value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scope {
    pub resources: Vec<String>,
    pub products: Vec<String>,
    pub org_unit: Option<String>,
    pub attribute: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDef {
    pub name: String,
    pub description: Option<String>,
    pub scope: Scope,
    pub stages: Vec<StageDef>,
    pub remediate: Remediate,
    /// Its runs, oldest first (ids in the `campaign_runs` tree).
    pub runs: Vec<u64>,
    /// The working-time calendar its stages' working durations count in when the stage's
    /// reviewer has none; none = the store default.
    pub calendar: Option<String>,
}

impl CampaignDef {
    /// The definition's own rules: stages, durations, reminders, the first stage's items.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |why: String| {
            Err(DomainError::Invalid(format!(
                "campaign {:?}: {why}",
                self.name
            )))
        };
        if !super::org::valid_name(&self.name) {
            return bad("a campaign name is letters, digits, '-', '_' or '.'".into());
        }
        if self.scope.resources.is_empty() && self.scope.products.is_empty() {
            return bad("its scope names no resource and no product".into());
        }
        if self.stages.is_empty() {
            return bad("it has no stage".into());
        }
        if self.stages.len() > MAX_STAGES {
            return bad(format!("more than {MAX_STAGES} stages"));
        }
        for (i, s) in self.stages.iter().enumerate() {
            let n = i + 1;
            if !s.duration.is_positive() {
                return bad(format!("stage {n} has no positive duration"));
            }
            if i == 0 && s.items != StageItems::All {
                return bad("stage 1 reviews every item: items = \"accepted\" or \"undecided\" is for a later stage".into());
            }
            if s.reminders.len() > MAX_REMINDERS {
                return bad(format!("stage {n} has more than {MAX_REMINDERS} reminders"));
            }
            if let Some(r) = s.reminders.iter().find(|r| !s.reminder_fits(**r)) {
                return bad(format!(
                    "stage {n}: a reminder {r} before the deadline is not within its duration"
                ));
            }
            if s.escalate_for.is_some_and(|e| !e.is_positive()) {
                return bad(format!("stage {n}: escalate_for must be positive"));
            }
            if s.escalate_for.is_some() && s.no_response != NoResponse::Escalate {
                return bad(format!(
                    "stage {n}: escalate_for without no_response = \"escalate\""
                ));
            }
        }
        Ok(())
    }

    /// The first stage duration, reminder or escalation in working time (which needs a
    /// calendar).
    pub fn work_span(&self) -> Option<Span> {
        self.stages.iter().find_map(StageDef::work_span)
    }
}

impl StageDef {
    /// A reminder `r` that is positive and, where that can be told without a calendar,
    /// shorter than the stage's duration.
    pub fn reminder_fits(&self, r: Span) -> bool {
        r.is_positive() && !super::approval::not_shorter(r, self.duration)
    }

    /// Its durations as written: `2bd, reminders 4bh and 1bh before, escalate for 1bd`.
    pub fn timing(&self) -> String {
        let mut out = self.duration.to_string();
        if !self.reminders.is_empty() {
            let r: Vec<String> = self.reminders.iter().map(Span::to_string).collect();
            out.push_str(&format!(", reminders {} before", r.join(" and ")));
        }
        if let Some(e) = self.escalate_for {
            out.push_str(&format!(", escalate for {e}"));
        }
        out
    }

    /// Its first duration in working time: the duration, a reminder, the escalation.
    pub fn work_span(&self) -> Option<Span> {
        std::iter::once(self.duration)
            .chain(self.reminders.iter().copied())
            .chain(self.escalate_for)
            .find(Span::is_work)
    }
}

#[cfg(test)]
mod tests;
