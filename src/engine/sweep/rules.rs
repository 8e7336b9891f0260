//! The per-rule actions of a work-item timer: remind, notify, delegate, escalate, complete.

use super::{Effect, Fire, Overlay};
use crate::api::ApiError;
use crate::domain::policy::{Action, AutoOutcome, EscalationTarget, Recipient, Rule};
use crate::domain::{CaseState, EventKind, Outcome, Target, WorkItem};
use crate::engine::{Engine, SYSTEM_ACTOR};

impl Engine {
    /// What rule `rule` of the firing's policy does to its work item.
    pub(super) fn apply_rule(&self, f: &mut Fire<'_, '_>, rule: &Rule) -> Result<Effect, ApiError> {
        if f.timer.is_reminder() {
            return self.remind(f, rule);
        }
        match &rule.action {
            Action::Notify(recipients) => self.notify_holders(f, recipients),
            Action::Delegate { to, method } => {
                if !self.target_known(f.o, to)? {
                    return Ok(Effect::said(format!(
                        "delegation to {to} skipped: no such user or group"
                    )));
                }
                f.item.delegate(SYSTEM_ACTOR, to, *method)?;
                // Nobody's "delegated by me" queue: the timer did it.
                f.item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
                let what = EventKind::DelegatedByRule {
                    work_item: f.item.id,
                    to: to.clone(),
                    method: *method,
                    policy: f.policy.name.clone(),
                    rule: f.timer.rule() as u32,
                };
                let why = format!("by policy {}", f.policy.name);
                f.tx.event(Some(f.case.id), what, Some(why));
                Ok(Effect {
                    recorded: true,
                    ..Effect::said(format!("delegated {} to {to}", f.item.id))
                })
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
            EscalationTarget::Manager => self.manager_of(f.o, f.item)?,
        };
        let to = match to {
            Some(to) if self.target_known(f.o, &to)? => to,
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
        // The new level's times run in the calendar of whom it goes to.
        let cal = self.calendar_of(&to, f.case.resource.as_deref())?;
        let deadline = f.policy.level_deadline(due, cal.as_ref())?;
        f.item.escalate(SYSTEM_ACTOR, &to, deadline, due)?;
        let level = f.item.escalation_level;
        // One event says the escalation and the new level's deadline (replay reads both).
        let what = EventKind::EscalatedByRule {
            work_item: f.item.id,
            to: to.clone(),
            level,
            deadline: f.item.deadline,
            policy: f.policy.name.clone(),
            rule: f.timer.rule() as u32,
        };
        f.item.delegated_by.retain(|d| d != SYSTEM_ACTOR);
        f.item.timers = f.policy.schedule(f.item, due, cal.as_ref())?;
        let why = format!("by policy {}: no decision in time", f.policy.name);
        f.tx.event(Some(f.case.id), what, Some(why));
        Ok(Effect {
            action: format!("escalated {} to {to} (level {level})", f.item.id),
            changed_case: None,
            next: f.item.timers.clone(),
            deadline_said: true,
            recorded: true,
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
            deadline_said: false,
            recorded: false,
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
            deadline_said: false,
            recorded: false,
        })
    }

    /// Whether the user or group exists (users through the sweep's cache).
    fn target_known(&self, o: &mut Overlay, t: &Target) -> Result<bool, ApiError> {
        Ok(match t {
            Target::User(u) => self.overlay_user(o, u)?.is_some(),
            Target::Group(g) => self.store.group(g)?.is_some(),
        })
    }

    /// The manager of the first assignee, else of the first candidate group.
    fn manager_of(&self, o: &mut Overlay, item: &WorkItem) -> Result<Option<Target>, ApiError> {
        if let Some(a) = item.assignees.first() {
            return Ok(self
                .overlay_user(o, a)?
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

/// Whether a rule's action, when it acts, records the firing in its own event (naming the
/// policy and rule) so that the firing needs no `TimerFired`: a delegation, an escalation.
pub(super) fn records_itself(action: &Action) -> bool {
    matches!(action, Action::Delegate { .. } | Action::Escalate(_))
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nobody".into()
    } else {
        v.join(", ")
    }
}
