//! `--filter` over the open queue from the token index alone: the count, the relevance
//! of every match and the queue's order come from index keys, and only the cases of the
//! page are read (`store::token_index`).
//!
//! The index grades every word it holds against the needle (`TokenIndex::
//! graded_cases_with_word`), so each matching case's relevance is known without its row;
//! the open queue's order is that of `idx_deadline`, walked until the page is full. The
//! rows of the page are then built and ordered as every other list's are ([`Rows`]), so
//! the answer is the scan's (tests/filter_index.rs holds them equal).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::query::{Relevance, Rows};
use super::Engine;
use crate::api::{ApiError, CaseList, CaseQuery, Queue};
use crate::domain::{CaseId, User};

/// More marked candidates than this (cases the index cannot grade) and the general path
/// answers.
const MARKED_MAX: usize = 1_000;

/// Fewer matches than this are read whole: cheaper than walking the queue's order.
static READ_ALL_BELOW: AtomicUsize = AtomicUsize::new(500);

/// Sets how few matches are read whole instead of walking the queue's order (tests set 0
/// so that their small stores take the walk; the answer is the same either way).
#[doc(hidden)]
pub fn set_read_all_below(n: usize) {
    READ_ALL_BELOW.store(n, Ordering::Relaxed);
}

impl Engine {
    /// The open queue filtered, when every word of the needle is one the index answers
    /// and the query asks no state nor kind; `None` otherwise.
    pub(super) fn list_ranked(
        &self,
        user: &User,
        q: &CaseQuery,
    ) -> Result<Option<CaseList>, ApiError> {
        let probe = Rows::new(q);
        let words = probe.needle();
        let answerable = q.queue == Queue::Open && q.state.is_none() && q.kind.is_none();
        if !answerable || words.is_empty() || probe.indexed_words().len() != words.len() {
            return Ok(None);
        }
        let Some(ranks) = self.ranks(user, q, words)? else {
            return Ok(None);
        };
        let small = READ_ALL_BELOW.load(Ordering::Relaxed);
        let page = if ranks.len() < small {
            ranks.keys().copied().collect()
        } else {
            self.page_ids(&ranks, q.limit.unwrap_or(usize::MAX), small)?
        };
        let mut rows = Rows::new(q);
        for id in page {
            if let Some(case) = self.store.case(id)? {
                self.push_row(&mut rows, user, Queue::Open, case)?;
            }
        }
        let mut list = rows.finish();
        list.total = ranks.len();
        Ok(Some(list))
    }

    /// Every open case that matches every word, with its relevance: from the index's
    /// grades, and for a marked case from its row. `None` with too many marked.
    fn ranks(
        &self,
        user: &User,
        q: &CaseQuery,
        words: &[String],
    ) -> Result<Option<HashMap<CaseId, Relevance>>, ApiError> {
        let mut ranks: Option<HashMap<CaseId, (u8, usize)>> = None;
        let mut marked = BTreeSet::new();
        for w in words {
            let found = self.store.graded_cases_with_word(w)?;
            marked.extend(found.marked);
            if marked.len() > MARKED_MAX {
                return Ok(None);
            }
            let graded = found.grades;
            ranks = Some(match ranks {
                None => graded,
                Some(r) => r
                    .into_iter()
                    .filter_map(|(c, (low, n))| {
                        let (g, m) = *graded.get(&c)?;
                        Some((c, (low.min(g), n + m)))
                    })
                    .collect(),
            });
        }
        let mut ranks: HashMap<CaseId, Relevance> = ranks
            .unwrap_or_default()
            .into_iter()
            .map(|(c, r)| (c, std::cmp::Reverse(r)))
            .collect();
        for id in marked {
            ranks.remove(&id);
            let Some(case) = self.store.case(id)? else {
                continue;
            };
            if !case.state.is_active() {
                continue;
            }
            let mut one = Rows::new(q);
            self.push_row(&mut one, user, Queue::Open, case)?;
            if let Some(r) = one.best() {
                ranks.insert(id, r);
            }
        }
        Ok(Some(ranks))
    }

