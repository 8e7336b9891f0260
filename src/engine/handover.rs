//! Handing work over: claim, reassign, delegate, escalate. On most cases a command is
//! about one work item (named, the only open one, or the actor's own). On a certification
//! case, whose work items are the items to decide, a command naming no work item is about
//! every one the actor holds (for a claim: every one offered to their groups), so a
//! reviewer hands over or takes a whole review in one go.

use super::execute::clean;
use super::{authz, Engine, Tx};
use crate::api::ApiError;
use crate::domain::{Case, CaseId, CaseKind, DelegationMethod, Target, User, WorkItem, WorkItemId};

/// How a handover applies to one work item.
enum Handover<'a> {
    Claim,
    Assign(&'a str),
    Delegate(&'a Target, DelegationMethod),
    Escalate(Option<&'a Target>),
}

impl Handover<'_> {
    fn verb(&self) -> &'static str {
        match self {
            Handover::Claim => "claim",
            Handover::Assign(_) => "reassign",
            Handover::Delegate(..) => "delegate",
            Handover::Escalate(_) => "escalate",
        }
    }
}

impl Engine {
    pub(super) fn claim(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        wanted: Option<WorkItemId>,
    ) -> Result<String, ApiError> {
        self.hand_over(tx, user, case_id, wanted, Handover::Claim, None)
    }

