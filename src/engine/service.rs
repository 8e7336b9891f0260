//! The engine as the [`Service`]: every command, read and sweep a front end may ask, each
//! with its permission check, answered here.

use chrono::{DateTime, Utc};

use super::{authz, Engine};
use crate::api::{
    Answer, ApiError, Applied, CaseHistory, Command, Query, Service, SweepArgs, SweepReport,
};
use crate::domain::{CaseId, WorkItemId};
use crate::store::StoreError;

impl Service for Engine {
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        Engine::execute(self, actor, command)
    }

    fn query(&self, actor: &str, query: Query) -> Result<Answer, ApiError> {
        let user = self.actor(actor)?;
        Ok(match query {
            Query::ListCases(q) => Answer::Cases(self.list(&user, &q)?),
            Query::ShowCase(c) => {
                let detail = self.detail(c)?;
                if detail.archived.is_some() {
                    self.note_reader(&user);
                }
                Answer::Case(detail)
            }
            Query::CaseAsOf { case, at } => Answer::CaseAsOf(self.case_as_of(case, at)?),
            Query::ItsmStatus => Answer::ItsmStatus(self.itsm_status()?),
            Query::CaseHistory(c) => {
                let history = self.history(c)?;
                if history.archived.is_some() {
                    self.note_reader(&user);
                }
                Answer::History(history)
            }
            Query::Org => Answer::Org(self.org_view()?),
            Query::CaseOfWorkItem(w) => Answer::CaseId(self.case_of(w)?),
            Query::ListRequests { all, limit } => {
                Answer::Requests(self.requests_of(&user, all, limit)?)
            }
            Query::RequestDetail(r) => Answer::Request(self.request_view(r)?),
            Query::Resources => Answer::Resources(self.store.resources()?),
            Query::Shadows(r) => {
                if self.store.resource(&r)?.is_none() {
                    return Err(ApiError::NotFound(format!("no resource {r:?}")));
                }
                Answer::Shadows(self.store.shadows(&r)?)
            }
            Query::Shadow(r, a) => Answer::Shadow(self.store.shadow(&r, &a)?),
            Query::Notifications { unsent, limit } => {
                Answer::Notifications(self.store.notifications(unsent, limit)?)
            }
            Query::WhoAmI => Answer::User(user),
            Query::Now => Answer::Now(self.now()),
            Query::Check => {
                authz::may_administer(&user, "check the store")?;
                Answer::Findings(self.check()?)
            }
            Query::Products => Answer::Products(self.store.products()?),
            Query::Product(p) => Answer::Product(self.product_view(&p)?),
            Query::ApprovalPolicies => Answer::ApprovalPolicies(self.store.approval_policies()?),
            Query::OrgStructure => Answer::OrgStructure(self.org_structure()?),
            Query::OrgUnit(u) => Answer::OrgUnit(self.org_unit_view(&u)?),
            Query::Upcoming { limit } => Answer::Requests(self.upcoming(&user, limit)?),
            Query::PendingApprovals { limit } => {
                Answer::PendingApprovals(self.pending_approvals(&user, limit)?)
            }
            Query::Campaigns => Answer::Campaigns(self.campaign_summaries()?),
            Query::Campaign(c) => Answer::Campaign(self.campaign_detail(&c)?),
            Query::CertItems {
                campaign,
                filter,
                from,
                limit,
            } => Answer::CertItems(self.cert_items_page(
                &user,
                campaign.as_deref(),
                &filter,
                from,
                limit,
            )?),
            Query::CampaignReport(c) => Answer::CampaignReport(self.campaign_report(&c)?),
            Query::Calendars => Answer::Calendars(self.calendar_list()?),
            Query::Calendar(c) => Answer::Calendar(self.calendar_named(c.as_deref())?),
            Query::KpiReport(a) => Answer::KpiReport(self.kpi_report(&a)?),
            Query::QueueAsOf { query, at } => Answer::Cases(self.queue_as_of(&user, &query, at)?),
            Query::ArchivedCases(q) => Answer::Cases(self.archived_list(&user, &q)?),
            Query::ArchiveStatus => Answer::Archive(self.archive_status()?),
        })
    }

    fn sweep(&self, actor: &str, args: SweepArgs) -> Result<SweepReport, ApiError> {
        let user = self.actor(actor)?;
        authz::may_administer(&user, "sweep the timers")?;
        let clock = self.now();
        let now = args.now.unwrap_or(clock);
        if !args.dry_run {
            check_sweep_time(now, clock)?;
        }
        let report = self.sweep_at(now, args.until.unwrap_or(now), args.dry_run)?;
        let report = self.then_archive(self.then_sync(report));
        if !report.dry_run && now == clock {
            self.note_idle(&user, &report);
        }
        Ok(report)
    }
}

