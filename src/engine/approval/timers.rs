//! A step's reminder and timeout, fired by the sweep.

use super::{decision, Flow};
use crate::api::ApiError;
use crate::domain::approval::{Approval, ApprovalTimer, ApprovalTimerKind, How, OnTimeout};
use crate::domain::{DelegationMethod, EventKind, Product, Target};
use crate::engine::{Engine, Tx, SYSTEM_ACTOR};

impl Engine {
    /// Fires `timer` (already taken off the flow's timers) at `tx.now`; returns what it did.
    pub(crate) fn approval_timer(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        timer: ApprovalTimer,
    ) -> Result<String, ApiError> {
        let (level, step) = (timer.level, timer.step);
        let (Some(run), Some(def)) = (
            flow.approval().run(level, step).cloned(),
            flow.approval().def(level, step).cloned(),
        ) else {
            return Ok("dropped: no such step".into());
        };
        if !run.is_open() {
            return Ok(format!("dropped: the step is {}", run.state.name()));
        }
        let seq = tx.reserve_event();
        let at = format!("level {} step {}", level + 1, run.name);
        let action = match (timer.kind, def.on_timeout) {
            (ApprovalTimerKind::Reminder, _) => {
                self.tell_approvers(tx, flow, &run.holders())?;
                format!("reminded {}", run.holders().join(", "))
            }
            (ApprovalTimerKind::Timeout, OnTimeout::Approve) => {
                let d = decision(SYSTEM_ACTOR, true, How::Timeout, None, tx.now);
                self.record(tx, flow, level, step, d)?;
                "auto-approved on timeout".into()
            }
            (ApprovalTimerKind::Timeout, OnTimeout::Abort) => {
                self.abort_flow(tx, flow, format!("{at} timed out"))?;
                "timed out: the request is aborted".into()
            }
            (ApprovalTimerKind::Timeout, _) if run.escalated => {
                self.abort_flow(tx, flow, format!("{at} timed out again after escalation"))?;
                "timed out again after escalation: the request is aborted".into()
            }
            (ApprovalTimerKind::Timeout, how) => {
                let to = if how == OnTimeout::EscalateChief {
                    self.usable_chief(flow)?
                        .map(Target::Group)
                        .into_iter()
                        .collect()
                } else {
                    self.managers_of(&run.approvers, &run.groups)?
                };
                if to.is_empty() {
                    let whom = if how == OnTimeout::EscalateChief {
                        "no chief approval team"
                    } else {
                        "its approvers have no managers"
                    };
                    self.abort_flow(
                        tx,
                        flow,
                        format!("{at} timed out and {whom} to escalate to"),
                    )?;
                    format!("timed out, {whom}: the request is aborted")
                } else {
                    self.escalate_step(tx, flow, level, step, &to)?;
                    let names: Vec<String> = to.iter().map(|t| t.to_string()).collect();
                    format!("timed out: escalated to {}", names.join(", "))
                }
            }
        };
        let what = EventKind::ApprovalTimerFired {
            request: flow.request.id,
            level: level + 1,
            step: run.name.clone(),
            timer: timer.kind,
            action: action.clone(),
        };
        tx.event_at(seq, Some(flow.case.id), what, None);
        Ok(action)
    }

    /// Schedules a step's reminder and timeout anew ([`Approval::schedule`]), its working
    /// durations counted in the calendar of the approver holding it: a single user's (or a
    /// single group's, nobody having claimed it), else the product's, else the approval
    /// policy's, else the resource's, else the store default. A step held by several
    /// approvers counts from the product's on.
    pub(crate) fn schedule_step(
        &self,
        a: &mut Approval,
        product: &Product,
        (level, step): (u32, u32),
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ApiError> {
        let holder =
            a.run(level, step)
                .and_then(|r| match (r.approvers.as_slice(), r.groups.as_slice()) {
                    ([u], []) => Some(Target::User(u.clone())),
                    ([], [g]) => Some(Target::Group(g.clone())),
                    _ => None,
                });
        let named = [product.calendar.as_deref(), a.policy.calendar.as_deref()];
        let cal = self.calendar_in(holder.as_ref(), &named, product.resource.as_deref())?;
        a.schedule(level, step, now, cal.as_ref())?;
        Ok(())
    }

    /// The managers of a step's users, and of its groups.
    fn managers_of(&self, users: &[String], groups: &[String]) -> Result<Vec<Target>, ApiError> {
        let mut out: Vec<Target> = vec![];
        for u in users {
            if let Some(m) = self.store.user(u)?.and_then(|u| u.manager) {
                out.push(Target::User(m));
            }
        }
        for g in groups {
            if let Some(m) = self.store.group(g)?.and_then(|g| g.manager) {
                out.push(Target::User(m));
            }
        }
        out.dedup();
        Ok(out)
    }

    /// The step's work item goes to `to` (escalation level + 1), its timeout starts again.
    fn escalate_step(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        level: u32,
        step: u32,
        to: &[Target],
    ) -> Result<(), ApiError> {
        let now = tx.now;
        let case = flow.case.id;
        let Some(id) = flow.approval().run(level, step).and_then(|r| r.work_item) else {
            return Ok(());
        };
        let Some(item) = flow.item_mut(id) else {
            return Ok(());
        };
        let what = item.escalate(SYSTEM_ACTOR, &to[0], None, now)?;
        tx.event(Some(case), what, None);
        for t in &to[1..] {
            let what = item.delegate(SYSTEM_ACTOR, t, DelegationMethod::Add)?;
            tx.event(Some(case), what, None);
        }
        item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
        let (assignees, candidates) = (item.assignees.clone(), item.candidates.clone());
        let run = flow
            .approval_mut()
            .run_mut(level, step)
            .expect("the step exists");
        run.approvers = assignees;
        run.groups = candidates;
        run.escalated = true;
        run.chance_from = Some(now);
        let product = flow.product.clone();
        self.schedule_step(flow.approval_mut(), &product, (level, step), now)?;
        self.sync_deadline(flow, level, step);
        let holders = flow
            .approval()
            .run(level, step)
            .map(|r| r.holders())
            .unwrap_or_default();
        self.tell_approvers(tx, flow, &holders)
    }
}
