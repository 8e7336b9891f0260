//! Read side: inbox queues, case detail, history. Each queue answers from its index.

use std::collections::{BTreeSet, HashSet};

use super::Engine;
use crate::api::{
    ApiError, CaseDetail, CaseList, CaseQuery, CaseRow, CommentView, GroupView, Org, Queue,
};
use crate::domain::{Case, CaseId, CaseState, EventKind, User, WorkItem};

impl Engine {
    fn queue_case_ids(&self, user: &User, queue: Queue) -> Result<Vec<CaseId>, ApiError> {
        let s = &self.store;
        let ids: Vec<CaseId> = match queue {
            Queue::Mine => s
                .assigned_to(&user.login)?
                .into_iter()
                .map(|x| x.1)
                .collect(),
            Queue::Claimable => {
                let mine: BTreeSet<_> = s.assigned_to(&user.login)?.into_iter().collect();
                let mut out = vec![];
                for g in &user.groups {
                    out.extend(
                        s.offered_to(g)?
                            .into_iter()
                            .filter(|x| !mine.contains(x))
                            .map(|x| x.1),
                    );
                }
                out
            }
            Queue::Delegated => s
                .delegated_by(&user.login)?
                .into_iter()
                .map(|x| x.1)
                .collect(),
            Queue::Open => {
                let active: Vec<CaseState> = CaseState::ALL
                    .into_iter()
                    .filter(|s| s.is_active())
                    .collect();
                s.cases_in_states(&active, usize::MAX)?
            }
            Queue::Overdue => s
                .deadlines_between(chrono::DateTime::<chrono::Utc>::MIN_UTC, self.now())?
                .into_iter()
                .map(|x| x.1)
                .collect(),
            Queue::Closed => {
                s.cases_in_states(&[CaseState::Closed, CaseState::Cancelled], usize::MAX)?
            }
            Queue::All => s.case_ids(usize::MAX)?,
            Queue::Outsourced => s.live_outsourcings()?.into_iter().map(|o| o.case).collect(),
        };
        let mut seen = BTreeSet::new();
        Ok(ids.into_iter().filter(|id| seen.insert(*id)).collect())
    }

    fn row(&self, user: &User, queue: Queue, case: Case) -> Result<CaseRow, ApiError> {
        let items: Vec<WorkItem> = case
            .work_items
            .iter()
            .filter_map(|id| self.store.work_item(*id).transpose())
            .collect::<Result<_, _>>()?;
        Ok(row_of(user, queue, case, &items))
    }

