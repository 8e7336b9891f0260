//! Manual and semi-manual resources, their shadows (the cached accounts) and the pending
//! operations a person must carry out (after midPoint's manual connectors).
//!
//! A provisioning request records a pending operation on the shadow and a case asks the
//! resource's owners to do it. Completing the case applies the delta to the shadow
//! (`Proposed → Exists`, attributes changed, `→ Dead`); a failure leaves the shadow and marks
//! the operation failed. A semi-manual resource's export confirms what was done, reveals
//! divergence, and finds accounts nobody owns.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseId, DomainError, RequestId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Manual,
    SemiManual {
        /// The export file the target system writes.
        feed: String,
        /// The column holding the account name.
        key: String,
        /// The columns compared with the shadow's attributes.
        attributes: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProvisioningMode {
    /// Approval first, then a provisioning case.
    CaseAfterApproval,
    /// The last approval step is done by the admins who provision.
    LastApprovalStep,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    /// A number for the resource's timers in the `due` index.
    pub seq: u64,
    pub name: String,
    pub kind: ResourceKind,
    /// The group whose members work the resource's cases.
    pub owners: String,
    pub provisioning: ProvisioningMode,
    /// Operations queue this long and go out as one case; none = one case per operation.
    pub propagation_secs: Option<i64>,
    pub policy: Option<String>,
    /// How long an export may lag behind a completed operation before it is a divergence.
    pub grace_secs: i64,
    /// How long completed operations stay visible on the shadow.
    pub retention_secs: i64,
    /// When the queued operations go out as one case (propagation timer).
    #[serde(with = "super::time::ts_opt")]
    pub propagation_due: Option<DateTime<Utc>>,
    /// When to look again at operations the export has not confirmed (grace check).
    #[serde(with = "super::time::ts_opt")]
    pub grace_due: Option<DateTime<Utc>>,
    /// A fingerprint of the last export read (semi-manual).
    pub feed_fingerprint: Option<String>,
    /// The working-time calendar of the resource's cases; none = the store default.
    pub calendar: Option<String>,
    /// The ticket system (`[itsm.NAME]` of the config file) its cases are outsourced to.
    pub itsm: Option<String>,
}

impl Resource {
    pub fn is_semi_manual(&self) -> bool {
        matches!(self.kind, ResourceKind::SemiManual { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShadowState {
    Proposed,
    Exists,
    Dead,
}

impl fmt::Display for ShadowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShadowState::Proposed => "proposed",
            ShadowState::Exists => "exists",
            ShadowState::Dead => "dead",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpKind {
    Add,
    Modify,
    Delete,
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpKind::Add => "add",
            OpKind::Modify => "modify",
            OpKind::Delete => "delete",
        })
    }
}

/// `Requested → ExecutionPending (queued) → Executing (a case is open) → Completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Execution {
    Requested,
    ExecutionPending,
    Executing,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpResult {
    InProgress,
    Success,
    Failure,
}

/// One attribute to change: `old → new` (`new` none = remove the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOperation {
    pub id: u64,
    pub kind: OpKind,
    pub changes: Vec<AttrChange>,
    pub requester: String,
    #[serde(with = "super::time::ts")]
    pub requested: DateTime<Utc>,
    pub execution: Execution,
    pub result: OpResult,
    /// The case that carries it, once one is open.
    pub case: Option<CaseId>,
    pub reason: Option<String>,
    #[serde(with = "super::time::ts_opt")]
    pub completed: Option<DateTime<Utc>>,
    /// The export showed the change (semi-manual).
    pub confirmed: bool,
    /// The access request the operation carries out (granting or revoking its access).
    #[serde(default)]
    pub request: Option<RequestId>,
}

impl PendingOperation {
    pub fn is_open(&self) -> bool {
        self.execution != Execution::Completed
    }

    /// One line saying what to do: `add jdoe: mail = j@x, dept = HR`.
    pub fn describe(&self) -> String {
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| match (&c.old, &c.new) {
                (None, Some(n)) => format!("{} = {n}", c.name),
                (Some(o), Some(n)) => format!("{}: {o} → {n}", c.name),
                (Some(o), None) => format!("{}: remove {o}", c.name),
                (None, None) => c.name.clone(),
            })
            .collect();
        if changes.is_empty() {
            self.kind.to_string()
        } else {
            format!("{} {}", self.kind, changes.join(", "))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shadow {
    pub resource: String,
    pub key: String,
    pub owner: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub state: ShadowState,
    /// Correlated to nobody on purpose.
    pub orphan: bool,
    #[serde(with = "super::time::ts_opt")]
    pub last_seen: Option<DateTime<Utc>>,
    pub pending: Vec<PendingOperation>,
    /// The open remediation case about this account, if any (no duplicates).
    pub remediation: Option<CaseId>,
}

impl Shadow {
    pub fn new(resource: &str, key: &str, owner: Option<String>) -> Shadow {
        Shadow {
            resource: resource.to_string(),
            key: key.to_string(),
            owner,
            attributes: BTreeMap::new(),
            state: ShadowState::Proposed,
            orphan: false,
            last_seen: None,
            pending: vec![],
            remediation: None,
        }
    }

    /// The attributes as they will be once every open operation is done.
    pub fn expected(&self) -> BTreeMap<String, String> {
        let mut a = self.attributes.clone();
        for op in self
            .pending
            .iter()
            .filter(|o| o.result != OpResult::Failure)
        {
            if op.execution == Execution::Completed && op.result == OpResult::Success {
                continue; // already applied
            }
            apply_changes(&mut a, &op.changes);
        }
        a
    }

    /// Whether an open operation would leave the account deleted.
    pub fn expected_state(&self) -> ShadowState {
        let mut state = self.state;
        for op in self.pending.iter().filter(|o| o.is_open()) {
            state = match op.kind {
                OpKind::Add | OpKind::Modify => ShadowState::Exists,
                OpKind::Delete => ShadowState::Dead,
            };
        }
        state
    }

    /// The changes of a requested operation against what the account will be.
    pub fn plan(
        &self,
        kind: OpKind,
        set: &[(String, Option<String>)],
    ) -> Result<Vec<AttrChange>, DomainError> {
        let state = self.expected_state();
        let bad = |why: &str| DomainError::BadValue {
            what: "operation",
            value: format!("{kind} {}", self.key),
            expected: match why {
                "exists" => "an account that does not exist yet (it exists or is being created)",
                _ => "an existing account (it does not exist or is being deleted)",
            },
        };
        match (kind, state) {
            (OpKind::Add, ShadowState::Exists)
                if !self.pending.is_empty() || self.state == ShadowState::Exists =>
            {
                return Err(bad("exists"))
            }
            (OpKind::Modify | OpKind::Delete, ShadowState::Dead) => return Err(bad("missing")),
            (OpKind::Modify | OpKind::Delete, ShadowState::Proposed) => return Err(bad("missing")),
            _ => {}
        }
        let current = self.expected();
        Ok(match kind {
            OpKind::Delete => current
                .iter()
                .map(|(k, v)| AttrChange {
                    name: k.clone(),
                    old: Some(v.clone()),
                    new: None,
                })
                .collect(),
            _ => set
                .iter()
                .filter(|(k, v)| current.get(k) != v.as_ref())
                .map(|(k, v)| AttrChange {
                    name: k.clone(),
                    old: current.get(k).cloned(),
                    new: v.clone(),
                })
                .collect(),
        })
    }

    /// Applies a completed operation's delta.
    pub fn apply(&mut self, op: &PendingOperation) {
        match op.kind {
            OpKind::Add | OpKind::Modify => {
                apply_changes(&mut self.attributes, &op.changes);
                self.state = ShadowState::Exists;
            }
            OpKind::Delete => {
                self.state = ShadowState::Dead;
            }
        }
    }

    /// Completed operations kept past their retention are dropped.
    pub fn prune(&mut self, now: DateTime<Utc>, retention_secs: i64) {
        self.pending.retain(|o| {
            // A retention beyond what a time can hold keeps the operation.
            o.completed.is_none_or(|c| {
                super::duration::add_secs(c, retention_secs, "the retention")
                    .ok()
                    .is_none_or(|end| now < end)
            })
        });
    }
}

fn apply_changes(a: &mut BTreeMap<String, String>, changes: &[AttrChange]) {
    for c in changes {
        match &c.new {
            Some(v) => {
                a.insert(c.name.clone(), v.clone());
            }
            None => {
                a.remove(&c.name);
            }
        }
    }
}

/// Merges `later` into `earlier` when both are queued on the same account: add + modify =
/// one add, modify + modify = one modify, add + delete = nothing. Returns false when the
/// two cannot merge.
pub fn merge(earlier: &mut PendingOperation, later: &PendingOperation) -> Option<bool> {
    if earlier.request != later.request {
        // Each request follows its own operation.
        return None;
    }
    match (earlier.kind, later.kind) {
        (OpKind::Add, OpKind::Modify) | (OpKind::Modify, OpKind::Modify) => {
            for c in &later.changes {
                match earlier.changes.iter_mut().find(|e| e.name == c.name) {
                    Some(e) => e.new = c.new.clone(),
                    None => earlier.changes.push(c.clone()),
                }
            }
            earlier.changes.retain(|c| c.old != c.new);
            Some(true)
        }
        // Created and deleted before anyone acted: neither needs doing.
        (OpKind::Add, OpKind::Delete) => Some(false),
        _ => None,
    }
}

/// A candidate owner of an uncorrelated account, with why it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub login: String,
    pub score: u32,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correlation {
    pub resource: String,
    pub account: String,
    pub attributes: BTreeMap<String, String>,
    pub candidates: Vec<Candidate>,
}

/// Ranks users as owners of `account`: login equal (100), email local part (80), a name
/// containing the account (60), login contained in the account (40).
pub fn rank_candidates<'a>(
    account: &str,
    attributes: &BTreeMap<String, String>,
    users: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<Candidate> {
    let acc = account.to_lowercase();
    let mail = attributes
        .iter()
        .find(|(k, _)| k.contains("mail"))
        .map(|(_, v)| v.to_lowercase());
    let mut out = vec![];
    for (login, name, email) in users {
        let l = login.to_lowercase();
        let (score, why) = if l == acc {
            (100, "login equals the account".to_string())
        } else if mail.as_deref().is_some_and(|m| m == email.to_lowercase()) && !email.is_empty() {
            (90, "email equals the account's mail".to_string())
        } else if email.to_lowercase().split('@').next() == Some(acc.as_str()) && !email.is_empty()
        {
            (80, "email's local part equals the account".to_string())
        } else if acc.len() >= 3 && name.to_lowercase().replace(' ', "").contains(&acc) {
            (60, "name contains the account".to_string())
        } else if l.len() >= 3 && acc.contains(&l) {
            (40, "account contains the login".to_string())
        } else {
            continue;
        };
        out.push(Candidate {
            login: login.to_string(),
            score,
            why,
        });
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.login.cmp(&b.login)));
    out.truncate(10);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn op(
        id: u64,
        kind: OpKind,
        changes: &[(&str, Option<&str>, Option<&str>)],
    ) -> PendingOperation {
        PendingOperation {
            id,
            kind,
            changes: changes
                .iter()
                .map(|(n, o, v)| AttrChange {
                    name: n.to_string(),
                    old: o.map(String::from),
                    new: v.map(String::from),
                })
                .collect(),
            requester: "idm".into(),
            requested: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            execution: Execution::ExecutionPending,
            result: OpResult::InProgress,
            case: None,
            reason: None,
            completed: None,
            confirmed: false,
            request: None,
        }
    }

    #[test]
    fn add_then_modify_is_one_add() {
        let mut a = op(
            1,
            OpKind::Add,
            &[("mail", None, Some("a@x")), ("dept", None, Some("HR"))],
        );
        let m = op(2, OpKind::Modify, &[("dept", Some("HR"), Some("IT"))]);
        assert_eq!(merge(&mut a, &m), Some(true));
        assert_eq!(a.kind, OpKind::Add);
        assert_eq!(a.describe(), "add mail = a@x, dept = IT");
        let d = op(3, OpKind::Delete, &[]);
        assert_eq!(merge(&mut a, &d), Some(false));
        let mut d2 = op(4, OpKind::Delete, &[]);
        assert_eq!(merge(&mut d2, &m), None);
        let mut a2 = op(5, OpKind::Add, &[("mail", None, Some("a@x"))]);
        let mut m2 = op(6, OpKind::Modify, &[("dept", None, Some("IT"))]);
        m2.request = Some(RequestId(7));
        assert_eq!(
            merge(&mut a2, &m2),
            None,
            "another request's operation stays apart"
        );
    }

    #[test]
    fn plan_and_apply() {
        let mut s = Shadow::new("r", "jdoe", Some("jdoe".into()));
        let changes = s
            .plan(OpKind::Add, &[("mail".into(), Some("j@x".into()))])
            .unwrap();
        assert_eq!(changes.len(), 1);
        assert!(
            s.plan(OpKind::Modify, &[]).is_err(),
            "nothing to modify yet"
        );
        let mut add = op(1, OpKind::Add, &[("mail", None, Some("j@x"))]);
        add.execution = Execution::Completed;
        add.result = OpResult::Success;
        s.apply(&add);
        assert_eq!(s.state, ShadowState::Exists);
        assert!(s.plan(OpKind::Add, &[]).is_err(), "exists");
        let m = s
            .plan(OpKind::Modify, &[("mail".into(), Some("new@x".into()))])
            .unwrap();
        assert_eq!(m[0].old.as_deref(), Some("j@x"));
        s.apply(&op(2, OpKind::Delete, &[]));
        assert_eq!(s.state, ShadowState::Dead);
    }

    #[test]
    fn candidates_ranked() {
        let users = [
            ("jdoe", "John Doe", "jdoe@x.org"),
            ("jdoe2", "Jane Doe", "jane@x.org"),
            ("bob", "Bob", "bob@x.org"),
        ];
        let c = rank_candidates("jdoe", &BTreeMap::new(), users.iter().copied());
        assert_eq!(c[0].login, "jdoe");
        assert_eq!(c[0].score, 100);
        assert!(c.iter().all(|x| x.login != "bob"));
        let c = rank_candidates("svc_backup", &BTreeMap::new(), users.iter().copied());
        assert!(c.is_empty());
    }
}
