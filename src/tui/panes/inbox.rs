//! The inbox: the queues with their counts, the rows of the chosen queue, the filtered and
//! sorted view of them, the selection (kept by case id across refreshes) and the marks.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::api::{CaseRow, Queue};
use crate::domain::CaseId;
use crate::tui::input::TextInput;
pub use crate::tui::panes::view::{row_haystack, Rows, Sort, View, ViewJob};

/// The queues shown as tabs, in order (and, when ticket systems are configured, the
/// Outsourced one after them: [`Inbox::show_outsourced`]).
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
        Queue::Outsourced => "Outsourced",
    }
}

#[derive(Debug, Clone)]
pub struct Inbox {
    /// The tabs: [`QUEUES`], then Outsourced when ticket systems are configured.
    queues: Vec<Queue>,
    /// Index into `queues`.
    queue: usize,
    counts: Vec<Option<usize>>,
    rows: Option<Rows>,
    loading: bool,
    /// The load whose every row has arrived (a first page no longer applies).
    complete_gen: Option<u64>,
    /// The rows are a first page of `counts[queue]`.
    partial: bool,
    /// The queue holds more than the TUI loads (`MAX_ROWS`): the rows are its first part in
    /// the engine's order, and the filter asks the engine.
    capped: bool,
    /// The filter the engine applied to the rows loaded (a capped queue's filter).
    server_filter: Option<String>,
    /// The most rows held for one queue ([`MAX_ROWS`]; smaller in tests).
    max_rows: usize,
    error: Option<String>,
    /// Indices into `rows`, filtered and sorted.
    view: Arc<Vec<u32>>,
    /// The query, sort and rows `view` was computed for.
    view_query: String,
    view_sort: (Sort, bool),
    view_pending: bool,
    /// The view holds fuzzy matches (nothing matched exactly).
    view_fuzzy: bool,
    selected: usize,
    selected_id: Option<CaseId>,
    offset: usize,
    marks: BTreeSet<CaseId>,
    filter: TextInput,
    /// The filter field has the keyboard.
    filtering: bool,
    sort: Sort,
    reverse: bool,
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox {
            queues: QUEUES.to_vec(),
            queue: 0,
            counts: vec![None; QUEUES.len()],
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

/// Reading the state.
impl Inbox {
    /// Index into [`Inbox::queues`].
    pub fn queue(&self) -> usize {
        self.queue
    }

    /// The queues shown as tabs, in order.
    pub fn queues(&self) -> &[Queue] {
        &self.queues
    }

    /// The count of each tab (`None`: not counted yet).
    pub fn counts(&self) -> &[Option<usize>] {
        &self.counts
    }

    pub fn has_rows(&self) -> bool {
        self.rows.is_some()
    }

    pub fn loading(&self) -> bool {
        self.loading
    }

    /// Whether the load of `gen` already brought every row.
    pub fn is_complete(&self, gen: u64) -> bool {
        self.complete_gen == Some(gen)
    }

    pub fn partial(&self) -> bool {
        self.partial
    }

    pub fn capped(&self) -> bool {
        self.capped
    }

    pub fn server_filter(&self) -> Option<&str> {
        self.server_filter.as_deref()
    }

    pub fn max_rows(&self) -> usize {
        self.max_rows
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn view_query(&self) -> &str {
        &self.view_query
    }

    pub fn view_pending(&self) -> bool {
        self.view_pending
    }

    pub fn view_fuzzy(&self) -> bool {
        self.view_fuzzy
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn selected_id(&self) -> Option<CaseId> {
        self.selected_id
    }

    /// The first line shown.
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn marks(&self) -> &BTreeSet<CaseId> {
        &self.marks
    }

    pub fn filter(&self) -> &TextInput {
        &self.filter
    }

    /// The filter field has the keyboard.
    pub fn filtering(&self) -> bool {
        self.filtering
    }

    /// Whether the filter line shows.
    pub fn filter_line(&self) -> bool {
        self.filtering || !self.filter.is_blank()
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn reverse(&self) -> bool {
        self.reverse
    }

    pub fn current_queue(&self) -> Queue {
        self.queues.get(self.queue).copied().unwrap_or(QUEUES[0])
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

    /// Forgets the queues' counts (as before the first load).
    pub fn forget_counts(&mut self) {
        self.counts = vec![None; self.queues.len()];
    }

    /// Ticket systems are configured: the Outsourced tab follows the others (once).
    /// Returns whether it was added.
    pub fn show_outsourced(&mut self) -> bool {
        if self.queues.contains(&Queue::Outsourced) {
            return false;
        }
        self.queues.push(Queue::Outsourced);
        self.counts.push(None);
        true
    }

    /// Holds at most `n` rows of a queue (tests use small numbers).
    pub fn set_max_rows(&mut self, n: usize) {
        self.max_rows = n;
    }

    pub fn set_count(&mut self, queue: usize, n: usize) {
        if let Some(c) = self.counts.get_mut(queue) {
            *c = Some(n);
        }
    }

    /// A load of the current queue started.
    pub fn load_started(&mut self) {
        self.loading = true;
        self.complete_gen = None;
    }

    /// Rows of load `gen` arrived: `loaded` of the `total` the queue holds (or matches, with
    /// `filtered`).
    pub fn rows_arrived(&mut self, gen: u64, loaded: usize, total: usize, filtered: bool) {
        // Every row, or as many as the TUI holds: this load is done.
        let complete = loaded >= total || loaded >= self.max_rows;
        if complete {
            self.complete_gen = Some(gen);
            self.loading = false;
            self.capped = loaded < total;
        }
        self.partial = !complete;
        self.error = None;
        if !filtered {
            self.set_count(self.queue, total);
        }
    }

    pub fn load_failed(&mut self, text: String) {
        self.loading = false;
        self.error = Some(text);
    }

    /// A view job for the current rows, if any, with the current query and sort.
    pub fn review_job(&mut self, gen: u64) -> Option<ViewJob> {
        let rows = self.rows.clone()?;
        Some(self.start_view(gen, rows))
    }

    /// A view job for `rows`; the view is pending until it comes back.
    pub fn start_view(&mut self, gen: u64, rows: Rows) -> ViewJob {
        self.view_pending = true;
        self.view_job(gen, rows)
    }

    /// For a capped queue (or one filtered by the engine): the filter the engine is to apply
    /// now, when it changed (`Some(None)`: none any more).
    pub fn server_filter_change(&mut self) -> Option<Option<String>> {
        if !self.capped && self.server_filter.is_none() {
            return None;
        }
        let text = self.filter.text().trim().to_string();
        let wanted = Some(text).filter(|t| !t.is_empty());
        if wanted == self.server_filter {
            return None;
        }
        self.server_filter = wanted.clone();
        Some(wanted)
    }

    /// The filter field takes the keyboard.
    pub fn start_filter(&mut self) {
        self.filtering = true;
    }

    /// The filter field gives the keyboard back; the filter stays.
    pub fn keep_filter(&mut self) {
        self.filtering = false;
    }

    /// Drops the filter.
    pub fn clear_filter(&mut self) {
        self.filtering = false;
        self.filter.clear();
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter.set_text(text);
    }

    /// A key for the filter field; returns whether the text changed.
    pub fn filter_key(&mut self, ev: crossterm::event::KeyEvent) -> bool {
        self.filter.key(ev)
    }

    pub fn filter_paste(&mut self, text: &str) {
        self.filter.paste(text);
    }

    pub fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
    }

    /// The next sort order, not reversed.
    pub fn next_sort(&mut self) {
        self.sort = self.sort.next();
        self.reverse = false;
    }

    pub fn reverse_sort(&mut self) {
        self.reverse = !self.reverse;
    }

    /// Clears the marks; returns how many there were.
    pub fn clear_marks(&mut self) -> usize {
        let n = self.marks.len();
        self.marks.clear();
        n
    }

    /// Shows queue `i` (its rows are to load): no rows, view, selection or error; returns
    /// whether marks were cleared.
    pub fn switch_to(&mut self, i: usize) -> bool {
        self.queue = i.min(self.queues.len() - 1);
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
