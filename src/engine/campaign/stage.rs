//! Stages: opening one (reviewers resolved per item, one certification case per reviewer,
//! one work item per item), ending one (the no-response rule, the cases closed, the next
//! stage or the end of the review).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::super::{Engine, Tx, SYSTEM_ACTOR};
use crate::api::ApiError;
use crate::domain::campaign::{
    CampaignRun, Decision, NoResponse, Remediate, ReviewCase, ReviewerSource, RunState, RunTimer,
    RunTimerKind, StageItems,
};
use crate::domain::duration::Span;
use crate::domain::{Case, CaseKind, CaseState, CertItem, EventKind, Outcome, Target, WorkItem};

/// How often an in-remediation run looks at its remediations again.
const REMEDIATION_POLL_SECS: i64 = 600;

impl Engine {
    /// Whom `item` goes to in a stage reviewed by `source`: the owner's manager, the
    /// resource's (or product's) owners, a user or a group. Without one (or when it is no
    /// user of the store, or a group without members): the resource's owners, else whoever
    /// started the run.
    fn reviewer_of(
        &self,
        run: &CampaignRun,
        item: &CertItem,
        source: &ReviewerSource,
        cache: &mut BTreeMap<String, Option<String>>,
    ) -> Result<Target, ApiError> {
        let resource_owners = |e: &Engine, c: &mut BTreeMap<String, Option<String>>| {
            let Some(r) = &item.resource else {
                return Ok::<_, ApiError>(None);
            };
            let key = format!("resource:{r}");
            if !c.contains_key(&key) {
                let owners = e.store.resource(r)?.map(|r| r.owners);
                c.insert(key.clone(), owners.filter(|o| !o.is_empty()));
            }
            Ok(c[&key].clone())
        };
        let found = match source {
            ReviewerSource::User(u) => Some(Target::User(u.clone())),
            ReviewerSource::Group(g) => Some(Target::Group(g.clone())),
            ReviewerSource::Manager => match &item.owner {
                Some(o) => {
                    let key = format!("manager:{o}");
                    if !cache.contains_key(&key) {
                        let m = self.store.user(o)?.and_then(|u| u.manager);
                        let m = match m {
                            Some(m) if self.store.user(&m)?.is_some() => Some(m),
                            _ => None,
                        };
                        cache.insert(key.clone(), m);
                    }
                    cache[&key].clone().map(Target::User)
                }
                None => None,
            },
            ReviewerSource::Owners => match &item.subject {
                crate::domain::campaign::Subject::Request { product, .. } => {
                    let key = format!("product:{product}");
                    if !cache.contains_key(&key) {
                        let o = self.store.product(product)?.and_then(|p| p.owners);
                        cache.insert(key.clone(), o);
                    }
                    cache[&key].clone().map(Target::Group)
                }
                _ => None,
            },
        };
        let owners = resource_owners(self, cache)?.map(Target::Group);
        for t in [found, owners].into_iter().flatten() {
            if self.reachable(&t, cache)? {
                return Ok(t);
            }
        }
        Ok(Target::User(run.started_by.clone()))
    }

    /// Whether someone can act on a work item for `t`: a user of the store, a group with
    /// members (a reviewer or group that is not, falls back to the next in line).
    fn reachable(
        &self,
        t: &Target,
        cache: &mut BTreeMap<String, Option<String>>,
    ) -> Result<bool, ApiError> {
        let key = format!("reach:{t}");
        if !cache.contains_key(&key) {
            let ok = match t {
                Target::User(u) => self.store.user(u)?.is_some(),
                Target::Group(g) => !self.store.group_members(g)?.is_empty(),
            };
            cache.insert(key.clone(), ok.then(String::new));
        }
        Ok(cache[&key].is_some())
    }

