//! The KPI facts of closed cases (`domain::kpi`), written beside their `idx_closed` entries
//! right after the change that closed them, under the same write lock.

use super::super::{Engine, SYSTEM_ACTOR};
use crate::api::ApiError;
use crate::domain::kpi::CaseFacts;
use crate::domain::{Case, CaseId};
use crate::store::{StoreError, WriteSet};

impl Engine {
    /// Writes the facts of the cases a committed change closed. They are derived data: a
    /// case whose facts cannot be computed keeps an empty entry, which a report reads from
    /// the case. The write's own failure is returned: a failed write reopens the store, so
    /// a change committed without a flush before it would be gone, and must not be
    /// reported done.
    pub(in crate::engine) fn settle_facts(&self, closed: &[CaseId]) -> Result<(), StoreError> {
        if closed.is_empty() {
            return Ok(());
        }
        let mut ws = WriteSet::default();
        for id in closed {
            if let Ok(Some((case, facts))) = self.case_facts(*id) {
                ws.put_case_facts(&case, &facts);
            }
        }
        self.store.commit_unflushed(ws)
    }

    /// A case and its facts as they are in the store (events only for a closed case: an
    /// open one's first action and escalations count when it closes).
    pub(crate) fn case_facts(&self, id: CaseId) -> Result<Option<(Case, CaseFacts)>, ApiError> {
        let Some(case) = self.store.case(id)? else {
            return Ok(None);
        };
        let mut items = vec![];
        for w in &case.work_items {
            items.extend(self.store.work_item(*w)?);
        }
        let events = match case.closed {
            Some(_) => self.store.case_events(case.id)?,
            None => vec![],
        };
        let product = match case.request {
            Some(r) => self.store.request(r)?.map(|r| r.product),
            None => None,
        };
        let facts = CaseFacts::of(&case, &items, &events, product, SYSTEM_ACTOR);
        Ok(Some((case, facts)))
    }

    /// Every settled KPI fact equals what the case's records and events give now.
    pub(in crate::engine) fn check_facts(&self, out: &mut Vec<String>) -> Result<(), ApiError> {
        let all = (
            chrono::DateTime::<chrono::Utc>::MIN_UTC,
            chrono::DateTime::<chrono::Utc>::MAX_UTC,
        );
        for (id, facts) in self.store.closed_between(all)? {
            let Some(stored) = facts else { continue };
            match self.case_facts(CaseId(id))? {
                Some((_, now)) if now == stored => {}
                Some(_) => out.push(format!(
                    "C-{id}: its KPI facts differ from its records and events"
                )),
                None => out.push(format!("C-{id}: KPI facts for a case that does not exist")),
            }
        }
        Ok(())
    }
}
