//! Approval workflows as they run: a request's approval case, its steps' work items, the
//! decisions and what follows from them (the next level, the approval, a denial, an abort).
//!
//! Every path that changes a workflow (a request, a decision, a timer, a delegation on the
//! step's work item, a cancelled case) loads it as a [`Flow`], changes it through the
//! domain's rules ([`crate::domain::approval`]), and writes it once. The steps' rules:
//! approvers are resolved when their level opens; a requester or recipient among them is
//! handled by the step's `self_approval`; a step without approvers by its `no_approver`.

mod decide;
mod hooks;
mod resolve;
mod tell;
mod timers;

use resolve::Resolved;

use super::{Engine, Tx, SYSTEM_ACTOR};
use crate::api::ApiError;
use crate::domain::approval::{Decision, How, LevelOutcome, NoApprover, Purpose, Step, StepState};
use crate::domain::{
    Approval, ApprovalPolicy, Case, CaseKind, CaseState, EventKind, Outcome, Product, Request,
    RequestState, Target, WorkItem, WorkItemId,
};

/// One request's workflow loaded for a change: the request, its approval case and the
/// case's work items, each with what it was (none = new), and the product.
pub(crate) struct Flow {
    pub prev_request: Option<Request>,
    pub request: Request,
    pub prev_case: Option<Case>,
    pub case: Case,
    pub items: Vec<(Option<WorkItem>, WorkItem)>,
    pub product: Product,
}

/// How a workflow ends.
pub(super) enum End {
    Approved,
    Denied(String),
    Aborted(String),
}

impl Flow {
    pub fn approval(&self) -> &Approval {
        self.request
            .approval
            .as_ref()
            .expect("a flow is a request with an approval")
    }

    pub fn approval_mut(&mut self) -> &mut Approval {
        self.request
            .approval
            .as_mut()
            .expect("a flow is a request with an approval")
    }

    pub fn item_mut(&mut self, id: WorkItemId) -> Option<&mut WorkItem> {
        self.items.iter_mut().map(|(_, i)| i).find(|i| i.id == id)
    }

    pub fn item(&self, id: WorkItemId) -> Option<&WorkItem> {
        self.items.iter().map(|(_, i)| i).find(|i| i.id == id)
    }

    /// Writes what changed into `tx`.
    pub fn write(&mut self, tx: &mut Tx) {
        self.case.modified = tx.now;
        tx.ws.put_request(self.prev_request.as_ref(), &self.request);
        tx.ws.put_case(self.prev_case.as_ref(), &self.case);
        for (prev, item) in &self.items {
            if prev.as_ref() != Some(item) {
                tx.record_deadline(prev.as_ref().and_then(|p| p.deadline), item);
                tx.ws.put_work_item(prev.as_ref(), item);
            }
        }
    }

    /// Where the request stands, in one line: `in approval: level 2 waits for @owners
    /// (owners)`, or its state.
    pub fn status(&self) -> String {
        let r = &self.request;
        if !r.in_approval() {
            return format!("{}", r.state);
        }
        let a = self.approval();
        let what = match a.purpose {
            Purpose::Request => "in approval",
            Purpose::Renewal { .. } => "renewal in approval",
            Purpose::Unsubscription { .. } => "unsubscription in approval",
        };
        let waits: Vec<String> = a
            .open_steps()
            .map(|s| {
                let who = s.holders();
                let who = if who.is_empty() {
                    "nobody".to_string()
                } else {
                    who.join(", ")
                };
                format!("{who} ({})", s.name)
            })
            .collect();
        format!(
            "{what}: level {} of {} waits for {}",
            a.level + 1,
            a.levels(),
            waits.join("; ")
        )
    }
}

impl Engine {
    /// Starts the approval of a new request (state `request`) under `policy`: its case, the
    /// first level's steps, and whatever follows at once (auto-approvals, no approver).
    pub(crate) fn start_approval(
        &self,
        tx: &mut Tx,
        request: Request,
        product: Product,
        policy: ApprovalPolicy,
    ) -> Result<Flow, ApiError> {
        self.start_flow(tx, None, request, product, (policy, Purpose::Request))
    }

