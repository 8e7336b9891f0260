//! Certification campaigns: definitions imported, runs started over a snapshot of their
//! scope, reviewed stage by stage in certification cases (one per reviewer per stage, one
//! work item per item), decided, and revocations carried out through the resources'
//! machinery (a pending operation and so a manual case) or a request's unsubscription.
//!
//! - `scope.rs`: the snapshot of the items in scope;
//! - `stage.rs`: opening a stage (reviewers, cases), ending it (no-response rules, the
//!   next stage, review done), reminders;
//! - `decide.rs`: decisions;
//! - `remediate.rs`: revocations carried out and followed;
//! - `remind.rs`: reminders before a deadline;
//! - `views.rs`: the queries.

mod calendar;
mod check;
mod control;
mod decide;
mod remediate;
mod remind;
mod scope;
mod stage;
mod views;

use super::{authz, Engine, Tx};
use crate::api::{ApiError, CampaignRecord};
use crate::domain::campaign::{CampaignRun, RunState};
use crate::domain::{CertItem, EventKind, User};
use crate::store::trees;
pub(super) use check::check_campaigns;

/// Items are numbered from 1.
const SCAN_ALL: u32 = 1;

impl Engine {
    /// The run `label` names: `NAME` (its latest run) or `NAME#N`.
    pub(crate) fn campaign_run_named(&self, label: &str) -> Result<CampaignRun, ApiError> {
        let (name, number) = match label.trim().split_once('#') {
            Some((n, k)) => {
                let k: u32 = k.parse().map_err(|_| {
                    ApiError::BadInput(format!(
                        "campaign {label:?}: expected NAME or NAME#N (a run number)"
                    ))
                })?;
                (n, Some(k))
            }
            None => (label.trim(), None),
        };
        let def = self
            .store
            .campaign(name)?
            .ok_or_else(|| ApiError::NotFound(format!("no campaign {name:?}")))?;
        let id = match number {
            None => def.runs.last().copied().ok_or_else(|| {
                ApiError::NotFound(format!(
                    "campaign {name} has not been started: `casebench campaign start {name}`"
                ))
            })?,
            Some(k) => def
                .runs
                .get((k as usize).wrapping_sub(1))
                .copied()
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "campaign {name} has {} runs: no run #{k}",
                        def.runs.len()
                    ))
                })?,
        };
        self.store.campaign_run(id)?.ok_or_else(|| {
            ApiError::Internal(format!("campaign {name} lists run {id}, which is missing"))
        })
    }

    /// Every item of `run`, in number order.
    pub(crate) fn run_items(&self, run: &CampaignRun) -> Result<Vec<CertItem>, ApiError> {
        let mut out = Vec::with_capacity(run.items as usize);
        self.store.scan_cert_items(run.id, SCAN_ALL, &mut |i| {
            out.push(i);
            true
        })?;
        Ok(out)
    }

    /// `import campaigns`: administrators; all or nothing. Every resource, product, org
    /// unit, reviewer user, group and calendar named must exist, and a working duration
    /// needs a calendar (the definition's, else the store default).
    pub(crate) fn import_campaigns(
        &self,
        tx: &mut Tx,
        user: &User,
        campaigns: Vec<CampaignRecord>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import campaigns")?;
        if campaigns.is_empty() {
            return Err(ApiError::BadInput("the file defines no campaign".into()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for rec in &campaigns {
            let at = |e: String| ApiError::BadInput(format!("line {}: {e}", rec.line));
            let def = &rec.def;
            def.validate().map_err(|e| at(e.to_string()))?;
            if !seen.insert(def.name.clone()) {
                return Err(at(format!("campaign {:?} is defined twice", def.name)));
            }
            self.check_campaign_refs(def)
                .map_err(|e| at(e.to_string()))?;
            self.check_stage_calendars(def)
                .map_err(|e| at(e.to_string()))?;
        }
        let n = campaigns.len();
        for rec in campaigns {
            let mut def = rec.def;
            if let Some(old) = self.store.campaign(&def.name)? {
                def.runs = old.runs;
            } else {
                def.runs.clear();
            }
            tx.ws.put_campaign(&def);
            tx.event(
                None,
                EventKind::CampaignImported {
                    name: def.name.clone(),
                },
                None,
            );
        }
        Ok(format!(
            "imported {n} campaign definition{}",
            if n == 1 { "" } else { "s" }
        ))
    }

    fn check_campaign_refs(&self, def: &crate::domain::CampaignDef) -> Result<(), ApiError> {
        use crate::domain::campaign::ReviewerSource;
        for r in &def.scope.resources {
            if self.store.resource(r)?.is_none() {
                return Err(ApiError::NotFound(format!(
                    "no resource {r:?} (scope of {})",
                    def.name
                )));
            }
        }
        for p in &def.scope.products {
            if self.store.product(p)?.is_none() {
                return Err(ApiError::NotFound(format!(
                    "no product {p:?} (scope of {})",
                    def.name
                )));
            }
        }
        if let Some(u) = &def.scope.org_unit {
            if self.store.org_unit(u)?.is_none() {
                return Err(ApiError::NotFound(format!(
                    "no org unit {u:?} (scope of {})",
                    def.name
                )));
            }
        }
        for (i, s) in def.stages.iter().enumerate() {
            match &s.reviewers {
                ReviewerSource::User(u) if self.store.user(u)?.is_none() => {
                    return Err(ApiError::NotFound(format!(
                        "stage {}: no user {u:?} to review",
                        i + 1
                    )))
                }
                ReviewerSource::Group(g) if self.store.group(g)?.is_none() => {
                    return Err(ApiError::NotFound(format!(
                        "stage {}: no group @{g} to review",
                        i + 1
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `campaign start NAME`: administrators. A snapshot of the scope, stage 1 opened.
    pub(crate) fn start_campaign(
        &self,
        tx: &mut Tx,
        user: &User,
        name: &str,
        deadline: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "start campaigns")?;
        let mut def = self
            .store
            .campaign(name)?
            .ok_or_else(|| ApiError::NotFound(format!("no campaign {name:?}")))?;
        if let Some(last) = def.runs.last() {
            let run = self.store.campaign_run(*last)?;
            if let Some(r) = run.filter(|r| r.state != RunState::Closed) {
                return Err(ApiError::IllegalState(format!(
                    "campaign {} is {}: close it before starting another run",
                    r.label(),
                    r.describe_state()
                )));
            }
        }
        if let Some(d) = deadline {
            if d <= tx.now {
                return Err(ApiError::BadInput(
                    "--deadline must lie in the future".into(),
                ));
            }
        }
        let id = tx.next_id(trees::KEY_NEXT_CAMPAIGN_RUN)?;
        let items = self.snapshot(tx, &def, id)?;
        if items.is_empty() {
            return Err(ApiError::IllegalState(format!(
                "the scope of campaign {name} matches nothing: no account or assigned request to review"
            )));
        }
        let mut snapshot_def = def.clone();
        snapshot_def.runs.clear();
        let mut run = CampaignRun {
            id,
            name: def.name.clone(),
            number: def.runs.len() as u32 + 1,
            def: snapshot_def,
            state: RunState::Created,
            stage: 0,
            iteration: 1,
            stage_deadline: None,
            stage_started: None,
            escalated: false,
            started_by: user.login.clone(),
            started: tx.now,
            closed: None,
            items: items.len() as u32,
            cases: vec![],
            timers: vec![],
            remediating: vec![],
        };
        def.runs.push(id);
        tx.ws.put_campaign(&def);
        tx.event(
            None,
            EventKind::CampaignChanged {
                campaign: run.label(),
                state: format!("created with {} items", items.len()),
            },
            None,
        );
        let mut items = items;
        let opened = self.open_stage(tx, &mut run, &mut items, 1, deadline)?;
        for item in &items {
            tx.ws.put_cert_item(None, item);
        }
        tx.ws.put_campaign_run(None, &run);
        Ok(format!(
            "started {}: {} items, {opened}",
            run.label(),
            items.len()
        ))
    }
}
