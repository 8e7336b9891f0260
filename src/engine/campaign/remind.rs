//! Reminders before a stage's deadline: each holder of undecided items is told once.

use std::collections::BTreeMap;

use super::super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::campaign::CampaignRun;
use crate::domain::CertItem;

impl Engine {
    /// A reminder: each holder of undecided items of the running stage (the work item's
    /// assignees and its candidate groups' members, so a delegate rather than whom it was
    /// first for) is told once, with their count.
    pub(super) fn remind_reviewers(
        &self,
        tx: &mut Tx,
        run: &CampaignRun,
    ) -> Result<String, ApiError> {
        let items = self.run_items(run)?;
        let mut open: BTreeMap<String, (u32, u32, Option<crate::domain::CaseId>)> = BTreeMap::new();
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for i in items
            .iter()
            .filter(|i| i.stage == run.stage && i.work_item.is_some())
        {
            for login in self.holders(i, &mut members)? {
                let e = open.entry(login).or_insert((0, 0, i.case));
                e.1 += 1;
                if !i.decided() {
                    e.0 += 1;
                }
            }
        }
        let due = run
            .stage_deadline
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let mut told = 0;
        for (login, (undecided, all, case)) in open.iter().filter(|(_, v)| v.0 > 0) {
            let subject = format!(
                "Reminder: {undecided} of {all} items to certify in {}, due {due}",
                run.label()
            );
            let body = format!(
                "{subject}.\nOpen the certification case{} in casebench, or `casebench campaign decide {} …`.\n",
                case.map(|c| format!(" {c}")).unwrap_or_default(),
                run.label()
            );
            self.queue_messages(tx, std::slice::from_ref(login), *case, &subject, &body)?;
            told += 1;
        }
        Ok(format!(
            "{} stage {}: reminded {told} reviewer{}",
            run.label(),
            run.stage,
            if told == 1 { "" } else { "s" }
        ))
    }

    /// Who holds an item's open work item now: its assignees and its candidate groups'
    /// members (`members` caches the groups).
    fn holders(
        &self,
        item: &CertItem,
        members: &mut BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<String>, ApiError> {
        let Some(wi) = item
            .work_item
            .map(|w| self.store.work_item(w))
            .transpose()?
        else {
            return Ok(vec![]);
        };
        let Some(wi) = wi.filter(|w| w.is_open()) else {
            return Ok(vec![]);
        };
        let mut out = wi.assignees.clone();
        for g in &wi.candidates {
            if !members.contains_key(g) {
                members.insert(g.clone(), self.store.group_members(g)?);
            }
            out.extend(members[g].iter().cloned());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}
