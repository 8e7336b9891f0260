//! The archive of closed cases, beside the hot store in `<store>/archive/` (so `backup` and
//! `restore`, which copy the store's directory, carry it): one append-only segment per
//! month of closing (`2026-03.seg`, [`segment`]) with its id index (`2026-03.idx`,
//! [`index`]), its work-item index (`2026-03.wix`, [`wix`]) and its KPI facts (`2026-03.kfx`,
//! [`kfx`]). Only this module touches these files.
//!
//! Nothing is read until asked: opening the store does not look here, a `case show` of an
//! id the hot store has not reads a 44-byte header per segment and one segment's index.
//!
//! Writes ([`Writer::append`]) are crash-safe in this order: a torn tail (a run killed
//! mid-append) is cut off, the records are appended and synced, the directory synced, then
//! the index rewritten (temp file, sync, rename, directory sync). The engine removes the
//! cases from the hot store only after `append` returned.

mod index;
mod kfx;
mod segment;
mod wix;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{time::from_millis, ArchivedCase, CaseId};
use index::MonthIndex;
use segment::io;

/// The archive of one store.
#[derive(Debug, Clone)]
pub struct Archive {
    dir: PathBuf,
}

/// The month of a closing time: the segment's name.
fn month_of(t: DateTime<Utc>) -> String {
    t.format("%Y-%m").to_string()
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(dir, "sync", e))
}

