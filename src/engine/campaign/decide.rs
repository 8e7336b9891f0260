//! Decisions on items: by number or by a filter over the actor's items, each checked
//! (in review, the stage running and before its deadline, the actor a holder of the item's
//! work item, a reduce naming values the account has) before any is recorded.

use super::super::{Engine, Tx};
use crate::api::{ApiError, ItemPick};
use crate::domain::campaign::{CampaignRun, Decision, Verdict};
use crate::domain::{CertItem, EventKind, User};

/// At most this many items per decision command.
const MAX_ITEMS: usize = 200_000;

impl Engine {
    pub(crate) fn cert_decide(
        &self,
        tx: &mut Tx,
        user: &User,
        label: &str,
        pick: ItemPick,
        decision: Decision,
        comment: Option<String>,
    ) -> Result<String, ApiError> {
        let run = self.campaign_run_named(label)?;
        run.may_decide(tx.now)
            .map_err(|e| ApiError::IllegalState(e.to_string()))?;
        let comment = comment
            .map(|c| crate::domain::neutralise(c.trim()).into_owned())
            .filter(|c| !c.is_empty());
        let items = self.picked_items(user, &run, pick)?;
        if let Decision::Reduce(values) = &decision {
            for item in &items {
                item.check_reduce(values)
                    .map_err(|e| ApiError::BadInput(e.to_string()))?;
            }
        }
        let label = run.label();
        let mut changed = 0;
        for item in items {
            let prev = item.clone();
            let mut item = item;
            let same = item
                .current
                .as_ref()
                .is_some_and(|v| v.decision == decision && v.comment == comment);
            if same {
                continue;
            }
            item.current = Some(Verdict {
                decision: decision.clone(),
                by: user.login.clone(),
                at: tx.now,
                comment: comment.clone(),
            });
            tx.event(
                item.case,
                EventKind::CertDecided {
                    campaign: label.clone(),
                    item: item.no,
                    subject: item.subject.label(),
                    decision: decision.describe(),
                },
                comment.clone(),
            );
            tx.ws.put_cert_item(Some(&prev), &item);
            changed += 1;
        }
        Ok(format!(
            "{label}: {} {changed} item{}",
            decision.describe(),
            if changed == 1 { "" } else { "s" }
        ))
    }

    /// The items a decision names: by number (each in review and the actor's, else the
    /// whole command is refused), or every item of the actor's matching a filter.
    fn picked_items(
        &self,
        user: &User,
        run: &CampaignRun,
        pick: ItemPick,
    ) -> Result<Vec<CertItem>, ApiError> {
        Ok(match pick {
            ItemPick::Items(nos) => {
                if nos.is_empty() {
                    return Err(ApiError::BadInput("name at least one item".into()));
                }
                if nos.len() > MAX_ITEMS {
                    return Err(ApiError::BadInput(format!(
                        "at most {MAX_ITEMS} items at once"
                    )));
                }
                let mut nos = nos;
                nos.sort_unstable();
                nos.dedup();
                let mut out = Vec::with_capacity(nos.len());
                for no in nos {
                    let item = self.store.cert_item(run.id, no)?.ok_or_else(|| {
                        ApiError::NotFound(format!(
                            "{} has no item {no} (items 1–{})",
                            run.label(),
                            run.items
                        ))
                    })?;
                    if item.stage != run.stage || item.work_item.is_none() {
                        return Err(ApiError::IllegalState(format!(
                            "item {no} ({}) is not in review in stage {} of {}",
                            item.subject.label(),
                            run.stage,
                            run.label()
                        )));
                    }
                    self.may_decide_item(user, &item)?;
                    out.push(item);
                }
                out
            }
            ItemPick::Matching(filter) => {
                let mut out = vec![];
                let mut failed = None;
                self.store.scan_cert_items(run.id, 1, &mut |item| {
                    if item.stage == run.stage && item.work_item.is_some() && filter.matches(&item)
                    {
                        match self.holds_item(user, &item) {
                            Ok(true) => out.push(item),
                            Ok(false) => {}
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
                if out.is_empty() {
                    return Err(ApiError::NotFound(format!(
                        "no item of {} in review for {} matches",
                        run.label(),
                        user.login
                    )));
                }
                out
            }
        })
    }

    /// Whether `user` holds the item's work item (an assignee, or a member of a candidate
    /// group).
    fn holds_item(&self, user: &User, item: &CertItem) -> Result<bool, ApiError> {
        let Some(wid) = item.work_item else {
            return Ok(false);
        };
        let wi = self
            .store
            .work_item(wid)?
            .ok_or_else(|| ApiError::Internal(format!("item {} names missing {wid}", item.no)))?;
        Ok(wi.is_open()
            && (wi.assignees.contains(&user.login)
                || wi.candidates.iter().any(|g| user.groups.contains(g))))
    }

    fn may_decide_item(&self, user: &User, item: &CertItem) -> Result<(), ApiError> {
        if self.holds_item(user, item)? {
            return Ok(());
        }
        Err(ApiError::NotAllowed(format!(
            "item {} ({}) is for {} to decide, not {}",
            item.no,
            item.subject.label(),
            item.reviewer.as_deref().unwrap_or("its reviewer"),
            user.login
        )))
    }
}
