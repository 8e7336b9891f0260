//! `casebench check` for campaigns: every run's timers are in the due tree; its items
//! number as many as it says; an item in review has an open work item in an active case
//! of the running stage (and a run not in review has none); the open remediations are the
//! ones the run follows.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::api::ApiError;
use crate::domain::campaign::{CampaignRun, RemediationState, RunState};
use crate::domain::CertItem;
use crate::store::{trees, Storage};

pub(in crate::engine) fn check_campaigns(
    s: &dyn Storage,
    out: &mut Vec<String>,
) -> Result<(), ApiError> {
    let due: BTreeSet<(DateTime<Utc>, u64, u16)> = s
        .due_until(DateTime::<Utc>::MAX_UTC, usize::MAX)?
        .into_iter()
        .filter(|d| d.1 == trees::TIMER_CAMPAIGN)
        .map(|d| (d.0, d.2, d.3))
        .collect();
    for def in s.campaigns()? {
        for id in &def.runs {
            let Some(run) = s.campaign_run(*id)? else {
                out.push(format!(
                    "campaign {} lists run {id}, which is missing",
                    def.name
                ));
                continue;
            };
            for t in &run.timers {
                if !due.contains(&(t.at, run.id, t.slot())) {
                    out.push(format!(
                        "{}: its {:?} timer at {} is not in the due tree",
                        run.label(),
                        t.kind,
                        t.at
                    ));
                }
            }
            check_run(s, &run, out)?;
        }
    }
    Ok(())
}

fn check_run(s: &dyn Storage, run: &CampaignRun, out: &mut Vec<String>) -> Result<(), ApiError> {
    let label = run.label();
    let running: BTreeSet<_> = run
        .cases
        .iter()
        .filter(|c| c.stage == run.stage && c.iteration == run.iteration)
        .map(|c| c.case)
        .collect();
    let (mut count, mut open_rem) = (0u32, BTreeSet::new());
    let mut items = vec![];
    s.scan_cert_items(run.id, 1, &mut |i| {
        count += 1;
        if i.remediation.as_ref().map(|r| r.state) == Some(RemediationState::Open) {
            open_rem.insert(i.no);
        }
        if i.stage != 0 || i.work_item.is_some() || i.case.is_some() {
            items.push(i);
        }
        true
    })?;
    if count != run.items {
        out.push(format!(
            "{label} says {} items, the store has {count}",
            run.items
        ));
    }
    let followed: BTreeSet<u32> = run.remediating.iter().copied().collect();
    if followed != open_rem {
        out.push(format!(
            "{label} follows {} remediations, {} are open",
            followed.len(),
            open_rem.len()
        ));
    }
    for i in &items {
        if let Some(why) = in_review_wrong(s, run, &running, i)? {
            out.push(format!("{label} item {}: {why}", i.no));
        }
    }
    Ok(())
}

/// What is wrong with an item that says it is in review.
fn in_review_wrong(
    s: &dyn Storage,
    run: &CampaignRun,
    running: &BTreeSet<crate::domain::CaseId>,
    i: &CertItem,
) -> Result<Option<String>, ApiError> {
    if run.state != RunState::InReview || i.stage != run.stage {
        return Ok(Some(format!(
            "in review in stage {} while the run is {}",
            i.stage,
            run.describe_state()
        )));
    }
    let (Some(w), Some(c)) = (i.work_item, i.case) else {
        return Ok(Some("in review without a work item or case".into()));
    };
    if !running.contains(&c) {
        return Ok(Some(format!("{c} is not a case of the running stage")));
    }
    let open = s.work_item(w)?.is_some_and(|w| w.is_open() && w.case == c);
    let active = s.case(c)?.is_some_and(|c| c.state.is_active());
    Ok(match (open, active) {
        (true, true) => None,
        (false, _) => Some(format!("its work item {w} is not open in {c}")),
        (true, false) => Some(format!("its case {c} is closed")),
    })
}
