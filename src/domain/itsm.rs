//! A case outsourced to a ticket system: the record the engine keeps of its ticket (which
//! target, the ticket's reference and state, the last sync and its error, when to try again)
//! and the events that record what happened to it. Talking to ticket systems is `itsm/`'s;
//! when and what to write is the engine's.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::CaseId;

/// Where a ticket stands, mapped from the system's own states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TicketState {
    /// Still being worked (RT new/open/stalled, Jira new/indeterminate).
    Open,
    /// Worked and finished: the work succeeded (RT resolved, Jira done with a resolution
    /// that is not a refusal).
    Succeeded,
    /// Worked and finished without success (RT rejected, Jira done as "Won't Do", …).
    Failed,
    /// The ticket is gone or refused as a ticket (RT deleted).
    Rejected,
}

impl TicketState {
    pub fn name(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Succeeded => "done-success",
            TicketState::Failed => "done-failure",
            TicketState::Rejected => "rejected",
        }
    }

    pub fn is_final(self) -> bool {
        self != TicketState::Open
    }
}

/// How far the ticket of an outsourced case has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// To be created at the next sync.
    Queued,
    /// A create was attempted and left no reference (cut short, or failed): the next sync
    /// looks the ticket up by its case before creating again.
    Creating,
    /// The ticket exists; its state is polled.
    Linked,
    /// Over: the ticket's final state was applied to the case, or the case ended first.
    Settled,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Creating => "creating",
            Phase::Linked => "linked",
            Phase::Settled => "settled",
        }
    }
}

/// The longest wait between two tries after failures.
pub const MAX_BACKOFF_SECS: i64 = 3600;

/// A case's ticket in a ticket system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outsourcing {
    pub case: CaseId,
    /// The `[itsm.NAME]` target.
    pub target: String,
    pub phase: Phase,
    /// The ticket's reference (RT number, Jira key, a plugin's ref), once known.
    pub reference: Option<String>,
    pub state: Option<TicketState>,
    /// The system's own word for the state (`stalled`), as last read.
    pub status: Option<String>,
    /// When the ticket last changed, by the system's account.
    #[serde(with = "super::time::ts_opt")]
    pub changed: Option<DateTime<Utc>>,
    /// The validator of the last status answer (HTTP ETag).
    pub etag: Option<String>,
    #[serde(with = "super::time::ts")]
    pub since: DateTime<Utc>,
    /// The last sync that reached the system.
    #[serde(with = "super::time::ts_opt")]
    pub last_sync: Option<DateTime<Utc>>,
    /// The last failure's one-line error, until a call succeeds again.
    pub error: Option<String>,
    /// Failures in a row.
    pub failures: u32,
    /// Not tried again before this time (after failures).
    #[serde(with = "super::time::ts_opt")]
    pub next_try: Option<DateTime<Utc>>,
    /// Creates attempted.
    pub attempts: u32,
    /// The case's comments already sent to the ticket (by event sequence number).
    pub comments_sent: u64,
    /// The ticket's comments already brought into the case (up to this time).
    #[serde(with = "super::time::ts_opt")]
    pub comments_read: Option<DateTime<Utc>>,
}

impl Outsourcing {
    pub fn new(case: CaseId, target: &str, now: DateTime<Utc>) -> Outsourcing {
        Outsourcing {
            case,
            target: target.to_string(),
            phase: Phase::Queued,
            reference: None,
            state: None,
            status: None,
            changed: None,
            etag: None,
            since: now,
            last_sync: None,
            error: None,
            failures: 0,
            next_try: None,
            attempts: 0,
            comments_sent: 0,
            comments_read: None,
        }
    }