    /// Starts a workflow deciding `purpose` for `request` (as stored: `prev`, none when
    /// new), in the state that purpose runs in.
    pub(crate) fn start_flow(
        &self,
        tx: &mut Tx,
        prev: Option<Request>,
        request: Request,
        product: Product,
        (policy, purpose): (ApprovalPolicy, Purpose),
    ) -> Result<Flow, ApiError> {
        let chief = match &policy.chief {
            Some(c) => Some(c.clone()),
            None => self.store.org_settings()?.chief_approvers,
        };
        let id = tx.new_case_id()?;
        let what = match purpose {
            Purpose::Request => "",
            Purpose::Renewal { .. } => "the renewal of ",
            Purpose::Unsubscription { .. } => "the unsubscription of ",
        };
        let title = format!("Approve {what}{} for {}", product.name, request.recipient);
        let mut case = Case {
            id,
            kind: CaseKind::Approval,
            title: title.clone(),
            description: request.reason.clone(),
            state: CaseState::Created,
            outcome: None,
            requester: request.requester.clone(),
            resource: product.resource.clone(),
            object: Some(request.recipient.clone()),
            parent: None,
            policy: None,
            external_ticket: None,
            work_items: vec![],
            operations: vec![],
            correlation: None,
            created: tx.now,
            modified: tx.now,
            closed: None,
            request: Some(request.id),
        };
        tx.event(
            Some(id),
            EventKind::CaseCreated {
                kind: CaseKind::Approval,
                title,
            },
            request.reason.clone(),
        );
        tx.record_case_opened(&case);
        let opened = case.transition(CaseState::Open, tx.now)?;
        tx.event(Some(id), opened, None);
        let mut request = request;
        let policy = if purpose == crate::domain::approval::Purpose::Request {
            self.with_provisioning_step(&product, policy)?
        } else {
            policy
        };
        let mut approval = Approval::new(policy, chief, id);
        approval.purpose = purpose;
        request.approval = Some(approval);
        let mut flow = Flow {
            prev_request: prev,
            request,
            prev_case: None,
            case,
            items: vec![],
            product,
        };
        match self.open_level(tx, &mut flow)? {
            Some(reason) => self.end_flow(tx, &mut flow, End::Aborted(reason))?,
            None => self.advance(tx, &mut flow)?,
        }
        Ok(flow)
    }

    /// The workflow of `request` as stored.
    pub(crate) fn load_flow(&self, request: Request) -> Result<Flow, ApiError> {
        let Some(a) = &request.approval else {
            return Err(ApiError::IllegalState(format!(
                "{} has no approval workflow",
                request.id
            )));
        };
        let case = self.store.case(a.case)?.ok_or_else(|| {
            ApiError::Internal(format!("{} names {}, which is missing", request.id, a.case))
        })?;
        let items = self.load_work_items(&case)?;
        self.flow_of(request, case, items)
    }

    /// A flow over entities already loaded (the sweep reads them through its overlay).
    pub(crate) fn flow_of(
        &self,
        request: Request,
        case: Case,
        items: Vec<WorkItem>,
    ) -> Result<Flow, ApiError> {
        let product = self
            .store
            .product(&request.product)?
            .unwrap_or_else(|| Product::plain(&request.product));
        Ok(Flow {
            prev_request: Some(request.clone()),
            request,
            prev_case: Some(case.clone()),
            case,
            items: items.into_iter().map(|i| (Some(i.clone()), i)).collect(),
            product,
        })
    }

    /// Opens every step of the current level. Returns the reason to abort, if a step says so.
    fn open_level(&self, tx: &mut Tx, flow: &mut Flow) -> Result<Option<String>, ApiError> {
        let level = flow.approval().level;
        let count = flow
            .approval()
            .policy
            .levels
            .get(level as usize)
            .map_or(0, |l| l.steps.len()) as u32;
        for step in 0..count {
            if let Some(reason) = self.open_step(tx, flow, level, step)? {
                return Ok(Some(reason));
            }
        }
        Ok(None)
    }

