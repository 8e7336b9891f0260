//! Certification campaigns at the front door: definitions in, runs started and decided,
//! items and reports out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::campaign::{CampaignDef, CampaignRun, CertItem, Decision};
use crate::domain::CaseId;

/// One campaign definition as read from a file; `line` locates it for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRecord {
    pub line: u64,
    pub def: CampaignDef,
}

/// Which items a decision is about. Every pick is narrowed to the items in review that
/// the actor may decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemPick {
    /// By number (`campaign show` lists them).
    Items(Vec<u32>),
    /// Every item of the actor's matching `filter`.
    Matching(ItemFilter),
}

/// A filter over a run's items.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemFilter {
    /// Only the items of this certification case.
    pub case: Option<CaseId>,
    /// Words that must all occur (case-insensitive) in the item's owner, account or
    /// request, resource, product or attributes.
    pub text: Option<String>,
    /// Only items of this reviewer (in review now).
    pub reviewer: Option<String>,
    /// Only items without a decision in the running stage.
    pub undecided: bool,
}

impl ItemFilter {
    /// Whether `item` passes the filter.
    pub fn matches(&self, item: &CertItem) -> bool {
        if self.case.is_some() && item.case != self.case {
            return false;
        }
        if let Some(r) = &self.reviewer {
            if item.reviewer.as_deref() != Some(r.as_str()) {
                return false;
            }
        }
        if self.undecided && item.decided() {
            return false;
        }
        match &self.text {
            None => true,
            Some(t) => {
                let hay = haystack(item);
                t.split_whitespace()
                    .all(|w| hay.contains(&w.to_lowercase()))
            }
        }
    }
}

fn haystack(item: &CertItem) -> String {
    let mut s = item.subject.label();
    for x in [
        &item.owner,
        &item.owner_name,
        &item.resource,
        &item.reviewer,
    ]
    .into_iter()
    .flatten()
    {
        s.push(' ');
        s.push_str(x);
    }
    for (k, v) in &item.attributes {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s.to_lowercase()
}

/// Counts over a set of items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub items: u32,
    pub accepted: u32,
    pub revoked: u32,
    pub reduced: u32,
    /// Without a decision by a person (not yet, `not-decided`, or no response).
    pub undecided: u32,
    /// Not decided by a person by the stage's deadline.
    pub overdue: u32,
}

impl Tally {
    /// Adds `item` as it stands: the running stage's decision, else its last result.
    pub fn add(&mut self, item: &CertItem) {
        self.items += 1;
        let person = match &item.current {
            Some(v) => Some(&v.decision),
            None => item
                .results
                .last()
                .and_then(|r| r.verdict.as_ref())
                .map(|v| &v.decision),
        };
        match person {
            Some(Decision::Accept) => self.accepted += 1,
            Some(Decision::Revoke) => self.revoked += 1,
            Some(Decision::Reduce(_)) => self.reduced += 1,
            Some(Decision::NotDecided) | None => self.undecided += 1,
        }
        if item.current.is_none() && item.results.last().is_some_and(|r| r.verdict.is_none()) {
            self.overdue += 1;
        }
    }

    pub fn decided(&self) -> u32 {
        self.accepted + self.revoked + self.reduced
    }
}

/// A reviewer's share of the running stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerProgress {
    pub reviewer: String,
    pub case: CaseId,
    pub items: u32,
    pub decided: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub def: CampaignDef,
    /// The latest run, if any.
    pub latest: Option<CampaignRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDetail {
    pub run: CampaignRun,
    /// Every item as it stands.
    pub tally: Tally,
    /// Items in review in the running stage, and how many of them are decided.
    pub in_review: u32,
    pub decided: u32,
    pub reviewers: Vec<ReviewerProgress>,
    /// Remediations: open, done, failed (nothing-to-do counts as done).
    pub remediations: (u32, u32, u32),
}

/// A page of a run's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertItemPage {
    pub run: CampaignRun,
    pub items: Vec<CertItem>,
    /// Items matching the filter in all, and how many of them are decided.
    pub total: u32,
    pub decided: u32,
}

/// A row of a campaign report: per reviewer or per resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub key: String,
    pub tally: Tally,
}

/// A revocation and where its remediation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationRow {
    pub item: u32,
    pub subject: String,
    pub decision: String,
    pub state: String,
    pub case: Option<CaseId>,
    pub note: String,
}

/// `campaign report`: per reviewer and per resource, and each revocation's remediation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignReport {
    pub campaign: String,
    pub state: String,
    #[serde(with = "crate::domain::time::ts")]
    pub generated: DateTime<Utc>,
    pub total: Tally,
    pub by_reviewer: Vec<ReportRow>,
    pub by_resource: Vec<ReportRow>,
    pub remediations: Vec<RemediationRow>,
    /// Every decision: item, stage, reviewer, decision, time, comment.
    pub decisions: Vec<DecisionRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRow {
    pub item: u32,
    pub subject: String,
    pub stage: u32,
    pub iteration: u32,
    pub by: String,
    pub decision: String,
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    /// Still changeable (the stage is running).
    pub open: bool,
}
