//! `report kpi`: figures over a period read through the period indexes (`idx_closed`,
//! `idx_request_time`) and the open deadlines, then one prefix scan of each case's events —
//! never a scan of the whole store.
//!
//! Requests count in the period they were created in, cases in the period they closed in;
//! SLA breaches of open work items count when their deadline lies in the period.

mod facts;
mod stats;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};

use super::Engine;
use crate::api::{ApiError, KpiArgs, KpiOffender, KpiReport};
use crate::domain::approval::{Decision, How};
use crate::domain::kpi::CaseFacts;
use crate::domain::{Calendar, CaseId, ProvisioningMode, Request, RequestId};
use crate::store::PeriodIndex;
use stats::{Keys, Tally};

/// How many of the worst cases a report lists.
const WORST: usize = 10;

fn week(t: DateTime<Utc>) -> String {
    let w = t.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// What one report pass holds: the calendar, caches, the tally and the offenders.
struct Pass<'a> {
    engine: &'a Engine,
    calendar: Option<Calendar>,
    until: DateTime<Utc>,
    modes: HashMap<String, (Option<String>, ProvisioningMode)>,
    tally: Tally,
    worst: Vec<KpiOffender>,
}

impl Pass<'_> {
    fn working(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Option<i64> {
        self.calendar.as_ref().map(|c| c.working_secs_between(a, b))
    }

    fn duration(&mut self, keys: &Keys, figure: &str, a: DateTime<Utc>, b: DateTime<Utc>) {
        let working = self.working(a, b);
        let wall = (b - a).num_seconds().max(0);
        self.tally.duration(keys, figure, wall, working);
    }

    /// A product's resource and that resource's provisioning mode (cached).
    fn product(&mut self, id: &str) -> Result<(Option<String>, ProvisioningMode), ApiError> {
        if let Some(m) = self.modes.get(id) {
            return Ok(m.clone());
        }
        let store = &self.engine.store;
        let resource = store.product(id)?.and_then(|p| p.resource);
        let mode = match &resource {
            Some(r) => store.resource(r)?.map(|r| r.provisioning),
            None => None,
        };
        let m = (
            resource,
            mode.unwrap_or(ProvisioningMode::CaseAfterApproval),
        );
        self.modes.insert(id.to_string(), m.clone());
        Ok(m)
    }

    /// Approval and provisioning lead times and auto-decisions of one request.
    fn request(&mut self, r: &Request) -> Result<(), ApiError> {
        let (resource, mode) = self.product(&r.product)?;
        let steps = r
            .approval
            .as_ref()
            .map(|a| a.steps.as_slice())
            .unwrap_or(&[]);
        // With `last-approval-step` the last level is the owners' provisioning: approval
        // ends with the level before it, provisioning is that level.
        let levels = r.approval.as_ref().map_or(0, |a| a.levels());
        let split = (mode == ProvisioningMode::LastApprovalStep && levels > 0).then(|| levels - 1);
        let last = |below: Option<u32>| -> Option<&Decision> {
            steps
                .iter()
                .filter(|s| below.is_none_or(|l| s.level < l))
                .flat_map(|s| &s.decisions)
                .max_by_key(|d| d.at)
        };
        let deciding = last(split);
        let mut keys = Keys {
            resource,
            product: Some(r.product.clone()),
            approver: deciding.map(|d| d.by.clone()),
            group: steps
                .iter()
                .filter(|s| split.is_none_or(|l| s.level < l))
                .rev()
                .find(|s| !s.decisions.is_empty())
                .and_then(|s| s.groups.first().cloned()),
            kind: "request".into(),
            week: week(r.created),
        };
        let decided = match split {
            Some(_) => Some(deciding.map_or(r.created, |d| d.at)),
            None => r.approved_at.or_else(|| last(None).map(|d| d.at)),
        };
        let denied = last(None).is_some_and(|d| !d.approve);
        if let Some(end) = decided.filter(|_| split.is_none() || !denied || deciding.is_some()) {
            self.duration(&keys, "approval-lead", r.created, end);
            let start = if split.is_some() {
                Some(end)
            } else {
                r.approved_at
            };
            if let (Some(a), Some(b)) = (start, r.provisioned_at) {
                self.duration(&keys, "provisioning-lead", a, b);
            }
        }
        let timeouts = steps
            .iter()
            .flat_map(|s| &s.decisions)
            .filter(|d| d.how == How::Timeout)
            .count();
        keys.approver = Some("timeout".into());
        self.tally.count(&keys, "auto-decisions", timeouts);
        Ok(())
    }

    /// Lead time, first action, escalations and breaches of one case, from its facts.
    fn case(&mut self, id: CaseId, f: &CaseFacts) {
        let keys = Keys {
            resource: f.resource.clone(),
            product: f.product.clone(),
            approver: f.approver.clone(),
            group: f.group.clone(),
            kind: f.kind.name().to_string(),
            week: week(f.closed.unwrap_or(self.until)),
        };
        let end = f.closed.unwrap_or(self.until);
        if f.closed.is_some() {
            let figure = format!("case-lead/{}", f.kind.name());
            self.duration(&keys, &figure, f.created, end);
        }
        if let Some(t) = f.first_action {
            self.duration(&keys, "first-action", f.created, t);
        }
        self.tally
            .count(&keys, "escalations", f.escalations as usize);
        // Done after its deadline, or still open past it at the end of the period.
        let breaches = f.breaches(self.until);
        self.tally.count(&keys, "sla-breaches", breaches);
        if breaches > 0 || f.closed.is_some() {
            self.worst.push(KpiOffender {
                case: id,
                kind: f.kind,
                title: String::new(),
                lead_secs: (end - f.created).num_seconds().max(0),
                working_secs: self.working(f.created, end),
                breaches: breaches as u32,
                open: f.closed.is_none(),
            });
        }
    }

    /// The facts of a case the index has none for (closed before facts were written, or
    /// still open).
    fn live(&mut self, id: CaseId) -> Result<(), ApiError> {
        if let Some((_, f)) = self.engine.case_facts(id)? {
            self.case(id, &f);
        }
        Ok(())
    }
}