impl Archive {
    /// The archive of the store at `store` (nothing is read).
    pub fn beside(store: &Path) -> Archive {
        Archive {
            dir: store.join("archive"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn segment(&self, month: &str) -> PathBuf {
        self.dir.join(format!("{month}.seg"))
    }

    /// The months that have a segment, oldest first (none without an archive).
    pub fn months(&self) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io(&self.dir, "read", e)),
        };
        let mut out = vec![];
        for e in entries {
            let name = e.map_err(|e| io(&self.dir, "read", e))?.file_name();
            let name = name.to_string_lossy();
            if let Some(m) = name.strip_suffix(".seg") {
                out.push(m.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    fn load(&self, month: &str) -> Result<MonthIndex, StoreError> {
        index::load(&self.segment(month))
    }

    fn read(
        &self,
        month: &str,
        entries: &[segment::Entry],
    ) -> Result<Vec<ArchivedCase>, StoreError> {
        let path = self.segment(month);
        let file = File::open(&path).map_err(|e| io(&path, "open", e))?;
        entries
            .iter()
            .map(|e| segment::read_at(&file, &path, e))
            .collect()
    }

    /// The archived case `id`, if the archive holds it.
    pub fn get(&self, id: CaseId) -> Result<Option<ArchivedCase>, StoreError> {
        for month in self.months()?.iter().rev() {
            let seg = self.segment(month);
            let len = fs::metadata(&seg).map_err(|e| io(&seg, "read", e))?.len();
            // A whole index that covers the segment says at once whether the id can be here.
            if let Some(h) = index::header(&seg) {
                if h.covered == len && (h.count == 0 || id.0 < h.min || id.0 > h.max) {
                    continue;
                }
            }
            if let Some(e) = self.load(month)?.find(id.0) {
                return Ok(self.read(month, &[*e])?.pop());
            }
        }
        Ok(None)
    }

    /// The archived case work item `w` belongs to, if the archive holds one: one 44-byte
    /// header per month, then one month's work-item index.
    pub fn case_of_work_item(&self, w: u64) -> Result<Option<CaseId>, StoreError> {
        for month in self.months()?.iter().rev() {
            if let Some(case) = wix::case_of(&self.segment(month), w)? {
                return Ok(Some(CaseId(case)));
            }
        }
        Ok(None)
    }

    /// How many cases the archive holds.
    pub fn count(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for month in self.months()? {
            n += self.load(&month)?.entries.len() as u64;
        }
        Ok(n)
    }

    /// The archived cases, the last closed first, `skip` of them skipped, at most `limit`;
    /// and how many there are.
    pub fn newest(
        &self,
        skip: usize,
        limit: usize,
    ) -> Result<(usize, Vec<ArchivedCase>), StoreError> {
        let (mut total, mut out, mut skip) = (0, vec![], skip);
        for month in self.months()?.iter().rev() {
            let mut entries = self.load(month)?.entries;
            total += entries.len();
            if out.len() >= limit {
                continue;
            }
            if skip >= entries.len() {
                skip -= entries.len();
                continue;
            }
            entries.sort_by_key(|e| std::cmp::Reverse((e.closed, e.id)));
            let take: Vec<_> = entries
                .into_iter()
                .skip(std::mem::take(&mut skip))
                .take(limit - out.len())
                .collect();
            out.extend(self.read(month, &take)?);
        }
        Ok((total, out))
    }

    /// The months with a segment from the month of `since` to that of `until`, oldest first.
    fn months_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let (first, last) = (month_of(since), month_of(until));
        let mut months = self.months()?;
        months.retain(|m| *m >= first && *m <= last);
        Ok(months)
    }

    /// The archived cases that closed in `[since, until)`, in closing order, one at a time
    /// and without holding them (a year of a large store's archive is hundreds of thousands
    /// of cases): only the segments of those months are read.
    pub fn each_closed_between<E: From<StoreError>>(
        &self,
        (since, until): (DateTime<Utc>, DateTime<Utc>),
        mut f: impl FnMut(ArchivedCase) -> Result<(), E>,
    ) -> Result<(), E> {
        let (a, b) = (since.timestamp_millis(), until.timestamp_millis());
        for month in self.months_between(since, until)? {
            let mut entries: Vec<_> = self
                .load(&month)?
                .entries
                .into_iter()
                .filter(|e| e.closed >= a && e.closed < b)
                .collect();
            entries.sort_by_key(|e| (e.closed, e.id));
            let path = self.segment(&month);
            let file = File::open(&path).map_err(|e| io(&path, "open", e))?;
            for e in &entries {
                f(segment::read_at(&file, &path, e)?)?;
            }
        }
        Ok(())
    }

    /// The KPI facts of the archived cases that closed in `[since, until)` (none: never
    /// settled), in closing order, from each month's facts file: no case is decompressed.
    pub fn each_facts_between<E: From<StoreError>>(
        &self,
        (since, until): (DateTime<Utc>, DateTime<Utc>),
        mut f: impl FnMut(CaseId, Option<crate::domain::kpi::CaseFacts>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (a, b) = (since.timestamp_millis(), until.timestamp_millis());
        for month in self.months_between(since, until)? {
            let mut facts = kfx::load(&self.segment(&month))?;
            facts.retain(|(_, closed, _)| *closed >= a && *closed < b);
            facts.sort_by_key(|(id, closed, _)| (*closed, *id));
            for (id, _, facts) in facts {
                f(CaseId(id), facts)?;
            }
        }
        Ok(())
    }

    /// Every archived id with its month and closing time (`check`).
    pub fn ids(&self) -> Result<BTreeMap<u64, (String, DateTime<Utc>)>, StoreError> {
        let mut out = BTreeMap::new();
        for month in self.months()? {
            for e in self.load(&month)?.entries {
                out.insert(e.id, (month.clone(), from_millis(e.closed)));
            }
        }
        Ok(out)
    }

    /// What is wrong with the archive's files, one line each: a record that does not read
    /// back (damage), a torn tail (a run cut short; the next run cuts it off).
    pub fn findings(&self) -> Result<Vec<String>, StoreError> {
        let mut out = vec![];
        for month in self.months()? {
            let seg = self.segment(&month);
            let m = self.load(&month)?;
            if let Some(why) = &m.torn {
                out.push(format!(
                    "archive segment {} has a torn tail {why} (a run was cut short: the next `casebench archive` cuts it off)",
                    seg.display()
                ));
            }
            let file = File::open(&seg).map_err(|e| io(&seg, "open", e))?;
            for e in &m.entries {
                if let Err(err) = segment::read_at(&file, &seg, e) {
                    out.push(err.to_string());
                }
            }
        }
        Ok(out)
    }

    fn pending_path(&self) -> PathBuf {
        self.dir.join("pending")
    }

    /// Records, before a batch is appended, the cases it may leave in both places should
    /// the run stop before the hot store lets them go (temp file, sync, rename).
    pub fn set_pending(&self, ids: &[CaseId]) -> Result<(), StoreError> {
        fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, "create", e))?;
        let text: String = ids.iter().map(|id| format!("{}\n", id.0)).collect();
        let path = self.pending_path();
        let tmp = path.with_extension("tmp");
        let mut f = File::create(&tmp).map_err(|e| io(&tmp, "create", e))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| io(&tmp, "write", e))?;
        fs::rename(&tmp, &path).map_err(|e| io(&path, "write", e))?;
        sync_dir(&self.dir)
    }

    /// The cases of a batch whose run may have stopped between the archive and the hot
    /// store (none when the last run finished).
    pub fn pending(&self) -> Result<Vec<CaseId>, StoreError> {
        let path = self.pending_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(text
                .lines()
                .filter_map(|l| l.trim().parse().ok().map(CaseId))
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(io(&path, "read", e)),
        }
    }

    /// The batch is settled: the hot store has let its cases go.
    pub fn clear_pending(&self) -> Result<(), StoreError> {
        match fs::remove_file(self.pending_path()) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&self.pending_path(), "remove", e)),
        }
    }

    /// A writer that appends batches of cases.
    pub fn writer(&self) -> Writer<'_> {
        Writer {
            archive: self,
            months: BTreeMap::new(),
            items: BTreeMap::new(),
            deferred: false,
        }
    }

    /// A writer for a store being built (the generator): appends are neither synced nor
    /// indexed until [`Writer::finish`], which does both once per month. Not crash-safe on
    /// its own: a build cut short is a store to throw away.
    pub fn bulk_writer(&self) -> Writer<'_> {
        Writer {
            deferred: true,
            ..self.writer()
        }
    }
}