    fn open_step(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        level: u32,
        step: u32,
    ) -> Result<Option<String>, ApiError> {
        let def = flow
            .approval()
            .def(level, step)
            .cloned()
            .ok_or_else(|| ApiError::Internal(format!("no step {step} at level {level}")))?;
        let at = format!("level {} step {}", level + 1, def.name);
        let mut who = self.resolve(tx, flow, &def)?;
        let mut note = None;
        let enough_auto = who.auto.len() >= def.count as usize;
        if who.users.is_empty() && who.groups.is_empty() && !enough_auto {
            match def.no_approver {
                NoApprover::Abort => {
                    return Ok(Some(format!("no approver was found for {at}")));
                }
                NoApprover::Chief => match self.usable_chief(flow)? {
                    Some(c) => {
                        who.groups = vec![c];
                        note = Some("no approver found: to the chief approval team".to_string());
                    }
                    None => {
                        return Ok(Some(format!(
                            "no approver was found for {at}, and no chief approval team"
                        )))
                    }
                },
                NoApprover::Approve => {
                    who.auto.clear();
                    note = Some("no approver found: approved".to_string());
                }
            }
        }
        let nobody = who.users.is_empty() && who.groups.is_empty();
        let needs_item = !nobody && !enough_auto;
        let work_item = if needs_item {
            Some(self.new_step_item(tx, flow, &def, &who)?)
        } else {
            None
        };
        {
            let now = tx.now;
            let run = flow
                .approval_mut()
                .run_mut(level, step)
                .expect("the step exists");
            run.state = StepState::Open;
            run.approvers = who.users.clone();
            run.groups = who.groups.clone();
            run.work_item = work_item;
            run.chance_from = Some(now);
            run.note = note.clone();
        }
        let holders = crate::domain::work_item::holders(&who.users, &who.groups);
        tx.event(
            Some(flow.case.id),
            EventKind::ApprovalStepOpened {
                request: flow.request.id,
                level: level + 1,
                step: def.name.clone(),
                work_item,
                approvers: holders.clone(),
            },
            note.clone(),
        );
        let now = tx.now;
        if note.as_deref() == Some("no approver found: approved") {
            let d = decision(SYSTEM_ACTOR, true, How::NoApprover, None, now);
            self.record(tx, flow, level, step, d)?;
            return Ok(None);
        }
        for login in &who.auto {
            if !flow
                .approval()
                .run(level, step)
                .is_some_and(|r| r.is_open())
            {
                break;
            }
            let d = decision(login, true, How::SelfApproval, None, now);
            self.record(tx, flow, level, step, d)?;
        }
        if flow
            .approval()
            .run(level, step)
            .is_some_and(|r| r.is_open())
        {
            let product = flow.product.clone();
            self.schedule_step(flow.approval_mut(), &product, (level, step), now)?;
            self.sync_deadline(flow, level, step);
            self.tell_approvers(tx, flow, &holders)?;
        }
        Ok(None)
    }

    /// A new open work item on the flow's case for a step's approvers.
    fn new_step_item(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        def: &Step,
        who: &Resolved,
    ) -> Result<WorkItemId, ApiError> {
        let id = tx.new_work_item_id()?;
        let first = match (who.users.first(), who.groups.first()) {
            (Some(u), _) => Target::User(u.clone()),
            (None, Some(g)) => Target::Group(g.clone()),
            (None, None) => Target::Group(String::new()),
        };
        let mut item = WorkItem::new(id, flow.case.id, def.name.clone(), &first, None, tx.now);
        item.assignees = who.users.clone();
        item.candidates = who.groups.clone();
        item.original_assignee = who.users.first().cloned();
        item.stage = flow.approval().level + 1;
        tx.event(
            Some(flow.case.id),
            EventKind::WorkItemCreated {
                work_item: id,
                assignees: item.assignees.clone(),
                candidates: item.candidates.clone(),
            },
            None,
        );
        tx.record_item_opened(&item);
        flow.case.work_items.push(id);
        flow.items.push((None, item));
        Ok(id)
    }

    /// The open work item of a step carries the step's timeout as its deadline.
    pub(crate) fn sync_deadline(&self, flow: &mut Flow, level: u32, step: u32) {
        let a = flow.approval();
        let deadline = a.timeout_of(level, step);
        if let Some(id) = a.run(level, step).and_then(|r| r.work_item) {
            if let Some(item) = flow.item_mut(id) {
                item.deadline = deadline;
            }
        }
    }

    /// Records a decision on a step, closes its work item when the step is decided (or
    /// offers it to the approvers who have not approved yet), and moves the workflow on.
    pub(crate) fn record(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        level: u32,
        step: u32,
        d: Decision,
    ) -> Result<(), ApiError> {
        let (by, approve, comment) = (d.by.clone(), d.approve, d.comment.clone());
        let state = flow.approval_mut().record(level, step, d.clone())?;
        let run = flow.approval().run(level, step).cloned().expect("recorded");
        tx.event(
            Some(flow.case.id),
            EventKind::ApprovalDecided {
                request: flow.request.id,
                level: level + 1,
                step: run.name.clone(),
                decision: d,
            },
            comment.clone(),
        );
        if state == StepState::Open {
            // Not enough approvals yet: the others who may decide have it again (a claim
            // had narrowed it to one).
            let rest: Vec<String> = run
                .approvers
                .iter()
                .filter(|a| !run.has_decided(a))
                .cloned()
                .collect();
            if let Some(r) = flow.approval_mut().run_mut(level, step) {
                r.approvers = rest.clone();
            }
            let anyone = !rest.is_empty() || self.group_has_undecided(&run)?;
            if let Some(item) = run.work_item.and_then(|id| flow.item_mut(id)) {
                item.assignees = rest;
                item.candidates = run.groups.clone();
            }
            if !anyone {
                return self.nobody_left(tx, flow, level, step);
            }
        } else if let Some(item) = run.work_item.and_then(|id| flow.item_mut(id)) {
            if item.is_open() {
                let outcome = if approve {
                    Outcome::Approved
                } else {
                    Outcome::Rejected
                };
                // The comment is the decision's (recorded with it), not said twice.
                tx.record_acting_for(item, &by);
                let what = item.complete(&by, outcome, comment, tx.now)?;
                tx.event(Some(item.case), what, None);
            }
        }
        if state == StepState::Denied {
            let why = format!(
                "{} at level {} ({})",
                run.decisions
                    .last()
                    .map(|d| d.describe())
                    .unwrap_or_default(),
                level + 1,
                run.name
            );
            return self.end_flow(tx, flow, End::Denied(why));
        }
        self.advance(tx, flow)
    }

