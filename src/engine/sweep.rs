//! `Engine::sweep_at`: fires every timer due up to a time.
//!
//! The due timers are read with one range scan of the `due` tree up to `until`. Each firing
//! applies its effect, its events and the removal of its timer in one transaction (the
//! timer's `due` entry is derived from the work item, so both change together); timers it
//! schedules (a new escalation level) are fired in the same sweep when they are due by
//! `until`. The sweep flushes once at its end. A crash loses only unflushed firings, whose
//! timers are still in `due`: they fire on the next sweep, and nothing fires twice.
//!
//! A dry run computes the same firings on an in-memory overlay and writes nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::execute::close_if_done;
use super::{Engine, Tx, SYSTEM_ACTOR};
use crate::api::{ApiError, Firing, SweepReport};
use crate::domain::policy::{Action, AutoOutcome, EscalationTarget, Recipient};
use crate::domain::{
    Case, CaseId, CaseState, EventKind, Outcome, Policy, Target, TimerRef, WorkItem, WorkItemId,
};
use crate::domain::{Request, RequestId, ValidityKind, ValidityTimer};
use crate::store::trees::{TIMER_REQUEST, TIMER_RESOURCE, TIMER_WORK_ITEM};

fn resource_firing(due: DateTime<Utc>, timer: &str, action: String) -> Firing {
    Firing {
        due,
        timer: timer.to_string(),
        case: None,
        work_item: None,
        request: None,
        policy: None,
        rule: None,
        action,
    }
}

/// Entities changed earlier in this sweep (needed by dry runs, which write nothing).
#[derive(Default)]
struct Overlay {
    requests: HashMap<RequestId, Request>,
    items: HashMap<WorkItemId, WorkItem>,
    cases: HashMap<CaseId, Case>,
    policies: HashMap<String, Option<Policy>>,
}

type DueKey = (DateTime<Utc>, u8, u64, u16);

/// Firings applied per store transaction. Each firing reads what earlier ones in its batch
/// changed through the overlay; a batch is atomic, so a crash keeps or loses whole firings.
const BATCH: usize = 256;

