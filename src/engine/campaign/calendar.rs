//! Which working-time calendar a stage's durations count in.
//!
//! A stage's deadline is one time for the whole stage (every reviewer's work item has it,
//! and the run's reminders and escalation count from it), so it is counted in one calendar,
//! chosen when the stage opens: the calendar of the stage's reviewer when the stage names
//! one (`reviewers = "LOGIN"` or `"@GROUP"`), else the definition's `calendar`, else the
//! store default ([`Engine::calendar_in`] decides the order).

use super::super::Engine;
use crate::api::ApiError;
use crate::domain::campaign::{CampaignDef, CampaignRun, ReviewerSource, StageDef};
use crate::domain::{Calendar, Target};

impl Engine {
    /// The calendar stage `stage` (1-based) of `run` counts its working durations in; none
    /// when no calendar applies (a working duration then fails with a clear error).
    pub(super) fn stage_calendar(
        &self,
        run: &CampaignRun,
        stage: u32,
    ) -> Result<Option<Calendar>, ApiError> {
        let holder = (stage as usize)
            .checked_sub(1)
            .and_then(|i| run.def.stages.get(i))
            .and_then(reviewer);
        self.calendar_in(holder.as_ref(), &[run.def.calendar.as_deref()], None)
    }

    /// At import: the definition's calendar exists, and every stage with a working
    /// duration has a calendar (its reviewer's, the definition's, the store default).
    /// Refusals: `no calendar "x"`, `stage 2: 3bd needs a working-time calendar …`.
    pub(super) fn check_stage_calendars(&self, def: &CampaignDef) -> Result<(), ApiError> {
        self.check_calendar_for(def.calendar.as_deref(), None, "")?;
        for (i, s) in def.stages.iter().enumerate() {
            let Some(work) = s.work_span() else {
                continue;
            };
            if self.calendar_in(reviewer(s).as_ref(), &[], None)?.is_some() {
                continue;
            }
            let at = format!("stage {}: ", i + 1);
            self.check_calendar_for(def.calendar.as_deref(), Some(work), &at)?;
        }
        Ok(())
    }
}

/// The one reviewer a stage names (a user or a group), whose calendar its durations count
/// in.
fn reviewer(s: &StageDef) -> Option<Target> {
    match &s.reviewers {
        ReviewerSource::User(u) => Some(Target::User(u.clone())),
        ReviewerSource::Group(g) => Some(Target::Group(g.clone())),
        ReviewerSource::Manager | ReviewerSource::Owners => None,
    }
}
