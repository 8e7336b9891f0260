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

mod approvals;
mod idle;
mod isolate;
mod resources;
mod rules;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

pub use idle::idle_sweep;
use isolate::{isolated, Run, Stop};
use resources::resource_firing;

use super::{Engine, Tx, SYSTEM_ACTOR};
use crate::api::{ApiError, Firing, SweepReport};
use crate::domain::{
    ApprovalTimer, Case, CaseId, EventKind, Policy, Request, RequestId, TimerRef, User, WorkItem,
    WorkItemId,
};
use crate::store::trees::{
    TIMER_APPROVAL, TIMER_CAMPAIGN, TIMER_REQUEST, TIMER_RESOURCE, TIMER_WORK_ITEM,
};

/// Entities changed earlier in this sweep (needed by dry runs, which write nothing).
#[derive(Default)]
struct Overlay {
    requests: HashMap<RequestId, Request>,
    items: HashMap<WorkItemId, WorkItem>,
    cases: HashMap<CaseId, Case>,
    policies: HashMap<String, Option<Policy>>,
    /// Users read by this sweep (a sweep changes none): whom a timer escalates to, above
    /// whom, read once however many firings ask.
    users: HashMap<String, Option<User>>,
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
    /// The effect's own event says the work item's new deadline (no `DeadlineSet`).
    deadline_said: bool,
    /// The effect's own event records the firing, naming policy and rule (no `TimerFired`).
    recorded: bool,
}

impl Effect {
    fn said(action: String) -> Effect {
        Effect {
            action,
            changed_case: None,
            next: vec![],
            deadline_said: false,
            recorded: false,
        }
    }
}

/// The work item a firing changed, and what to record about it.
struct Change<'a> {
    /// The number reserved for the firing's `TimerFired`, first in the history before the
    /// effect's events; `None` when the rule's action records the firing in its own event.
    head: Option<u64>,
    case: &'a Case,
    prev_item: WorkItem,
    item: WorkItem,
    timer: TimerRef,
    policy: &'a str,
}

type DueKey = (DateTime<Utc>, u8, u64, u16);

