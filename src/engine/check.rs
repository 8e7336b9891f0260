//! `casebench check`: every invariant the property tests hold the store to, read-only.
//! Indexes against the entities, counters against what they count, every open item has its
//! case, every timer its owner.

use std::collections::BTreeSet;

use super::Engine;
use crate::api::ApiError;
use crate::domain::{CaseId, CaseState, RequestId, WorkItemId};
use crate::store::{trees, Storage, Store};

/// One thing wrong with the store, in one line.
pub type Finding = String;
use super::archive_read::Archived;

/// A request in approval has an open step, every open step an open work item held as the
/// step is (or claimed by one of its approvers), on an active approval case that names the request; a decided one none.
fn approvals(s: &dyn Storage, archived: &Archived, out: &mut Vec<Finding>) -> Result<(), ApiError> {
    for r in s.requests(None, usize::MAX)? {
        let Some(a) = &r.approval else { continue };
        let id = r.id;
        let Some(case) = s.case(a.case)? else {
            if !archived.contains_key(&a.case.0) {
                out.push(format!("{id} names {}, which is missing", a.case));
            }
            continue;
        };
        if case.request != Some(id) {
            out.push(format!(
                "{} is the approval case of {id} but does not name it",
                case.id
            ));
        }
        let open: Vec<_> = a.open_steps().collect();
        if r.in_approval() != case.state.is_active() {
            out.push(format!(
                "{id} is {} but its case {} is {}",
                r.state, case.id, case.state
            ));
        }
        if r.in_approval() && open.is_empty() {
            out.push(format!("{id} is in approval without an open step"));
        }
        if !r.in_approval() && (!open.is_empty() || !a.timers.is_empty()) {
            out.push(format!(
                "{id} is {} with open steps or step timers",
                r.state
            ));
        }
        for step in &open {
            let item = match step.work_item {
                Some(w) => s.work_item(w)?,
                None => None,
            };
            let held = match &item {
                Some(i) if i.is_open() => {
                    // As the step is, or claimed by one who may decide it.
                    let claimer = match (i.assignees.as_slice(), i.candidates.is_empty()) {
                        ([one], true) => s.user(one)?,
                        _ => None,
                    };
                    i.holders() == step.holders()
                        || claimer.is_some_and(|u| {
                            step.approvers.contains(&u.login)
                                || step.groups.iter().any(|g| u.in_group(g))
                        })
                }
                _ => false,
            };
            if !held {
                out.push(format!(
                    "{id} step {:?} is open without an open work item held as the step is",
                    step.name
                ));
            }
        }
        for t in &a.timers {
            if !open.iter().any(|s| s.level == t.level && s.step == t.step) {
                out.push(format!(
                    "{id} has a {} for a step that is not open",
                    t.name()
                ));
            }
        }
    }
    Ok(())
}

fn indexes(s: &dyn Storage, out: &mut Vec<Finding>) -> Result<(), ApiError> {
    let mut expected: BTreeSet<(String, Vec<u8>)> = BTreeSet::new();
    for item in s.all_work_items()? {
        for (tree, key) in Store::derived_index_keys(&item) {
            expected.insert((tree.to_string(), key));
        }
    }
    // `idx_state` by its chunks: a malformed one is named, not an error of the whole check.
    out.extend(crate::store::state_findings(s, &s.all_cases()?)?);
    let names = [
        "idx_assignee",
        "idx_candidate",
        "idx_delegator",
        "idx_deadline",
    ];
    let mut actual = BTreeSet::new();
    for tree in names {
        for key in s.index_keys(tree)? {
            actual.insert((tree.to_string(), key));
        }
    }
    // Other trees (the timers) hold more than work items: theirs must be there.
    let mut others = BTreeSet::new();
    for (tree, _) in expected
        .iter()
        .filter(|(t, _)| !names.contains(&t.as_str()))
    {
        if others.insert(tree.clone()) {
            for key in s.index_keys(tree)? {
                actual.insert((tree.clone(), key));
            }
        }
    }
    for (tree, key) in expected.difference(&actual) {
        out.push(format!("index {tree} lacks the entry {key:02x?}"));
    }
    let compared = actual.iter().filter(|(t, _)| names.contains(&t.as_str()));
    for (tree, key) in compared.filter(|e| !expected.contains(e)) {
        out.push(format!("index {tree} has a stray entry {key:02x?}"));
    }
    Ok(())
}

fn cases(
    s: &dyn Storage,
    evicted: &BTreeSet<CaseId>,
    out: &mut Vec<Finding>,
) -> Result<(), ApiError> {
    let cases = s.all_cases()?;
    let items = s.all_work_items()?;
    let case_ids: BTreeSet<CaseId> = cases.iter().map(|c| c.id).collect();
    for item in &items {
        if !case_ids.contains(&item.case) {
            out.push(format!(
                "work item {} belongs to no case ({})",
                item.id, item.case
            ));
        }
    }
    for case in &cases {
        let mine: Vec<_> = items.iter().filter(|i| i.case == case.id).collect();
        if mine.len() != case.work_items.len() {
            out.push(format!(
                "{} lists {} work items, the store has {}",
                case.id,
                case.work_items.len(),
                mine.len()
            ));
        }
        let open = mine.iter().filter(|i| i.is_open()).count();
        if case.state.is_active() && open == 0 {
            out.push(format!(
                "{} is {} with no open work item",
                case.id, case.state
            ));
        }
        if !case.state.is_active() && (open > 0 || case.closed.is_none()) {
            out.push(format!("{} is {} but not settled", case.id, case.state));
        }
        let history = s.case_events(case.id)?;
        if history.is_empty() || !history.windows(2).all(|w| w[0].seq < w[1].seq) {
            out.push(format!("{} has no ordered history", case.id));
        }
    }
    for st in CaseState::ALL {
        let n = cases.iter().filter(|c| c.state == st).count();
        let counted = s.count_in_state(st)?;
        if counted != n {
            out.push(format!(
                "the {st} counter says {counted}, the store has {n}"
            ));
        }
    }
    counters(s, &cases, &items, evicted, out)
}

