//! Manual and semi-manual resources: pending operations and their cases, propagation, and
//! settling operations when their case ends (read-back of exports is in `feed.rs`).

use std::collections::BTreeMap;

use super::{authz, Engine, Tx};
use crate::api::{ApiError, NewCase, OperationView};
use crate::domain::duration::add_secs;
use crate::domain::resource::merge;
use crate::domain::{
    Case, CaseId, CaseKind, EventKind, Execution, OpKind, OpRef, OpResult, Outcome,
    PendingOperation, RequestId, Resource, Shadow, ShadowState, Target, User, WorkItem,
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
            self.must_exist(&crate::domain::Target::Group(r.owners.clone()))
                .map_err(|e| ApiError::BadInput(format!("resource {:?}: {e}", r.id)))?;
            if let Some(p) = &r.policy {
                self.load_policy(p)?;
            }
            if let Some(c) = &r.calendar {
                if self.store.calendar(c)?.is_none() {
                    return Err(ApiError::BadInput(format!(
                        "resource {:?}: no calendar {c:?}",
                        r.id
                    )));
                }
            }
            if let Some(t) = &r.itsm {
                if !self.itsm.iter().any(|x| &x.name == t) {
                    return Err(ApiError::BadInput(format!(
                        "resource {:?}: no ITSM target {t:?}",
                        r.id
                    )));
                }
            }
            if let crate::domain::ResourceKind::SemiManual { feed, .. } = &r.kind {
                self.feeds
                    .may_name(feed)
                    .map_err(|why| ApiError::BadInput(format!("resource {}: {why}", r.id)))?;
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
        let order = OpOrder {
            requester: user.login.clone(),
            request: None,
            done_in: None,
        };
        let done = self.record_operation(tx, &mut resource, account, owner, kind, &set, order)?;
        done.map(|d| d.message).ok_or_else(|| {
            ApiError::IllegalState(format!(
                "nothing to change on {account}: it already has those values"
            ))
        })
    }

    /// Records an operation on `account` of `resource` (the account is created for an add):
    /// its case opens, it waits for the next propagation, or (`done_in`) it is applied at
    /// once. A modify that changes nothing records nothing (none).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_operation(
        &self,
        tx: &mut Tx,
        resource: &mut Resource,
        account: &str,
        owner: Option<String>,
        kind: OpKind,
        set: &[(String, Option<String>)],
        order: OpOrder,
    ) -> Result<Option<Recorded>, ApiError> {
        let prev = self.shadow_in(tx, &resource.id, account)?;
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
            .plan(kind, set)
            .map_err(|e| ApiError::IllegalState(e.to_string()))?;
        if kind == OpKind::Modify && changes.is_empty() {
            return Ok(None);
        }
        if owner.is_some() {
            shadow.owner = owner;
        }
        let op_id = tx.new_operation_id()?;
        let op = PendingOperation {
            id: op_id,
            kind,
            changes,
            requester: order.requester,
            requested: tx.now,
            execution: Execution::Requested,
            result: OpResult::InProgress,
            case: None,
            reason: None,
            completed: None,
            confirmed: false,
            request: order.request,
        };
        let op_ref = OpRef {
            resource: resource.id.clone(),
            account: account.to_string(),
            op: op_id,
        };
        let message = match (order.done_in, resource.propagation_secs) {
            (Some(case), _) => self.done_at_once(tx, resource, &mut shadow, op, case)?,
            (None, None) => self.open_operation_case(tx, resource, account, &mut shadow, op)?,
            (None, Some(interval)) => {
                let message = queue_operation(tx, resource, account, &mut shadow, op);
                if resource.propagation_due.is_none() {
                    let prev_r = resource.clone();
                    let what = format!("the propagation interval of resource {}", resource.id);
                    resource.propagation_due = Some(add_secs(tx.now, interval, &what)?);
                    tx.ws.put_resource(Some(&prev_r), resource);
                }
                message
            }
        };
        if shadow.pending.is_empty() && shadow.state == ShadowState::Proposed {
            // Created and deleted before anyone acted: nothing to keep.
            if prev.is_some() {
                shadow.state = ShadowState::Dead;
            }
        }
        let case = shadow
            .pending
            .iter()
            .find(|o| o.id == op_id)
            .and_then(|o| o.case);
        tx.ws.put_shadow(prev.as_ref(), &shadow);
        Ok(Some(Recorded {
            message,
            op: op_ref,
            case,
        }))
    }

    /// The account as this transaction leaves it so far (a sweep may change it twice).
    pub(crate) fn shadow_in(
        &self,
        tx: &Tx,
        resource: &str,
        account: &str,
    ) -> Result<Option<Shadow>, ApiError> {
        match tx.ws.shadow(resource, account) {
            Some(s) => Ok(Some(s)),
            None => Ok(self.store.shadow(resource, account)?),
        }
    }

    /// An operation its people already did (they approved the last step saying so): the
    /// shadow holds it now; a semi-manual export must show it within the grace period.
    fn done_at_once(
        &self,
        tx: &mut Tx,
        resource: &Resource,
        shadow: &mut Shadow,
        mut op: PendingOperation,
        case: CaseId,
    ) -> Result<String, ApiError> {
        let (op_id, what) = (op.id, op.describe());
        let account = shadow.key.clone();
        tx.event(Some(case), requested(resource, &account, op_id, what), None);
        op.execution = Execution::Completed;
        op.result = OpResult::Success;
        op.case = Some(case);
        op.completed = Some(tx.now);
        shadow.apply(&op);
        shadow.pending.push(op);
        tx.event(
            Some(case),
            EventKind::OperationCompleted {
                resource: resource.id.clone(),
                account: account.clone(),
                op: op_id,
                result: OpResult::Success,
            },
            Some("done by the resource's owners at their approval step".into()),
        );
        if resource.is_semi_manual() {
            expect_in_export(tx, resource)?;
        }
        Ok(format!("op {op_id} on {account}: done ({case})"))
    }

    /// A manual resource: the operation gets its own case for the resource's owners.
    fn open_operation_case(
        &self,
        tx: &mut Tx,
        resource: &Resource,
        account: &str,
        shadow: &mut Shadow,
        mut op: PendingOperation,
    ) -> Result<String, ApiError> {
        let (op_id, kind, what) = (op.id, op.kind, op.describe());
        let title = format!("{} account {account} on {}", verb(kind), resource.name);
        let (case, _) = self.open_resource_case(
            tx,
            resource,
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
            requested(resource, account, op_id, what),
            None,
        );
        let message = format!(
            "op {op_id} on {account}: {} opened for @{}",
            case.id, resource.owners
        );
        shadow.pending.push(op);
        Ok(message)
    }

    /// A case for the resource's owners.
    pub(crate) fn open_resource_case(
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
                deadline_in: None,
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
        let result = if success {
            OpResult::Success
        } else {
            OpResult::Failure
        };
        let why = reason.or(Some(format!(
            "case {} ended {}",
            case.id,
            outcome.map(|o| o.name()).unwrap_or("without success")
        )));
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
                done.result = result;
                if success {
                    s.apply(&op);
                } else {
                    done.reason = why.clone();
                }
                tx.event(
                    Some(case.id),
                    EventKind::OperationCompleted {
                        resource: res.clone(),
                        account: account.clone(),
                        op: op_id,
                        result,
                    },
                    None,
                );
                if let Some(id) = op.request {
                    let at = OpRef {
                        resource: res.clone(),
                        account: account.clone(),
                        op: op_id,
                    };
                    self.request_op_settled(tx, (id, &at), case.id, result, why.clone())?;
                }
            }
            // A semi-manual export must now show it, within the grace period.
            if let Some(r) = resource.filter(|r| r.is_semi_manual() && success) {
                expect_in_export(tx, &r)?;
            }
            if let Some(r) = self.store.resource(&res)? {
                s.prune(tx.now, r.retention_secs);
            }
            tx.ws.put_shadow(Some(&prev), &s);
        }
        Ok(())
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

