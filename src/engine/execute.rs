//! `Engine::execute`: one function per command; each loads what it needs, asks `authz`,
//! applies the domain's rules, records events and commits once.

use chrono::{DateTime, Datelike, Utc};

use super::lifecycle::{combined_outcome, with_item};
use super::{authz, Engine, Tx};
use crate::api::{ApiError, Applied, Command, NewCase};
use crate::domain::{Case, CaseId, CaseState, EventKind, Outcome, User, WorkItem, WorkItemId};

impl Engine {
    /// The single write path: checks, applies and records `command` as `actor`, atomically
    /// and durably (unless in batch mode).
    pub fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        if let Some(done) = self.outside_transaction(actor, &command) {
            return done;
        }
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let user = self.actor(actor)?;
        let mut tx = self.begin(actor)?;
        let message = match command {
            Command::CreateCase(new) => self.create_case(&mut tx, &user, new)?,
            Command::Claim { case, work_item } => self.claim(&mut tx, &user, case, work_item)?,
            Command::Assign {
                case,
                work_item,
                to,
                comment,
            } => self.assign(&mut tx, &user, case, work_item, &to, comment)?,
            Command::Delegate {
                case,
                work_item,
                to,
                method,
                comment,
            } => self.delegate(&mut tx, &user, case, work_item, &to, method, comment)?,
            Command::Escalate {
                case,
                work_item,
                to,
                comment,
            } => self.escalate(&mut tx, &user, case, work_item, to, comment)?,
            Command::Comment { case, text } => self.comment(&mut tx, case, text)?,
            Command::Complete {
                case,
                work_item,
                outcome,
                comment,
            } => self.complete(&mut tx, &user, case, work_item, outcome, comment)?,
            Command::Close {
                case,
                outcome,
                comment,
            } => self.end_case(&mut tx, &user, case, CaseState::Closed, outcome, comment)?,
            Command::Cancel { case, comment } => {
                self.end_case(&mut tx, &user, case, CaseState::Cancelled, None, comment)?
            }
            Command::ImportUsers { users } => self.import_users(&mut tx, &user, users)?,
            Command::RequestAccess {
                product,
                recipient,
                valid_from,
                valid_until,
                notice_secs,
                reason,
            } => self.request_access(
                &mut tx,
                &user,
                product,
                recipient,
                (valid_from, valid_until, notice_secs),
                reason,
            )?,
            Command::ImportResources { resources } => {
                self.import_resources(&mut tx, &user, resources)?
            }
            Command::Provision {
                resource,
                account,
                owner,
                kind,
                set,
            } => self.provision(&mut tx, &user, &resource, &account, owner, kind, set)?,
            Command::ReadFeed {
                resource,
                label,
                fingerprint,
                rows,
            } => {
                authz::may_administer(&user, "read exports")?;
                self.read_feed(&mut tx, &resource, &label, &fingerprint, rows)?
            }
            Command::Correlate { case, owner } => self.correlate(&mut tx, &user, case, owner)?,
            Command::ImportPolicies { policies } => {
                self.import_policies(&mut tx, &user, policies)?
            }
            Command::ImportOrgs(import) => self.import_orgs(&mut tx, &user, import)?,
            Command::ImportProducts { products, policies } => self.import_products(
                &mut tx,
                &user,
                crate::api::CatalogueImport {
                    products,
                    policies,
                    settings: Default::default(),
                },
            )?,
            Command::ImportCatalogue(import) => self.import_products(&mut tx, &user, import)?,
            c
            @ (Command::Decide { .. } | Command::Renew { .. } | Command::CancelRequest { .. }) => {
                self.request_command(&mut tx, &user, c)?
            }
            c @ (Command::ImportCampaigns { .. }
            | Command::StartCampaign { .. }
            | Command::CertDecide { .. }
            | Command::AdvanceCampaign { .. }
            | Command::CloseCampaign { .. }
            | Command::ReiterateCampaign { .. }) => self.campaign_command(&mut tx, &user, c)?,
            Command::ImportCalendars { calendars, default } => {
                self.import_calendars(&mut tx, &user, calendars, default)?
            }
            Command::Outsource { case, target } => self.outsource(&mut tx, &user, case, &target)?,
            Command::Backup { .. } | Command::SyncTickets { .. } => unreachable!("taken above"),
            Command::Archive { .. } => unreachable!("taken above"),
        };
        self.commit(tx, message)
    }

    /// The commands that write no transaction of their own: a backup (the copy is taken
    /// under the write lock itself) and a ticket sync (a transaction per case, between calls
    /// to ticket systems).
    fn outside_transaction(
        &self,
        actor: &str,
        command: &Command,
    ) -> Option<Result<Applied, ApiError>> {
        match command {
            Command::Backup { dest } => Some(self.backup_command(actor, dest)),
            Command::SyncTickets { target, dry_run } => {
                Some(self.sync_command(actor, target.as_deref(), *dry_run))
            }
            Command::Archive {
                before,
                dry_run,
                max,
            } => Some(self.archive_command(
                actor,
                super::archive::Run {
                    before: *before,
                    dry_run: *dry_run,
                    max: *max,
                },
            )),
            _ => None,
        }
    }

    /// It writes no transaction: the copy is taken under the write lock itself.
    fn backup_command(&self, actor: &str, dest: &std::path::Path) -> Result<Applied, ApiError> {
        let user = self.actor(actor)?;
        authz::may_administer(&user, "back up the store")?;
        self.backup(dest)?;
        Ok(Applied {
            message: format!("backed up {} to {}", self.path().display(), dest.display()),
            ..Applied::default()
        })
    }

    fn request_command(&self, tx: &mut Tx, user: &User, c: Command) -> Result<String, ApiError> {
        match c {
            Command::Decide {
                request,
                work_item,
                approve,
                comment,
            } => self.decide(tx, user, request, work_item, approve, comment),
            Command::Renew { request, until } => self.renew(tx, user, request, until),
            Command::CancelRequest { request, from } => {
                self.cancel_request(tx, user, request, from)
            }
            other => Err(ApiError::Internal(format!(
                "not a request command: {other:?}"
            ))),
        }
    }

    fn campaign_command(&self, tx: &mut Tx, user: &User, c: Command) -> Result<String, ApiError> {
        match c {
            Command::ImportCampaigns { campaigns } => self.import_campaigns(tx, user, campaigns),
            Command::StartCampaign { name, deadline } => {
                self.start_campaign(tx, user, &name, deadline)
            }
            Command::CertDecide {
                campaign,
                items,
                decision,
                comment,
            } => self.cert_decide(tx, user, &campaign, items, decision, comment),
            Command::AdvanceCampaign { campaign } => self.advance_campaign(tx, user, &campaign),
            Command::CloseCampaign { campaign } => self.close_campaign(tx, user, &campaign),
            Command::ReiterateCampaign { campaign } => self.reiterate_campaign(tx, user, &campaign),
            other => Err(ApiError::Internal(format!(
                "not a campaign command: {other:?}"
            ))),
        }
    }

    fn load_case(&self, id: CaseId) -> Result<Case, ApiError> {
        match self.store.case(id)? {
            Some(case) => Ok(case),
            None => Err(self.missing_case(id)),
        }
    }

    pub(super) fn load_active_case(&self, id: CaseId, verb: &str) -> Result<Case, ApiError> {
        let case = self.load_case(id)?;
        if !case.state.is_active() {
            return Err(ApiError::IllegalState(format!(
                "cannot {verb} {id}: the case is {}",
                case.state
            )));
        }
        Ok(case)
    }

    pub(crate) fn load_work_items(&self, case: &Case) -> Result<Vec<WorkItem>, ApiError> {
        case.work_items
            .iter()
            .map(|id| {
                self.store.work_item(*id)?.ok_or_else(|| {
                    ApiError::Internal(format!("{} lists {id}, which is missing", case.id))
                })
            })
            .collect()
    }

    /// The work item a command on `case` is about: the one named, or the only open one, or
    /// the actor's own (assigned, or for claims offered to their groups).
    pub(super) fn pick_work_item(
        &self,
        case: &Case,
        user: &User,
        wanted: Option<WorkItemId>,
        claiming: bool,
    ) -> Result<WorkItem, ApiError> {
        let items = self.load_work_items(case)?;
        if let Some(w) = wanted {
            let item = items.into_iter().find(|i| i.id == w).ok_or_else(|| {
                ApiError::NotFound(format!("{w} is not a work item of {}", case.id))
            })?;
            return Ok(item);
        }
        let open: Vec<WorkItem> = items.into_iter().filter(|i| i.is_open()).collect();
        if open.is_empty() {
            return Err(ApiError::IllegalState(format!(
                "{} has no open work item",
                case.id
            )));
        }
        if open.len() == 1 {
            return Ok(open.into_iter().next().expect("one item"));
        }
        let mine = |i: &WorkItem| {
            if claiming {
                i.candidates.iter().any(|g| user.in_group(g))
            } else {
                i.is_assignee(&user.login)
            }
        };
        let ids: Vec<String> = open.iter().map(|i| i.id.to_string()).collect();
        // Not assigned to any: the one offered to the actor's groups (an approval step may
        // be decided without claiming it first; for others, authz says to claim it).
        let offered = |i: &WorkItem| i.candidates.iter().any(|g| user.in_group(g));
        let own: Vec<WorkItem> = if !claiming && !open.iter().any(mine) {
            open.into_iter().filter(offered).collect()
        } else {
            open.into_iter().filter(mine).collect()
        };
        let mut own = own.into_iter();
        match (own.next(), own.next()) {
            (Some(one), None) => Ok(one),
            _ => Err(ApiError::BadInput(format!(
                "{} has several open work items ({}): name one",
                case.id,
                ids.join(", ")
            ))),
        }
    }

    fn create_case(&self, tx: &mut Tx, _user: &User, new: NewCase) -> Result<String, ApiError> {
        let target = new.target.clone();
        // One rule for the times a person sets ahead (as for a request's valid-until): a
        // deadline is after now; a case is overdue only when its deadline passes.
        future_time(new.deadline, "the deadline", tx.now)?;
        if new.deadline_in.is_some_and(|s| !s.is_positive()) {
            return Err(ApiError::BadInput("the deadline must be after now".into()));
        }
        let (case, item) = self.open_case(tx, new, vec![], None)?;
        tx.applied.case = Some(case.id);
        tx.applied.work_item = Some(item.id);
        Ok(format!("created {} ({} for {target})", case.id, item.id))
    }

    pub(super) fn touch(&self, tx: &mut Tx, case: &Case) {
        let mut updated = case.clone();
        updated.modified = tx.now;
        tx.ws.put_case(Some(case), &updated);
    }

    fn comment(&self, tx: &mut Tx, case_id: CaseId, text: String) -> Result<String, ApiError> {
        let case = self.load_case(case_id)?;
        let text = clean(Some(text))
            .ok_or_else(|| ApiError::BadInput("a comment cannot be empty".into()))?;
        tx.event(Some(case.id), EventKind::Commented, Some(text));
        self.touch(tx, &case);
        tx.applied.case = Some(case.id);
        Ok(format!("commented on {}", case.id))
    }

    fn complete(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        wanted: Option<WorkItemId>,
        outcome: Outcome,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let case = self.load_active_case(case_id, "complete")?;
        self.refuse_on_review(&case, "complete")?;
        let mut item = self.pick_work_item(&case, user, wanted, false)?;
        if !item.is_open() {
            return Err(ApiError::IllegalState(format!(
                "cannot complete {}: it is {}",
                item.id, item.state
            )));
        }
        if case.kind == crate::domain::CaseKind::Approval && case.request.is_some() {
            return self.decide_item(tx, user, &case, item.id, outcome, comment);
        }
        authz::may_work_on(user, &item, "complete")?;
        let prev = item.clone();
        tx.complete_item(&mut item, &user.login, outcome, clean(comment))?;
        tx.ws.put_work_item(Some(&prev), &item);
        tx.applied.case = Some(case.id);
        tx.applied.work_item = Some(item.id);

        let items = with_item(self.load_work_items(&case)?, &item);
        if let Some(closed) = tx.close_if_done(&case, &items)? {
            if !closed.operations.is_empty() {
                let reason = item.comment.clone();
                self.settle_operations(tx, &closed, closed.outcome, reason)?;
            }
            Ok(format!(
                "{} completed: {outcome}; {} closed",
                item.id, case.id
            ))
        } else {
            self.touch(tx, &case);
            Ok(format!("{} completed: {outcome}", item.id))
        }
    }

    fn end_case(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        to: CaseState,
        outcome: Option<Outcome>,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let verb = if to == CaseState::Closed {
            "close"
        } else {
            "cancel"
        };
        let case = self.load_active_case(case_id, verb)?;
        authz::may_end_case(user, &case, verb)?;
        self.refuse_on_review(&case, verb)?;
        if let (Some(r), CaseState::Closed) = (case.request, to) {
            return Err(ApiError::IllegalState(format!(
                "cannot close {}: it decides {r}; approve or deny it (`request approve|deny {r}`), or cancel the case to abort the request",
                case.id
            )));
        }
        let mut ended = case.clone();
        // Refused before anything changes when the case cannot go there.
        ended.state.go_to(to)?;
        let items = tx.cancel_open_items(self.load_work_items(&case)?)?;
        let outcome = if to == CaseState::Closed {
            outcome.or_else(|| combined_outcome(&items))
        } else {
            None
        };
        tx.end_case(&mut ended, to, outcome, clean(comment))?;
        tx.ws.put_case(Some(&case), &ended);
        if !ended.operations.is_empty() {
            let reason = Some(format!("case {} {}", case.id, to));
            self.settle_operations(tx, &ended, ended.outcome, reason)?;
        }
        if ended.request.is_some() {
            let why = format!(
                "its approval case {} was cancelled by {}",
                case.id, user.login
            );
            self.abort_for_case(tx, &ended, why)?;
        }
        tx.applied.case = Some(case.id);
        Ok(format!("{} {}", case.id, to))
    }
}

/// The one rule for times a command sets ahead (`case new --deadline`, `request new
/// --until`): within the years a time may fall in, and after now (a past one is refused,
/// naming it).
pub(crate) fn future_time(
    t: Option<DateTime<Utc>>,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    time_in_range(t, what)?;
    match t {
        Some(t) if t <= now => Err(ApiError::BadInput(format!(
            "{what} {} is already past (now is {})",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))),
        _ => Ok(()),
    }
}

/// A time a command gives (any client may send one) falls in the years a time may fall in.
pub(crate) fn time_in_range(t: Option<DateTime<Utc>>, what: &str) -> Result<(), ApiError> {
    match t {
        Some(t) if !crate::domain::duration::YEARS.contains(&t.year()) => {
            Err(ApiError::BadInput(format!("{what} {t} is out of range")))
        }
        _ => Ok(()),
    }
}

/// A comment with surrounding blanks removed; an empty one is none.
pub(crate) fn clean(comment: Option<String>) -> Option<String> {
    comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}
