//! What the front ends read of campaigns: definitions with their latest runs, a run's
//! progress, pages of items, and the report.

use std::collections::BTreeMap;

use super::super::Engine;
use crate::api::{
    ApiError, CampaignDetail, CampaignReport, CampaignSummary, CertItemPage, DecisionRow,
    ItemFilter, RemediationRow, ReportRow, ReviewerProgress, Tally,
};
use crate::domain::campaign::{RemediationState, RunState};
use crate::domain::{CaseId, User};

/// At most this many items per page.
const MAX_PAGE: usize = 100_000;

impl Engine {
    pub(crate) fn campaign_summaries(&self) -> Result<Vec<CampaignSummary>, ApiError> {
        let mut out = vec![];
        for def in self.store.campaigns()? {
            let latest = match def.runs.last() {
                Some(id) => self.store.campaign_run(*id)?,
                None => None,
            };
            out.push(CampaignSummary { def, latest });
        }
        Ok(out)
    }

    pub(crate) fn campaign_detail(&self, label: &str) -> Result<CampaignDetail, ApiError> {
        let run = self.campaign_run_named(label)?;
        let mut tally = Tally::default();
        let (mut in_review, mut decided) = (0, 0);
        let mut reviewers: BTreeMap<CaseId, ReviewerProgress> = BTreeMap::new();
        let mut rem = (0, 0, 0);
        self.store.scan_cert_items(run.id, 1, &mut |i| {
            tally.add(&i);
            if run.state == RunState::InReview && i.stage == run.stage && i.work_item.is_some() {
                in_review += 1;
                if i.decided() {
                    decided += 1;
                }
                if let Some(c) = i.case {
                    let p = reviewers.entry(c).or_insert_with(|| ReviewerProgress {
                        reviewer: i.reviewer.clone().unwrap_or_default(),
                        case: c,
                        items: 0,
                        decided: 0,
                    });
                    p.items += 1;
                    if i.decided() {
                        p.decided += 1;
                    }
                }
            }
            match i.remediation.as_ref().map(|r| r.state) {
                Some(RemediationState::Open) => rem.0 += 1,
                Some(RemediationState::Done | RemediationState::Nothing) => rem.1 += 1,
                Some(RemediationState::Failed) => rem.2 += 1,
                None => {}
            }
            true
        })?;
        Ok(CampaignDetail {
            run,
            tally,
            in_review,
            decided,
            reviewers: reviewers.into_values().collect(),
            remediations: rem,
        })
    }

    /// A page of items: of the run `label`, or of the run of the certification case
    /// `filter.case`.
    pub(crate) fn cert_items_page(
        &self,
        user: &User,
        label: Option<&str>,
        filter: &ItemFilter,
        from: u32,
        limit: usize,
    ) -> Result<CertItemPage, ApiError> {
        let run = match (label, filter.case) {
            (Some(l), _) => self.campaign_run_named(l)?,
            (None, Some(case)) => {
                let c = self
                    .store
                    .case(case)?
                    .ok_or_else(|| ApiError::NotFound(format!("no case {case}")))?;
                let first = c.work_items.first().copied();
                let item = match first {
                    Some(w) => self.store.cert_item_of(w)?,
                    None => None,
                };
                let run_id = match item {
                    Some((run, _)) => run,
                    None => self.run_of_closed_case(&c)?.ok_or_else(|| {
                        ApiError::BadInput(format!("{case} is not a certification case"))
                    })?,
                };
                self.store
                    .campaign_run(run_id)?
                    .ok_or_else(|| ApiError::Internal(format!("{case} names a missing run")))?
            }
            (None, None) => {
                return Err(ApiError::BadInput(
                    "name a campaign or a certification case".into(),
                ))
            }
        };
        let _ = user;
        let limit = limit.min(MAX_PAGE);
        let mut items = vec![];
        let (mut total, mut decided) = (0u32, 0u32);
        let in_case = |i: &crate::domain::CertItem| match filter.case {
            None => true,
            // A closed stage's items no longer name their case: its results do.
            Some(c) => i.case == Some(c) || i.results.iter().any(|r| r.case == Some(c)),
        };
        let rest = ItemFilter {
            case: None,
            ..filter.clone()
        };
        self.store.scan_cert_items(run.id, 1, &mut |i| {
            if in_case(&i) && rest.matches(&i) {
                total += 1;
                if i.decided() {
                    decided += 1;
                }
                if i.no >= from && items.len() < limit {
                    items.push(i);
                }
            }
            true
        })?;
        Ok(CertItemPage {
            run,
            items,
            total,
            decided,
        })
    }