    /// Puts `items` in review in `stage`: one case per reviewer, one work item per item.
    /// The items are changed in place (the caller writes them); returns what opened.
    pub(super) fn open_stage(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
        items: &mut [CertItem],
        stage: u32,
        deadline: Option<DateTime<Utc>>,
    ) -> Result<String, ApiError> {
        let calendar = self.stage_calendar(run, stage)?;
        run.open_stage(stage, tx.now, deadline, calendar.as_ref())?;
        let def = run.stage_def().cloned().expect("the stage was just opened");
        let due = run.stage_deadline;
        let mut cache = BTreeMap::new();
        let mut by: BTreeMap<String, (Target, Vec<usize>)> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            let t = self.reviewer_of(run, item, &def.reviewers, &mut cache)?;
            by.entry(t.to_string())
                .or_insert_with(|| (t, vec![]))
                .1
                .push(i);
        }
        for (name, (target, idx)) in &by {
            self.open_review_case(tx, run, items, (stage, due), (name, target), idx)?;
        }
        let label = run.label();
        let until = due.map(|d| format!(", due {}", d.format("%Y-%m-%d %H:%M UTC")));
        let said = format!(
            "stage {stage} ({}): {} items for {} reviewer{}{}",
            def.name,
            items.len(),
            by.len(),
            if by.len() == 1 { "" } else { "s" },
            until.unwrap_or_default()
        );
        tx.event(
            None,
            EventKind::CampaignChanged {
                campaign: label,
                state: run.describe_state(),
            },
            Some(said.clone()),
        );
        Ok(said)
    }

    /// One reviewer's certification case of a stage, with a work item per item.
    fn open_review_case(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
        items: &mut [CertItem],
        (stage, due): (u32, Option<DateTime<Utc>>),
        (name, target): (&String, &Target),
        idx: &[usize],
    ) -> Result<(), ApiError> {
        let label = run.label();
        let def = run.stage_def().cloned().expect("the stage is open");
        let id = tx.new_case_id()?;
        let mut resources: Vec<&str> = idx
            .iter()
            .filter_map(|i| items[*i].resource.as_deref())
            .collect();
        resources.dedup();
        let title = format!(
            "Certify {} item{} · {label} stage {stage} ({})",
            idx.len(),
            if idx.len() == 1 { "" } else { "s" },
            def.name
        );
        let mut case = Case::new(
            id,
            CaseKind::Certification,
            title.clone(),
            run.started_by.clone(),
            tx.now,
        );
        case.description = run.def.description.clone();
        case.resource = (resources.len() == 1).then(|| resources[0].to_string());
        case.object = Some(label.clone());
        case.work_items = Vec::with_capacity(idx.len());
        tx.event(
            Some(id),
            EventKind::CaseCreated {
                kind: CaseKind::Certification,
                title,
            },
            None,
        );
        tx.record_case_opened(&case);
        for i in idx {
            let item = &mut items[*i];
            let wid = tx.new_work_item_id()?;
            let mut wi = WorkItem::new(wid, id, item.subject.label(), target, due, tx.now);
            wi.stage = stage;
            case.work_items.push(wid);
            item.stage = stage;
            item.reviewer = Some(name.clone());
            item.case = Some(id);
            item.work_item = Some(wid);
            item.current = None;
            // Each item's work item is recorded, as every work item is: a case's
            // history replays to what is stored.
            tx.event(
                Some(id),
                EventKind::WorkItemCreated {
                    work_item: wid,
                    assignees: wi.assignees.clone(),
                    candidates: wi.candidates.clone(),
                },
                None,
            );
            tx.record_item_opened(&wi);
            tx.ws.put_work_item(None, &wi);
        }
        let opened = case.transition(CaseState::Open, tx.now)?;
        tx.event(Some(id), opened, None);
        tx.event(
            Some(id),
            EventKind::CampaignChanged {
                campaign: label.clone(),
                state: format!("stage {stage}: {} items for {name} to review", idx.len()),
            },
            None,
        );
        tx.ws.put_case(None, &case);
        run.cases.push(ReviewCase {
            stage,
            iteration: run.iteration,
            case: id,
            reviewer: name.clone(),
            items: idx.len() as u32,
        });
        Ok(())
    }

    /// The running stage ends (its deadline, `campaign advance`, `campaign close`). With
    /// `escalate` and a stage whose rule is `escalate`, not escalated yet, undecided items
    /// go to their reviewers' managers and the deadline moves instead. Writes the run.
    pub(super) fn end_stage(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
        escalate: bool,
        last: bool,
    ) -> Result<String, ApiError> {
        let prev_run = run.clone();
        let def = run
            .stage_def()
            .cloned()
            .ok_or_else(|| ApiError::Internal(format!("{} has no running stage", run.label())))?;
        let mut items = self.run_items(run)?;
        let stage = run.stage;
        let in_stage: Vec<usize> = (0..items.len())
            .filter(|i| items[*i].stage == stage && items[*i].work_item.is_some())
            .collect();
        if escalate && def.no_response == NoResponse::Escalate && !run.escalated {
            let by = def.escalate_for.unwrap_or(def.duration);
            if let Some(said) = self.escalate_stage(tx, run, &mut items, &in_stage, by)? {
                tx.ws.put_campaign_run(Some(&prev_run), run);
                return Ok(said);
            }
        }
        let rule = match def.no_response {
            NoResponse::Keep => Some(Decision::Accept),
            NoResponse::Revoke => Some(Decision::Revoke),
            NoResponse::Escalate => None,
        };
        let silent = self.close_stage_items(tx, run, &mut items, &in_stage, rule)?;
        let label = run.label();
        if silent > 0 {
            let rule_said = match def.no_response {
                NoResponse::Keep => "kept",
                NoResponse::Revoke => "revoked",
                NoResponse::Escalate => "left undecided after the escalation",
            };
            tx.event(
                None,
                EventKind::CertNoResponse {
                    campaign: label.clone(),
                    stage,
                    items: silent,
                    rule: rule_said.to_string(),
                },
                None,
            );
        }
        run.end_stage();
        let mut said = format!(
            "stage {stage} of {label} ended: {} items, {silent} without response",
            in_stage.len()
        );
        if run.def.remediate == Remediate::AtOnce {
            self.remediate_items(tx, run, &mut items, &in_stage)?;
        }
        let next = if last {
            None
        } else {
            self.next_stage_items(run, &items, stage)
        };
        match next {
            Some((s, pick)) => {
                let mut chosen: Vec<CertItem> = pick.iter().map(|i| items[*i].clone()).collect();
                let opened = self.open_stage(tx, run, &mut chosen, s, None)?;
                for (k, i) in pick.iter().enumerate() {
                    tx.ws.put_cert_item(Some(&items[*i]), &chosen[k]);
                }
                said.push_str("; ");
                said.push_str(&opened);
            }
            None => {
                said.push_str("; ");
                said.push_str(&self.review_done(tx, run, &mut items)?);
            }
        }
        tx.ws.put_campaign_run(Some(&prev_run), run);
        Ok(said)
    }

    /// Ends the running stage for the items `in_stage`: each gets its stage result (its
    /// decision or what `rule` makes of none), its work item is completed (or cancelled,
    /// undecided), and the stage's cases are closed. Returns how many had no response.
    fn close_stage_items(
        &self,
        tx: &mut Tx,
        run: &CampaignRun,
        items: &mut [CertItem],
        in_stage: &[usize],
        rule: Option<Decision>,
    ) -> Result<u32, ApiError> {
        let mut silent = 0u32;
        let mut outcomes: BTreeMap<crate::domain::CaseId, Vec<Outcome>> = BTreeMap::new();
        for &i in in_stage {
            let prev = items[i].clone();
            let item = &mut items[i];
            let (Some(wid), Some(case)) = (item.work_item, item.case) else {
                continue;
            };
            let result = item.end_stage(run.iteration, rule.clone()).clone();
            if result.verdict.is_none() {
                silent += 1;
            }
            if let Some(mut wi) = self.store.work_item(wid)? {
                let before = wi.clone();
                if wi.is_open() {
                    let by = result
                        .verdict
                        .as_ref()
                        .map(|v| v.by.clone())
                        .unwrap_or_else(|| SYSTEM_ACTOR.to_string());
                    let outcome = match &result.result {
                        Decision::Accept => Some(Outcome::Approved),
                        Decision::Revoke | Decision::Reduce(_) => Some(Outcome::Rejected),
                        Decision::NotDecided => None,
                    };
                    match outcome {
                        Some(o) => {
                            tx.complete_item(&mut wi, &by, o, None)?;
                            outcomes.entry(case).or_default().push(o);
                        }
                        None => tx.cancel_item(&mut wi)?,
                    }
                    tx.ws.put_work_item(Some(&before), &wi);
                }
            }
            tx.ws.put_cert_item(Some(&prev), item);
        }
        let stage = run.stage;
        for rc in run
            .cases
            .iter()
            .filter(|c| c.stage == stage && c.iteration == run.iteration)
        {
            if let Some(case) = self.store.case(rc.case)? {
                if case.state.is_active() {
                    let mut closed = case.clone();
                    let o = outcomes
                        .get(&rc.case)
                        .and_then(|o| Outcome::combine(o.iter().copied()));
                    tx.close_case(&mut closed, o)?;
                    tx.ws.put_case(Some(&case), &closed);
                }
            }
        }
        Ok(silent)
    }

    /// Undecided items of the stage go to their reviewer's manager; the deadline moves.
    /// None when no reviewer has a manager (the stage then ends).
    fn escalate_stage(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
        items: &mut [CertItem],
        in_stage: &[usize],
        by: Span,
    ) -> Result<Option<String>, ApiError> {
        let calendar = self.stage_calendar(run, run.stage)?;
        run.extend(by, tx.now, calendar.as_ref())?;
        let deadline = run.stage_deadline;
        let mut moved = 0;
        let mut managers: BTreeMap<String, Option<String>> = BTreeMap::new();
        for &i in in_stage {
            if items[i].decided() {
                continue;
            }
            let Some(wid) = items[i].work_item else {
                continue;
            };
            let Some(mut wi) = self.store.work_item(wid)? else {
                continue;
            };
            // Whom it is with now: the one user it was delegated to, else its reviewer.
            let reviewer = match (wi.assignees.as_slice(), wi.candidates.is_empty()) {
                ([one], true) => one.clone(),
                _ => match items[i].reviewer.clone() {
                    Some(r) => r,
                    None => continue,
                },
            };
            if !managers.contains_key(&reviewer) {
                let m = match reviewer.strip_prefix('@') {
                    Some(g) => self.store.group(g)?.and_then(|g| g.manager),
                    None => self.store.user(&reviewer)?.and_then(|u| u.manager),
                };
                // A manager who is not (or no longer) a user of the store gets nothing.
                let m = match m {
                    Some(m) if m != reviewer && self.store.user(&m)?.is_some() => Some(m),
                    _ => None,
                };
                managers.insert(reviewer.clone(), m);
            }
            let Some(m) = managers[&reviewer].clone() else {
                continue;
            };
            let before = wi.clone();
            let what = wi.escalate(SYSTEM_ACTOR, &Target::User(m.clone()), deadline, tx.now)?;
            tx.event(
                Some(wi.case),
                what,
                Some("no decision by the stage's deadline".into()),
            );
            wi.delegated_by.retain(|d| d != SYSTEM_ACTOR);
            tx.record_deadline(before.deadline, &wi);
            tx.ws.put_work_item(Some(&before), &wi);
            let prev = items[i].clone();
            items[i].reviewer = Some(m);
            tx.ws.put_cert_item(Some(&prev), &items[i]);
            moved += 1;
        }
        if moved == 0 {
            run.escalated = true;
            return Ok(None);
        }
        let until = deadline.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string());
        let said = format!(
            "stage {} of {}: {moved} undecided items escalated to the reviewers' managers, new deadline {}",
            run.stage,
            run.label(),
            until.unwrap_or_default()
        );
        tx.event(
            None,
            EventKind::CampaignChanged {
                campaign: run.label(),
                state: run.describe_state(),
            },
            Some(said.clone()),
        );
        Ok(Some(said))
    }

    /// The next stage with items to review after `ended`, and those items.
    fn next_stage_items(
        &self,
        run: &CampaignRun,
        items: &[CertItem],
        ended: u32,
    ) -> Option<(u32, Vec<usize>)> {
        for s in ended + 1..=run.def.stages.len() as u32 {
            let filter = run.def.stages[s as usize - 1].items;
            let pick: Vec<usize> = (0..items.len())
                .filter(|i| {
                    let Some(r) = items[*i].results.last() else {
                        return false;
                    };
                    if r.stage != ended
                        || r.iteration != run.iteration
                        || items[*i].remediation.is_some()
                    {
                        return false;
                    }
                    match filter {
                        StageItems::All => !r.result.takes_access(),
                        StageItems::Accepted => r.accepted(),
                        StageItems::Undecided => r.undecided() && !r.result.takes_access(),
                    }
                })
                .collect();
            if !pick.is_empty() {
                return Some((s, pick));
            }
        }
        None
    }

    /// The review is over: revocations are carried out (at the end, per definition) and
    /// the run is in remediation until they are done, or closed.
    fn review_done(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
        items: &mut [CertItem],
    ) -> Result<String, ApiError> {
        run.state = RunState::ReviewDone;
        run.stage = 0;
        tx.event(
            None,
            EventKind::CampaignChanged {
                campaign: run.label(),
                state: run.state.to_string(),
            },
            None,
        );
        // Remediations started earlier (at once, or before a reiteration) may be done.
        self.refresh_remediations(tx, run)?;
        let all: Vec<usize> = (0..items.len()).collect();
        self.remediate_items(tx, run, items, &all)?;
        self.settle_run(tx, run)
    }

    /// In remediation while any remediation is open (looked at again by a timer), else
    /// closed. Returns what it says.
    pub(super) fn settle_run(
        &self,
        tx: &mut Tx,
        run: &mut CampaignRun,
    ) -> Result<String, ApiError> {
        run.timers.clear();
        if run.remediating.is_empty() {
            run.state = RunState::Closed;
            run.closed = Some(tx.now);
            tx.event(
                None,
                EventKind::CampaignChanged {
                    campaign: run.label(),
                    state: "closed".into(),
                },
                None,
            );
            return Ok(format!("{} closed", run.label()));
        }
        if run.state != RunState::InRemediation {
            run.state = RunState::InRemediation;
            tx.event(
                None,
                EventKind::CampaignChanged {
                    campaign: run.label(),
                    state: run.state.to_string(),
                },
                None,
            );
        }
        run.timers.push(RunTimer {
            at: tx.now + chrono::Duration::seconds(REMEDIATION_POLL_SECS),
            kind: RunTimerKind::Remediation,
        });
        Ok(format!(
            "{} in remediation: {} revocations under way",
            run.label(),
            run.remediating.len()
        ))
    }
}
