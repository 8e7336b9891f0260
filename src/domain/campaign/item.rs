//! One item of a campaign run: an account or an assigned request, as it stood when the
//! campaign started, with its decisions stage by stage and the remediation of a revoke.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::{CaseId, DomainError, OpRef, RequestId, WorkItemId};

/// What is certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Subject {
    Account { resource: String, key: String },
    Request { id: RequestId, product: String },
}

impl Subject {
    /// `sap/jdoe` or `R-12 vpn`.
    pub fn label(&self) -> String {
        match self {
            Subject::Account { resource, key } => format!("{resource}/{key}"),
            Subject::Request { id, product } => format!("{id} {product}"),
        }
    }
}

/// A reviewer's decision on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Accept,
    Revoke,
    /// Revoke these attribute values of the account (`groups = finance-rw`), keep the rest.
    Reduce(Vec<(String, String)>),
    NotDecided,
}

impl Decision {
    pub fn name(&self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Revoke => "revoke",
            Decision::Reduce(_) => "reduce",
            Decision::NotDecided => "not-decided",
        }
    }

    /// `accept`, `revoke`, `reduce groups=finance-rw`, `not-decided`.
    pub fn describe(&self) -> String {
        match self {
            Decision::Reduce(v) => {
                let vals: Vec<String> = v.iter().map(|(a, x)| format!("{a}={x}")).collect();
                format!("reduce {}", vals.join(", "))
            }
            d => d.name().to_string(),
        }
    }

    /// Whether the access is taken away (wholly or in part).
    pub fn takes_access(&self) -> bool {
        matches!(self, Decision::Revoke | Decision::Reduce(_))
    }
}

/// A decision with who, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub decision: Decision,
    pub by: String,
    #[serde(with = "super::super::time::ts")]
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
}

/// How a stage ended for an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageResult {
    pub stage: u32,
    pub iteration: u32,
    /// The reviewer's decision, if one was made.
    pub verdict: Option<Verdict>,
    /// What counts: the decision, or what the no-response rule made of none.
    pub result: Decision,
    /// The no-response rule decided (`keep` / `revoke`), not a person.
    pub by_rule: bool,
    /// The reviewer and certification case of that stage.
    pub reviewer: Option<String>,
    pub case: Option<CaseId>,
}

impl StageResult {
    /// Nobody decided it (no decision, or `not-decided`), whatever the rule then made of it.
    pub fn undecided(&self) -> bool {
        self.verdict
            .as_ref()
            .is_none_or(|v| v.decision == Decision::NotDecided)
    }

    /// A person accepted it.
    pub fn accepted(&self) -> bool {
        self.verdict
            .as_ref()
            .is_some_and(|v| v.decision == Decision::Accept)
    }
}

/// Risk flags shown to the reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Flags {
    /// An account nobody owns.
    pub orphan: bool,
    /// The export showed the account otherwise than casebench expects.
    pub divergent: bool,
    /// The owner is no longer a user of the store.
    pub owner_left: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemediationState {
    /// The revoking operation or unsubscription is under way.
    Open,
    Done,
    Failed,
    /// Nothing left to take away (the access had already ended).
    Nothing,
}

impl RemediationState {
    pub fn name(self) -> &'static str {
        match self {
            RemediationState::Open => "open",
            RemediationState::Done => "done",
            RemediationState::Failed => "failed",
            RemediationState::Nothing => "nothing to do",
        }
    }
}

/// How a revoke is carried out and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    pub state: RemediationState,
    /// The delete / modify operation on the account.
    pub op: Option<OpRef>,
    /// The case carrying it, once one is open.
    pub case: Option<CaseId>,
    /// The request unsubscribed.
    pub request: Option<RequestId>,
    pub note: String,
    #[serde(with = "super::super::time::ts")]
    pub started: DateTime<Utc>,
    #[serde(with = "super::super::time::ts_opt")]
    pub finished: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertItem {
    pub run: u64,
    pub no: u32,
    pub subject: Subject,
    pub owner: Option<String>,
    /// The owner's display name when the campaign started.
    pub owner_name: Option<String>,
    /// The resource of an account, or the resource a product grants on.
    pub resource: Option<String>,
    /// The account's attributes, or the product's entitlement, at the start.
    pub attributes: BTreeMap<String, String>,
    /// Since when the access is held (the request's assignment; an account: unknown).
    #[serde(with = "super::super::time::ts_opt")]
    pub since: Option<DateTime<Utc>>,
    /// When the account was last seen in an export.
    #[serde(with = "super::super::time::ts_opt")]
    pub last_seen: Option<DateTime<Utc>>,
    pub flags: Flags,
    /// The stage the item is in review in (0 = none now).
    pub stage: u32,
    /// The reviewer of that stage, its case and work item.
    pub reviewer: Option<String>,
    pub case: Option<CaseId>,
    pub work_item: Option<WorkItemId>,
    /// The decision made in the stage now running, changeable until it ends.
    pub current: Option<Verdict>,
    pub results: Vec<StageResult>,
    pub remediation: Option<Remediation>,
}

impl CertItem {
    /// The decision that counts now: the current stage's, else the last stage result.
    pub fn decision(&self) -> Option<&Decision> {
        self.current
            .as_ref()
            .map(|v| &v.decision)
            .or_else(|| self.results.last().map(|r| &r.result))
    }

    /// Whether the current stage has a decision other than `not-decided`.
    pub fn decided(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|v| v.decision != Decision::NotDecided)
    }

    /// Checks a reduce against the attributes the account had: every value must be there.
    pub fn check_reduce(&self, values: &[(String, String)]) -> Result<(), DomainError> {
        if values.is_empty() {
            return Err(DomainError::Invalid(
                "reduce names no attribute value".into(),
            ));
        }
        if let Subject::Request { id, .. } = &self.subject {
            return Err(DomainError::Invalid(format!(
                "item {} is request {id}: reduce is for an account's attributes; revoke the request",
                self.no
            )));
        }
        for (attr, value) in values {
            let held = self.attributes.get(attr);
            let has = held.is_some_and(|h| h.split(';').map(str::trim).any(|x| x == value));
            if !has {
                return Err(DomainError::Invalid(format!(
                    "item {} ({}) has no {attr}={value}{}",
                    self.no,
                    self.subject.label(),
                    match held {
                        Some(h) => format!(" (it has {attr}={h})"),
                        None => format!(" (no attribute {attr})"),
                    }
                )));
            }
        }
        Ok(())
    }

    /// Ends the running stage for this item: the decision made, or what `rule` makes of
    /// none (`None` = leave it undecided).
    pub fn end_stage(&mut self, iteration: u32, rule: Option<Decision>) -> &StageResult {
        let verdict = self.current.take();
        let (result, by_rule) = match (&verdict, rule) {
            (Some(v), _) if v.decision != Decision::NotDecided => (v.decision.clone(), false),
            (_, Some(r)) => (r, true),
            (_, None) => (Decision::NotDecided, false),
        };
        self.results.push(StageResult {
            stage: self.stage,
            iteration,
            verdict,
            result,
            by_rule,
            reviewer: self.reviewer.take(),
            case: self.case,
        });
        self.stage = 0;
        self.work_item = None;
        self.case = None;
        self.results.last().expect("just pushed")
    }
}