impl Engine {
    /// The KPI report over `[since, until)`.
    pub(super) fn kpi_report(&self, args: &KpiArgs) -> Result<KpiReport, ApiError> {
        if args.until <= args.since {
            return Err(ApiError::BadInput(format!(
                "the period is empty: --until {} is not after --since {}",
                args.until.to_rfc3339(),
                args.since.to_rfc3339()
            )));
        }
        let name = self.store.default_calendar()?;
        let calendar = match &name {
            Some(n) => self.store.calendar(n)?,
            None => None,
        };
        let mut pass = Pass {
            engine: self,
            calendar,
            until: args.until,
            modes: HashMap::new(),
            tally: Tally::new(args.by),
            worst: vec![],
        };
        let span = (args.since, args.until);
        for id in self.store.ids_between(PeriodIndex::RequestCreated, span)? {
            if let Some(r) = self.store.request(RequestId(id))? {
                pass.request(&r)?;
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (id, facts) in self.store.closed_between(span)? {
            let id = CaseId(id);
            seen.insert(id);
            match facts {
                Some(f) => pass.case(id, &f),
                None => pass.live(id)?,
            }
        }
        // Archived cases count in the period they closed in, from the segments of its months.
        // Their facts come from each month's facts file; a case never settled is read whole.
        self.archive.each_facts_between(span, |id, facts| {
            if !seen.insert(id) {
                return Ok(());
            }
            let facts = match facts {
                Some(f) => f,
                None => match self.archive.get(id)? {
                    Some(a) => self.facts_of(&a.case, &a.work_items, &a.events)?,
                    None => return Ok(()),
                },
            };
            pass.case(id, &facts);
            Ok::<(), ApiError>(())
        })?;
        pass.open_breaches(args.since, &mut seen)?;
        let has_calendar = pass.calendar.is_some();
        let Pass {
            tally, mut worst, ..
        } = pass;
        worst.sort_by(|a, b| {
            (b.breaches, b.lead_secs, a.case).cmp(&(a.breaches, a.lead_secs, b.case))
        });
        worst.truncate(WORST);
        for o in &mut worst {
            o.title = match self.store.case(o.case)? {
                Some(c) => c.title,
                None => self
                    .archive
                    .get(o.case)?
                    .map(|a| a.case.title)
                    .unwrap_or_default(),
            };
        }
        Ok(KpiReport {
            since: args.since,
            until: args.until,
            by: args.by,
            calendar: name.filter(|_| has_calendar),
            groups: tally.rows(),
            worst,
        })
    }
}

impl Pass<'_> {
    /// Open cases with a work item whose deadline fell in the period (the range of
    /// `idx_deadline` that holds them).
    fn open_breaches(
        &mut self,
        since: DateTime<Utc>,
        seen: &mut std::collections::HashSet<CaseId>,
    ) -> Result<(), ApiError> {
        let due = self.engine.store.deadlines_between(since, self.until)?;
        for (_, c) in due {
            if !seen.insert(c) {
                continue;
            }
            if let Some((_, f)) = self.engine.case_facts(c)? {
                if f.closed.is_none() {
                    self.case(c, &f);
                }
            }
        }
        Ok(())
    }
}
