//! The inbox: the queues with their counts, the rows of the chosen queue, the filtered and
//! sorted view of them, the selection (kept by case id across refreshes) and the marks.

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::api::{CaseRow, Queue};
use crate::domain::CaseId;
use crate::tui::fuzzy;
use crate::tui::input::TextInput;

/// The queues shown as tabs, in order.
pub const QUEUES: [Queue; 6] = [
    Queue::Mine,
    Queue::Claimable,
    Queue::Delegated,
    Queue::Open,
    Queue::Overdue,
    Queue::Closed,
];

/// The most rows the TUI holds for one queue: beyond, it shows the first part (in the
/// engine's order) and filters through the engine instead of over loaded rows.
pub const MAX_ROWS: usize = 100_000;

pub fn queue_label(q: Queue) -> &'static str {
    match q {
        Queue::Mine => "Mine",
        Queue::Claimable => "Claimable",
        Queue::Delegated => "Delegated",
        Queue::Open => "Open",
        Queue::Overdue => "Overdue",
        Queue::Closed => "Closed",
        Queue::All => "All",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Deadline,
    Updated,
    Created,
    Escalation,
    Kind,
    Title,
}

impl Sort {
    pub const ALL: [Sort; 6] = [
        Sort::Deadline,
        Sort::Updated,
        Sort::Created,
        Sort::Escalation,
        Sort::Kind,
        Sort::Title,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Sort::Deadline => "deadline",
            Sort::Updated => "updated",
            Sort::Created => "created",
            Sort::Escalation => "escalation",
            Sort::Kind => "kind",
            Sort::Title => "title",
        }
    }

    pub fn next(self) -> Sort {
        let i = Sort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Sort::ALL[(i + 1) % Sort::ALL.len()]
    }

    pub fn from_name(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|x| x.name() == s.trim())
    }

    fn compare(self, a: &CaseRow, b: &CaseRow) -> Ordering {
        let deadline = |r: &CaseRow| (r.deadline.is_none(), r.deadline, Reverse(r.id));
        match self {
            Sort::Deadline => deadline(a).cmp(&deadline(b)),
            Sort::Updated => {
                (Reverse(a.modified), Reverse(a.id)).cmp(&(Reverse(b.modified), Reverse(b.id)))
            }
            Sort::Created => {
                (Reverse(a.created), Reverse(a.id)).cmp(&(Reverse(b.created), Reverse(b.id)))
            }
            Sort::Escalation => (Reverse(a.escalation_level), deadline(a))
                .cmp(&(Reverse(b.escalation_level), deadline(b))),
            Sort::Kind => (a.kind.name(), deadline(a)).cmp(&(b.kind.name(), deadline(b))),
            Sort::Title => a
                .title
                .to_lowercase()
                .cmp(&b.title.to_lowercase())
                .then(a.id.cmp(&b.id)),
        }
    }
}

/// The rows of one queue as loaded, with a search haystack per row.
#[derive(Debug, Clone)]
pub struct Rows {
    pub queue: Queue,
    pub rows: Arc<Vec<CaseRow>>,
    pub hay: Arc<Vec<String>>,
}

impl Rows {
    pub fn new(queue: Queue, rows: Vec<CaseRow>) -> Rows {
        let hay = rows.iter().map(row_haystack).collect();
        Rows {
            queue,
            rows: Arc::new(rows),
            hay: Arc::new(hay),
        }
    }
}

/// What the filter looks at: id, title, requester, resource, assignees, groups, kind.
pub fn row_haystack(r: &CaseRow) -> String {
    let id = r.id.to_string();
    let groups: Vec<String> = r.candidates.iter().map(|g| format!("@{g}")).collect();
    let mut fields: Vec<&str> = vec![&id, &r.title, &r.requester, r.kind.name()];
    if let Some(res) = &r.resource {
        fields.push(res);
    }
    fields.extend(r.assignees.iter().map(String::as_str));
    fields.extend(groups.iter().map(String::as_str));
    fuzzy::haystack(fields)
}