/// The batch of firings in the making.
struct Batch<'e> {
    tx: Tx<'e>,
    /// Firings in it.
    n: usize,
    dry_run: bool,
}

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
        let mut run = Run::default();
        // Exports that changed since they were read are read first.
        if !dry_run {
            for r in self.changed_feeds()? {
                let mut tx = self.begin_at(SYSTEM_ACTOR, now)?;
                let action = self.read_feed_file(&mut tx, &r)?;
                self.commit_batch(tx)?;
                run.fired.push(resource_firing(now, "export", action));
            }
            run.keep();
        }
        let result = loop {
            match self.pass(&mut run, now, until, dry_run) {
                Ok(()) => break Ok(()),
                // The batch in the making is dropped and run again without that timer.
                Err(Stop::Failed(key, error)) => run.restart(key, error),
                // The batch in the making is dropped whole: its timers stay due and fire on
                // the next sweep. Batches committed before are kept.
                Err(Stop::Fatal(e)) => break Err(e),
            }
        };
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
            fired: run.fired,
            failed: run.failed,
            delivered,
            delivery_failures,
            itsm: None,
            archived: None,
            archive_cleared: 0,
        })
    }

    /// One pass over the due timers, from the store's `due` tree (what earlier passes
    /// committed is gone from it), with a fresh overlay.
    fn pass(
        &self,
        run: &mut Run,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<(), Stop> {
        let mut pending: BTreeMap<DueKey, CaseId> = self
            .store
            .due_until(until, usize::MAX)
            .map_err(ApiError::from)?
            .into_iter()
            .map(|(t, kind, id, slot, case)| ((t, kind, id, slot), case))
            .collect();
        let mut overlay = Overlay::default();
        let mut b = Batch {
            tx: self.begin_at(SYSTEM_ACTOR, now)?,
            n: 0,
            dry_run,
        };
        while let Some((key, case)) = pending.pop_first() {
            let (due, kind, id, slot) = key;
            if b.n >= BATCH && !dry_run {
                self.commit_open_batch(&mut b, run)?;
            }
            if let Some(error) = run.skip.get(&key).cloned() {
                let dropped = if kind == TIMER_WORK_ITEM {
                    let timer = TimerRef { due, slot };
                    let o = &mut overlay;
                    self.drop_failed(o, &mut b.tx, timer, WorkItemId(id), case, &error)?
                } else {
                    self.drop_failed_other(&mut b.tx, key, &error)?
                };
                run.failed.extend(dropped);
                b.n += 1;
                continue;
            }
            let mut next = vec![];
            match self.fire_one(&mut overlay, &mut b, run, (key, case), &mut next) {
                Ok(()) => pending.extend(next.into_iter().filter(|(k, _)| k.0 <= until)),
                Err(e) if isolated(&e) => return Err(Stop::Failed(key, e.to_string())),
                Err(e) => return Err(Stop::Fatal(e)),
            }
        }
        if b.n > 0 && !dry_run {
            self.commit_batch(b.tx)?;
            run.keep();
        }
        Ok(())
    }

    /// Commits the batch in the making and goes on with the next in the same change set, its
    /// event numbers and counters continuing (one begun before the commit took the batch's
    /// numbers again: events and messages with numbers already taken).
    fn commit_open_batch<'e>(&'e self, b: &mut Batch<'e>, run: &mut Run) -> Result<(), ApiError> {
        self.commit_so_far(&mut b.tx)?;
        run.keep();
        b.n = 0;
        Ok(())
    }

    /// Fires one due timer; the timers it schedules anew go to `next`.
    fn fire_one<'e>(
        &'e self,
        o: &mut Overlay,
        b: &mut Batch<'e>,
        run: &mut Run,
        (key, case): (DueKey, CaseId),
        next: &mut Vec<(DueKey, CaseId)>,
    ) -> Result<(), ApiError> {
        let (due, kind, id, slot) = key;
        match kind {
            TIMER_REQUEST => {
                if let Some(f) = self.fire_request(o, &mut b.tx, due, RequestId(id), slot)? {
                    run.fired.push(f);
                    b.n += 1;
                }
            }
            TIMER_APPROVAL => {
                let fired = self.fire_approval(o, &mut b.tx, due, RequestId(id), slot, case)?;
                if let Some((f, timers)) = fired {
                    run.fired.push(f);
                    b.n += 1;
                    let k = |t: &ApprovalTimer| (t.due, TIMER_APPROVAL, id, t.slot());
                    next.extend(timers.iter().map(|t| (k(t), case)));
                }
            }
            // Resource and campaign timers run alone in their transaction: they read many
            // shadows or every item of a run.
            TIMER_RESOURCE | TIMER_CAMPAIGN if b.dry_run => {
                run.fired.extend(self.preview_alone(key)?);
            }
            TIMER_RESOURCE | TIMER_CAMPAIGN => {
                if b.n > 0 {
                    self.commit_open_batch(b, run)?;
                }
                run.fired.extend(self.run_alone(key)?);
                run.keep();
            }
            TIMER_WORK_ITEM => {
                let timer = TimerRef { due, slot };
                if let Some((f, timers)) = self.fire(o, &mut b.tx, timer, WorkItemId(id), case)? {
                    run.fired.push(f);
                    b.n += 1;
                    let k = |t: &TimerRef| (t.due, TIMER_WORK_ITEM, id, t.slot);
                    next.extend(timers.iter().map(|t| (k(t), case)));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A resource's or campaign's timer, in a transaction of its own.
    fn run_alone(&self, (due, kind, id, slot): DueKey) -> Result<Option<Firing>, ApiError> {
        if kind == TIMER_CAMPAIGN {
            return self.sweep_campaign(due, id, slot, false);
        }
        let Some((r, name)) = self.live_resource_timer(due, id, slot)? else {
            return Ok(None);
        };
        let action = self.run_resource_timer(&r, slot, due)?;
        Ok(Some(resource_firing(due, name, action)))
    }

    /// What a resource's or campaign's timer would do.
    fn preview_alone(&self, (due, kind, id, slot): DueKey) -> Result<Option<Firing>, ApiError> {
        if kind == TIMER_CAMPAIGN {
            return self.sweep_campaign(due, id, slot, true);
        }
        let Some((r, name)) = self.live_resource_timer(due, id, slot)? else {
            return Ok(None);
        };
        let action = self.preview_resource_timer(&r, slot)?;
        Ok(Some(resource_firing(due, name, action)))
    }

    /// A campaign run's timer, in a transaction of its own (a dry run only says what).
    fn sweep_campaign(
        &self,
        due: DateTime<Utc>,
        id: u64,
        slot: u16,
        dry_run: bool,
    ) -> Result<Option<Firing>, ApiError> {
        if dry_run {
            let action = self.preview_campaign_timer(id, slot)?;
            return Ok(action.map(|a| resource_firing(due, "campaign", a)));
        }
        let mut tx = self.begin_at(SYSTEM_ACTOR, due)?;
        let Some((name, action)) = self.fire_campaign_timer(&mut tx, id, slot, due)? else {
            return Ok(None);
        };
        self.commit_batch(tx)?;
        Ok(Some(resource_firing(due, &name, action)))
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

    fn overlay_user(&self, o: &mut Overlay, login: &str) -> Result<Option<User>, ApiError> {
        if let Some(u) = o.users.get(login) {
            return Ok(u.clone());
        }
        let u = self.store.user(login)?;
        o.users.insert(login.to_string(), u.clone());
        Ok(u)
    }

    /// The work item of a live timer (open, the timer still among its timers) as it is and
    /// without the timer, and its case; `None` when the timer no longer applies.
    fn live(
        &self,
        o: &Overlay,
        timer: TimerRef,
        item_id: WorkItemId,
        case_id: CaseId,
    ) -> Result<Option<(WorkItem, WorkItem, Case)>, ApiError> {
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
        Ok(Some((prev_item, item, case)))
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
        let Some((prev_item, mut item, case)) = self.live(o, timer, item_id, case_id)? else {
            return Ok(None);
        };
        tx.now = timer.due;
        let policy_name = case.policy.clone().unwrap_or_default();
        let policy = self.overlay_policy(o, &policy_name)?;
        let rule_no = timer.rule();
        let folds = !timer.is_reminder()
            && policy
                .as_ref()
                .and_then(|p| p.rules.get(rule_no))
                .is_some_and(|r| rules::records_itself(&r.action));
        let head = (!folds).then(|| tx.reserve_event());
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
            head,
            case: &case,
            prev_item,
            item,
            timer,
            policy: &policy_name,
        };
        Ok(Some(self.finish(o, tx, change, effect)))
    }

    /// Records the firing (in the effect's own event, which names policy and rule, or else in
    /// a `TimerFired`), writes the change and keeps it in the overlay.
    fn finish(
        &self,
        o: &mut Overlay,
        tx: &mut Tx<'_>,
        change: Change<'_>,
        effect: Effect,
    ) -> (Firing, Vec<TimerRef>) {
        let Change {
            head,
            case,
            prev_item,
            item,
            timer,
            policy,
        } = change;
        // One event per delegation or escalation, naming the rule (issue 17: fewer writes
        // per firing); any other firing, or one whose action was skipped, is a `TimerFired`
        // ahead of what it changed.
        if !effect.recorded {
            let what = EventKind::TimerFired {
                work_item: item.id,
                policy: policy.to_string(),
                rule: timer.rule() as u32,
                action: effect.action.clone(),
            };
            match head {
                Some(seq) => tx.event_at(seq, Some(case.id), what, None),
                None => tx.event(Some(case.id), what, None),
            }
        }
        let firing = work_item_firing(timer, case.id, item.id, policy, effect.action);
        let said = effect.deadline_said;
        write_change(o, tx, (case, &prev_item, item), effect.changed_case, said);
        (firing, effect.next)
    }
}

/// Writes the work item a timer changed and its case (touched, unless `changed_case` holds
/// it as changed and already written), and keeps both in the overlay.
fn write_change(
    o: &mut Overlay,
    tx: &mut Tx<'_>,
    (case, prev_item, item): (&Case, &WorkItem, WorkItem),
    changed_case: Option<Case>,
    deadline_said: bool,
) {
    if !deadline_said {
        tx.record_deadline(prev_item.deadline, &item);
    }
    tx.ws.put_work_item(Some(prev_item), &item);
    let case_now = changed_case.unwrap_or_else(|| {
        let mut touched = case.clone();
        touched.modified = tx.now;
        tx.ws.put_case(Some(case), &touched);
        touched
    });
    o.cases.insert(case.id, case_now);
    o.items.insert(item.id, item);
}

/// The report's line for a work item's timer.
fn work_item_firing(
    timer: TimerRef,
    case: CaseId,
    item: WorkItemId,
    policy: &str,
    action: String,
) -> Firing {
    Firing {
        due: timer.due,
        timer: if timer.is_reminder() {
            "reminder"
        } else {
            "escalation"
        }
        .to_string(),
        case: Some(case),
        work_item: Some(item),
        request: None,
        policy: Some(policy.to_string()),
        rule: Some(timer.rule()),
        action,
    }
}
