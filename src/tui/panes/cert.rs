//! The certification view: the items of a certification case as one dense table, filtered
//! and sorted once per change (never per frame), with marks for bulk decisions and the
//! small reduce form. Decisions made here show at once (applied to the local copy) and the
//! page is then loaded again from the engine.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::api::{ApiError, CertItemPage};
use crate::domain::campaign::{CertItem, Decision, Subject, Verdict};
use crate::domain::CaseId;
use crate::tui::input::TextInput;

/// The orders `s` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertSort {
    #[default]
    No,
    Owner,
    Account,
    Resource,
    LastSeen,
    Risk,
    Decision,
}

impl CertSort {
    const ALL: [CertSort; 7] = [
        CertSort::No,
        CertSort::Owner,
        CertSort::Account,
        CertSort::Resource,
        CertSort::LastSeen,
        CertSort::Risk,
        CertSort::Decision,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CertSort::No => "item number",
            CertSort::Owner => "owner",
            CertSort::Account => "account",
            CertSort::Resource => "resource",
            CertSort::LastSeen => "last seen",
            CertSort::Risk => "risk flags",
            CertSort::Decision => "decision",
        }
    }

    fn next(self) -> CertSort {
        let i = CertSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        CertSort::ALL[(i + 1) % CertSort::ALL.len()]
    }
}

/// The account (or request) column of an item: `jdoe`, `R-12 vpn`.
pub fn account(item: &CertItem) -> String {
    match &item.subject {
        Subject::Account { key, .. } => key.clone(),
        Subject::Request { id, product } => format!("{id} {product}"),
    }
}

/// A risk score for sorting: owner left, orphan, divergent.
fn risk(item: &CertItem) -> u8 {
    let f = item.flags;
    u8::from(f.owner_left) * 4 + u8::from(f.orphan) * 2 + u8::from(f.divergent)
}

/// An order for the decision column: undecided first.
fn decision_rank(item: &CertItem) -> u8 {
    match item.current.as_ref().map(|v| &v.decision) {
        None => 0,
        Some(Decision::NotDecided) => 1,
        Some(Decision::Revoke) => 2,
        Some(Decision::Reduce(_)) => 3,
        Some(Decision::Accept) => 4,
    }
}

/// Which field of the reduce form has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceField {
    Values,
    Comment,
}

/// The reduce form: `ATTR=VAL[, ATTR=VAL]` and an optional comment, for the items `nos`.
#[derive(Debug, Clone)]
pub struct ReduceForm {
    pub nos: Vec<u32>,
    pub values: TextInput,
    pub comment: TextInput,
    pub field: ReduceField,
    pub error: Option<String>,
}

impl ReduceForm {
    pub fn input(&self) -> &TextInput {
        match self.field {
            ReduceField::Values => &self.values,
            ReduceField::Comment => &self.comment,
        }
    }

    pub fn input_mut(&mut self) -> &mut TextInput {
        match self.field {
            ReduceField::Values => &mut self.values,
            ReduceField::Comment => &mut self.comment,
        }
    }

    pub fn next_field(&mut self) {
        self.field = match self.field {
            ReduceField::Values => ReduceField::Comment,
            ReduceField::Comment => ReduceField::Values,
        };
    }

    /// The values typed: `groups=fin-rw, roles=admin`.
    pub fn parse(&self) -> Result<Vec<(String, String)>, String> {
        let text = self.values.text();
        let mut out = vec![];
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((a, v)) if !a.trim().is_empty() && !v.trim().is_empty() => {
                    out.push((a.trim().to_string(), v.trim().to_string()))
                }
                _ => return Err(format!("{part:?}: write ATTR=VALUE")),
            }
        }
        if out.is_empty() {
            return Err("name at least one ATTR=VALUE to take away".into());
        }
        Ok(out)
    }

    pub fn comment_text(&self) -> Option<String> {
        let c = self.comment.text();
        let c = c.trim();
        (!c.is_empty()).then(|| c.to_string())
    }
}

