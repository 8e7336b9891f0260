//! The life of cases and work items, shared by every path that changes them (commands,
//! timers, exports, the generator): each change applies the domain's transition and records
//! the event it returns, so a history reads the same whoever made the change.
//!
//! Functions on one entity (`complete_item`, `cancel_item`, `end_case`, `close_case`) change
//! it in memory and record its events; the caller writes it. `cancel_open_items` and
//! `close_if_done` also write what they change.

use super::{Engine, Tx};
use crate::api::{ApiError, NewCase};
use crate::domain::{
    Calendar, Case, CaseState, Correlation, OpRef, Outcome, Policy, Target, WorkItem,
};

impl Tx<'_> {
    /// A new case in `Open` with one work item for `new.target`, taken as given (see
    /// [`Engine::open_case`] for the checks). Records `CaseCreated`, `WorkItemCreated` and
    /// the move to `Open`; nothing is written yet.
    pub fn open_case(
        &mut self,
        new: NewCase,
        operations: Vec<OpRef>,
        correlation: Option<Correlation>,
    ) -> Result<(Case, WorkItem), ApiError> {
        let id = self.new_case_id()?;
        let wi_id = self.new_work_item_id()?;
        let mut case = Case {
            id,
            kind: new.kind,
            title: new.title,
            description: new.description,
            state: CaseState::Created,
            outcome: None,
            requester: self.actor.clone(),
            resource: new.resource,
            object: new.object,
            parent: None,
            policy: new.policy,
            external_ticket: None,
            work_items: vec![wi_id],
            operations,
            correlation,
            created: self.now,
            modified: self.now,
            closed: None,
            request: None,
        };
        let created = crate::domain::EventKind::CaseCreated {
            kind: case.kind,
            title: case.title.clone(),
        };
        self.event(Some(id), created, None);
        let item = WorkItem::new(
            wi_id,
            id,
            case.kind.name(),
            &new.target,
            new.deadline,
            self.now,
        );
        let offered = crate::domain::EventKind::WorkItemCreated {
            work_item: wi_id,
            assignees: item.assignees.clone(),
            candidates: item.candidates.clone(),
        };
        self.event(Some(id), offered, None);
        self.record_item_opened(&item);
        self.record_case_opened(&case);
        let opened = case.transition(CaseState::Open, self.now)?;
        self.event(Some(id), opened, None);
        Ok((case, item))
    }

    /// `by` completes `item` with `outcome`; `comment` is the event's reason.
    pub fn complete_item(
        &mut self,
        item: &mut WorkItem,
        by: &str,
        outcome: Outcome,
        comment: Option<String>,
    ) -> Result<(), ApiError> {
        self.record_acting_for(item, by);
        let what = item.complete(by, outcome, comment.clone(), self.now)?;
        self.event(Some(item.case), what, comment);
        Ok(())
    }

    pub fn cancel_item(&mut self, item: &mut WorkItem) -> Result<(), ApiError> {
        let what = item.cancel(self.now)?;
        self.event(Some(item.case), what, None);
        Ok(())
    }

    /// Cancels (and writes) every open one of `items`; returns them all as they are now.
    pub fn cancel_open_items(&mut self, items: Vec<WorkItem>) -> Result<Vec<WorkItem>, ApiError> {
        let mut out = Vec::with_capacity(items.len());
        for mut item in items {
            if item.is_open() {
                let prev = item.clone();
                self.cancel_item(&mut item)?;
                self.ws.put_work_item(Some(&prev), &item);
            }
            out.push(item);
        }
        Ok(out)
    }

    /// Ends `case` in `to` (closed or cancelled) with `outcome`; `why` is the event's reason.
    pub fn end_case(
        &mut self,
        case: &mut Case,
        to: CaseState,
        outcome: Option<Outcome>,
        why: Option<String>,
    ) -> Result<(), ApiError> {
        let what = case.end(to, outcome, self.now)?;
        self.event(Some(case.id), what, why);
        Ok(())
    }

    /// The human work on `case` is over: `Open → Closing → Closed` with `outcome`.
    pub fn close_case(
        &mut self,
        case: &mut Case,
        outcome: Option<Outcome>,
    ) -> Result<(), ApiError> {
        for what in case.close(outcome, self.now)? {
            self.event(Some(case.id), what, None);
        }
        Ok(())
    }

    /// When no work item of `case` is open any more (`items` being all of them, up to
    /// date), the case closes with the combined outcome. Returns the closed case, already
    /// in the write set.
    pub fn close_if_done(
        &mut self,
        case: &Case,
        items: &[WorkItem],
    ) -> Result<Option<Case>, ApiError> {
        if items.iter().any(|o| o.is_open()) || !case.state.is_active() {
            return Ok(None);
        }
        let mut closed = case.clone();
        self.close_case(&mut closed, combined_outcome(items))?;
        self.ws.put_case(Some(case), &closed);
        Ok(Some(closed))
    }
}

