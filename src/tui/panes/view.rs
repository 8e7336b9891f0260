//! The inbox's view of a queue's rows: the sort orders, the rows with their search text, and
//! the filter-and-sort job that runs off the UI thread.

use std::cmp::{Ordering, Reverse};
use std::sync::Arc;

use crate::api::{CaseRow, Queue};
use crate::tui::fuzzy;

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
        // Closed rows have no deadline: the last closed first.
        let deadline = |r: &CaseRow| {
            (
                r.deadline.is_none(),
                r.deadline,
                Reverse(r.closed),
                Reverse(r.id),
            )
        };
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
