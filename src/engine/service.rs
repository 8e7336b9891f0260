//! The engine as the [`Service`]: every command, read and sweep a front end may ask, each
//! with its permission check, answered here.

use super::Engine;
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
            Query::ShowCase(c) => Answer::Case(self.detail(c)?),
            Query::CaseHistory(c) => Answer::History(self.history(c)?),
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
        })
    }

    fn sweep(&self, args: SweepArgs) -> Result<SweepReport, ApiError> {
        let now = args.now.unwrap_or_else(|| self.now());
        self.sweep_at(now, args.until.unwrap_or(now), args.dry_run)
    }
}

impl Engine {
    fn history(&self, case: CaseId) -> Result<CaseHistory, ApiError> {
        if self.store.case(case)?.is_none() {
            return Err(ApiError::NotFound(format!("no case {case}")));
        }
        Ok(CaseHistory {
            case,
            events: self.store.case_events(case)?,
        })
    }

    fn case_of(&self, work_item: WorkItemId) -> Result<CaseId, ApiError> {
        self.store
            .work_item(work_item)?
            .map(|w| w.case)
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
            | StoreError::Damaged { .. }
            | StoreError::DiskFull { .. } => ApiError::Internal(e.to_string()),
        }
    }
}
