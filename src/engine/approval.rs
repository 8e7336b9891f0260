//! Approval workflows: levels of parallel steps, approvers, decisions, timeouts.

use super::{Engine, Tx};
use crate::api::{ApiError, PendingApproval};
use crate::domain::{RequestId, User, WorkItemId};

impl Engine {
    pub(super) fn decide(
        &self,
        _tx: &mut Tx,
        _user: &User,
        request: RequestId,
        _work_item: Option<WorkItemId>,
        _approve: bool,
        _comment: Option<String>,
    ) -> Result<String, ApiError> {
        Err(ApiError::IllegalState(format!(
            "{request}: approval workflows are being built"
        )))
    }

    pub(super) fn pending_approvals(
        &self,
        _user: &User,
        _limit: usize,
    ) -> Result<Vec<PendingApproval>, ApiError> {
        Ok(vec![])
    }
}