/// How many closed cases one sweep archives at most (the retention's backlog is worked
/// off over several sweeps, each staying short).
pub const SWEEP_ARCHIVE_MAX: u64 = 5_000;

/// How long one sweep spends at most removing what archived cases left in the hot store.
const SWEEP_CLEAR_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// A sweep that fires runs at the clock, never later: timers would fire early, and the
/// audit log would hold times still to come. An earlier time is allowed: it fires only what
/// was due by then (a part of what is due now), and firings carry the time their timer was
/// due whenever the sweep runs.
fn check_sweep_time(now: DateTime<Utc>, clock: DateTime<Utc>) -> Result<(), ApiError> {
    if now <= clock {
        return Ok(());
    }
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Err(ApiError::NotAllowed(format!(
        "a sweep may not fire timers at {}, later than the clock ({}): only a dry run may look ahead",
        at(now),
        at(clock)
    )))
}

impl Engine {
    /// Fires what is due by the clock, as the system: the server's own interval sweep (no
    /// client asks it, so no actor is checked).
    pub fn sweep_as_system(&self) -> Result<SweepReport, ApiError> {
        let now = self.now();
        let report = self.sweep_at(now, now, false)?;
        Ok(self.then_archive(self.then_sync(report)))
    }

    /// After a sweep that fired, closed cases past the archive retention (when one is
    /// configured) move to the archive, at most [`SWEEP_ARCHIVE_MAX`]. Its failure is
    /// reported, never the sweep's.
    fn then_archive(&self, mut report: SweepReport) -> SweepReport {
        if report.dry_run {
            return report;
        }
        if self.archive_retention.is_some() {
            report.archived = Some(
                self.archive_due(SWEEP_ARCHIVE_MAX)
                    .map_err(|e| e.to_string()),
            );
        }
        // What archived cases left behind goes a bounded slice per sweep.
        match self.clear_evicted(SWEEP_CLEAR_BUDGET) {
            Ok(n) => report.archive_cleared = n,
            Err(e) => report.archived = Some(Err(e.to_string())),
        }
        report
    }

    /// After a sweep that fired, the ticket systems are synced (when any is configured). A
    /// failure of the sync is reported, never the sweep's: the timers fired stand.
    fn then_sync(&self, mut report: SweepReport) -> SweepReport {
        if report.dry_run || !self.has_itsm() {
            return report;
        }
        report.itsm = Some(
            self.sync_tickets(super::SYSTEM_ACTOR, None, false)
                .map_err(|e| e.to_string()),
        );
        report
    }

    fn history(&self, case: CaseId) -> Result<CaseHistory, ApiError> {
        if self.store.case(case)?.is_none() {
            return self.archived_history(case);
        }
        Ok(CaseHistory {
            case,
            events: self.store.case_events(case)?,
            archived: None,
        })
    }

    /// The case of a work item, in the hot store or else in the archive (`case show W-45`
    /// of an archived case reads it as `C-…` does).
    fn case_of(&self, work_item: WorkItemId) -> Result<CaseId, ApiError> {
        if let Some(w) = self.store.work_item(work_item)? {
            return Ok(w.case);
        }
        self.archive
            .case_of_work_item(work_item.0)?
            .ok_or_else(|| ApiError::NotFound(format!("no work item {work_item}")))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy { .. } => ApiError::Busy(e.to_string()),
            StoreError::Missing { .. } => ApiError::NotFound(e.to_string()),
            StoreError::Exists { .. }
            | StoreError::NotAStore { .. }
            | StoreError::NewerSchema { .. } => ApiError::BadInput(e.to_string()),
            StoreError::Corrupt(_)
            | StoreError::Sled(_)
            | StoreError::Archive(_)
            | StoreError::Damaged { .. }
            | StoreError::DiskFull { .. } => ApiError::Internal(e.to_string()),
        }
    }
}