/// Appends to the archive; keeps the indexes of the months it touched in memory.
pub struct Writer<'a> {
    archive: &'a Archive,
    months: BTreeMap<String, MonthIndex>,
    /// The work-item index of each month touched, when it was whole before (a new month's
    /// is): kept whole as cases are appended, else left to be rebuilt when first read.
    items: BTreeMap<String, Option<wix::Items>>,
    /// Sync and index at [`Writer::finish`] only ([`Archive::bulk_writer`]).
    deferred: bool,
}

impl Writer<'_> {
    /// The index of `month`, read once (a segment not there yet: empty).
    fn month(&mut self, month: &str) -> Result<&mut MonthIndex, StoreError> {
        if !self.months.contains_key(month) {
            let seg = self.archive.segment(month);
            let (m, items) = match seg.exists() {
                true => {
                    let m = index::load(&seg)?;
                    let items = wix::load(&seg, m.end);
                    (m, items)
                }
                false => (MonthIndex::default(), Some(vec![])),
            };
            self.months.insert(month.to_string(), m);
            self.items.insert(month.to_string(), items);
        }
        Ok(self.months.get_mut(month).expect("inserted above"))
    }

    /// Whether the archive holds the case `id` that closed at `closed` (its month's segment
    /// is the only place it can be).
    pub fn holds(&mut self, id: CaseId, closed: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.month(&month_of(closed))?.find(id.0).is_some())
    }

    /// The archived copy of the case `id` that closed at `closed`, if the archive holds it.
    pub fn copy(
        &mut self,
        id: CaseId,
        closed: DateTime<Utc>,
    ) -> Result<Option<ArchivedCase>, StoreError> {
        let month = month_of(closed);
        let Some(e) = self.month(&month)?.find(id.0).copied() else {
            return Ok(None);
        };
        Ok(self.archive.read(&month, &[e])?.pop())
    }

    /// Appends `cases` to the segments of their closing months and syncs them; returns
    /// once every record is on disk. Cases it already holds must be left out by the caller.
    pub fn append(&mut self, cases: &[ArchivedCase]) -> Result<(), StoreError> {
        let (dir, deferred) = (self.archive.dir.clone(), self.deferred);
        if !dir.exists() {
            fs::create_dir_all(&dir).map_err(|e| io(&dir, "create", e))?;
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        let mut by_month: BTreeMap<String, Vec<&ArchivedCase>> = BTreeMap::new();
        for c in cases {
            let closed = c.case.closed.unwrap_or(c.archived);
            by_month.entry(month_of(closed)).or_default().push(c);
        }
        for (month, cases) in by_month {
            let seg = self.archive.segment(&month);
            self.month(&month)?;
            if let Some(Some(items)) = self.items.get_mut(&month) {
                items.extend(cases.iter().flat_map(|c| wix::of(c)));
            }
            let m = self.months.get_mut(&month).expect("loaded above");
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&seg)
                .map_err(|e| io(&seg, "open", e))?;
            // A torn tail is cut off first: never trusted, never built on.
            let len = file.metadata().map_err(|e| io(&seg, "read", e))?.len();
            if len != m.end {
                file.set_len(m.end).map_err(|e| io(&seg, "truncate", e))?;
                m.torn = None;
                // Whatever it held of the month is rebuilt when first read.
                self.items.insert(month.clone(), None);
            }
            let mut buf = vec![];
            for c in &cases {
                let at = m.end + buf.len() as u64;
                let closed = c.case.closed.unwrap_or(c.archived).timestamp_millis();
                m.entries.push(segment::Entry {
                    id: c.case.id.0,
                    offset: at,
                    closed,
                });
                buf.extend(segment::record(c));
            }
            let mut file = file;
            file.write_all(&buf).map_err(|e| io(&seg, "append to", e))?;
            m.end += buf.len() as u64;
            if deferred {
                m.stale = true;
                continue;
            }
            file.sync_all().map_err(|e| io(&seg, "sync", e))?;
            sync_dir(&dir)?;
            index::latest_only(&mut m.entries);
            index::write(&seg, m)?;
            m.stale = false;
            if let Some(Some(items)) = self.items.get_mut(&month) {
                wix::write(&seg, m.end, items)?;
            }
            sync_dir(&dir)?;
        }
        Ok(())
    }

    /// Syncs the segments a bulk writer appended to and writes their indexes (a no-op for
    /// a writer that syncs each append).
    pub fn finish(&mut self) -> Result<(), StoreError> {
        let dir = self.archive.dir.clone();
        for (month, m) in self.months.iter_mut().filter(|(_, m)| m.stale) {
            let seg = self.archive.segment(month);
            File::open(&seg)
                .and_then(|f| f.sync_all())
                .map_err(|e| io(&seg, "sync", e))?;
            index::latest_only(&mut m.entries);
            index::write(&seg, m)?;
            m.stale = false;
            if let Some(Some(items)) = self.items.get_mut(month) {
                wix::write(&seg, m.end, items)?;
            }
        }
        if dir.exists() {
            sync_dir(&dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