    /// The big queues without a filter answer from their index: a page and a count, never
    /// a scan of every case. `None` when the query needs the general path.
    fn list_page(&self, user: &User, q: &CaseQuery) -> Result<Option<CaseList>, ApiError> {
        let plain = q.filter.as_deref().is_none_or(|f| f.trim().is_empty())
            && q.state.is_none()
            && q.kind.is_none();
        if !plain {
            return Ok(None);
        }
        let limit = q.limit.unwrap_or(usize::MAX);
        let s = &self.store;
        let count = |states: &[CaseState]| -> Result<usize, ApiError> {
            let mut n = 0;
            for st in states {
                n += s.count_in_state(*st)?;
            }
            Ok(n)
        };
        let active: Vec<CaseState> = CaseState::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .collect();
        let (ids, total) = match q.queue {
            Queue::Open | Queue::Overdue => {
                let until = (q.queue == Queue::Overdue).then(|| self.now());
                let mut seen = HashSet::new();
                let mut ids = vec![];
                let counting = q.queue == Queue::Overdue;
                s.open_by_deadline(until, |_, case| {
                    if seen.insert(case) && ids.len() < limit {
                        ids.push(case);
                    }
                    counting || ids.len() < limit
                })?;
                let total = if counting {
                    seen.len()
                } else {
                    count(&active)?
                };
                (ids, total)
            }
            Queue::Closed => {
                let states = [CaseState::Closed, CaseState::Cancelled];
                (self.newest_closed(limit)?, count(&states)?)
            }
            Queue::All => (
                s.cases_in_states(&CaseState::ALL, limit)?,
                count(&CaseState::ALL)?,
            ),
            Queue::Mine | Queue::Claimable | Queue::Delegated | Queue::Outsourced => {
                return Ok(None)
            }
        };
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(case) = s.case(id)? {
                rows.push(self.row(user, q.queue, case)?);
            }
        }
        Ok(Some(CaseList {
            queue: q.queue,
            total,
            cases: rows,
        }))
    }

    /// The closed and cancelled cases, the last closed first, at most `limit`. No index
    /// orders them by close time: every one is read, only `limit` rows are built.
    fn newest_closed(&self, limit: usize) -> Result<Vec<CaseId>, ApiError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let states = [CaseState::Closed, CaseState::Cancelled];
        let mut found = vec![];
        for id in self.store.cases_in_states(&states, usize::MAX)? {
            if let Some(case) = self.store.case(id)? {
                found.push((std::cmp::Reverse(case.closed), std::cmp::Reverse(id)));
            }
        }
        found.sort();
        Ok(found.into_iter().take(limit).map(|(_, id)| id.0).collect())
    }

    pub(crate) fn list(&self, user: &User, q: &CaseQuery) -> Result<CaseList, ApiError> {
        if let Some(page) = self.list_page(user, q)? {
            return Ok(page);
        }
        let ids = self.queue_case_ids(user, q.queue)?;
        let plain = q.filter.as_deref().is_none_or(|f| f.trim().is_empty())
            && q.state.is_none()
            && q.kind.is_none();
        if plain && q.limit == Some(0) {
            // A count: the index has the answer, no row is built.
            return Ok(CaseList {
                queue: q.queue,
                total: ids.len(),
                cases: vec![],
            });
        }
        let mut rows = Rows::new(q);
        for id in ids {
            let Some(case) = self.store.case(id)? else {
                continue;
            };
            if rows.wants(&case) {
                rows.push(self.row(user, q.queue, case)?);
            }
        }
        Ok(rows.finish())
    }

    pub(super) fn detail(&self, id: CaseId) -> Result<CaseDetail, ApiError> {
        let case = self
            .store
            .case(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no case {id}")))?;
        let work_items = case
            .work_items
            .iter()
            .filter_map(|w| self.store.work_item(*w).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let comments = comment_views(self.store.case_events(id)?);
        let operations = self.operation_views(&case)?;
        let request = match case.request {
            Some(r) => self.store.request(r)?,
            None => None,
        };
        let product = match &request {
            Some(r) => self.store.product(&r.product)?,
            None => None,
        };
        let campaign = self.campaign_of_case(&case)?;
        let ticket = self.store.outsourcing(case.id)?;
        Ok(CaseDetail {
            ticket,
            operations,
            case,
            work_items,
            comments,
            request,
            product,
            campaign,
        })
    }
}

/// A case's inbox line in `queue` for `user`, from the case and its work items (stored, or
/// replayed as they stood at a past time).
pub(crate) fn row_of(user: &User, queue: Queue, case: Case, items: &[WorkItem]) -> CaseRow {
    let open: Vec<&WorkItem> = items.iter().filter(|i| i.is_open()).collect();
    // The item the row is about: mine first in my queues, then the most urgent.
    let relevant = |i: &&WorkItem| match queue {
        Queue::Mine => i.is_assignee(&user.login),
        Queue::Claimable => i.candidates.iter().any(|g| user.in_group(g)),
        Queue::Delegated => i.delegated_by.contains(&user.login),
        _ => true,
    };
    let pick = open
        .iter()
        .filter(|i| relevant(i))
        .min_by_key(|i| (i.deadline.is_none(), i.deadline, i.id))
        .or_else(|| {
            open.iter()
                .min_by_key(|i| (i.deadline.is_none(), i.deadline))
        })
        .copied()
        .or_else(|| items.last());
    let (work_item, assignees, candidates, deadline, level) = match pick {
        Some(i) => (
            Some(i.id),
            if i.is_open() {
                i.assignees.clone()
            } else {
                i.performer.clone().into_iter().collect()
            },
            if i.is_open() {
                i.candidates.clone()
            } else {
                vec![]
            },
            if i.is_open() { i.deadline } else { None },
            i.escalation_level,
        ),
        None => (None, vec![], vec![], None, 0),
    };
    CaseRow {
        id: case.id,
        kind: case.kind,
        title: case.title,
        state: case.state,
        outcome: case.outcome,
        requester: case.requester,
        resource: case.resource,
        work_item,
        assignees,
        candidates,
        deadline,
        escalation_level: level,
        created: case.created,
        modified: case.modified,
        closed: case.closed,
    }
}

/// The rows of a list being built: those that pass the query's state, kind and filter,
/// then in the queue's order, counted and cut to its limit.
pub(crate) struct Rows<'q> {
    q: &'q CaseQuery,
    needle: Option<String>,
    rows: Vec<CaseRow>,
}

