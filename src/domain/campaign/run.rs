//! One run of a campaign definition, its states and stage timers.

use std::fmt;

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use super::super::duration::Span;
use super::super::{Calendar, CaseId, DomainError};
use super::{CampaignDef, StageDef};

/// `created → in-review(n) → review-done → in-remediation → closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    Created,
    InReview,
    ReviewDone,
    InRemediation,
    Closed,
}

impl RunState {
    pub fn name(self) -> &'static str {
        match self {
            RunState::Created => "created",
            RunState::InReview => "in-review",
            RunState::ReviewDone => "review-done",
            RunState::InRemediation => "in-remediation",
            RunState::Closed => "closed",
        }
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunTimerKind {
    /// Remind reviewers with undecided items (index into the stage's reminders).
    Reminder(u8),
    /// The stage's deadline.
    Deadline,
    /// Look at the remediations again (in-remediation).
    Remediation,
}

/// A timer of a run, in the store's `due` tree (kind 5) while pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTimer {
    #[serde(with = "super::super::time::ts")]
    pub at: DateTime<Utc>,
    pub kind: RunTimerKind,
}

impl RunTimer {
    pub fn slot(&self) -> u16 {
        match self.kind {
            RunTimerKind::Deadline => 0,
            RunTimerKind::Remediation => 1,
            RunTimerKind::Reminder(i) => 16 + i as u16,
        }
    }
}

/// A certification case of a stage: one per reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCase {
    pub stage: u32,
    pub iteration: u32,
    pub case: CaseId,
    pub reviewer: String,
    pub items: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRun {
    pub id: u64,
    /// The definition's name and this run's number among its runs (`q4#2`).
    pub name: String,
    pub number: u32,
    /// The definition as it was at the start (a later import does not change a run).
    pub def: CampaignDef,
    pub state: RunState,
    /// The stage in review (1-based; 0 before the first and after the last).
    pub stage: u32,
    pub iteration: u32,
    #[serde(with = "super::super::time::ts_opt")]
    pub stage_deadline: Option<DateTime<Utc>>,
    #[serde(with = "super::super::time::ts_opt")]
    pub stage_started: Option<DateTime<Utc>>,
    /// The running stage was escalated (its deadline moved once).
    pub escalated: bool,
    pub started_by: String,
    #[serde(with = "super::super::time::ts")]
    pub started: DateTime<Utc>,
    #[serde(with = "super::super::time::ts_opt")]
    pub closed: Option<DateTime<Utc>>,
    /// How many items the snapshot holds (numbered 1..=items).
    pub items: u32,
    pub cases: Vec<ReviewCase>,
    pub timers: Vec<RunTimer>,
    /// Items whose remediation is still open.
    pub remediating: Vec<u32>,
}

impl CampaignRun {
    /// `q4#2`.
    pub fn label(&self) -> String {
        format!("{}#{}", self.name, self.number)
    }

    pub fn stage_def(&self) -> Option<&StageDef> {
        (self.stage as usize)
            .checked_sub(1)
            .and_then(|i| self.def.stages.get(i))
    }

    /// The running stage as written: `"owners" (reviewers: the resource's or product's
    /// owners; 2bd, reminders 4bh before, calendar office)`.
    pub fn describe_stage(&self) -> Option<String> {
        let s = self.stage_def()?;
        let cal = (self.def.calendar.as_ref()).map(|c| format!(", calendar {c}"));
        Some(format!(
            "{:?} (reviewers: {}; {}{})",
            s.name,
            s.reviewers.describe(),
            s.timing(),
            cal.unwrap_or_default()
        ))
    }

    /// `in-review (stage 2 of 3)`, or the state.
    pub fn describe_state(&self) -> String {
        match self.state {
            RunState::InReview => format!(
                "in-review (stage {} of {}{})",
                self.stage,
                self.def.stages.len(),
                if self.iteration > 1 {
                    format!(", iteration {}", self.iteration)
                } else {
                    String::new()
                }
            ),
            s => s.to_string(),
        }
    }

    /// Whether a decision may be made now: in review and before the stage's deadline.
    pub fn may_decide(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.state != RunState::InReview {
            return Err(DomainError::Invalid(format!(
                "campaign {} is {}: decisions are taken only while it is in review",
                self.label(),
                self.state
            )));
        }
        if let Some(d) = self.stage_deadline {
            if now >= d {
                return Err(DomainError::Invalid(format!(
                    "stage {} of campaign {} ended at its deadline {}: no decision after it",
                    self.stage,
                    self.label(),
                    d.format("%Y-%m-%d %H:%M UTC")
                )));
            }
        }
        Ok(())
    }

    /// Opens stage `stage` at `now` (deadline: `deadline`, else now + its duration) and
    /// schedules its reminders and deadline; working durations count in `calendar` (the
    /// stage's, chosen by the engine).
    pub fn open_stage(
        &mut self,
        stage: u32,
        now: DateTime<Utc>,
        deadline: Option<DateTime<Utc>>,
        calendar: Option<&Calendar>,
    ) -> Result<(), DomainError> {
        self.stage = stage;
        self.state = RunState::InReview;
        self.escalated = false;
        self.stage_started = Some(now);
        let def = self
            .stage_def()
            .ok_or_else(|| DomainError::Invalid(format!("no stage {stage}")))?
            .clone();
        let end = match deadline {
            Some(d) => d,
            None => def.duration.after(now, calendar)?,
        };
        self.schedule(end, &def.reminders, now, calendar);
        Ok(())
    }

    /// Moves the deadline `by` from now (an escalation): the reminders are not repeated.
    pub fn extend(
        &mut self,
        by: Span,
        now: DateTime<Utc>,
        calendar: Option<&Calendar>,
    ) -> Result<(), DomainError> {
        let end = by.after(now, calendar)?;
        self.escalated = true;
        self.schedule(end, &[], now, calendar);
        Ok(())
    }

    fn schedule(
        &mut self,
        end: DateTime<Utc>,
        reminders: &[Span],
        now: DateTime<Utc>,
        calendar: Option<&Calendar>,
    ) {
        self.stage_deadline = Some(end);
        self.timers.clear();
        self.timers.push(RunTimer {
            at: end,
            kind: RunTimerKind::Deadline,
        });
        for (i, r) in reminders.iter().enumerate() {
            // A stored reminder no time (or no calendar) can hold is no reminder.
            let Ok(at) = r.before(end, calendar) else {
                continue;
            };
            if at > now {
                self.timers.push(RunTimer {
                    at,
                    kind: RunTimerKind::Reminder(i as u8),
                });
            }
        }
    }

    /// The stage's review is over: no deadline, no timers.
    pub fn end_stage(&mut self) {
        self.stage_deadline = None;
        self.timers.clear();
    }
}
