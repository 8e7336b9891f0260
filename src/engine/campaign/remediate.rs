//! Revocations carried out: an account gets a delete (revoke) or a modify taking the
//! reduced values away, through the resource's machinery (a manual case for its owners,
//! the propagation queue, the export confirming it); a request is unsubscribed at once,
//! which records its own revoking operation. Each remediation is followed until that
//! operation completes.

use super::super::provision::OpOrder;
use super::super::request_provision::{joined, values};
use super::super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::campaign::{CampaignRun, Decision, Remediation, RemediationState, Subject};
use crate::domain::{
    CertItem, EventKind, Execution, OpKind, OpRef, OpResult, RequestState, ShadowState,
};

impl Engine {
    /// Starts the remediation of every item among `idx` whose result takes access away
    /// and that has none yet; writes the items it changes.
    pub(super) fn remediate_items(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
        items: &mut [CertItem],
        idx: &[usize],
    ) -> Result<(), ApiError> {
        let label = run.label();
        for &i in idx {
            let item = &items[i];
            if item.remediation.is_some() || item.stage != 0 {
                continue;
            }
            let Some(last) = item.results.last() else {
                continue;
            };
            if !last.result.takes_access() {
                continue;
            }
            let (result, case) = (last.result.clone(), last.case);
            let prev = item.clone();
            let rem = self.start_remediation(tx, run, item, &result)?;
            if rem.state == RemediationState::Open {
                run.remediating.push(item.no);
            }
            tx.event(
                case,
                EventKind::CertRemediation {
                    campaign: label.clone(),
                    item: item.no,
                    subject: item.subject.label(),
                    state: format!("{}: {}", rem.state.name(), rem.note),
                },
                None,
            );
            let item = &mut items[i];
            item.remediation = Some(rem);
            tx.ws.put_cert_item(Some(&prev), item);
        }
        Ok(())
    }

    fn start_remediation(
        &self,
        tx: &mut Tx,
        run: &CampaignRun,
        item: &CertItem,
        result: &Decision,
    ) -> Result<Remediation, ApiError> {
        let mut rem = Remediation {
            state: RemediationState::Nothing,
            op: None,
            case: None,
            request: None,
            note: String::new(),
            started: tx.now,
            finished: Some(tx.now),
        };
        match &item.subject {
            Subject::Account { resource, key } => {
                let Some(mut res) = self.store.resource(resource)? else {
                    rem.note = format!("resource {resource} is gone");
                    return Ok(rem);
                };
                let shadow = self.shadow_in(tx, resource, key)?;
                let Some(shadow) = shadow.filter(|s| s.expected_state() != ShadowState::Dead)
                else {
                    rem.note = format!("{resource}/{key} is already gone");
                    return Ok(rem);
                };
                let (kind, set) = match result {
                    Decision::Reduce(vals) => {
                        let held = shadow.expected();
                        let mut set = vec![];
                        for (attr, v) in vals {
                            let mut now = values(held.get(attr));
                            now.retain(|x| x != v);
                            set.push((attr.clone(), joined(now)));
                        }
                        (OpKind::Modify, set)
                    }
                    _ => (OpKind::Delete, vec![]),
                };
                let order = OpOrder {
                    requester: run.started_by.clone(),
                    request: None,
                    done_in: None,
                };
                match self.record_operation(tx, &mut res, key, None, kind, &set, order)? {
                    None => rem.note = format!("{resource}/{key} already is as decided"),
                    Some(rec) => {
                        rem.state = RemediationState::Open;
                        rem.finished = None;
                        rem.op = Some(rec.op);
                        rem.case = rec.case;
                        rem.note = rec.message;
                    }
                }
            }
            Subject::Request { id, .. } => {
                rem.request = Some(*id);
                let Some(prev) = self.store.request(*id)? else {
                    rem.note = format!("request {id} is gone");
                    return Ok(rem);
                };
                if !prev.state.holds_access() {
                    rem.note = format!("{id} is {} already", prev.state);
                    return Ok(rem);
                }
                let mut r = prev.clone();
                let ops = r.operations.len();
                let why = format!("revoked in certification campaign {}", run.label());
                if prev.state != RequestState::Assigned {
                    // A renewal or unsubscription in approval: the revocation overrides it.
                    self.drop_approval(tx, &mut r, &why)?;
                    r.keep(tx.now)?;
                }
                let said = self.unsubscribe_now(tx, &mut r, None, why)?;
                self.tell_change(tx, &r, "unsubscribed", &said)?;
                tx.ws.put_request(Some(&prev), &r);
                rem.note = said;
                if let Some(op) = r.operations.get(ops).cloned() {
                    rem.state = RemediationState::Open;
                    rem.finished = None;
                    rem.case = self.case_of_op(tx, &op)?;
                    rem.op = Some(op);
                } else {
                    rem.state = RemediationState::Done;
                }
            }
        }
        Ok(rem)
    }