    /// The cases the first `limit` rows are among: by relevance, each relevance in the
    /// order of `idx_deadline`. Its deadlines first, walked until the page is full; then,
    /// if need be, the items without a deadline, and the cases with no open item (never
    /// in it), which are read: the rows decide their order.
    /// A relevance with fewer than `small` cases is read whole rather than waited for: a
    /// few best matches scattered over a long queue would make the walk long.
    fn page_ids(
        &self,
        ranks: &HashMap<CaseId, Relevance>,
        limit: usize,
        small: usize,
    ) -> Result<Vec<CaseId>, ApiError> {
        let mut members: BTreeMap<Relevance, Vec<CaseId>> = BTreeMap::new();
        for (c, r) in ranks {
            members.entry(*r).or_default().push(*c);
        }
        let sizes: BTreeMap<Relevance, usize> =
            members.iter().map(|(r, m)| (*r, m.len())).collect();
        members.retain(|_, m| m.len() < small);
        let mut walk = Walk {
            sizes: &sizes,
            read: members,
            limit,
            met: HashSet::new(),
            seen: BTreeMap::new(),
        };
        let latest = chrono::DateTime::<chrono::Utc>::MAX_UTC;
        self.store
            .open_by_deadline(Some(latest), |_, c| walk.visit(ranks, c, true))?;
        if walk.full() {
            return Ok(walk.page(&[]));
        }
        self.store
            .open_by_deadline(None, |_, c| walk.visit(ranks, c, false))?;
        let unseen: Vec<(CaseId, Relevance)> = ranks
            .iter()
            .filter(|(c, r)| !walk.met.contains(c) && !walk.read.contains_key(r))
            .map(|(c, r)| (*c, *r))
            .collect();
        Ok(walk.page(&unseen))
    }
}

/// A walk of the queue's order over the matching cases.
struct Walk<'a> {
    /// How many cases each relevance has.
    sizes: &'a BTreeMap<Relevance, usize>,
    /// The relevances read whole, with their cases: the walk passes them by.
    read: BTreeMap<Relevance, Vec<CaseId>>,
    limit: usize,
    met: HashSet<CaseId>,
    /// The cases met of each relevance, in the walk's order.
    seen: BTreeMap<Relevance, Vec<CaseId>>,
}

impl Walk<'_> {
    /// Meets case `c` (of an item in the walk); whether to go on (always, unless
    /// `stop_when_full` and the page is full).
    fn visit(
        &mut self,
        ranks: &HashMap<CaseId, Relevance>,
        c: CaseId,
        stop_when_full: bool,
    ) -> bool {
        match ranks.get(&c) {
            Some(r) if !self.read.contains_key(r) && self.met.insert(c) => {
                self.seen.entry(*r).or_default().push(c);
                !(stop_when_full && self.full())
            }
            _ => true,
        }
    }

    /// Whether the first `limit` rows are known: every case of the better relevances,
    /// and enough of the last one needed.
    fn full(&self) -> bool {
        let mut need = self.limit;
        for (r, n) in self.sizes {
            let met = match self.read.contains_key(r) {
                true => *n,
                false => self.seen.get(r).map_or(0, Vec::len),
            };
            if met >= need {
                return true;
            }
            if met < *n {
                return false;
            }
            need -= n;
        }
        true
    }

    /// The cases to read for the page: of each relevance needed, the first met and every
    /// one the walk cannot meet (`unseen`), or all of one read whole; their rows place
    /// them.
    fn page(&self, unseen: &[(CaseId, Relevance)]) -> Vec<CaseId> {
        let mut need = self.limit;
        let mut out = vec![];
        for (r, n) in self.sizes {
            if need == 0 {
                break;
            }
            if let Some(all) = self.read.get(r) {
                out.extend(all);
                need = need.saturating_sub(*n);
                continue;
            }
            let met = self.seen.get(r).map_or(&[][..], Vec::as_slice);
            out.extend(met.iter().take(need));
            out.extend(unseen.iter().filter(|(_, u)| u == r).map(|(c, _)| *c));
            need = need.saturating_sub(*n);
        }
        out
    }
}
