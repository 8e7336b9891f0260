//! Moving a run on by hand (`campaign advance`, `close`, `reiterate`) and by its timers.

use super::super::{authz, Engine, Tx};
use crate::api::ApiError;
use crate::domain::campaign::{CampaignRun, RunState, RunTimerKind};
use crate::domain::{CertItem, User};

impl Engine {
    /// `campaign advance`: the running stage ends now, as at its deadline.
    pub(crate) fn advance_campaign(
        &self,
        tx: &mut Tx,
        user: &User,
        label: &str,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "advance campaigns")?;
        let mut run = self.campaign_run_named(label)?;
        in_review(&run, "advance")?;
        self.end_stage(tx, &mut run, true, false)
    }

    /// `campaign close`: the review ends (the running stage's no-response rule applies, no
    /// escalation, no further stage), revocations are carried out, and the run closes
    /// once none is left open.
    pub(crate) fn close_campaign(
        &self,
        tx: &mut Tx,
        user: &User,
        label: &str,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "close campaigns")?;
        let mut run = self.campaign_run_named(label)?;
        match run.state {
            RunState::InReview => self.end_stage(tx, &mut run, false, true),
            RunState::InRemediation => {
                let said = self.follow_remediations(tx, &mut run)?;
                if run.state == RunState::Closed {
                    return Ok(said);
                }
                Err(ApiError::IllegalState(format!(
                    "{} is in remediation: {} revocations are still under way (`campaign show {}`); it closes by itself when they are done",
                    run.label(),
                    run.remediating.len(),
                    run.label()
                )))
            }
            s => Err(ApiError::IllegalState(format!(
                "cannot close {}: it is {s}",
                run.label()
            ))),
        }
    }

    /// `campaign reiterate`: stage 1 again, for the items nobody decided (and whose access
    /// is not being taken away).
    pub(crate) fn reiterate_campaign(
        &self,
        tx: &mut Tx,
        user: &User,
        label: &str,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "reiterate campaigns")?;
        let mut run = self.campaign_run_named(label)?;
        if matches!(run.state, RunState::InReview | RunState::Created) {
            return Err(ApiError::IllegalState(format!(
                "{} is {}: reiterate after its review is done",
                run.label(),
                run.describe_state()
            )));
        }
        let prev_run = run.clone();
        let items = self.run_items(&run)?;
        let pick: Vec<CertItem> = items
            .into_iter()
            .filter(|i| i.remediation.is_none() && i.results.last().is_some_and(|r| r.undecided()))
            .collect();
        if pick.is_empty() {
            return Err(ApiError::IllegalState(format!(
                "nothing to reiterate in {}: every item was decided",
                run.label()
            )));
        }
        let before = pick.clone();
        let mut pick = pick;
        run.iteration += 1;
        run.closed = None;
        let was = run.state;
        let opened = self.open_stage(tx, &mut run, &mut pick, 1, None)?;
        for (b, a) in before.iter().zip(&pick) {
            tx.ws.put_cert_item(Some(b), a);
        }
        tx.ws.put_campaign_run(Some(&prev_run), &run);
        Ok(format!(
            "{} (was {was}) iteration {}: {opened}",
            run.label(),
            run.iteration
        ))
    }

    /// A run's timer fired (sweep): a reminder, the deadline, or a look at remediations.
    /// None when the timer no longer applies.
    pub(crate) fn fire_campaign_timer(
        &self,
        tx: &mut Tx,
        id: u64,
        slot: u16,
        due: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<(String, String)>, ApiError> {
        let Some(mut run) = self.store.campaign_run(id)? else {
            return Ok(None);
        };
        let Some(timer) = run
            .timers
            .iter()
            .copied()
            .find(|t| t.slot() == slot && t.at == due)
        else {
            return Ok(None);
        };
        let prev = run.clone();
        run.timers.retain(|t| *t != timer);
        Ok(Some(match timer.kind {
            RunTimerKind::Reminder(_) => {
                let said = self.remind_reviewers(tx, &run)?;
                tx.ws.put_campaign_run(Some(&prev), &run);
                ("campaign-reminder".into(), said)
            }
            RunTimerKind::Deadline => {
                // end_stage writes the run from the state it was loaded in.
                let mut run = prev;
                let said = self.end_stage(tx, &mut run, true, false)?;
                ("campaign-deadline".into(), said)
            }
            RunTimerKind::Remediation => {
                let mut run = prev;
                let said = self.follow_remediations(tx, &mut run)?;
                ("campaign-remediation".into(), said)
            }
        }))
    }

    /// What a run's timer would do (a dry run).
    pub(crate) fn preview_campaign_timer(
        &self,
        id: u64,
        slot: u16,
    ) -> Result<Option<String>, ApiError> {
        let Some(run) = self.store.campaign_run(id)? else {
            return Ok(None);
        };
        Ok(Some(match slot {
            0 => format!("{}: would end stage {}", run.label(), run.stage),
            1 => format!(
                "{}: would look at {} remediations",
                run.label(),
                run.remediating.len()
            ),
            _ => format!(
                "{}: would remind the reviewers of stage {}",
                run.label(),
                run.stage
            ),
        }))
    }
}

fn in_review(run: &CampaignRun, verb: &str) -> Result<(), ApiError> {
    if run.state != RunState::InReview {
        return Err(ApiError::IllegalState(format!(
            "cannot {verb} {}: it is {}",
            run.label(),
            run.state
        )));
    }
    Ok(())
}