    fn case_of_op(&self, tx: &Tx, op: &OpRef) -> Result<Option<crate::domain::CaseId>, ApiError> {
        Ok(self
            .shadow_in(tx, &op.resource, &op.account)?
            .and_then(|s| {
                s.pending
                    .iter()
                    .find(|o| o.id == op.op)
                    .and_then(|o| o.case)
            }))
    }

    /// Where an open remediation stands now: its operation completed (done / failed), or
    /// still under way (with the case that carries it, once one is open).
    pub(crate) fn remediation_now(&self, rem: &Remediation) -> Result<Remediation, ApiError> {
        let mut rem = rem.clone();
        if rem.state != RemediationState::Open {
            return Ok(rem);
        }
        let Some(op) = &rem.op else {
            return Ok(rem);
        };
        let shadow = self.store.shadow(&op.resource, &op.account)?;
        let found = shadow
            .as_ref()
            .and_then(|s| s.pending.iter().find(|o| o.id == op.op));
        match found {
            // Pruned after its retention: it completed long ago.
            None => {
                rem.state = RemediationState::Done;
                rem.note = format!("{}/{} done", op.resource, op.account);
            }
            Some(o) => {
                rem.case = o.case.or(rem.case);
                if o.execution == Execution::Completed {
                    rem.finished = o.completed;
                    if o.result == OpResult::Failure {
                        rem.state = RemediationState::Failed;
                        rem.note = format!("{} failed", o.describe());
                    } else {
                        rem.state = RemediationState::Done;
                        rem.note = format!("{} done", o.describe());
                    }
                } else {
                    rem.note = match o.case {
                        Some(c) => format!("waiting for {c}: {}", o.describe()),
                        None => format!("queued for the next propagation: {}", o.describe()),
                    };
                }
            }
        }
        Ok(rem)
    }

    /// The in-remediation run looks at its open remediations: finished ones are recorded,
    /// and the run closes when none is left. Writes the run.
    pub(super) fn follow_remediations(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
    ) -> Result<String, ApiError> {
        let prev_run = run.clone();
        let finished = self.refresh_remediations(tx, run)?;
        let said = self.settle_run(tx, run)?;
        tx.ws.put_campaign_run(Some(&prev_run), run);
        Ok(format!("{finished} remediations finished; {said}"))
    }

    /// Records the open remediations of `run` that have finished (items written, the run
    /// not); returns how many.
    pub(super) fn refresh_remediations(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
    ) -> Result<u32, ApiError> {
        let label = run.label();
        let mut still = vec![];
        let mut finished = 0;
        for no in std::mem::take(&mut run.remediating) {
            let Some(item) = self.store.cert_item(run.id, no)? else {
                continue;
            };
            // Started in this very change set (the store does not have it yet): it is
            // under way, looked at by the next poll.
            let rem = match &item.remediation {
                Some(rem) => rem,
                None => {
                    still.push(no);
                    continue;
                }
            };
            let now = self.remediation_now(rem)?;
            if now.state == RemediationState::Open {
                still.push(no);
                continue;
            }
            finished += 1;
            let mut after = item.clone();
            after.remediation = Some(now.clone());
            tx.event(
                item.results.last().and_then(|r| r.case),
                EventKind::CertRemediation {
                    campaign: label.clone(),
                    item: no,
                    subject: item.subject.label(),
                    state: format!("{}: {}", now.state.name(), now.note),
                },
                None,
            );
            tx.ws.put_cert_item(Some(&item), &after);
        }
        run.remediating = still;
        Ok(finished)
    }
}