    pub(super) fn assign(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        wanted: Option<WorkItemId>,
        to: &str,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        self.check_target(&Target::User(to.to_string()))?;
        self.hand_over(tx, user, case_id, wanted, Handover::Assign(to), comment)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn delegate(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        wanted: Option<WorkItemId>,
        to: &Target,
        method: DelegationMethod,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        self.check_target(to)?;
        let how = Handover::Delegate(to, method);
        self.hand_over(tx, user, case_id, wanted, how, comment)
    }

    pub(super) fn escalate(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        wanted: Option<WorkItemId>,
        to: Option<Target>,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        if let Some(t) = &to {
            self.check_target(t)?;
        }
        let how = Handover::Escalate(to.as_ref());
        self.hand_over(tx, user, case_id, wanted, how, comment)
    }

    fn hand_over(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        wanted: Option<WorkItemId>,
        how: Handover<'_>,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let case = self.load_active_case(case_id, how.verb())?;
        let claiming = matches!(how, Handover::Claim);
        if case.kind == CaseKind::Certification && wanted.is_none() {
            let items = self.review_items_of(&case, user, claiming)?;
            let mut said = String::new();
            for item in &items {
                said = self.hand_over_one(tx, user, &case, item.clone(), &how, comment.clone())?;
            }
            self.touch(tx, &case);
            tx.applied.case = Some(case.id);
            return Ok(match items.len() {
                1 => said,
                n => format!("{n} work items of {}: {}", case.id, tail(&said)),
            });
        }
        let item = self.pick_work_item(&case, user, wanted, claiming)?;
        let said = self.hand_over_one(tx, user, &case, item, &how, comment)?;
        self.touch(tx, &case);
        tx.applied.case = Some(case.id);
        Ok(said)
    }

    /// The open work items of a certification case `user` holds (claiming: those offered
    /// to their groups and not yet claimed).
    fn review_items_of(
        &self,
        case: &Case,
        user: &User,
        claiming: bool,
    ) -> Result<Vec<WorkItem>, ApiError> {
        let open: Vec<WorkItem> = self
            .load_work_items(case)?
            .into_iter()
            .filter(|i| i.is_open())
            .collect();
        let mine: Vec<WorkItem> = open
            .into_iter()
            .filter(|i| {
                if claiming {
                    i.assignees.is_empty() && i.candidates.iter().any(|g| user.in_group(g))
                } else {
                    i.is_assignee(&user.login)
                }
            })
            .collect();
        if mine.is_empty() {
            return Err(ApiError::IllegalState(format!(
                "{} has no open work item {} {}: name one with --work-item",
                case.id,
                if claiming {
                    "offered to the groups of"
                } else {
                    "held by"
                },
                user.login
            )));
        }
        Ok(mine)
    }

    fn hand_over_one(
        &self,
        tx: &mut Tx,
        user: &User,
        case: &Case,
        mut item: WorkItem,
        how: &Handover<'_>,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let prev = item.clone();
        let (what, said) = match how {
            Handover::Claim => {
                authz::may_claim(user, &item)?;
                if case.request.is_some() {
                    // An approval step is decided by its approvers: no administrator's claim.
                    authz::may_claim_step(user, &item)?;
                }
                let what = item.claim(&user.login)?;
                (what, format!("{} claimed by {}", item.id, user.login))
            }
            Handover::Assign(to) => {
                authz::may_work_on(user, &item, "reassign")?;
                let what = item.reassign(&user.login, to)?;
                (what, format!("{} reassigned to {to}", item.id))
            }
            Handover::Delegate(to, method) => {
                authz::may_work_on(user, &item, "delegate")?;
                let what = item.delegate(&user.login, to, *method)?;
                (what, format!("{} delegated to {to}", item.id))
            }
            Handover::Escalate(to) => {
                authz::may_work_on(user, &item, "escalate")?;
                let to = match to {
                    Some(t) => (*t).clone(),
                    None => self.escalation_target(&item)?,
                };
                self.check_target(&to)?;
                let policy = match &case.policy {
                    Some(name) => self.store.policy(name)?,
                    None => None,
                };
                let cal = self.calendar_of(&to, case.resource.as_deref())?;
                let deadline = match &policy {
                    Some(p) => p.level_deadline(tx.now, cal.as_ref())?,
                    // A certification item keeps its stage's deadline.
                    None if case.kind == CaseKind::Certification => item.deadline,
                    None => None,
                };
                let what = item.escalate(&user.login, &to, deadline, tx.now)?;
                if let Some(p) = &policy {
                    item.timers = p.schedule(&item, tx.now, cal.as_ref())?;
                }
                let level = item.escalation_level;
                (
                    what,
                    format!("{} escalated to {to} (level {level})", item.id),
                )
            }
        };
        if !matches!(how, Handover::Claim) {
            self.follow_item(tx, case, &mut item)?;
        }
        self.follow_review_item(tx, &item)?;
        let why = match how {
            Handover::Claim => None,
            _ => clean(comment),
        };
        tx.event(Some(case.id), what, why);
        tx.record_deadline(prev.deadline, &item);
        tx.ws.put_work_item(Some(&prev), &item);
        tx.applied.work_item = Some(item.id);
        Ok(said)
    }

    /// A certification item names its reviewer: after a handover, whoever holds its work
    /// item now.
    fn follow_review_item(&self, tx: &mut Tx, item: &WorkItem) -> Result<(), ApiError> {
        let Some((run, no)) = self.store.cert_item_of(item.id)? else {
            return Ok(());
        };
        let Some(prev) = self.store.cert_item(run, no)? else {
            return Ok(());
        };
        let holders = crate::domain::work_item::holders(&item.assignees, &item.candidates);
        let mut now = prev.clone();
        now.reviewer = Some(holders.join(", "));
        if now != prev {
            tx.ws.put_cert_item(Some(&prev), &now);
        }
        Ok(())
    }

    /// The manager of the first assignee, else the manager of the first candidate group.
    fn escalation_target(&self, item: &WorkItem) -> Result<Target, ApiError> {
        if let Some(a) = item.assignees.first() {
            if let Some(m) = self.store.user(a)?.and_then(|u| u.manager) {
                return Ok(Target::User(m));
            }
            return Err(ApiError::IllegalState(format!(
                "cannot escalate {}: {a} has no manager; name a target with --to",
                item.id
            )));
        }
        if let Some(g) = item.candidates.first() {
            let group = self.store.group(g)?;
            if let Some(m) = group.as_ref().and_then(|g| g.manager.clone()) {
                return Ok(Target::User(m));
            }
            if let Some(f) = group.and_then(|g| g.fallback) {
                return Ok(Target::Group(f));
            }
            return Err(ApiError::IllegalState(format!(
                "cannot escalate {}: group @{g} has no manager and no fallback group; name a target with --to",
                item.id
            )));
        }
        Err(ApiError::IllegalState(format!(
            "cannot escalate {}: nobody holds it; name a target with --to",
            item.id
        )))
    }
}

/// `W-3 delegated to bob` → `delegated to bob`.
fn tail(said: &str) -> &str {
    said.split_once(' ').map_or(said, |(_, t)| t)
}

impl Engine {
    /// A certification case is decided item by item and ends with its stage: `case
    /// complete`, `close` and `cancel` are refused with what to do instead.
    pub(super) fn refuse_on_review(&self, case: &Case, verb: &str) -> Result<(), ApiError> {
        if case.kind != CaseKind::Certification {
            return Ok(());
        }
        let Some((label, stage)) = self.campaign_of_case(case)? else {
            return Ok(());
        };
        Err(ApiError::IllegalState(format!(
            "cannot {verb} {}: it reviews stage {stage} of campaign {label}; decide its items (`casebench campaign decide {label} ITEM… --accept|--revoke`, or open the case in the TUI); it closes when the stage ends (`campaign advance {label}` ends it now)",
            case.id
        )))
    }
}
