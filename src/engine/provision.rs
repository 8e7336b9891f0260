//! Manual and semi-manual resources: pending operations and their cases, propagation,
//! export read-back (confirmation, divergence, correlation) — DESIGN.md §1-2.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use super::{authz, Engine, Tx};
use crate::api::{ApiError, FeedRow, NewCase, OperationView};
use crate::domain::resource::{merge, rank_candidates};
use crate::domain::{
    Case, CaseId, CaseKind, Correlation, EventKind, Execution, OpKind, OpRef, OpResult, Outcome,
    PendingOperation, Resource, ResourceKind, Shadow, ShadowState, Target, User, WorkItem,
};
use crate::store::trees;

impl Engine {
    pub(crate) fn load_resource(&self, id: &str) -> Result<Resource, ApiError> {
        self.store.resource(id)?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "no resource {id:?}: import it with `casebench import resources FILE.toml`"
            ))
        })
    }

    pub(crate) fn import_resources(
        &self,
        tx: &mut Tx,
        user: &User,
        resources: Vec<Resource>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import resources")?;
        let mut next_seq = self.store.counter(trees::KEY_NEXT_RESOURCE)?;
        let mut names = vec![];
        for mut r in resources {
            if self.store.group(&r.owners)?.is_none() {
                return Err(ApiError::NotFound(format!(
                    "resource {}: no group @{} to own it",
                    r.id, r.owners
                )));
            }
            if let Some(p) = &r.policy {
                self.load_policy(p)?;
            }
            let prev = self.store.resource(&r.id)?;
            match &prev {
                // Re-import keeps the resource's number and its running state.
                Some(p) => {
                    r.seq = p.seq;
                    r.propagation_due = p.propagation_due;
                    r.grace_due = p.grace_due;
                    r.feed_fingerprint = p.feed_fingerprint.clone();
                }
                None => {
                    r.seq = next_seq;
                    next_seq += 1;
                }
            }
            tx.ws.put_resource(prev.as_ref(), &r);
            tx.event(None, EventKind::ResourceImported { id: r.id.clone() }, None);
            names.push(r.id);
        }
        tx.ws.set_counter(trees::KEY_NEXT_RESOURCE, next_seq);
        Ok(format!(
            "imported {} resources: {}",
            names.len(),
            names.join(", ")
        ))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn provision(
        &self,
        tx: &mut Tx,
        user: &User,
        resource_id: &str,
        account: &str,
        owner: Option<String>,
        kind: OpKind,
        set: Vec<(String, Option<String>)>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "request provisioning")?;
        let mut resource = self.load_resource(resource_id)?;
        let account = account.trim();
        if account.is_empty() {
            return Err(ApiError::BadInput("an operation needs --account".into()));
        }
        if let Some(o) = &owner {
            if self.store.user(o)?.is_none() {
                return Err(ApiError::NotFound(format!("no user {o:?}")));
            }
        }
        let prev = self.store.shadow(&resource.id, account)?;
        let mut shadow = match (&prev, kind) {
            (Some(s), _) => s.clone(),
            (None, OpKind::Add) => Shadow::new(&resource.id, account, owner.clone()),
            (None, _) => {
                return Err(ApiError::NotFound(format!(
                    "no account {account:?} on {}",
                    resource.id
                )))
            }
        };
        let changes = shadow
            .plan(kind, &set)
            .map_err(|e| ApiError::IllegalState(e.to_string()))?;
        if kind == OpKind::Modify && changes.is_empty() {
            return Err(ApiError::IllegalState(format!(
                "nothing to change on {account}: it already has those values"
            )));
        }
        if owner.is_some() {
            shadow.owner = owner;
        }
        let op_id = self.next_operation(tx)?;
        let mut op = PendingOperation {
            id: op_id,
            kind,
            changes,
            requester: user.login.clone(),
            requested: tx.now,
            execution: Execution::Requested,
            result: OpResult::InProgress,
            case: None,
            reason: None,
            completed: None,
            confirmed: false,
        };
        let what = op.describe();
        let message;
        match resource.propagation_secs {
            None => {
                let title = format!("{} account {account} on {}", verb(kind), resource.name);
                let (case, _) = self.open_resource_case(
                    tx,
                    &resource,
                    CaseKind::ManualProvisioning,
                    title,
                    Some(format!("{account}: {what}")),
                    vec![OpRef {
                        resource: resource.id.clone(),
                        account: account.to_string(),
                        op: op_id,
                    }],
                )?;
                op.execution = Execution::Executing;
                op.case = Some(case.id);
                tx.applied.case = Some(case.id);
                tx.event(
                    Some(case.id),
                    EventKind::OperationRequested {
                        resource: resource.id.clone(),
                        account: account.to_string(),
                        op: op_id,
                        what,
                    },
                    None,
                );
                message = format!(
                    "op {op_id} on {account}: {} opened for @{}",
                    case.id, resource.owners
                );
                shadow.pending.push(op);
            }
            Some(interval) => {
                op.execution = Execution::ExecutionPending;
                tx.event(
                    None,
                    EventKind::OperationRequested {
                        resource: resource.id.clone(),
                        account: account.to_string(),
                        op: op_id,
                        what,
                    },
                    None,
                );
                let queued = shadow
                    .pending
                    .iter()
                    .rposition(|o| o.execution == Execution::ExecutionPending);
                let merged =
                    queued.and_then(|i| merge(&mut shadow.pending[i], &op).map(|m| (i, m)));
                match merged {
                    Some((i, true)) => {
                        let into = shadow.pending[i].id;
                        tx.event(
                            None,
                            EventKind::OperationMerged {
                                resource: resource.id.clone(),
                                account: account.to_string(),
                                op: op_id,
                                into: Some(into),
                            },
                            None,
                        );
                        message = format!("op {op_id} on {account} merged into queued op {into}");
                    }
                    Some((i, false)) => {
                        let dropped = shadow.pending.remove(i);
                        tx.event(
                            None,
                            EventKind::OperationMerged {
                                resource: resource.id.clone(),
                                account: account.to_string(),
                                op: op_id,
                                into: None,
                            },
                            Some(format!(
                                "queued op {} and op {op_id} cancel out",
                                dropped.id
                            )),
                        );
                        message =
                            format!("op {op_id} on {account} cancels queued op {}", dropped.id);
                    }
                    None => {
                        shadow.pending.push(op);
                        message =
                            format!("op {op_id} on {account} queued for the next propagation");
                    }
                }
                if resource.propagation_due.is_none() {
                    let prev_r = resource.clone();
                    resource.propagation_due = Some(tx.now + Duration::seconds(interval));
                    tx.ws.put_resource(Some(&prev_r), &resource);
                }
            }
        }
        if shadow.pending.is_empty() && shadow.state == ShadowState::Proposed {
            // Created and deleted before anyone acted: nothing to keep.
            if prev.is_some() {
                shadow.state = ShadowState::Dead;
            }
        }
        tx.ws.put_shadow(prev.as_ref(), &shadow);
        Ok(message)
    }

    fn next_operation(&self, tx: &mut Tx) -> Result<u64, ApiError> {
        // Counted in `meta` like the other ids; the write set carries the new value.
        let n = match tx.next_operation {
            Some(n) => n,
            None => self.store.counter(trees::KEY_NEXT_OPERATION)?,
        };
        tx.next_operation = Some(n + 1);
        Ok(n)
    }

    /// A case for the resource's owners.
    fn open_resource_case(
        &self,
        tx: &mut Tx,
        resource: &Resource,
        kind: CaseKind,
        title: String,
        description: Option<String>,
        operations: Vec<OpRef>,
    ) -> Result<(Case, WorkItem), ApiError> {
        self.open_case(
            tx,
            NewCase {
                kind,
                title,
                description,
                resource: Some(resource.id.clone()),
                object: operations.first().map(|o| o.account.clone()),
                target: Target::Group(resource.owners.clone()),
                deadline: None,
                policy: resource.policy.clone(),
            },
            operations,
            None,
        )
    }

    /// The propagation interval of `resource` ended: one case carries every queued operation.
    pub(crate) fn propagate(&self, tx: &mut Tx, resource: &Resource) -> Result<String, ApiError> {
        let mut refs = vec![];
        let mut lines = vec![];
        let mut shadows = vec![];
        for s in self.store.queued_shadows(&resource.id)? {
            let prev = s.clone();
            let mut s = s;
            for op in s
                .pending
                .iter_mut()
                .filter(|o| o.execution == Execution::ExecutionPending)
            {
                refs.push(OpRef {
                    resource: resource.id.clone(),
                    account: s.key.clone(),
                    op: op.id,
                });
                lines.push(format!("{}: {}", s.key, op.describe()));
                op.execution = Execution::Executing;
            }
            shadows.push((prev, s));
        }
        let mut r = resource.clone();
        r.propagation_due = None;
        tx.ws.put_resource(Some(resource), &r);
        if refs.is_empty() {
            return Ok(format!("{}: nothing queued", resource.id));
        }
        let n = refs.len();
        let title = format!(
            "Propagation: {n} operation{} on {}",
            if n == 1 { "" } else { "s" },
            resource.name
        );
        let (case, _) = self.open_resource_case(
            tx,
            resource,
            CaseKind::ManualProvisioning,
            title,
            Some(lines.join("\n")),
            refs,
        )?;
        for (prev, mut s) in shadows {
            for op in s.pending.iter_mut() {
                if op.execution == Execution::Executing && op.case.is_none() {
                    op.case = Some(case.id);
                }
            }
            tx.ws.put_shadow(Some(&prev), &s);
        }
        Ok(format!(
            "{} opened with {n} operations on {}",
            case.id, resource.id
        ))
    }

    /// The case carrying operations ended: apply them (success) or mark them failed.
    pub(crate) fn settle_operations(
        &self,
        tx: &mut Tx,
        case: &Case,
        outcome: Option<Outcome>,
        reason: Option<String>,
    ) -> Result<(), ApiError> {
        let success = matches!(outcome, Some(Outcome::Success | Outcome::Approved));
        let mut by_account: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        for r in &case.operations {
            by_account
                .entry((r.resource.clone(), r.account.clone()))
                .or_default()
                .push(r.op);
        }
        for ((res, account), ops) in by_account {
            let resource = self.store.resource(&res)?;
            let Some(prev) = self.store.shadow(&res, &account)? else {
                continue;
            };
            let mut s = prev.clone();
            for op_id in ops {
                let Some(i) = s.pending.iter().position(|o| o.id == op_id) else {
                    continue;
                };
                if s.pending[i].result != OpResult::InProgress {
                    continue;
                }
                let op = s.pending[i].clone();
                let done = &mut s.pending[i];
                done.execution = Execution::Completed;
                done.completed = Some(tx.now);
                if success {
                    done.result = OpResult::Success;
                    s.apply(&op);
                } else {
                    done.result = OpResult::Failure;
                    done.reason = reason.clone().or(Some(format!(
                        "case {} ended {}",
                        case.id,
                        outcome.map(|o| o.name()).unwrap_or("without success")
                    )));
                }
                tx.event(
                    Some(case.id),
                    EventKind::OperationCompleted {
                        resource: res.clone(),
                        account: account.clone(),
                        op: op_id,
                        result: if success {
                            OpResult::Success
                        } else {
                            OpResult::Failure
                        },
                    },
                    None,
                );
            }
            // A semi-manual export must now show it, within the grace period.
            if let Some(r) = resource.filter(|r| r.is_semi_manual() && success) {
                let due = tx.now + Duration::seconds(r.grace_secs);
                if r.grace_due.is_none_or(|g| due < g) {
                    let mut nr = r.clone();
                    nr.grace_due = Some(due);
                    tx.ws.put_resource(Some(&r), &nr);
                }
            }
            if let Some(r) = self.store.resource(&res)? {
                s.prune(tx.now, r.retention_secs);
            }
            tx.ws.put_shadow(Some(&prev), &s);
        }
        Ok(())
    }

    /// Reads a semi-manual export: confirms operations, declares divergence after the grace
    /// period, opens remediation and correlation cases. All or nothing.
    pub(crate) fn read_feed(
        &self,
        tx: &mut Tx,
        resource_id: &str,
        label: &str,
        fingerprint: &str,
        rows: Vec<FeedRow>,
    ) -> Result<String, ApiError> {
        let resource = self.load_resource(resource_id)?;
        let ResourceKind::SemiManual { attributes, .. } = &resource.kind else {
            return Err(ApiError::IllegalState(format!(
                "{} is a manual resource: it has no export to read",
                resource.id
            )));
        };
        let compared: BTreeSet<&String> = attributes.iter().collect();
        let export: BTreeMap<String, BTreeMap<String, String>> =
            rows.into_iter().map(|r| (r.key, r.attributes)).collect();
        let (mut confirmed, mut remediations, mut correlations) = (0u64, 0u64, 0u64);
        let mut next_grace: Option<chrono::DateTime<chrono::Utc>> = None;
        let mut closing_cases: BTreeSet<CaseId> = BTreeSet::new();
        let shadows = self.store.shadows(&resource.id)?;
        let known: BTreeSet<String> = shadows.iter().map(|s| s.key.clone()).collect();
        for prev in shadows {
            let mut s = prev.clone();
            let seen = export.get(&s.key);
            if seen.is_some() {
                s.last_seen = Some(tx.now);
            }
            let shows = |op: &PendingOperation, attrs: &BTreeMap<String, String>| match op.kind {
                OpKind::Delete => false,
                _ => op
                    .changes
                    .iter()
                    .filter(|c| compared.contains(&c.name))
                    .all(|c| attrs.get(&c.name) == c.new.as_ref()),
            };
            let confirms = |op: &PendingOperation| match (op.kind, seen) {
                (OpKind::Delete, None) => true,
                (OpKind::Delete, Some(_)) => false,
                (_, Some(a)) => shows(op, a),
                (_, None) => false,
            };
            let mut diverged = vec![];
            // An export may lag behind a completed operation for the grace period.
            let mut waiting = false;
            for i in 0..s.pending.len() {
                let op = s.pending[i].clone();
                if op.result == OpResult::InProgress
                    && op.execution == Execution::Executing
                    && confirms(&op)
                {
                    // Done behind the case's back: the export proves it.
                    s.apply(&op);
                    let o = &mut s.pending[i];
                    o.result = OpResult::Success;
                    o.execution = Execution::Completed;
                    o.completed = Some(tx.now);
                    o.confirmed = true;
                    confirmed += 1;
                    if let Some(c) = op.case {
                        closing_cases.insert(c);
                    }
                    tx.event(
                        op.case,
                        EventKind::OperationCompleted {
                            resource: resource.id.clone(),
                            account: s.key.clone(),
                            op: op.id,
                            result: OpResult::Success,
                        },
                        Some(format!("confirmed by the export {label}")),
                    );
                } else if op.result == OpResult::Success && !op.confirmed {
                    if confirms(&op) {
                        s.pending[i].confirmed = true;
                        confirmed += 1;
                    } else {
                        let deadline =
                            op.completed.unwrap_or(tx.now) + Duration::seconds(resource.grace_secs);
                        if tx.now >= deadline {
                            s.pending[i].confirmed = true; // handled: a divergence now
                            let when = op
                                .completed
                                .map(|c| c.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                                .unwrap_or_default();
                            let shown = match (op.kind, seen) {
                                (OpKind::Delete, Some(_)) => {
                                    "the account is still in the export".to_string()
                                }
                                (_, None) => "the export does not show the account".to_string(),
                                (_, Some(a)) => op
                                    .changes
                                    .iter()
                                    .filter(|c| compared.contains(&c.name))
                                    .filter(|c| a.get(&c.name) != c.new.as_ref())
                                    .map(|c| {
                                        format!(
                                            "{} is {} in the export, not {}",
                                            c.name,
                                            a.get(&c.name).map(String::as_str).unwrap_or("(none)"),
                                            c.new.as_deref().unwrap_or("(none)")
                                        )
                                    })
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            };
                            diverged.push(format!(
                                "op {} ({}) was completed at {when}, but {shown}",
                                op.id,
                                op.describe(),
                            ));
                        } else {
                            waiting = true;
                            next_grace = Some(next_grace.map_or(deadline, |g| g.min(deadline)));
                        }
                    }
                }
            }
            let settled = s.pending.iter().all(|o| !o.is_open());
            if diverged.is_empty()
                && !waiting
                && settled
                && s.state == ShadowState::Exists
                && !s.orphan
            {
                match seen {
                    None => diverged.push(format!("{} is missing from the export", s.key)),
                    Some(a) => {
                        for name in &compared {
                            let mine = s.attributes.get(*name);
                            let theirs = a.get(*name);
                            if mine != theirs {
                                diverged.push(format!(
                                    "{name}: {} in casebench, {} in the export",
                                    mine.map(String::as_str).unwrap_or("(none)"),
                                    theirs.map(String::as_str).unwrap_or("(none)")
                                ));
                            }
                        }
                    }
                }
            }
            let open_remediation = match s.remediation {
                Some(c) => self.store.case(c)?.is_some_and(|c| c.state.is_active()),
                None => false,
            };
            if !diverged.is_empty() && !open_remediation {
                let title = format!("Divergence: account {} on {}", s.key, resource.name);
                let (case, _) = self.open_resource_case(
                    tx,
                    &resource,
                    CaseKind::Remediation,
                    title,
                    Some(format!(
                        "{}\nFix the account or the record, then complete this case.",
                        diverged.join("\n")
                    )),
                    vec![],
                )?;
                s.remediation = Some(case.id);
                remediations += 1;
            }
            tx.ws.put_shadow(Some(&prev), &s);
        }
        // Accounts nobody asked for.
        let users = self.store.users()?;
        for (key, attrs) in export.iter().filter(|(k, _)| !known.contains(*k)) {
            let candidates = rank_candidates(
                key,
                attrs,
                users
                    .iter()
                    .map(|u| (u.login.as_str(), u.name.as_str(), u.email.as_str())),
            );
            let mut s = Shadow::new(&resource.id, key, None);
            s.state = ShadowState::Exists;
            s.attributes = attrs
                .iter()
                .filter(|(k, _)| compared.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            s.last_seen = Some(tx.now);
            let unique = candidates.len() == 1
                || candidates.first().is_some_and(|c| c.score == 100)
                    && candidates.get(1).is_none_or(|c| c.score < 100);
            if unique && candidates[0].score >= 80 {
                s.owner = Some(candidates[0].login.clone());
                tx.event(
                    None,
                    EventKind::Correlated {
                        resource: resource.id.clone(),
                        account: key.clone(),
                        owner: s.owner.clone(),
                    },
                    Some(candidates[0].why.clone()),
                );
            } else {
                let title = format!("Who owns account {key} on {}?", resource.name);
                let listing = match candidates.len() {
                    0 => "The export shows an account no user matches: name its owner, or mark it an orphan.".to_string(),
                    1 => "The export shows an account one user might own: confirm the owner, name another, or mark it an orphan.".to_string(),
                    n => format!("The export shows an account {n} users might own: pick the owner, or mark it an orphan."),
                };
                let (case, _) = self.open_case(
                    tx,
                    NewCase {
                        kind: CaseKind::Correlation,
                        title,
                        description: Some(listing),
                        resource: Some(resource.id.clone()),
                        object: Some(key.clone()),
                        target: Target::Group(resource.owners.clone()),
                        deadline: None,
                        policy: resource.policy.clone(),
                    },
                    vec![],
                    Some(Correlation {
                        resource: resource.id.clone(),
                        account: key.clone(),
                        attributes: attrs.clone(),
                        candidates,
                    }),
                )?;
                s.remediation = Some(case.id);
                correlations += 1;
            }
            tx.ws.put_shadow(None, &s);
        }
        // Cases whose every operation the export confirmed are done.
        for case_id in closing_cases {
            self.finish_confirmed_case(tx, case_id, label)?;
        }
        let mut r = resource.clone();
        r.feed_fingerprint = Some(fingerprint.to_string());
        r.grace_due = next_grace;
        tx.ws.put_resource(Some(&resource), &r);
        tx.event(
            None,
            EventKind::FeedRead {
                resource: resource.id.clone(),
                accounts: export.len() as u64,
                confirmed,
                remediations,
                correlations,
            },
            Some(label.to_string()),
        );
        Ok(format!(
            "{}: {} accounts read, {confirmed} operations confirmed, {remediations} remediation and {correlations} correlation cases opened",
            resource.id,
            export.len()
        ))
    }

    /// Reads a semi-manual resource's export file (from the sweep). A refused export
    /// changes nothing but the timer that asked for it; the reason is the result.
    pub(crate) fn read_feed_file(&self, tx: &mut Tx, r: &Resource) -> Result<String, ApiError> {
        let ResourceKind::SemiManual {
            feed,
            key,
            attributes,
        } = &r.kind
        else {
            return Ok(format!("{}: no export", r.id));
        };
        let bytes = match std::fs::read(feed) {
            Ok(b) => b,
            Err(e) => {
                let mut nr = r.clone();
                nr.grace_due = None;
                tx.ws.put_resource(Some(r), &nr);
                return Ok(format!("{}: cannot read the export {feed}: {e}", r.id));
            }
        };
        let print = crate::import::feed::fingerprint(&bytes);
        match crate::import::feed::parse_feed_csv(feed, &bytes, key, attributes) {
            Ok(rows) => self.read_feed(tx, &r.id, feed, &print, rows),
            Err(e) => {
                let mut nr = r.clone();
                nr.grace_due = None;
                tx.ws.put_resource(Some(r), &nr);
                Ok(format!("{}: export refused: {e}", r.id))
            }
        }
    }

    /// Semi-manual resources whose export file changed since it was last read.
    pub(crate) fn changed_feeds(&self) -> Result<Vec<Resource>, ApiError> {
        let mut out = vec![];
        for r in self.store.resources()? {
            if let ResourceKind::SemiManual { feed, .. } = &r.kind {
                if let Ok(bytes) = std::fs::read(feed) {
                    let print = crate::import::feed::fingerprint(&bytes);
                    if r.feed_fingerprint.as_deref() != Some(print.as_str()) {
                        out.push(r);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Completes the open work items of a case whose operations the export all confirmed.
    fn finish_confirmed_case(
        &self,
        tx: &mut Tx,
        case_id: CaseId,
        label: &str,
    ) -> Result<(), ApiError> {
        let Some(case) = self.store.case(case_id)? else {
            return Ok(());
        };
        if !case.state.is_active() {
            return Ok(());
        }
        // Every operation of the case settled (this read's changes are in the write set,
        // so look at the shadows as this read leaves them: they were all confirmed here or
        // before).
        let comment = format!("confirmed by the export {label}");
        let mut items = vec![];
        for w in &case.work_items {
            if let Some(mut item) = self.store.work_item(*w)? {
                if item.is_open() {
                    let prev = item.clone();
                    item.complete(
                        super::SYSTEM_ACTOR,
                        Outcome::Success,
                        Some(comment.clone()),
                        tx.now,
                    )?;
                    tx.event(
                        Some(case.id),
                        EventKind::WorkItemCompleted {
                            work_item: item.id,
                            outcome: Outcome::Success,
                        },
                        Some(comment.clone()),
                    );
                    tx.ws.put_work_item(Some(&prev), &item);
                }
                items.push(item);
            }
        }
        super::execute::close_if_done(tx, &case, &items)?;
        Ok(())
    }

    pub(crate) fn correlate(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        owner: Option<String>,
    ) -> Result<String, ApiError> {
        let case = self
            .store
            .case(case_id)?
            .ok_or_else(|| ApiError::NotFound(format!("no case {case_id}")))?;
        let Some(corr) = case.correlation.clone() else {
            return Err(ApiError::IllegalState(format!(
                "{case_id} is not a correlation case"
            )));
        };
        if !case.state.is_active() {
            return Err(ApiError::IllegalState(format!(
                "cannot correlate {case_id}: the case is {}",
                case.state
            )));
        }
        let items: Vec<WorkItem> = case
            .work_items
            .iter()
            .filter_map(|w| self.store.work_item(*w).transpose())
            .collect::<Result<_, _>>()?;
        let open =
            items.iter().find(|i| i.is_open()).cloned().ok_or_else(|| {
                ApiError::IllegalState(format!("{case_id} has no open work item"))
            })?;
        let member = open.candidates.iter().any(|g| user.in_group(g));
        if !member {
            authz::may_work_on(user, &open, "correlate")?;
        }
        if let Some(o) = &owner {
            if self.store.user(o)?.is_none() {
                return Err(ApiError::NotFound(format!("no user {o:?}")));
            }
        }
        let prev = self.store.shadow(&corr.resource, &corr.account)?;
        let mut s = prev.clone().unwrap_or_else(|| {
            let mut s = Shadow::new(&corr.resource, &corr.account, None);
            s.state = ShadowState::Exists;
            s
        });
        s.owner = owner.clone();
        s.orphan = owner.is_none();
        s.remediation = None;
        tx.ws.put_shadow(prev.as_ref(), &s);
        tx.event(
            Some(case.id),
            EventKind::Correlated {
                resource: corr.resource.clone(),
                account: corr.account.clone(),
                owner: owner.clone(),
            },
            None,
        );
        let comment = match &owner {
            Some(o) => format!("owner: {o}"),
            None => "marked as an orphan".to_string(),
        };
        let mut item = open.clone();
        item.complete(&user.login, Outcome::Success, Some(comment.clone()), tx.now)?;
        tx.event(
            Some(case.id),
            EventKind::WorkItemCompleted {
                work_item: item.id,
                outcome: Outcome::Success,
            },
            Some(comment.clone()),
        );
        tx.ws.put_work_item(Some(&open), &item);
        let all: Vec<WorkItem> = items
            .into_iter()
            .map(|i| if i.id == item.id { item.clone() } else { i })
            .collect();
        super::execute::close_if_done(tx, &case, &all)?;
        tx.applied.case = Some(case.id);
        Ok(format!(
            "{}@{}: {comment}; {} closed",
            corr.account, corr.resource, case.id
        ))
    }

    /// The operations a case carries, as their shadows hold them now.
    pub(crate) fn operation_views(&self, case: &Case) -> Result<Vec<OperationView>, ApiError> {
        let mut out = vec![];
        for r in &case.operations {
            if let Some(s) = self.store.shadow(&r.resource, &r.account)? {
                if let Some(op) = s.pending.iter().find(|o| o.id == r.op) {
                    out.push(OperationView {
                        resource: r.resource.clone(),
                        account: r.account.clone(),
                        operation: op.clone(),
                    });
                }
            }
        }
        Ok(out)
    }
}

fn verb(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Add => "Create",
        OpKind::Modify => "Modify",
        OpKind::Delete => "Delete",
    }
}