/// The outcome of a case from its work items' outcomes.
pub(crate) fn combined_outcome(items: &[WorkItem]) -> Option<Outcome> {
    Outcome::combine(items.iter().filter_map(|o| o.outcome))
}

/// `items` with `item` in place of the work item of the same id.
pub(crate) fn with_item(items: Vec<WorkItem>, item: &WorkItem) -> Vec<WorkItem> {
    items
        .into_iter()
        .map(|i| if i.id == item.id { item.clone() } else { i })
        .collect()
}

impl Engine {
    /// Opens a case with one work item for `new.target`, writing it, its events and its
    /// timers into `tx`. Used by `case new` and by the engine's own cases (provisioning,
    /// remediation, correlation).
    pub(crate) fn open_case(
        &self,
        tx: &mut Tx,
        new: NewCase,
        operations: Vec<OpRef>,
        correlation: Option<Correlation>,
    ) -> Result<(Case, WorkItem), ApiError> {
        let title = new.title.trim().to_string();
        if title.is_empty() {
            return Err(ApiError::BadInput("a case needs a title".into()));
        }
        self.check_target(&new.target)?;
        let policy = match &new.policy {
            Some(name) => Some(self.load_policy(name)?),
            None => None,
        };
        let cal = self.calendar_of(&new.target, new.resource.as_deref())?;
        let asked = match (new.deadline, new.deadline_in) {
            (Some(_), Some(_)) => {
                return Err(ApiError::BadInput(
                    "a deadline is a time or a duration, not both".into(),
                ))
            }
            (None, Some(span)) => Some(span.after(tx.now, cal.as_ref())?),
            (given, None) => given,
        };
        let deadline = match (asked, policy.as_ref().and_then(|p| p.deadline)) {
            (None, Some(span)) => Some(span.after(tx.now, cal.as_ref())?),
            (given, _) => given,
        };
        let new = NewCase {
            title,
            description: new.description.filter(|d| !d.trim().is_empty()),
            deadline,
            deadline_in: None,
            ..new
        };
        let (case, mut item) = tx.open_case(new, operations, correlation)?;
        if let Some(p) = &policy {
            item.timers = p.schedule(&item, tx.now, cal.as_ref())?;
        }
        tx.ws.put_case(None, &case);
        tx.ws.put_work_item(None, &item);
        self.outsource_new(tx, &case)?;
        Ok((case, item))
    }

    /// The calendar working time is counted in for work held by `holder` on a case of
    /// `resource`: the user's (or the group's) own calendar, else the resource's, else the
    /// store's default; none when no calendar applies (a working duration then fails with a
    /// clear error).
    pub(crate) fn calendar_of(
        &self,
        holder: &Target,
        resource: Option<&str>,
    ) -> Result<Option<Calendar>, ApiError> {
        self.calendar_in(Some(holder), &[], resource)
    }

    /// [`Engine::calendar_of`] with calendars `named` between the holder's and the
    /// resource's, the first that is set winning (an approval step: the product's, then the
    /// approval policy's); no holder when the work has no single one. The one place the
    /// order of calendars is decided.
    pub(crate) fn calendar_in(
        &self,
        holder: Option<&Target>,
        named: &[Option<&str>],
        resource: Option<&str>,
    ) -> Result<Option<Calendar>, ApiError> {
        let own = match holder {
            Some(Target::User(u)) => self.store.user(u)?.and_then(|u| u.calendar),
            Some(Target::Group(g)) => self.store.group(g)?.and_then(|g| g.calendar),
            None => None,
        };
        let of_resource = || -> Result<Option<String>, ApiError> {
            Ok(match resource {
                Some(r) => self.store.resource(r)?.and_then(|r| r.calendar),
                None => None,
            })
        };
        let name = match own.or_else(|| named.iter().find_map(|n| n.map(str::to_string))) {
            Some(n) => Some(n),
            None => match of_resource()? {
                Some(n) => Some(n),
                None => self.store.default_calendar()?,
            },
        };
        match name {
            None => Ok(None),
            Some(n) => self.store.calendar(&n)?.map(Some).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "no calendar {n:?}: import it with `casebench import calendars FILE.toml`"
                ))
            }),
        }
    }

    pub(crate) fn load_policy(&self, name: &str) -> Result<Policy, ApiError> {
        self.store.policy(name)?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "no policy {name:?}: import it with `casebench import policies FILE.toml`"
            ))
        })
    }

    pub(crate) fn check_target(&self, target: &Target) -> Result<(), ApiError> {
        match target {
            Target::User(u) => {
                self.store
                    .user(u)?
                    .ok_or_else(|| ApiError::NotFound(format!("no user {u:?}")))?;
            }
            Target::Group(g) => {
                self.store
                    .group(g)?
                    .ok_or_else(|| ApiError::NotFound(format!("no group @{g}")))?;
            }
        }
        Ok(())
    }
}