fn counters(
    s: &dyn Storage,
    cases: &[crate::domain::Case],
    items: &[crate::domain::WorkItem],
    evicted: &BTreeSet<CaseId>,
    out: &mut Vec<Finding>,
) -> Result<(), ApiError> {
    let events = s.all_events()?;
    let highest = [
        (trees::KEY_NEXT_CASE, cases.iter().map(|c| c.id.0).max()),
        (
            trees::KEY_NEXT_WORK_ITEM,
            items.iter().map(|i| i.id.0).max(),
        ),
        (trees::KEY_NEXT_EVENT, events.iter().map(|e| e.seq).max()),
    ];
    for (key, max) in highest {
        let next = s.counter(key)?;
        if let Some(max) = max.filter(|m| *m >= next) {
            out.push(format!(
                "counter {} is {next}, but {max} is taken",
                String::from_utf8_lossy(key)
            ));
        }
    }
    let indexed: usize = cases
        .iter()
        .map(|c| s.case_events(c.id).map(|e| e.len()))
        .sum::<Result<usize, _>>()?;
    // Events an archived case left behind (on their way out) are filed under no case.
    let of_cases = events
        .iter()
        .filter(|e| e.case.is_some_and(|c| !evicted.contains(&c)))
        .count();
    if indexed != of_cases {
        out.push(format!(
            "{of_cases} events name a case, {indexed} are filed under one"
        ));
    }
    Ok(())
}

fn timers(s: &dyn Storage, out: &mut Vec<Finding>) -> Result<(), ApiError> {
    let until = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    for (time, kind, id, slot, case) in s.due_until(until, usize::MAX)? {
        let owned = match kind {
            trees::TIMER_WORK_ITEM => s.work_item(WorkItemId(id))?.is_some(),
            trees::TIMER_REQUEST => s.request(RequestId(id))?.is_some(),
            trees::TIMER_RESOURCE => s.resource_by_seq(id)?.is_some(),
            trees::TIMER_APPROVAL => s
                .request(RequestId(id))?
                .and_then(|r| r.approval)
                .is_some_and(|a| a.case == case),
            trees::TIMER_CAMPAIGN => s
                .campaign_run(id)?
                .is_some_and(|r| r.timers.iter().any(|t| t.at == time && t.slot() == slot)),
            _ => false,
        };
        // A work item's or approval step's timer carries its case; the others carry their
        // owner's number.
        let case_missing = matches!(kind, trees::TIMER_WORK_ITEM | trees::TIMER_APPROVAL)
            && s.case(case)?.is_none();
        if !owned || case_missing {
            out.push(format!(
                "timer at {time} (kind {kind}, id {id}) has no owner"
            ));
        }
    }
    let mut queued_expected = BTreeSet::new();
    for r in s.resources()? {
        for sh in s.shadows(&r.id)? {
            if sh
                .pending
                .iter()
                .any(|op| op.execution == crate::domain::resource::Execution::ExecutionPending)
            {
                queued_expected.insert(trees::shadow_key(&r.id, &sh.key));
            }
        }
    }
    let queued: BTreeSet<Vec<u8>> = s.index_keys("idx_queued")?.into_iter().collect();
    if queued != queued_expected {
        out.push(format!(
            "index idx_queued has {} entries, the shadows ask for {}",
            queued.len(),
            queued_expected.len()
        ));
    }
    Ok(())
}

impl Engine {
    /// Every invariant of the store, read-only: an empty list when it is consistent.
    pub fn check(&self) -> Result<Vec<Finding>, ApiError> {
        let _one = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let s = self.store.as_ref();
        let mut out = vec![];
        let named = |e: ApiError| match e {
            ApiError::Internal(m) => {
                ApiError::Internal(format!("store {}: {m}", self.path().display()))
            }
            e => e,
        };
        let archived = self.archived_ids().map_err(named)?;
        self.check_archive(&archived, &mut out).map_err(named)?;
        indexes(s, &mut out).map_err(named)?;
        let evicted = s.evicted_ids().map_err(|e| named(e.into()))?;
        for id in evicted.iter().filter(|id| !archived.contains_key(&id.0)) {
            out.push(format!(
                "{id} left events in the hot store but the archive does not hold it"
            ));
        }
        out.extend(crate::store::token_findings(s, &evicted).map_err(|e| named(e.into()))?);
        out.extend(s.event_findings().map_err(|e| named(e.into()))?);
        cases(s, &evicted, &mut out).map_err(named)?;
        timers(s, &mut out).map_err(named)?;
        approvals(s, &archived, &mut out).map_err(named)?;
        super::campaign::check_campaigns(s, &mut out).map_err(named)?;
        super::itsm::check_tickets(s, &archived, &mut out).map_err(named)?;
        self.check_facts(&mut out).map_err(named)?;
        Ok(out)
    }
}
