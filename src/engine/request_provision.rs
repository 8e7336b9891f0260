//! Provisioning from access requests: the operation a request's access needs on the
//! recipient's account, what its case's end does to the request, the export confirming it,
//! where provisioning stands, and the resource owners' queue of upcoming requests.
//!
//! A product grants its `entitlement` on its `resource`: the value is added to the
//! account's multi-valued attribute [`ENTITLEMENTS`] (values sorted, separated by `;`),
//! the account created when the recipient has none; a product without an entitlement
//! grants the account itself. The access ending removes the value (or deletes the account).

use super::provision::{OpOrder, Recorded};
use super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::{
    CaseId, EventKind, Execution, OpKind, OpRef, OpResult, PendingOperation, ProvisioningMode,
    Request, RequestId, RequestState, Resource, ShadowState, User,
};

/// The account attribute holding the entitlements products grant.
pub const ENTITLEMENTS: &str = "entitlements";

pub(crate) fn values(v: Option<&String>) -> Vec<String> {
    let mut out: Vec<String> = v
        .map(|v| {
            v.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn joined(v: Vec<String>) -> Option<String> {
    (!v.is_empty()).then(|| v.join(";"))
}

/// Whether the operation gives access (an account, an entitlement) rather than takes it.
fn grants(op: &PendingOperation) -> bool {
    match op.kind {
        OpKind::Add => true,
        OpKind::Delete => false,
        OpKind::Modify => op
            .changes
            .iter()
            .any(|c| values(c.new.as_ref()).len() > values(c.old.as_ref()).len()),
    }
}

impl Engine {
    /// The resource the request's product grants on, with the entitlement.
    fn granted_on(&self, r: &Request) -> Result<Option<(Resource, Option<String>)>, ApiError> {
        let Some(product) = self.store.product(&r.product)? else {
            return Ok(None);
        };
        let Some(res) = &product.resource else {
            return Ok(None);
        };
        Ok(self
            .store
            .resource(res)?
            .map(|resource| (resource, product.entitlement.clone())))
    }

    /// Records the operation giving (`give`) or taking the request's access on the
    /// recipient's account; none when the product grants on no resource or the account
    /// already is as wanted.
    fn request_operation(
        &self,
        tx: &mut Tx,
        r: &Request,
        give: bool,
        done_in: Option<CaseId>,
    ) -> Result<Option<Recorded>, ApiError> {
        let Some((mut resource, entitlement)) = self.granted_on(r)? else {
            return Ok(None);
        };
        let account = r.recipient.as_str();
        let shadow = self.shadow_in(tx, &resource.id, account)?;
        let exists = shadow
            .as_ref()
            .is_some_and(|s| s.expected_state() == ShadowState::Exists);
        let (kind, set) = match (&entitlement, give, exists) {
            (None, true, true) | (None, false, false) | (Some(_), false, false) => return Ok(None),
            (None, true, false) => (OpKind::Add, vec![]),
            (None, false, true) => (OpKind::Delete, vec![]),
            (Some(e), _, _) => {
                let held = shadow.as_ref().map(|s| s.expected()).unwrap_or_default();
                let mut v = values(held.get(ENTITLEMENTS).filter(|_| exists));
                v.retain(|x| x != e);
                if give {
                    v.push(e.clone());
                    v.sort();
                }
                let kind = if exists { OpKind::Modify } else { OpKind::Add };
                (kind, vec![(ENTITLEMENTS.to_string(), joined(v))])
            }
        };
        let order = OpOrder {
            requester: r.requester.clone(),
            request: Some(r.id),
            done_in,
        };
        let owner = Some(r.recipient.clone());
        self.record_operation(tx, &mut resource, account, owner, kind, &set, order)
    }

    /// The access of `r` starts: its operation is recorded. With `case-after-approval` the
    /// request waits (`approved`) for the case; with `last-approval-step` the owners'
    /// approval did it. Returns whether the access is granted now.
    pub(crate) fn provision_request(&self, tx: &mut Tx, r: &mut Request) -> Result<bool, ApiError> {
        let Some((resource, _)) = self.granted_on(r)? else {
            return Ok(true);
        };
        let done_in = match (&r.approval, resource.provisioning) {
            (Some(a), ProvisioningMode::LastApprovalStep) => Some(a.case),
            _ => None,
        };
        let Some(rec) = self.request_operation(tx, r, true, done_in)? else {
            r.provisioned_at = Some(tx.now);
            return Ok(true);
        };
        r.operations.push(rec.op);
        if done_in.is_some() {
            if !resource.is_semi_manual() {
                r.provisioned_at = Some(tx.now);
            }
            return Ok(true);
        }
        let from = r.state;
        r.state = RequestState::Approved;
        r.timers.clear();
        let why = match rec.case {
            Some(c) => format!("waiting for {c} (@{}): {}", resource.owners, rec.message),
            None => rec.message,
        };
        self.request_changed(tx, r, from, why);
        Ok(false)
    }

    /// The access of `r` ended: the opposite operation is recorded.
    pub(crate) fn deprovision_request(
        &self,
        tx: &mut Tx,
        r: &Request,
    ) -> Result<Option<OpRef>, ApiError> {
        Ok(self
            .request_operation(tx, r, false, None)?
            .map(|rec| rec.op))
    }

    /// An operation of request `id` ended in `case`: a request waiting for it is assigned
    /// (success) or aborted (failure); the request's history says so either way.
    pub(crate) fn request_op_settled(
        &self,
        tx: &mut Tx,
        (id, op): (RequestId, &OpRef),
        case: CaseId,
        result: OpResult,
        reason: Option<String>,
    ) -> Result<(), ApiError> {
        let Some(prev) = self.store.request(id)? else {
            return Ok(());
        };
        let mut r = prev.clone();
        if !r.operations.contains(op) {
            r.operations.push(op.clone());
        }
        tx.request_event(
            id,
            EventKind::OperationCompleted {
                resource: op.resource.clone(),
                account: op.account.clone(),
                op: op.op,
                result,
            },
            Some(format!("in {case}")),
        );
        if r.state == RequestState::Approved {
            let semi = self
                .store
                .resource(&op.resource)?
                .is_some_and(|s| s.is_semi_manual());
            if result == OpResult::Success {
                self.provisioned(tx, &mut r, format!("provisioned in {case}"), !semi)?;
            } else {
                let why = format!(
                    "provisioning failed in {case}: {}",
                    reason.unwrap_or_else(|| "without a reason".into())
                );
                r.state = RequestState::Aborted;
                r.modified = tx.now;
                self.request_changed(tx, &r, RequestState::Approved, why.clone());
                self.notify_request(
                    tx,
                    &r,
                    &format!(
                        "[casebench] {}: {} could not be provisioned",
                        r.id, r.product
                    ),
                    &format!(
                        "The request {} of {} for {} was aborted: {why}.\n",
                        r.id, r.product, r.recipient
                    ),
                )?;
            }
        }
        tx.ws.put_request(Some(&prev), &r);
        Ok(())
    }

    /// The request waiting for its operation has its access now.
    fn provisioned(
        &self,
        tx: &mut Tx,
        r: &mut Request,
        why: String,
        at_once: bool,
    ) -> Result<(), ApiError> {
        if at_once {
            r.provisioned_at = Some(tx.now);
        }
        if r.state == RequestState::Approved {
            r.state = RequestState::Assigned;
            r.modified = tx.now;
            r.timers = r.schedule(tx.now);
            self.request_changed(tx, r, RequestState::Approved, why);
            self.access_granted(tx, r)?;
        }
        Ok(())
    }

    /// A semi-manual export showed the operation: a granting one's request is provisioned.
    pub(crate) fn request_op_confirmed(
        &self,
        tx: &mut Tx,
        op: &PendingOperation,
        label: &str,
    ) -> Result<(), ApiError> {
        let Some(prev) = op.request.map(|id| self.store.request(id)).transpose()? else {
            return Ok(());
        };
        let Some(prev) = prev else {
            return Ok(());
        };
        if !grants(op) || prev.provisioned_at.is_some() {
            return Ok(());
        }
        let mut r = prev.clone();
        self.provisioned(tx, &mut r, format!("confirmed by the export {label}"), true)?;
        tx.request_event(
            r.id,
            EventKind::Commented,
            Some(format!("provisioning confirmed by the export {label}")),
        );
        tx.ws.put_request(Some(&prev), &r);
        Ok(())
    }

    /// Where provisioning stands, one line per operation of the request.
    pub(crate) fn provisioning_status(&self, r: &Request) -> Result<Vec<String>, ApiError> {
        let mut out = vec![];
        for o in &r.operations {
            let resource = self.store.resource(&o.resource)?;
            let shadow = self.store.shadow(&o.resource, &o.account)?;
            let Some(op) = shadow.and_then(|s| s.pending.into_iter().find(|p| p.id == o.op)) else {
                out.push(format!(
                    "op {} on {} {}: settled (no longer on the account)",
                    o.op, o.resource, o.account
                ));
                continue;
            };
            let dir = if grants(&op) {
                "provisioning"
            } else {
                "deprovisioning"
            };
            let case = op.case.map(|c| c.to_string()).unwrap_or_default();
            let owners = resource.as_ref().map_or("", |r| r.owners.as_str());
            let semi = resource.as_ref().is_some_and(|r| r.is_semi_manual());
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            };
            let status = match (op.execution, op.result) {
                (_, OpResult::Failure) => format!(
                    "failed in {case}: {}",
                    op.reason.clone().unwrap_or_default()
                ),
                (Execution::ExecutionPending, _) => "queued for the next propagation".to_string(),
                (_, OpResult::InProgress) => format!("waiting for {case} (@{owners})"),
                (_, OpResult::Success) if op.confirmed => {
                    let at = if grants(&op) {
                        r.provisioned_at.or(op.completed)
                    } else {
                        op.completed
                    };
                    format!("confirmed by the export of {}", when(at))
                }
                (_, OpResult::Success) if semi => {
                    format!("done in {case}, waiting for the export to confirm it")
                }
                (_, OpResult::Success) => format!("done in {case} on {}", when(op.completed)),
            };
            out.push(format!(
                "{dir} (op {} on {} {}, {}): {status}",
                op.id,
                o.resource,
                o.account,
                op.describe()
            ));
        }
        Ok(out)
    }

    /// Approved requests whose access starts later, on resources `user` works (a member of
    /// the owners), soonest first.
    pub(crate) fn upcoming(&self, user: &User, limit: usize) -> Result<Vec<Request>, ApiError> {
        let now = self.clock.now();
        let mut out = vec![];
        for r in self.store.requests(None, usize::MAX)? {
            if r.state != RequestState::Pending || r.valid_from.is_none_or(|f| f <= now) {
                continue;
            }
            if let Some((resource, _)) = self.granted_on(&r)? {
                if user.in_group(&resource.owners) {
                    out.push(r);
                }
            }
        }
        out.sort_by_key(|r| (r.valid_from, r.id));
        out.truncate(limit);
        Ok(out)
    }
}

impl Engine {
    /// A product granting on a `last-approval-step` resource: the resource's owners approve
    /// last, and their approval means the access is provisioned.
    pub(crate) fn with_provisioning_step(
        &self,
        product: &crate::domain::Product,
        mut policy: crate::domain::ApprovalPolicy,
    ) -> Result<crate::domain::ApprovalPolicy, ApiError> {
        let Some(res) = &product.resource else {
            return Ok(policy);
        };
        let Some(resource) = self.store.resource(res)? else {
            return Ok(policy);
        };
        if resource.provisioning != crate::domain::ProvisioningMode::LastApprovalStep {
            return Ok(policy);
        }
        policy.levels.push(crate::domain::approval::Level {
            steps: vec![crate::domain::approval::Step {
                name: format!("provision on {}", resource.id),
                approvers: crate::domain::approval::Approvers::Group(resource.owners),
                count: 1,
                reminder: None,
                timeout: None,
                on_timeout: crate::domain::approval::OnTimeout::Abort,
                no_approver: crate::domain::approval::NoApprover::Abort,
                self_approval: crate::domain::approval::SelfApproval::Allowed,
            }],
        });
        Ok(policy)
    }
}
