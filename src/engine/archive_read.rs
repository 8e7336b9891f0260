//! Reads of archived cases: `case show` and `case history` find an archived id when the hot
//! store has none, `case list --queue closed --archived` lists them, every change to one is
//! refused (read-only), and `check` knows which ids the archive holds.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::detail::detail_with;
use super::query::{row_of, Rows};
use super::Engine;
use crate::api::{ApiError, ArchiveStatus, CaseDetail, CaseHistory, CaseList, CaseQuery, Queue};
use crate::domain::{CaseId, User, WorkItemId};
use crate::store::archive::Archive;

/// The ids the archive holds, with their month and closing time: references to them are
/// not dangling.
pub(super) type Archived = BTreeMap<u64, (String, DateTime<Utc>)>;

/// How many archived cases `case list --archived` shows without `--limit`.
const DEFAULT_PAGE: usize = 100;

impl Engine {
    /// The error for a case the hot store does not have: read-only when archived, else not
    /// found.
    pub(super) fn missing_case(&self, id: CaseId) -> ApiError {
        match self.archive.get(id) {
            Ok(Some(a)) => ApiError::IllegalState(a.read_only()),
            Ok(None) => ApiError::NotFound(format!("no case {id}")),
            Err(e) => e.into(),
        }
    }

    /// An archived case's detail: its links as they stood when it was archived, or (a
    /// record from before records carried them) as the hot store holds them now.
    pub(super) fn archived_detail(&self, id: CaseId) -> Result<CaseDetail, ApiError> {
        let a = self
            .archive
            .get(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no case {id}")))?;
        match a.links {
            Some(links) => Ok(detail_with(
                a.case,
                a.work_items,
                a.events,
                links,
                Some(a.archived),
            )),
            None => self.detail_of(a.case, a.work_items, a.events, Some(a.archived)),
        }
    }

    /// After `user` read an archived case: the readers' card notes them, so their next read
    /// of one is answered by [`ArchiveReader`] without the hot store.
    pub(super) fn note_reader(&self, user: &User) {
        if let Ok(events) = self.store.counter(crate::store::trees::KEY_NEXT_EVENT) {
            crate::store::readers::note(self.store.path(), events, &user.login);
        }
    }

    pub(super) fn archived_history(&self, id: CaseId) -> Result<CaseHistory, ApiError> {
        let a = self
            .archive
            .get(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no case {id}")))?;
        Ok(CaseHistory {
            case: id,
            events: a.events,
            archived: Some(a.archived),
        })
    }

    /// Archived cases, the last closed first: a page of `--limit` (100 by default) read from
    /// the newest segments; with a state, kind or filter every archived case is looked at.
    pub(super) fn archived_list(&self, user: &User, q: &CaseQuery) -> Result<CaseList, ApiError> {
        if q.queue != Queue::Closed {
            return Err(ApiError::BadInput(format!(
                "--archived lists the closed queue only (not {}): archived cases are closed or cancelled",
                q.queue
            )));
        }
        let plain = q.filter.as_deref().is_none_or(|f| f.trim().is_empty())
            && q.state.is_none()
            && q.kind.is_none();
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        let (total, cases) = match plain {
            true => self.archive.newest(0, limit)?,
            false => self.archive.newest(0, usize::MAX)?,
        };
        let page = CaseQuery {
            limit: Some(limit),
            ..q.clone()
        };
        let mut rows = Rows::new(&page);
        for a in cases {
            if rows.wants(&a.case) {
                let object = a.case.object.clone();
                let mut row = row_of(user, Queue::Closed, a.case, &a.work_items);
                row.archived = Some(a.archived);
                rows.push(row, object.as_deref(), &a.work_items);
            }
        }
        let mut list = rows.finish();
        if plain {
            list.total = total;
        }
        Ok(list)
    }

    pub(super) fn archive_status(&self) -> Result<ArchiveStatus, ApiError> {
        Ok(ArchiveStatus {
            path: self.archive.dir().display().to_string(),
            cases: self.archive.count()?,
            months: self.archive.months()?,
        })
    }

    /// Every id the archive holds, with when it closed (none without an archive).
    pub(super) fn archived_ids(&self) -> Result<Archived, ApiError> {
        Ok(self.archive.ids()?)
    }

    /// What `check` says of the archive: damaged or torn segments, and cases both in the
    /// hot store and in the archive (a run cut short; the next run mends them).
    pub(super) fn check_archive(
        &self,
        archived: &Archived,
        out: &mut Vec<String>,
    ) -> Result<(), ApiError> {
        out.extend(self.archive.findings()?);
        for id in archived.keys() {
            if self.store.case(CaseId(*id))?.is_some() {
                out.push(format!(
                    "C-{id} is both in the hot store and in the archive (an archive run was cut short): the next `casebench archive` drops it from the hot store"
                ));
            }
        }
        Ok(())
    }
}

/// Reads of archived cases for a process that has not opened the store: `case show` and
/// `case history` of an archived case cost a few reads of the archive instead of the hot
/// store's open. Only for an actor the readers' card vouches for (`store::readers`), and
/// only for records that carry their links; every other read goes to the engine.
pub struct ArchiveReader {
    archive: Archive,
}

impl ArchiveReader {
    /// A reader of the archive of the store at `db` for `actor`, when the readers' card
    /// vouches that `actor` is a user of the store as it is on disk now.
    pub fn for_actor(db: &Path, actor: &str) -> Option<ArchiveReader> {
        crate::store::readers::vouches(db, actor).then(|| ArchiveReader {
            archive: Archive::beside(db),
        })
    }

    /// The archived case work item `w` belongs to.
    pub fn case_of_work_item(&self, w: WorkItemId) -> Result<Option<CaseId>, ApiError> {
        Ok(self.archive.case_of_work_item(w.0)?)
    }

    /// The detail of archived case `id`: none when the archive does not hold it, or holds
    /// a record without its links.
    pub fn detail(&self, id: CaseId) -> Result<Option<CaseDetail>, ApiError> {
        let Some(a) = self.archive.get(id)? else {
            return Ok(None);
        };
        Ok(a.links
            .map(|links| detail_with(a.case, a.work_items, a.events, links, Some(a.archived))))
    }

    /// The history of archived case `id`, when the archive holds it.
    pub fn history(&self, id: CaseId) -> Result<Option<CaseHistory>, ApiError> {
        Ok(self.archive.get(id)?.map(|a| CaseHistory {
            case: id,
            events: a.events,
            archived: Some(a.archived),
        }))
    }
}