    /// The run a certification case belonged to, from the runs' case lists.
    fn run_of_closed_case(&self, case: &crate::domain::Case) -> Result<Option<u64>, ApiError> {
        if case.kind != crate::domain::CaseKind::Certification {
            return Ok(None);
        }
        for def in self.store.campaigns()? {
            for id in def.runs.iter().rev() {
                if let Some(run) = self.store.campaign_run(*id)? {
                    if run.cases.iter().any(|c| c.case == case.id) {
                        return Ok(Some(run.id));
                    }
                }
            }
        }
        Ok(None)
    }

    pub(crate) fn campaign_report(&self, label: &str) -> Result<CampaignReport, ApiError> {
        let run = self.campaign_run_named(label)?;
        let mut total = Tally::default();
        let mut by_reviewer: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_resource: BTreeMap<String, Tally> = BTreeMap::new();
        let mut remediations = vec![];
        let mut decisions = vec![];
        let mut failed = None;
        self.store.scan_cert_items(run.id, 1, &mut |i| {
            total.add(&i);
            let reviewer = i
                .reviewer
                .clone()
                .or_else(|| i.results.last().and_then(|r| r.reviewer.clone()))
                .unwrap_or_else(|| "-".into());
            by_reviewer.entry(reviewer).or_default().add(&i);
            by_resource
                .entry(i.resource.clone().unwrap_or_else(|| "-".into()))
                .or_default()
                .add(&i);
            for r in &i.results {
                if let Some(v) = &r.verdict {
                    decisions.push(DecisionRow {
                        item: i.no,
                        subject: i.subject.label(),
                        stage: r.stage,
                        iteration: r.iteration,
                        by: v.by.clone(),
                        decision: v.decision.describe(),
                        at: v.at,
                        comment: v.comment.clone(),
                        open: false,
                    });
                }
            }
            if let Some(v) = &i.current {
                decisions.push(DecisionRow {
                    item: i.no,
                    subject: i.subject.label(),
                    stage: i.stage,
                    iteration: run.iteration,
                    by: v.by.clone(),
                    decision: v.decision.describe(),
                    at: v.at,
                    comment: v.comment.clone(),
                    open: true,
                });
            }
            if let Some(rem) = &i.remediation {
                match self.remediation_now(rem) {
                    Ok(now) => remediations.push(RemediationRow {
                        item: i.no,
                        subject: i.subject.label(),
                        decision: i
                            .results
                            .last()
                            .map(|r| r.result.describe())
                            .unwrap_or_default(),
                        state: now.state.name().to_string(),
                        case: now.case,
                        note: now.note,
                    }),
                    Err(e) => {
                        failed = Some(e);
                        return false;
                    }
                }
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        let rows = |m: BTreeMap<String, Tally>| {
            m.into_iter()
                .map(|(key, tally)| ReportRow { key, tally })
                .collect()
        };
        Ok(CampaignReport {
            campaign: run.label(),
            state: run.describe_state(),
            generated: self.now(),
            total,
            by_reviewer: rows(by_reviewer),
            by_resource: rows(by_resource),
            remediations,
            decisions,
        })
    }
}

impl Engine {
    /// The run label and stage of a certification case.
    pub(crate) fn campaign_of_case(
        &self,
        case: &crate::domain::Case,
    ) -> Result<Option<(String, u32)>, ApiError> {
        if case.kind != crate::domain::CaseKind::Certification {
            return Ok(None);
        }
        let run = match case.work_items.first() {
            Some(w) => match self.store.cert_item_of(*w)? {
                Some((run, _)) => Some(run),
                None => self.run_of_closed_case(case)?,
            },
            None => None,
        };
        let Some(run) = run
            .map(|r| self.store.campaign_run(r))
            .transpose()?
            .flatten()
        else {
            return Ok(None);
        };
        let stage = run
            .cases
            .iter()
            .find(|c| c.case == case.id)
            .map(|c| c.stage)
            .unwrap_or(run.stage);
        Ok(Some((run.label(), stage)))
    }
}