impl Engine {
    /// Fires (or with `dry_run`, lists) every timer due at or before `until`; `now` is the
    /// time of the sweep itself (delivery, report).
    pub(crate) fn sweep_at(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<SweepReport, ApiError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending: BTreeMap<DueKey, CaseId> = self
            .store
            .due_until(until, usize::MAX)?
            .into_iter()
            .map(|(t, kind, id, slot, case)| ((t, kind, id, slot), case))
            .collect();
        let mut overlay = Overlay::default();
        let mut fired = vec![];
        let mut result = Ok(());
        // Exports that changed since they were read are read first.
        if !dry_run {
            for r in self.changed_feeds()? {
                let mut tx = self.begin_at(SYSTEM_ACTOR, now)?;
                let action = self.read_feed_file(&mut tx, &r)?;
                self.commit_batch(tx)?;
                fired.push(resource_firing(now, "export", action));
            }
        }
        let mut tx = self.begin_at(SYSTEM_ACTOR, now)?;
        let mut in_batch = 0;
        while let Some(((due, kind, id, slot), case)) = pending.pop_first() {
            if in_batch >= BATCH && !dry_run {
                self.commit_batch(tx)?;
                tx = self.begin_at(SYSTEM_ACTOR, now)?;
                in_batch = 0;
            }
            if kind == TIMER_REQUEST {
                let Some(vkind) = ValidityKind::from_code(slot) else {
                    continue;
                };
                let rid = RequestId(id);
                let current = match overlay.requests.get(&rid) {
                    Some(r) => Some(r.clone()),
                    None => self.store.request(rid)?,
                };
                let timer = ValidityTimer { due, kind: vkind };
                match self.fire_validity(&mut tx, current, timer) {
                    Ok(Some((_, r, action))) => {
                        overlay.requests.insert(rid, r);
                        fired.push(Firing {
                            due,
                            timer: vkind.name().to_string(),
                            case: None,
                            work_item: None,
                            request: Some(rid),
                            policy: None,
                            rule: None,
                            action,
                        });
                        in_batch += 1;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
                continue;
            }
            if kind == TIMER_RESOURCE {
                let Some(r) = self.store.resource_by_seq(id)? else {
                    continue;
                };
                let (live, name) = match slot {
                    0 => (r.propagation_due == Some(due), "propagation"),
                    _ => (r.grace_due == Some(due), "export-grace"),
                };
                if !live {
                    continue;
                }
                if dry_run {
                    let action = if slot == 0 {
                        let n = self.store.queued_shadows(&r.id)?.len();
                        format!(
                            "{}: would open one case for the queued operations of {n} accounts",
                            r.id
                        )
                    } else {
                        format!(
                            "{}: would read the export and check unconfirmed operations",
                            r.id
                        )
                    };
                    fired.push(resource_firing(due, name, action));
                    continue;
                }
                // A resource timer runs alone in its transaction: it reads many shadows.
                if in_batch > 0 {
                    self.commit_batch(tx)?;
                    in_batch = 0;
                }
                let mut rtx = self.begin_at(SYSTEM_ACTOR, due)?;
                let action = if slot == 0 {
                    self.propagate(&mut rtx, &r)?
                } else {
                    self.read_feed_file(&mut rtx, &r)?
                };
                self.commit_batch(rtx)?;
                tx = self.begin_at(SYSTEM_ACTOR, now)?;
                fired.push(resource_firing(due, name, action));
                continue;
            }
            if kind != TIMER_WORK_ITEM {
                continue;
            }
            let timer = TimerRef { due, slot };
            match self.fire(&mut overlay, &mut tx, timer, WorkItemId(id), case) {
                Ok(Some((firing, next))) => {
                    fired.push(firing);
                    in_batch += 1;
                    for t in next.into_iter().filter(|t| t.due <= until) {
                        pending.insert((t.due, TIMER_WORK_ITEM, id, t.slot), case);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    // The batch in the making is dropped whole: its timers stay due and
                    // fire on the next sweep. Batches committed before are kept.
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() && in_batch > 0 && !dry_run {
            self.commit_batch(tx)?;
        }
        let (mut delivered, mut delivery_failures) = (0, 0);
        if !dry_run {
            self.store.flush()?;
            result?;
            (delivered, delivery_failures) = self.deliver()?;
        } else {
            result?;
        }
        Ok(SweepReport {
            now,
            dry_run,
            fired,
            delivered,
            delivery_failures,
        })
    }

    fn overlay_item(&self, o: &Overlay, id: WorkItemId) -> Result<Option<WorkItem>, ApiError> {
        match o.items.get(&id) {
            Some(i) => Ok(Some(i.clone())),
            None => Ok(self.store.work_item(id)?),
        }
    }

    fn overlay_case(&self, o: &Overlay, id: CaseId) -> Result<Option<Case>, ApiError> {
        match o.cases.get(&id) {
            Some(c) => Ok(Some(c.clone())),
            None => Ok(self.store.case(id)?),
        }
    }

    fn overlay_policy(&self, o: &mut Overlay, name: &str) -> Result<Option<Policy>, ApiError> {
        if let Some(p) = o.policies.get(name) {
            return Ok(p.clone());
        }
        let p = self.store.policy(name)?;
        o.policies.insert(name.to_string(), p.clone());
        Ok(p)
    }

    /// Fires one timer. Returns what fired and the work item's timers scheduled anew, or
    /// `None` when the timer no longer applies (its work item closed or moved on).
    fn fire(
        &self,
        o: &mut Overlay,
        tx: &mut Tx<'_>,
        timer: TimerRef,
        item_id: WorkItemId,
        case_id: CaseId,
    ) -> Result<Option<(Firing, Vec<TimerRef>)>, ApiError> {
        let Some(mut item) = self.overlay_item(o, item_id)? else {
            return Ok(None);
        };
        if !item.is_open() || !item.timers.contains(&timer) {
            return Ok(None);
        }
        let case = self
            .overlay_case(o, case_id)?
            .ok_or_else(|| ApiError::Internal(format!("{item_id} belongs to missing {case_id}")))?;
        let prev_item = item.clone();
        item.timers.retain(|t| *t != timer);
        tx.now = timer.due;
        let fired_seq = tx.reserve_event();
        let policy_name = case.policy.clone().unwrap_or_default();
        let policy = self.overlay_policy(o, &policy_name)?;
        let rule_no = timer.rule();
        let Some(rule) = policy.as_ref().and_then(|p| p.rules.get(rule_no)).cloned() else {
            // The policy was removed or shortened: drop the timer, say so.
            let action = format!("dropped: policy {policy_name:?} has no rule {rule_no}");
            return self.finish(
                o,
                tx,
                fired_seq,
                &case,
                None,
                prev_item,
                item,
                timer,
                &policy_name,
                action,
                vec![],
            );
        };
        let policy = policy.expect("rule found in policy");
        let mut changed_case: Option<Case> = None;
        let mut next = vec![];
        let action: String = if timer.is_reminder() {
            let to = self.recipients(&[Recipient::Assignees], &case, &item)?;
            let subject = format!("[casebench] {} reminder: {}", case.id, case.title);
            let body = format!(
                "{} ({}) is waiting for you.\nWithout a decision, policy {} will {} it at {}.\n\n  casebench case show {}\n",
                case.id, item.id, policy.name, rule.action.name(), timer.due, case.id
            );
            self.queue_notifications(tx, &to, &case, &subject, &body)?;
            format!("reminded {}", list(&to))
        } else {
            match &rule.action {
                Action::Notify(recipients) => {
                    let to = self.recipients(recipients, &case, &item)?;
                    let subject = format!("[casebench] {}: {}", case.id, case.title);
                    let body = format!(
                        "{} ({}) needs attention (policy {}, rule {}).\nHeld by: {}\nDeadline: {}\n\n  casebench case show {}\n",
                        case.id,
                        item.id,
                        policy.name,
                        rule_no,
                        list(&item.holders()),
                        item.deadline.map(|d| d.to_rfc3339()).unwrap_or_else(|| "none".into()),
                        case.id
                    );
                    self.queue_notifications(tx, &to, &case, &subject, &body)?;
                    format!("notified {}", list(&to))
                }
                Action::Delegate { to, method } => {
                    if !self.target_exists(to)? {
                        format!("delegation to {to} skipped: no such user or group")
                    } else {
                        item.delegate(SYSTEM_ACTOR, to, *method)?;
                        // Nobody's "delegated by me" queue: the timer did it.
                        item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                        tx.event(
                            Some(case.id),
                            EventKind::Delegated {
                                work_item: item.id,
                                to: to.clone(),
                                method: *method,
                            },
                            Some(format!("by policy {}", policy.name)),
                        );
                        format!("delegated {} to {to}", item.id)
                    }
                }
                Action::Escalate(target) => {
                    let to = match target {
                        EscalationTarget::Target(t) => Some(t.clone()),
                        EscalationTarget::Manager => self.manager_of(&item)?,
                    };
                    match to {
                        Some(to) if self.target_exists(&to)? => {
                            let deadline = policy.level_deadline(timer.due);
                            let level = item.escalate(SYSTEM_ACTOR, &to, deadline, timer.due)?;
                            item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                            item.timers = policy.schedule(&item, timer.due);
                            next = item.timers.clone();
                            tx.event(
                                Some(case.id),
                                EventKind::Escalated {
                                    work_item: item.id,
                                    to: to.clone(),
                                    level,
                                },
                                Some(format!("by policy {}: no decision in time", policy.name)),
                            );
                            format!("escalated {} to {to} (level {level})", item.id)
                        }
                        Some(to) => format!("escalation to {to} skipped: no such user or group"),
                        None => "escalation skipped: nobody above the holder".to_string(),
                    }
                }
                Action::Complete(AutoOutcome::Abort) => {
                    let mut ended = case.clone();
                    let from = ended.state;
                    ended.transition(CaseState::Cancelled, timer.due)?;
                    item.cancel(timer.due)?;
                    tx.event(
                        Some(case.id),
                        EventKind::WorkItemCancelled { work_item: item.id },
                        None,
                    );
                    // Other open items of the case end too.
                    for other_id in case.work_items.iter().filter(|w| **w != item.id) {
                        if let Some(mut other) = self.overlay_item(o, *other_id)? {
                            if other.is_open() {
                                let prev = other.clone();
                                other.cancel(timer.due)?;
                                tx.event(
                                    Some(case.id),
                                    EventKind::WorkItemCancelled {
                                        work_item: other.id,
                                    },
                                    None,
                                );
                                tx.ws.put_work_item(Some(&prev), &other);
                                o.items.insert(other.id, other);
                            }
                        }
                    }
                    tx.event(
                        Some(case.id),
                        EventKind::StateChanged {
                            from,
                            to: CaseState::Cancelled,
                            outcome: None,
                        },
                        Some(format!(
                            "aborted by policy {}: no decision in time",
                            policy.name
                        )),
                    );
                    tx.ws.put_case(Some(&case), &ended);
                    changed_case = Some(ended);
                    format!("aborted {}", case.id)
                }
                Action::Complete(auto) => {
                    let outcome = if *auto == AutoOutcome::Approve {
                        Outcome::Approved
                    } else {
                        Outcome::Rejected
                    };
                    let comment = format!(
                        "automatically {} by policy {}: no decision in time",
                        outcome, policy.name
                    );
                    item.complete(SYSTEM_ACTOR, outcome, Some(comment.clone()), timer.due)?;
                    tx.event(
                        Some(case.id),
                        EventKind::WorkItemCompleted {
                            work_item: item.id,
                            outcome,
                        },
                        Some(comment),
                    );
                    let mut items = vec![];
                    for w in &case.work_items {
                        if *w == item.id {
                            items.push(item.clone());
                        } else if let Some(other) = self.overlay_item(o, *w)? {
                            items.push(other);
                        }
                    }
                    changed_case = close_if_done(tx, &case, &items)?;
                    format!("completed {} as {outcome}", item.id)
                }
            }
        };
        self.finish(
            o,
            tx,
            fired_seq,
            &case,
            changed_case,
            prev_item,
            item,
            timer,
            &policy_name,
            action,
            next,
        )
    }

    /// Records the firing event, writes the change (unless a dry run) and the overlay.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        o: &mut Overlay,
        tx: &mut Tx<'_>,
        fired_seq: u64,
        case: &Case,
        changed_case: Option<Case>,
        prev_item: WorkItem,
        item: WorkItem,
        timer: TimerRef,
        policy: &str,
        action: String,
        next: Vec<TimerRef>,
    ) -> Result<Option<(Firing, Vec<TimerRef>)>, ApiError> {
        // The firing's own event comes first in the history.
        let what = EventKind::TimerFired {
            work_item: item.id,
            policy: policy.to_string(),
            rule: timer.rule() as u32,
            action: action.clone(),
        };
        tx.event_at(fired_seq, Some(case.id), what, None);
        tx.ws.put_work_item(Some(&prev_item), &item);
        if changed_case.is_none() {
            let mut touched = case.clone();
            touched.modified = tx.now;
            tx.ws.put_case(Some(case), &touched);
            o.cases.insert(case.id, touched);
        } else if let Some(c) = changed_case {
            o.cases.insert(case.id, c);
        }
        let firing = Firing {
            due: timer.due,
            timer: if timer.is_reminder() {
                "reminder"
            } else {
                "escalation"
            }
            .to_string(),
            case: Some(case.id),
            work_item: Some(item.id),
            request: None,
            policy: Some(policy.to_string()),
            rule: Some(timer.rule()),
            action,
        };
        o.items.insert(item.id, item);
        Ok(Some((firing, next)))
    }

    fn target_exists(&self, t: &Target) -> Result<bool, ApiError> {
        Ok(match t {
            Target::User(u) => self.store.user(u)?.is_some(),
            Target::Group(g) => self.store.group(g)?.is_some(),
        })
    }

    /// The manager of the first assignee, else of the first candidate group.
    fn manager_of(&self, item: &WorkItem) -> Result<Option<Target>, ApiError> {
        if let Some(a) = item.assignees.first() {
            return Ok(self
                .store
                .user(a)?
                .and_then(|u| u.manager)
                .map(Target::User));
        }
        if let Some(g) = item.candidates.first() {
            return Ok(self
                .store
                .group(g)?
                .and_then(|g| g.manager)
                .map(Target::User));
        }
        Ok(None)
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nobody".into()
    } else {
        v.join(", ")
    }
}