/// A request to compute the view of some rows: off the UI thread, latest wins.
///
/// Matching: when some rows contain every term as written (a substring of one field), only
/// those are shown; otherwise the letters of each term, in order, within one field (fuzzy).
/// So a precise word gives precise results and a sloppy one still finds something.
#[derive(Debug, Clone)]
pub struct ViewJob {
    pub gen: u64,
    pub rows: Rows,
    pub query: String,
    pub sort: Sort,
    pub reverse: bool,
    /// A view of the same rows and sort whose query this one's extends: look only within it.
    pub base: Option<Arc<Vec<u32>>>,
    /// Whether `base` holds fuzzy matches (else exact ones).
    pub base_fuzzy: bool,
}

/// A computed view: row indices in order, and whether they are fuzzy matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub rows: Vec<u32>,
    pub fuzzy: bool,
}

impl ViewJob {
    pub fn run(&self) -> View {
        let terms = fuzzy::terms(&self.query);
        let words: Vec<String> = terms.iter().map(|t| t.iter().collect()).collect();
        let hay = &self.rows.hay;
        let exact = |i: &u32| words.iter().all(|w| hay[*i as usize].contains(w.as_str()));
        let loose = |i: &u32| fuzzy::matches(&terms, &hay[*i as usize]);
        if terms.is_empty() {
            return View {
                rows: self.sorted((0..self.rows.rows.len() as u32).collect()),
                fuzzy: false,
            };
        }
        // Exact matches of the new query are within either kind of base.
        let exact_rows: Vec<u32> = match &self.base {
            Some(base) => base.iter().copied().filter(exact).collect(),
            None => self.sorted((0..self.rows.rows.len() as u32).filter(exact).collect()),
        };
        if !exact_rows.is_empty() {
            return View {
                rows: exact_rows,
                fuzzy: false,
            };
        }
        let rows = match &self.base {
            Some(base) if self.base_fuzzy => base.iter().copied().filter(loose).collect(),
            _ => self.sorted((0..self.rows.rows.len() as u32).filter(loose).collect()),
        };
        View { rows, fuzzy: true }
    }

    fn sorted(&self, mut view: Vec<u32>) -> Vec<u32> {
        let rows = &self.rows.rows;
        let sort = self.sort;
        view.sort_by(|a, b| {
            let o = sort.compare(&rows[*a as usize], &rows[*b as usize]);
            if self.reverse {
                o.reverse()
            } else {
                o
            }
        });
        view
    }
}

#[derive(Debug, Clone)]
pub struct Inbox {
    /// Index into [`QUEUES`].
    pub queue: usize,
    pub counts: [Option<usize>; 6],
    pub rows: Option<Rows>,
    pub loading: bool,
    /// The load whose every row has arrived (a first page no longer applies).
    pub complete_gen: Option<u64>,
    /// The rows are a first page of `counts[queue]`.
    pub partial: bool,
    /// The queue holds more than the TUI loads (`MAX_ROWS`): the rows are its first part in
    /// the engine's order, and the filter asks the engine.
    pub capped: bool,
    /// The filter the engine applied to the rows loaded (a capped queue's filter).
    pub server_filter: Option<String>,
    /// The most rows held for one queue ([`MAX_ROWS`]; smaller in tests).
    pub max_rows: usize,
    pub error: Option<String>,
    /// Indices into `rows`, filtered and sorted.
    pub view: Arc<Vec<u32>>,
    /// The query, sort and rows `view` was computed for.
    pub view_query: String,
    pub view_sort: (Sort, bool),
    pub view_pending: bool,
    /// The view holds fuzzy matches (nothing matched exactly).
    pub view_fuzzy: bool,
    pub selected: usize,
    pub selected_id: Option<CaseId>,
    pub offset: usize,
    pub marks: BTreeSet<CaseId>,
    pub filter: TextInput,
    /// The filter field has the keyboard.
    pub filtering: bool,
    pub sort: Sort,
    pub reverse: bool,
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox {
            queue: 0,
            counts: [None; 6],
            rows: None,
            loading: false,
            complete_gen: None,
            partial: false,
            capped: false,
            server_filter: None,
            max_rows: MAX_ROWS,
            error: None,
            view: Arc::new(vec![]),
            view_query: String::new(),
            view_sort: (Sort::Deadline, false),
            view_pending: false,
            view_fuzzy: false,
            selected: 0,
            selected_id: None,
            offset: 0,
            marks: BTreeSet::new(),
            filter: TextInput::single_line().with_placeholder("type to filter"),
            filtering: false,
            sort: Sort::Deadline,
            reverse: false,
        }
    }
}