/// The export of semi-manual `resource` must show a completed operation within its grace
/// period: the grace check is due then at the latest.
fn expect_in_export(tx: &mut Tx, r: &Resource) -> Result<(), ApiError> {
    let what = format!("the export grace of resource {}", r.id);
    let due = add_secs(tx.now, r.grace_secs, &what)?;
    if r.grace_due.is_none_or(|g| due < g) {
        let mut nr = r.clone();
        nr.grace_due = Some(due);
        tx.ws.put_resource(Some(r), &nr);
    }
    Ok(())
}

/// Who asks for an operation, for which access request, and whether it is done already.
pub(crate) struct OpOrder {
    pub requester: String,
    pub request: Option<RequestId>,
    /// Done by the resource's owners in this case (a last approval step): applied at once.
    pub done_in: Option<CaseId>,
}

/// What `record_operation` did.
pub(crate) struct Recorded {
    pub message: String,
    pub op: OpRef,
    /// The case that carries it (none while queued).
    pub case: Option<CaseId>,
}

/// A resource with a propagation interval: the operation waits in the shadow's queue,
/// merged into a queued one where it can be.
fn queue_operation(
    tx: &mut Tx,
    resource: &Resource,
    account: &str,
    shadow: &mut Shadow,
    mut op: PendingOperation,
) -> String {
    let (op_id, what) = (op.id, op.describe());
    op.execution = Execution::ExecutionPending;
    tx.event(None, requested(resource, account, op_id, what), None);
    let queued = shadow
        .pending
        .iter()
        .rposition(|o| o.execution == Execution::ExecutionPending);
    let merged = queued.and_then(|i| merge(&mut shadow.pending[i], &op).map(|m| (i, m)));
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
            format!("op {op_id} on {account} merged into queued op {into}")
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
            format!("op {op_id} on {account} cancels queued op {}", dropped.id)
        }
        None => {
            shadow.pending.push(op);
            format!("op {op_id} on {account} queued for the next propagation")
        }
    }
}

fn verb(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Add => "Create",
        OpKind::Modify => "Modify",
        OpKind::Delete => "Delete",
    }
}

/// The event of an operation asked for on `account` of `resource`.
fn requested(resource: &Resource, account: &str, op: u64, what: String) -> EventKind {
    EventKind::OperationRequested {
        resource: resource.id.clone(),
        account: account.to_string(),
        op,
        what,
    }
}