#[derive(Debug, Clone, Default)]
pub struct CertView {
    /// The certification case shown, and its run's label.
    case: Option<CaseId>,
    label: String,
    page: Option<CertItemPage>,
    /// Each item's filter text, lower case (built once per load).
    hay: Vec<String>,
    /// Indices into the page's items: filtered and sorted.
    view: Vec<usize>,
    selected: usize,
    offset: usize,
    marks: BTreeSet<u32>,
    sort: CertSort,
    reverse: bool,
    filter: Option<TextInput>,
    /// The filter field has the keyboard.
    typing: bool,
    /// The filter as last applied.
    query: String,
    decided: u32,
    loading: bool,
    error: Option<String>,
    pub reduce: Option<ReduceForm>,
}

impl CertView {
    /// Shows the items of `case` (of run `label`) next.
    pub fn ask(&mut self, case: CaseId, label: &str) {
        if self.case != Some(case) {
            *self = CertView::default();
        }
        self.case = Some(case);
        self.label = label.to_string();
        self.loading = true;
    }

    /// Whether the view shows `case`.
    pub fn shows(&self, case: Option<CaseId>) -> bool {
        self.case.is_some() && self.case == case
    }

    pub fn case(&self) -> Option<CaseId> {
        self.case
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// A page arrived: filter and sort it, keep the selection on the same item.
    pub fn loaded(&mut self, case: CaseId, result: Result<CertItemPage, ApiError>) {
        if self.case != Some(case) {
            return;
        }
        self.loading = false;
        match result {
            Ok(page) => {
                let keep = self.selected_item().map(|i| i.no);
                self.hay = page.items.iter().map(haystack).collect();
                self.label = page.run.label();
                self.page = Some(page);
                self.recount();
                self.review();
                if let Some(no) = keep {
                    self.select_no(no);
                }
                self.error = None;
            }
            Err(e) => self.error = Some(format!("cannot load the items of {case}: {e}")),
        }
    }

    pub fn page(&self) -> Option<&CertItemPage> {
        self.page.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// (decided, items) of the case, as shown.
    pub fn progress(&self) -> (u32, usize) {
        (
            self.decided,
            self.page.as_ref().map_or(0, |p| p.items.len()),
        )
    }

    fn recount(&mut self) {
        self.decided = self
            .page
            .as_ref()
            .map_or(0, |p| p.items.iter().filter(|i| i.decided()).count() as u32);
    }

    /// Filters and sorts the items again (a load, a filter or sort change).
    fn review(&mut self) {
        let Some(page) = &self.page else {
            self.view.clear();
            return;
        };
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.view = (0..page.items.len())
            .filter(|i| words.iter().all(|w| self.hay[*i].contains(w.as_str())))
            .collect();
        let items = &page.items;
        let key = self.sort;
        self.view.sort_by(|a, b| {
            let (x, y) = (&items[*a], &items[*b]);
            let o = match key {
                CertSort::No => x.no.cmp(&y.no),
                CertSort::Owner => x.owner.cmp(&y.owner),
                CertSort::Account => account(x).cmp(&account(y)),
                CertSort::Resource => x.resource.cmp(&y.resource),
                CertSort::LastSeen => x.last_seen.cmp(&y.last_seen),
                CertSort::Risk => risk(y).cmp(&risk(x)),
                CertSort::Decision => decision_rank(x).cmp(&decision_rank(y)),
            };
            o.then(x.no.cmp(&y.no))
        });
        if self.reverse {
            self.view.reverse();
        }
        self.selected = self.selected.min(self.view.len().saturating_sub(1));
    }

    /// The number of rows shown (after the filter).
    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    /// The rows from `offset`, at most `n`, with whether each is selected and marked.
    pub fn rows(&self, n: usize) -> impl Iterator<Item = (&CertItem, bool, bool)> + '_ {
        let items = self.page.as_ref().map(|p| &p.items[..]).unwrap_or(&[]);
        self.view
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(n)
            .map(move |(i, ix)| {
                let item = &items[*ix];
                (item, i == self.selected, self.marks.contains(&item.no))
            })
    }

    pub fn selected_item(&self) -> Option<&CertItem> {
        let ix = *self.view.get(self.selected)?;
        self.page.as_ref()?.items.get(ix)
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    fn select_no(&mut self, no: u32) {
        if let Some(page) = &self.page {
            if let Some(pos) = self.view.iter().position(|ix| page.items[*ix].no == no) {
                self.selected = pos;
            }
        }
    }

    /// Moves the selection by `by` rows; `page` rows are shown.
    pub fn move_by(&mut self, by: isize, page: usize) {
        let last = self.view.len().saturating_sub(1) as isize;
        let to = (self.selected as isize + by).clamp(0, last.max(0));
        self.select(to as usize, page);
    }

    pub fn select(&mut self, i: usize, page: usize) {
        self.selected = i.min(self.view.len().saturating_sub(1));
        self.scroll_into_view(page);
    }

    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max = self.view.len().saturating_sub(page);
        self.offset = self.offset.min(max);
    }

    pub fn marks(&self) -> &BTreeSet<u32> {
        &self.marks
    }

    pub fn toggle_mark(&mut self) {
        if let Some(no) = self.selected_item().map(|i| i.no) {
            if !self.marks.remove(&no) {
                self.marks.insert(no);
            }
        }
    }

    /// Marks every row shown, or clears the marks when all are marked.
    pub fn mark_all(&mut self) {
        let Some(page) = &self.page else { return };
        let shown: Vec<u32> = self.view.iter().map(|ix| page.items[*ix].no).collect();
        if shown.iter().all(|n| self.marks.contains(n)) {
            self.marks.clear();
        } else {
            self.marks.extend(shown);
        }
    }

    pub fn clear_marks(&mut self) -> usize {
        std::mem::take(&mut self.marks).len()
    }

    /// Shows `decision` on `nos` at once (the engine's answer follows with the next load).
    pub fn apply(&mut self, nos: &[u32], decision: &Decision, by: &str, at: DateTime<Utc>) {
        let Some(page) = &mut self.page else { return };
        for item in page.items.iter_mut().filter(|i| nos.contains(&i.no)) {
            item.current = Some(Verdict {
                decision: decision.clone(),
                by: by.to_string(),
                at,
                comment: None,
            });
        }
        self.recount();
    }

    pub fn next_sort(&mut self) {
        self.sort = self.sort.next();
        self.review();
    }

    pub fn reverse_sort(&mut self) {
        self.reverse = !self.reverse;
        self.review();
    }

    pub fn sort(&self) -> (CertSort, bool) {
        (self.sort, self.reverse)
    }

    pub fn start_filter(&mut self) {
        if self.filter.is_none() {
            let input = TextInput::single_line().with_placeholder("owner, account, group…");
            self.filter = Some(input);
        }
        self.typing = true;
    }

    /// The filter field, while it is open.
    pub fn filter(&self) -> Option<&TextInput> {
        self.filter.as_ref()
    }

    pub fn filter_mut(&mut self) -> Option<&mut TextInput> {
        self.filter.as_mut()
    }

    /// The filter's text changed: filter again.
    pub fn filter_changed(&mut self) {
        let q = self.filter.as_ref().map(|f| f.text()).unwrap_or_default();
        if q != self.query {
            self.query = q;
            self.selected = 0;
            self.offset = 0;
            self.review();
        }
    }

    /// Closes the field, keeping the filter (none: the field goes).
    pub fn keep_filter(&mut self) {
        self.typing = false;
        if self.query.trim().is_empty() {
            self.filter = None;
        }
    }

    /// Whether the filter field has the keyboard.
    pub fn filtering(&self) -> bool {
        self.typing && self.filter.is_some()
    }

    /// Drops the filter; returns whether there was one.
    pub fn clear_filter(&mut self) -> bool {
        let had = self.filter.take().is_some() || !self.query.is_empty();
        self.typing = false;
        self.query.clear();
        self.review();
        had
    }

    pub fn query(&self) -> &str {
        &self.query
    }
}

fn haystack(item: &CertItem) -> String {
    let mut s = format!("{} {}", item.no, item.subject.label());
    for x in [&item.owner, &item.owner_name, &item.resource]
        .into_iter()
        .flatten()
    {
        s.push(' ');
        s.push_str(x);
    }
    for (k, v) in &item.attributes {
        s.push_str(&format!(" {k}={v}"));
    }
    if let Some(v) = &item.current {
        s.push(' ');
        s.push_str(v.decision.name());
    }
    s.to_lowercase()
}
