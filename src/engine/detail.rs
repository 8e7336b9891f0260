//! A case's detail: the case, its work items and comments, and what the hot store holds
//! beside it (its links), read now, or as they stood when it was archived.

use super::query::comment_views;
use super::Engine;
use crate::api::{ApiError, CaseDetail, OperationView};
use crate::domain::archive::{ArchivedLinks, ArchivedOperation};
use crate::domain::{Case, CaseId, WorkItem};

impl Engine {
    pub(super) fn detail(&self, id: CaseId) -> Result<CaseDetail, ApiError> {
        let Some(case) = self.store.case(id)? else {
            return self.archived_detail(id);
        };
        let work_items = case
            .work_items
            .iter()
            .filter_map(|w| self.store.work_item(*w).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let events = self.store.case_events(id)?;
        self.detail_of(case, work_items, events, None)
    }

    /// The detail of a case from its records (in the hot store, or archived at `archived`).
    pub(super) fn detail_of(
        &self,
        case: Case,
        work_items: Vec<WorkItem>,
        events: Vec<crate::domain::Event>,
        archived: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<CaseDetail, ApiError> {
        let links = self.links_of(&case)?;
        Ok(detail_with(case, work_items, events, links, archived))
    }

    /// What a case's detail shows from the hot store beside the case: its request and that
    /// request's product, its campaign run, its ticket and its pending operations.
    pub(super) fn links_of(&self, case: &Case) -> Result<ArchivedLinks, ApiError> {
        let request = match case.request {
            Some(r) => self.store.request(r)?,
            None => None,
        };
        let product = match &request {
            Some(r) => self.store.product(&r.product)?,
            None => None,
        };
        let operations = self
            .operation_views(case)?
            .into_iter()
            .map(|o| ArchivedOperation {
                resource: o.resource,
                account: o.account,
                operation: o.operation,
            })
            .collect();
        Ok(ArchivedLinks {
            request,
            product,
            campaign: self.campaign_of_case(case)?,
            ticket: self.store.outsourcing(case.id)?,
            operations,
        })
    }
}

/// The detail of a case from its records and its links (read now, or as it was archived).
pub(crate) fn detail_with(
    case: Case,
    work_items: Vec<WorkItem>,
    events: Vec<crate::domain::Event>,
    links: ArchivedLinks,
    archived: Option<chrono::DateTime<chrono::Utc>>,
) -> CaseDetail {
    let operations = links
        .operations
        .into_iter()
        .map(|o| OperationView {
            resource: o.resource,
            account: o.account,
            operation: o.operation,
        })
        .collect();
    CaseDetail {
        ticket: links.ticket,
        operations,
        case,
        work_items,
        comments: comment_views(events),
        request: links.request,
        product: links.product,
        campaign: links.campaign,
        archived,
    }
}