impl<'q> Rows<'q> {
    pub(crate) fn new(q: &'q CaseQuery) -> Self {
        let needle = q
            .filter
            .as_deref()
            .map(|f| f.trim().to_lowercase())
            .filter(|f| !f.is_empty());
        Rows {
            q,
            needle,
            rows: vec![],
        }
    }

    /// Whether `case` passes the query's state and kind (before its row is built).
    pub(crate) fn wants(&self, case: &Case) -> bool {
        let q = self.q;
        !(q.state.is_some_and(|s| s != case.state) || q.kind.is_some_and(|k| k != case.kind))
    }

    /// Keeps `row` if it matches the filter.
    pub(crate) fn push(&mut self, row: CaseRow) {
        if self.needle.as_ref().is_none_or(|n| matches_filter(&row, n)) {
            self.rows.push(row);
        }
    }

    pub(crate) fn finish(self) -> CaseList {
        let (q, mut rows) = (self.q, self.rows);
        let closed_first = q.queue == Queue::Closed;
        let by_deadline = matches!(
            q.queue,
            Queue::Mine | Queue::Claimable | Queue::Delegated | Queue::Open | Queue::Overdue
        );
        if by_deadline {
            // As the deadline index orders them: deadline, then work item; none last.
            rows.sort_by_key(|r| (r.deadline.is_none(), r.deadline, r.work_item));
        } else if closed_first {
            rows.sort_by_key(|r| (std::cmp::Reverse(r.closed), std::cmp::Reverse(r.id)));
        } else {
            rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        }
        let total = rows.len();
        if let Some(limit) = q.limit {
            rows.truncate(limit);
        }
        CaseList {
            queue: q.queue,
            total,
            cases: rows,
        }
    }
}

fn matches_filter(row: &CaseRow, needle: &str) -> bool {
    let hay = |s: &str| s.to_lowercase().contains(needle);
    hay(&row.id.to_string())
        || hay(&row.title)
        || hay(&row.requester)
        || row.resource.as_deref().is_some_and(hay)
        || row.assignees.iter().any(|a| hay(a))
        || row
            .candidates
            .iter()
            .any(|g| hay(g) || hay(&format!("@{g}")))
        || hay(row.kind.name())
}

impl Engine {
    pub(super) fn org_view(&self) -> Result<Org, ApiError> {
        let users = self.store.users()?;
        let groups = self
            .store
            .groups()?
            .into_iter()
            .map(|g| {
                Ok(GroupView {
                    members: self.store.group_members(&g.name)?,
                    name: g.name,
                    manager: g.manager,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(Org { users, groups })
    }
}

/// The comments of a case's events: comments, and the comments that came with changes.
pub(crate) fn comment_views(events: Vec<crate::domain::Event>) -> Vec<CommentView> {
    events
        .into_iter()
        .filter_map(|e| {
            let text = e.why?;
            let on = match e.what {
                EventKind::Commented => "commented".to_string(),
                other => other.verb().to_string(),
            };
            Some(CommentView {
                seq: e.seq,
                time: e.time,
                author: e.actor,
                on,
                text,
            })
        })
        .collect()
}