    /// Whether a sync at `now` should call the system for it.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.phase != Phase::Settled && self.next_try.is_none_or(|t| t <= now)
    }

    /// A call failed with `error`: kept, and the next try put off (1 min, doubling, at most
    /// an hour).
    pub fn failed(&mut self, error: String, now: DateTime<Utc>) {
        self.failures = self.failures.saturating_add(1);
        let secs = (60i64 << self.failures.saturating_sub(1).min(10)).min(MAX_BACKOFF_SECS);
        self.next_try = Some(now + Duration::seconds(secs));
        self.error = Some(error);
    }

    /// A call succeeded: the error and the backoff are gone.
    pub fn reached(&mut self, now: DateTime<Utc>) {
        self.failures = 0;
        self.next_try = None;
        self.error = None;
        self.last_sync = Some(now);
    }
}

/// What happened to a case's ticket (the events of [`super::EventKind::Ticket`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TicketEvent {
    /// The case goes to `target` (at its creation, or by hand).
    Outsourced { target: String },
    /// A create is about to be sent (recorded before the call).
    Requested { target: String, attempt: u32 },
    /// The ticket exists (`found`: looked up after an attempt that left no reference).
    Linked {
        target: String,
        reference: String,
        found: bool,
    },
    /// The ticket's state changed.
    Changed {
        target: String,
        reference: String,
        status: String,
        state: TicketState,
    },
    /// A call failed; tried again after a backoff.
    Failed { target: String, error: String },
    /// The case ended in casebench before its ticket did: the ticket is no longer followed.
    Released { target: String, reason: String },
    /// The case's comments were sent to the ticket.
    CommentsSent {
        target: String,
        reference: String,
        count: u32,
    },
}

impl TicketEvent {
    pub fn verb(&self) -> &'static str {
        match self {
            TicketEvent::Outsourced { .. } => "outsourced",
            TicketEvent::Requested { .. } => "ticket-request",
            TicketEvent::Linked { .. } => "ticket",
            TicketEvent::Changed { .. } => "ticket-state",
            TicketEvent::Failed { .. } => "ticket-error",
            TicketEvent::Released { .. } => "ticket-released",
            TicketEvent::CommentsSent { .. } => "ticket-comment",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            TicketEvent::Outsourced { target } => format!("to {target}"),
            TicketEvent::Requested { target, attempt } => {
                format!("{target}: creating the ticket (attempt {attempt})")
            }
            TicketEvent::Linked {
                target,
                reference,
                found,
            } => match found {
                true => format!("{target} {reference} (found again by its case)"),
                false => format!("{target} {reference} created"),
            },
            TicketEvent::Changed {
                target,
                reference,
                status,
                state,
            } => format!("{target} {reference}: {status} ({})", state.name()),
            // Errors of the adapters name their target already.
            TicketEvent::Failed { target, error } if error.starts_with(&format!("{target}:")) => {
                error.clone()
            }
            TicketEvent::Failed { target, error } => format!("{target}: {error}"),
            TicketEvent::Released { target, reason } => format!("{target}: {reason}"),
            TicketEvent::CommentsSent {
                target,
                reference,
                count,
            } => format!("{count} comment(s) to {target} {reference}"),
        }
    }

    /// Whether the event changes the case itself (its `modified` time): going out and the
    /// ticket's reference do; the sync's bookkeeping does not.
    pub fn touches_case(&self) -> bool {
        matches!(
            self,
            TicketEvent::Outsourced { .. } | TicketEvent::Linked { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn failures_back_off_doubling_up_to_an_hour_and_a_success_clears_them() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let mut o = Outsourcing::new(CaseId(7), "rt", t0);
        assert!(o.is_due(t0));
        let mut waits = vec![];
        for _ in 0..8 {
            o.failed("rt: no answer".into(), t0);
            waits.push((o.next_try.unwrap() - t0).num_seconds());
        }
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert!(!o.is_due(t0));
        assert!(o.is_due(t0 + Duration::hours(1)));
        o.reached(t0);
        assert_eq!((o.failures, o.next_try, o.error.clone()), (0, None, None));
    }
}