impl Inbox {
    pub fn current_queue(&self) -> Queue {
        QUEUES[self.queue]
    }

    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    pub fn row(&self, i: usize) -> Option<&CaseRow> {
        let rows = self.rows.as_ref()?;
        let idx = *self.view.get(i)? as usize;
        rows.rows.get(idx)
    }

    pub fn selected_row(&self) -> Option<&CaseRow> {
        self.row(self.selected)
    }

    /// A view job for `rows` (the current ones, or newly loaded ones) with the current query
    /// and sort, narrowing the current view when the rows are the same and the query only grew.
    pub fn view_job(&self, gen: u64, rows: Rows) -> ViewJob {
        let query = self.filter.text().trim().to_string();
        let same_rows = self
            .rows
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(&r.rows, &rows.rows));
        let narrowing = same_rows
            && self.view_sort == (self.sort, self.reverse)
            && query.starts_with(&self.view_query)
            && query != self.view_query;
        ViewJob {
            gen,
            rows,
            query,
            sort: self.sort,
            reverse: self.reverse,
            base: narrowing.then(|| self.view.clone()),
            base_fuzzy: self.view_fuzzy,
        }
    }

    /// Installs rows with their computed view and keeps the selection on the same case when it
    /// is still there (else on the same line). Returns whether the selected case changed.
    pub fn set_view(
        &mut self,
        rows: Rows,
        view: View,
        query: String,
        sort: (Sort, bool),
        page: usize,
    ) -> bool {
        self.rows = Some(rows);
        self.view = Arc::new(view.rows);
        self.view_fuzzy = view.fuzzy;
        self.view_query = query;
        self.view_sort = sort;
        self.view_pending = false;
        let before = self.selected_id;
        let pos = before.and_then(|id| {
            let rows = self.rows.as_ref()?;
            self.view
                .iter()
                .position(|i| rows.rows[*i as usize].id == id)
        });
        self.selected = match pos {
            Some(p) => p,
            None => self.selected.min(self.len().saturating_sub(1)),
        };
        self.selected_id = self.selected_row().map(|r| r.id);
        self.scroll_into_view(page);
        self.selected_id != before
    }

    /// Moves the selection by `delta` lines; returns whether it moved.
    pub fn move_by(&mut self, delta: isize, page: usize) -> bool {
        if self.is_empty() {
            return false;
        }
        let last = self.len() - 1;
        let to = (self.selected as isize + delta).clamp(0, last as isize) as usize;
        self.select(to, page)
    }

    pub fn select(&mut self, to: usize, page: usize) -> bool {
        if self.is_empty() {
            return false;
        }
        let to = to.min(self.len() - 1);
        let moved = to != self.selected || self.selected_id.is_none();
        self.selected = to;
        self.selected_id = self.selected_row().map(|r| r.id);
        self.scroll_into_view(page);
        moved
    }

    /// Keeps the selected line within the `page` lines shown.
    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max_offset = self.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }

    /// Shows queue `i` (its rows are to load): no rows, view, selection or error; returns
    /// whether marks were cleared.
    pub fn switch_to(&mut self, i: usize) -> bool {
        self.queue = i;
        self.rows = None;
        self.view = Default::default();
        self.view_query.clear();
        self.selected = 0;
        self.selected_id = None;
        self.offset = 0;
        self.error = None;
        let marked = !self.marks.is_empty();
        self.marks.clear();
        marked
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_id {
            if !self.marks.remove(&id) {
                self.marks.insert(id);
            }
        }
    }

    /// Marks every case shown; when all are marked already, clears the marks.
    pub fn mark_all(&mut self) {
        let Some(rows) = &self.rows else { return };
        let shown: BTreeSet<CaseId> = self
            .view
            .iter()
            .map(|i| rows.rows[*i as usize].id)
            .collect();
        if !shown.is_empty() && shown.is_subset(&self.marks) {
            self.marks.clear();
        } else {
            self.marks.extend(shown);
        }
    }

    /// The cases a case action applies to: the marked ones, else the selected one.
    pub fn targets(&self) -> Vec<CaseId> {
        if self.marks.is_empty() {
            self.selected_id.into_iter().collect()
        } else {
            self.marks.iter().copied().collect()
        }
    }
}
