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

use super::{Engine, Tx, SYSTEM_ACTOR};
use crate::api::{ApiError, Firing, SweepReport};
use crate::domain::policy::{Action, AutoOutcome, EscalationTarget, Recipient, Rule};
use crate::domain::{
    Case, CaseId, CaseState, EventKind, Outcome, Policy, Target, TimerRef, WorkItem, WorkItemId,
};
use crate::domain::{Request, RequestId, Resource, ValidityKind, ValidityTimer};
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

/// One timer firing on its work item, while its rule applies.
struct Fire<'f, 't> {
    o: &'f mut Overlay,
    tx: &'f mut Tx<'t>,
    case: &'f Case,
    item: &'f mut WorkItem,
    policy: &'f Policy,
    timer: TimerRef,
}

/// What a firing did: its action as said in the history, the case if it changed, and the
/// work item's timers scheduled anew.
struct Effect {
    action: String,
    changed_case: Option<Case>,
    next: Vec<TimerRef>,
}

impl Effect {
    fn said(action: String) -> Effect {
        Effect {
            action,
            changed_case: None,
            next: vec![],
        }
    }
}

/// The work item a firing changed, and what to record about it.
struct Change<'a> {
    fired_seq: u64,
    case: &'a Case,
    prev_item: WorkItem,
    item: WorkItem,
    timer: TimerRef,
    policy: &'a str,
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
                match self.fire_request(&mut overlay, &mut tx, due, RequestId(id), slot) {
                    Ok(Some(firing)) => {
                        fired.push(firing);
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
                let Some((r, name)) = self.live_resource_timer(due, id, slot)? else {
                    continue;
                };
                let action = if dry_run {
                    self.preview_resource_timer(&r, slot)?
                } else {
                    // A resource timer runs alone in its transaction: it reads many shadows.
                    if in_batch > 0 {
                        self.commit_batch(tx)?;
                        in_batch = 0;
                    }
                    let action = self.run_resource_timer(&r, slot, due)?;
                    tx = self.begin_at(SYSTEM_ACTOR, now)?;
                    action
                };
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

    /// A request's validity timer (valid-from, notice, valid-until), if it is still live.
    fn fire_request(
        &self,
        overlay: &mut Overlay,
        tx: &mut Tx,
        due: DateTime<Utc>,
        rid: RequestId,
        slot: u16,
    ) -> Result<Option<Firing>, ApiError> {
        let Some(vkind) = ValidityKind::from_code(slot) else {
            return Ok(None);
        };
        let current = match overlay.requests.get(&rid) {
            Some(r) => Some(r.clone()),
            None => self.store.request(rid)?,
        };
        let timer = ValidityTimer { due, kind: vkind };
        let Some((_, r, action)) = self.fire_validity(tx, current, timer)? else {
            return Ok(None);
        };
        overlay.requests.insert(rid, r);
        Ok(Some(Firing {
            due,
            timer: vkind.name().to_string(),
            case: None,
            work_item: None,
            request: Some(rid),
            policy: None,
            rule: None,
            action,
        }))
    }

    /// The resource a propagation (slot 0) or export-grace timer is for, while it is live.
    fn live_resource_timer(
        &self,
        due: DateTime<Utc>,
        seq: u64,
        slot: u16,
    ) -> Result<Option<(Resource, &'static str)>, ApiError> {
        let Some(r) = self.store.resource_by_seq(seq)? else {
            return Ok(None);
        };
        let (live, name) = match slot {
            0 => (r.propagation_due == Some(due), "propagation"),
            _ => (r.grace_due == Some(due), "export-grace"),
        };
        Ok(live.then_some((r, name)))
    }

    fn preview_resource_timer(&self, r: &Resource, slot: u16) -> Result<String, ApiError> {
        Ok(if slot == 0 {
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
        })
    }

    /// Propagates the queued operations or re-reads the export, in a transaction of its own.
    fn run_resource_timer(
        &self,
        r: &Resource,
        slot: u16,
        due: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let mut tx = self.begin_at(SYSTEM_ACTOR, due)?;
        let action = if slot == 0 {
            self.propagate(&mut tx, r)?
        } else {
            self.read_feed_file(&mut tx, r)?
        };
        self.commit_batch(tx)?;
        Ok(action)
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
        let effect = match policy
            .as_ref()
            .and_then(|p| Some((p, p.rules.get(rule_no)?)))
        {
            Some((policy, rule)) => {
                let mut firing = Fire {
                    o,
                    tx,
                    case: &case,
                    item: &mut item,
                    policy,
                    timer,
                };
                self.apply_rule(&mut firing, rule)?
            }
            // The policy was removed or shortened: drop the timer, say so.
            None => Effect::said(format!(
                "dropped: policy {policy_name:?} has no rule {rule_no}"
            )),
        };
        let change = Change {
            fired_seq,
            case: &case,
            prev_item,
            item,
            timer,
            policy: &policy_name,
        };
        Ok(Some(self.finish(o, tx, change, effect)))
    }

    /// What rule `rule` of the firing's policy does to its work item.
    fn apply_rule(&self, f: &mut Fire<'_, '_>, rule: &Rule) -> Result<Effect, ApiError> {
        if f.timer.is_reminder() {
            return self.remind(f, rule);
        }
        match &rule.action {
            Action::Notify(recipients) => self.notify_holders(f, recipients),
            Action::Delegate { to, method } => {
                if !self.target_exists(to)? {
                    return Ok(Effect::said(format!(
                        "delegation to {to} skipped: no such user or group"
                    )));
                }
                let what = f.item.delegate(SYSTEM_ACTOR, to, *method)?;
                // Nobody's "delegated by me" queue: the timer did it.
                f.item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                let why = format!("by policy {}", f.policy.name);
                f.tx.event(Some(f.case.id), what, Some(why));
                Ok(Effect::said(format!("delegated {} to {to}", f.item.id)))
            }
            Action::Escalate(target) => self.auto_escalate(f, target),
            Action::Complete(AutoOutcome::Abort) => self.auto_abort(f),
            Action::Complete(auto) => self.auto_complete(f, *auto),
        }
    }

    fn remind(&self, f: &mut Fire<'_, '_>, rule: &Rule) -> Result<Effect, ApiError> {
        let (case, item) = (f.case, &*f.item);
        let to = self.recipients(&[Recipient::Assignees], case, item)?;
        let subject = format!("[casebench] {} reminder: {}", case.id, case.title);
        let body = format!(
            "{} ({}) is waiting for you.\nWithout a decision, policy {} will {} it at {}.\n\n  casebench case show {}\n",
            case.id, item.id, f.policy.name, rule.action.name(), f.timer.due, case.id
        );
        self.queue_notifications(f.tx, &to, case, &subject, &body)?;
        Ok(Effect::said(format!("reminded {}", list(&to))))
    }

    fn notify_holders(
        &self,
        f: &mut Fire<'_, '_>,
        recipients: &[Recipient],
    ) -> Result<Effect, ApiError> {
        let (case, item) = (f.case, &*f.item);
        let to = self.recipients(recipients, case, item)?;
        let subject = format!("[casebench] {}: {}", case.id, case.title);
        let body = format!(
            "{} ({}) needs attention (policy {}, rule {}).\nHeld by: {}\nDeadline: {}\n\n  casebench case show {}\n",
            case.id,
            item.id,
            f.policy.name,
            f.timer.rule(),
            list(&item.holders()),
            item.deadline.map(|d| d.to_rfc3339()).unwrap_or_else(|| "none".into()),
            case.id
        );
        self.queue_notifications(f.tx, &to, case, &subject, &body)?;
        Ok(Effect::said(format!("notified {}", list(&to))))
    }

    fn auto_escalate(
        &self,
        f: &mut Fire<'_, '_>,
        target: &EscalationTarget,
    ) -> Result<Effect, ApiError> {
        let to = match target {
            EscalationTarget::Target(t) => Some(t.clone()),
            EscalationTarget::Manager => self.manager_of(f.item)?,
        };
        let to = match to {
            Some(to) if self.target_exists(&to)? => to,
            Some(to) => {
                return Ok(Effect::said(format!(
                    "escalation to {to} skipped: no such user or group"
                )))
            }
            None => {
                return Ok(Effect::said(
                    "escalation skipped: nobody above the holder".to_string(),
                ))
            }
        };
        let due = f.timer.due;
        let deadline = f.policy.level_deadline(due)?;
        let what = f.item.escalate(SYSTEM_ACTOR, &to, deadline, due)?;
        let level = f.item.escalation_level;
        f.item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
        f.item.timers = f.policy.schedule(f.item, due)?;
        let why = format!("by policy {}: no decision in time", f.policy.name);
        f.tx.event(Some(f.case.id), what, Some(why));
        Ok(Effect {
            action: format!("escalated {} to {to} (level {level})", f.item.id),
            changed_case: None,
            next: f.item.timers.clone(),
        })
    }

    /// The case is cancelled with every open work item.
    fn auto_abort(&self, f: &mut Fire<'_, '_>) -> Result<Effect, ApiError> {
        let case = f.case;
        let mut ended = case.clone();
        ended.state.go_to(CaseState::Cancelled)?;
        f.tx.cancel_item(f.item)?;
        // Other open items of the case end too.
        let mut others = vec![];
        for other_id in case.work_items.iter().filter(|w| **w != f.item.id) {
            others.extend(self.overlay_item(f.o, *other_id)?);
        }
        for other in f.tx.cancel_open_items(others)? {
            f.o.items.insert(other.id, other);
        }
        let why = format!("aborted by policy {}: no decision in time", f.policy.name);
        f.tx.end_case(&mut ended, CaseState::Cancelled, None, Some(why))?;
        f.tx.ws.put_case(Some(case), &ended);
        Ok(Effect {
            action: format!("aborted {}", case.id),
            changed_case: Some(ended),
            next: vec![],
        })
    }

    fn auto_complete(&self, f: &mut Fire<'_, '_>, auto: AutoOutcome) -> Result<Effect, ApiError> {
        let outcome = if auto == AutoOutcome::Approve {
            Outcome::Approved
        } else {
            Outcome::Rejected
        };
        let comment = format!(
            "automatically {} by policy {}: no decision in time",
            outcome, f.policy.name
        );
        f.tx.complete_item(f.item, SYSTEM_ACTOR, outcome, Some(comment))?;
        let mut items = vec![];
        for w in &f.case.work_items {
            if *w == f.item.id {
                items.push(f.item.clone());
            } else if let Some(other) = self.overlay_item(f.o, *w)? {
                items.push(other);
            }
        }
        Ok(Effect {
            action: format!("completed {} as {outcome}", f.item.id),
            changed_case: f.tx.close_if_done(f.case, &items)?,
            next: vec![],
        })
    }

    /// Records the firing event, writes the change (unless a dry run) and the overlay.
    fn finish(
        &self,
        o: &mut Overlay,
        tx: &mut Tx<'_>,
        change: Change<'_>,
        effect: Effect,
    ) -> (Firing, Vec<TimerRef>) {
        let Change {
            fired_seq,
            case,
            prev_item,
            item,
            timer,
            policy,
        } = change;
        // The firing's own event comes first in the history.
        let what = EventKind::TimerFired {
            work_item: item.id,
            policy: policy.to_string(),
            rule: timer.rule() as u32,
            action: effect.action.clone(),
        };
        tx.event_at(fired_seq, Some(case.id), what, None);
        tx.ws.put_work_item(Some(&prev_item), &item);
        match effect.changed_case {
            None => {
                let mut touched = case.clone();
                touched.modified = tx.now;
                tx.ws.put_case(Some(case), &touched);
                o.cases.insert(case.id, touched);
            }
            Some(c) => {
                o.cases.insert(case.id, c);
            }
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
            action: effect.action,
        };
        o.items.insert(item.id, item);
        (firing, effect.next)
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