    /// Moves the workflow on from its current level: the next level opens when this one
    /// passed; the request is approved after the last, denied when a step was.
    fn advance(&self, tx: &mut Tx, flow: &mut Flow) -> Result<(), ApiError> {
        if !flow.request.in_approval() {
            return Ok(());
        }
        loop {
            match flow.approval().level_outcome() {
                LevelOutcome::Open => return Ok(()),
                LevelOutcome::Denied => {
                    return self.end_flow(tx, flow, End::Denied("a step was denied".into()))
                }
                LevelOutcome::Passed => {
                    let next = flow.approval().level + 1;
                    flow.approval_mut().level = next;
                    if next >= flow.approval().levels() {
                        return self.end_flow(tx, flow, End::Approved);
                    }
                    if let Some(reason) = self.open_level(tx, flow)? {
                        return self.end_flow(tx, flow, End::Aborted(reason));
                    }
                }
            }
        }
    }

    pub(super) fn end_flow(&self, tx: &mut Tx, flow: &mut Flow, end: End) -> Result<(), ApiError> {
        if !flow.request.in_approval() {
            return Ok(());
        }
        if !matches!(end, End::Approved) {
            flow.approval_mut().abort_rest();
        }
        for (_, item) in flow.items.iter_mut() {
            if item.is_open() {
                tx.cancel_item(item)?;
            }
        }
        if flow.approval().purpose != Purpose::Request {
            return self.end_change(tx, flow, end);
        }
        let from = flow.request.state;
        match end {
            End::Approved => {
                end_case(tx, &mut flow.case, &end)?;
                let why = format!(
                    "approved at all {} levels of {}",
                    flow.approval().levels(),
                    flow.approval().policy.name
                );
                self.approve_request(tx, &mut flow.request, &flow.product, why)?;
            }
            End::Denied(ref why) => {
                flow.request.deny(tx.now)?;
                self.request_changed(tx, &flow.request, from, why.clone());
                end_case(tx, &mut flow.case, &end)?;
                self.tell_the_end(tx, &flow.request, "denied", why)?;
            }
            End::Aborted(ref why) => {
                flow.request.abort(tx.now)?;
                self.request_changed(tx, &flow.request, from, why.clone());
                end_case(tx, &mut flow.case, &end)?;
                self.tell_the_end(tx, &flow.request, "aborted", why)?;
            }
        }
        Ok(())
    }

    pub(crate) fn request_changed(
        &self,
        tx: &mut Tx,
        r: &Request,
        from: RequestState,
        why: String,
    ) {
        tx.request_event(
            r.id,
            EventKind::RequestStateChanged {
                request: r.id,
                from,
                to: r.state,
            },
            Some(why),
        );
    }
}

/// Ends a workflow's case as the workflow ended (unless it already ended).
pub(super) fn end_case(tx: &mut Tx, case: &mut Case, end: &End) -> Result<(), ApiError> {
    if !case.state.is_active() {
        return Ok(());
    }
    match end {
        End::Approved => tx.close_case(case, Some(Outcome::Approved)),
        End::Denied(_) => tx.close_case(case, Some(Outcome::Rejected)),
        End::Aborted(why) => tx.end_case(case, CaseState::Cancelled, None, Some(why.clone())),
    }
}

pub(super) fn decision(
    by: &str,
    approve: bool,
    how: How,
    comment: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
) -> Decision {
    Decision {
        by: by.to_string(),
        at,
        approve,
        how,
        comment,
    }
}
