//! Access requests and their validity (One Identity's order states). This module holds the
//! validity half: when access starts and ends, and the timers that make it happen. The
//! approval workflow (steps, approvers) plugs in in front of `approve`.
//!
//! Validity: `valid_from` (none = at approval) starts the access — the request goes
//! `Pending → Assigned` and provisioning begins; a notice goes out `notice` before
//! `valid_until`; at `valid_until` the access ends (`Assigned → Expired`) and
//! deprovisioning begins.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DomainError, RequestId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestState {
    /// In approval.
    Request,
    Approved,
    /// Approved, valid-from not reached.
    Pending,
    Assigned,
    Renewal,
    Unsubscription,
    Unsubscribed,
    Denied,
    Aborted,
    Expired,
}

impl RequestState {
    pub fn name(self) -> &'static str {
        match self {
            RequestState::Request => "request",
            RequestState::Approved => "approved",
            RequestState::Pending => "pending",
            RequestState::Assigned => "assigned",
            RequestState::Renewal => "renewal",
            RequestState::Unsubscription => "unsubscription",
            RequestState::Unsubscribed => "unsubscribed",
            RequestState::Denied => "denied",
            RequestState::Aborted => "aborted",
            RequestState::Expired => "expired",
        }
    }

    /// The access is held in these states (renewal and unsubscription are in approval
    /// again, from Assigned).
    pub fn holds_access(self) -> bool {
        matches!(
            self,
            RequestState::Assigned | RequestState::Renewal | RequestState::Unsubscription
        )
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidityKind {
    ValidFrom,
    ExpiryNotice,
    ValidUntil,
}

impl ValidityKind {
    pub fn code(self) -> u16 {
        match self {
            ValidityKind::ValidFrom => 0,
            ValidityKind::ExpiryNotice => 1,
            ValidityKind::ValidUntil => 2,
        }
    }

    pub fn from_code(c: u16) -> Option<ValidityKind> {
        [
            ValidityKind::ValidFrom,
            ValidityKind::ExpiryNotice,
            ValidityKind::ValidUntil,
        ]
        .into_iter()
        .find(|k| k.code() == c)
    }

    pub fn name(self) -> &'static str {
        match self {
            ValidityKind::ValidFrom => "valid-from",
            ValidityKind::ExpiryNotice => "expiry-notice",
            ValidityKind::ValidUntil => "valid-until",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ValidityTimer {
    #[serde(with = "super::time::ts")]
    pub due: DateTime<Utc>,
    pub kind: ValidityKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: RequestId,
    pub requester: String,
    /// Who gets the access.
    pub recipient: String,
    pub product: String,
    pub reason: Option<String>,
    pub state: RequestState,
    #[serde(with = "super::time::ts_opt")]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(with = "super::time::ts_opt")]
    pub valid_until: Option<DateTime<Utc>>,
    /// How long before `valid_until` the recipient is told (seconds).
    pub notice_secs: Option<i64>,
    #[serde(with = "super::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "super::time::ts")]
    pub modified: DateTime<Utc>,
    /// Pending validity timers; indexed in the store's `due` tree.
    pub timers: Vec<ValidityTimer>,
    /// The approval workflow, when the product has an approval policy.
    pub approval: Option<super::approval::Approval>,
    /// How many times the request was renewed.
    pub renewals: u32,
    /// When the last approval came (a KPI apart from provisioning).
    #[serde(with = "super::time::ts_opt")]
    pub approved_at: Option<DateTime<Utc>>,
    /// When the access was provisioned (the shadow holds it).
    #[serde(with = "super::time::ts_opt")]
    pub provisioned_at: Option<DateTime<Utc>>,
    /// The pending operations the request caused on the recipient's account.
    pub operations: Vec<super::OpRef>,
}

impl Request {
    fn transition(
        &mut self,
        allowed: &[RequestState],
        to: RequestState,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if !allowed.contains(&self.state) {
            return Err(DomainError::BadValue {
                what: "request transition",
                value: format!("{} -> {to}", self.state),
                expected: "a legal request state change",
            });
        }
        self.state = to;
        self.modified = now;
        Ok(())
    }

    /// Approval done: the access starts now (Assigned) or waits for valid-from (Pending).
    /// Returns true when the access starts at once.
    pub fn approve(&mut self, now: DateTime<Utc>) -> Result<bool, DomainError> {
        self.transition(&[RequestState::Request], RequestState::Approved, now)?;
        let starts_now = self.valid_from.is_none_or(|f| f <= now);
        self.state = if starts_now {
            RequestState::Assigned
        } else {
            RequestState::Pending
        };
        self.timers = self.schedule(now);
        Ok(starts_now)
    }

    /// The validity timers still ahead of `now` for the current state.
    pub fn schedule(&self, now: DateTime<Utc>) -> Vec<ValidityTimer> {
        let mut out = vec![];
        if self.state == RequestState::Pending {
            if let Some(f) = self.valid_from {
                out.push(ValidityTimer {
                    due: f,
                    kind: ValidityKind::ValidFrom,
                });
            }
        }
        if matches!(self.state, RequestState::Pending) || self.state.holds_access() {
            if let Some(u) = self.valid_until {
                if let Some(n) = self.notice_secs {
                    // A notice beyond what a time can hold starts before any time: past.
                    let at = super::duration::add_secs(u, n.saturating_neg(), "the notice")
                        .unwrap_or(DateTime::<Utc>::MIN_UTC);
                    if at > now {
                        out.push(ValidityTimer {
                            due: at,
                            kind: ValidityKind::ExpiryNotice,
                        });
                    }
                }
                out.push(ValidityTimer {
                    due: u,
                    kind: ValidityKind::ValidUntil,
                });
            }
        }
        out.sort();
        out
    }

    /// Approved for a multi-request product: recorded (`request → approved →
    /// unsubscribed` at once), never a standing assignment (no validity, nothing to grant
    /// or revoke).
    pub fn approve_once(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(&[RequestState::Request], RequestState::Approved, now)?;
        self.transition(&[RequestState::Approved], RequestState::Unsubscribed, now)?;
        self.timers.clear();
        Ok(())
    }

    /// A renewal asked for (`assigned → renewal`); the access and its timers stand.
    pub fn begin_renewal(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(&[RequestState::Assigned], RequestState::Renewal, now)
    }

    /// An unsubscription asked for (`assigned → unsubscription`); the access stands.
    pub fn begin_unsubscription(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(&[RequestState::Assigned], RequestState::Unsubscription, now)
    }

    /// A renewal approved: valid until `until`, timers anew, back to `assigned`.
    pub fn renew(&mut self, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(
            &[RequestState::Assigned, RequestState::Renewal],
            RequestState::Assigned,
            now,
        )?;
        self.valid_until = Some(until);
        self.renewals += 1;
        self.timers = self.schedule(now);
        Ok(())
    }

    /// A renewal or unsubscription denied or aborted: back to `assigned`, the old end
    /// stands.
    pub fn keep(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(
            &[RequestState::Renewal, RequestState::Unsubscription],
            RequestState::Assigned,
            now,
        )
    }

    /// An unsubscription approved with a date: the access ends at `from` (valid-until
    /// moved there, timers anew), `assigned` until then.
    pub fn end_at(&mut self, from: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(
            &[RequestState::Assigned, RequestState::Unsubscription],
            RequestState::Assigned,
            now,
        )?;
        self.valid_until = Some(from);
        self.timers = self.schedule(now);
        Ok(())
    }

    /// Unsubscribed now (an assigned request, or a pending one whose access never
    /// started): final, no timers.
    pub fn unsubscribe(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(
            &[
                RequestState::Assigned,
                RequestState::Unsubscription,
                RequestState::Pending,
            ],
            RequestState::Unsubscribed,
            now,
        )?;
        self.timers.clear();
        Ok(())
    }

    /// A step was denied: the request ends denied.
    pub fn deny(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(&[RequestState::Request], RequestState::Denied, now)?;
        self.timers.clear();
        Ok(())
    }

    /// No approver, a timeout, a cancellation: the request ends aborted.
    pub fn abort(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(&[RequestState::Request], RequestState::Aborted, now)?;
        self.timers.clear();
        Ok(())
    }

    /// In approval: a decision is still awaited (on the request itself, or on its renewal
    /// or unsubscription while that runs through a workflow).
    pub fn in_approval(&self) -> bool {
        match self.state {
            RequestState::Request => true,
            RequestState::Renewal | RequestState::Unsubscription => self.approval.is_some(),
            _ => false,
        }
    }

    /// Holds or will hold the product (what a second request for it would duplicate).
    pub fn is_live(&self) -> bool {
        matches!(
            self.state,
            RequestState::Request | RequestState::Pending | RequestState::Approved
        ) || self.state.holds_access()
    }

    /// valid-from reached: the access starts.
    pub fn start(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(&[RequestState::Pending], RequestState::Assigned, now)
    }

    /// valid-until reached: the access ends.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.transition(
            &[
                RequestState::Pending,
                RequestState::Assigned,
                RequestState::Renewal,
                RequestState::Unsubscription,
            ],
            RequestState::Expired,
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn request(from: Option<i64>, until: Option<i64>, notice: Option<i64>) -> Request {
        Request {
            id: RequestId(1),
            requester: "alice".into(),
            recipient: "bob".into(),
            product: "vpn".into(),
            reason: None,
            state: RequestState::Request,
            valid_from: from.map(|d| t0() + Duration::days(d)),
            valid_until: until.map(|d| t0() + Duration::days(d)),
            notice_secs: notice.map(|d| d * 86_400),
            created: t0(),
            modified: t0(),
            timers: vec![],
            approval: None,
            renewals: 0,
            approved_at: None,
            provisioned_at: None,
            operations: vec![],
        }
    }

    #[test]
    fn a_stored_notice_beyond_any_time_schedules_no_notice() {
        let mut r = request(None, Some(90), None);
        r.notice_secs = Some(i64::MAX);
        assert!(r.approve(t0()).unwrap());
        let kinds: Vec<_> = r.timers.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, vec![ValidityKind::ValidUntil]);
    }

    #[test]
    fn ninety_days_end_on_day_ninety() {
        let mut r = request(None, Some(90), Some(7));
        assert!(r.approve(t0()).unwrap());
        assert_eq!(r.state, RequestState::Assigned);
        let kinds: Vec<_> = r
            .timers
            .iter()
            .map(|t| (t.kind, (t.due - t0()).num_days()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (ValidityKind::ExpiryNotice, 83),
                (ValidityKind::ValidUntil, 90)
            ]
        );
        r.expire(t0() + Duration::days(90)).unwrap();
        assert_eq!(r.state, RequestState::Expired);
        assert!(r.schedule(t0()).is_empty());
        assert!(r.expire(t0()).is_err(), "expired is final");
    }

    #[test]
    fn future_valid_from_waits_pending() {
        let mut r = request(Some(10), Some(40), None);
        assert!(!r.approve(t0()).unwrap());
        assert_eq!(r.state, RequestState::Pending);
        assert_eq!(r.timers[0].kind, ValidityKind::ValidFrom);
        assert_eq!(r.timers.len(), 2);
        r.start(t0() + Duration::days(10)).unwrap();
        assert_eq!(r.state, RequestState::Assigned);
        assert!(r.start(t0()).is_err());
    }

    #[test]
    fn a_notice_already_past_is_not_scheduled() {
        let mut r = request(None, Some(3), Some(7));
        r.approve(t0()).unwrap();
        assert_eq!(r.timers.len(), 1);
        assert_eq!(r.timers[0].kind, ValidityKind::ValidUntil);
    }

    #[test]
    fn a_renewal_moves_the_end_and_a_denied_one_keeps_it() {
        let mut r = request(None, Some(30), Some(7));
        r.approve(t0()).unwrap();
        assert!(r.keep(t0()).is_err(), "not in renewal");
        r.begin_renewal(t0()).unwrap();
        assert!(r.begin_renewal(t0()).is_err(), "only from assigned");
        r.keep(t0()).unwrap();
        assert_eq!(r.state, RequestState::Assigned);
        assert_eq!(r.valid_until, Some(t0() + Duration::days(30)));
        r.begin_renewal(t0()).unwrap();
        r.renew(t0() + Duration::days(60), t0()).unwrap();
        assert_eq!(r.renewals, 1);
        let dues: Vec<_> = r.timers.iter().map(|t| (t.due - t0()).num_days()).collect();
        assert_eq!(dues, vec![53, 60]);
    }

    #[test]
    fn unsubscribed_is_final_and_multi_request_ends_there() {
        let mut r = request(None, Some(30), None);
        r.approve(t0()).unwrap();
        r.begin_unsubscription(t0()).unwrap();
        r.end_at(t0() + Duration::days(5), t0()).unwrap();
        assert_eq!(r.state, RequestState::Assigned);
        assert_eq!(r.timers[0].due, t0() + Duration::days(5));
        r.unsubscribe(t0()).unwrap();
        assert_eq!(r.state, RequestState::Unsubscribed);
        assert!(r.timers.is_empty() && !r.is_live());
        assert!(r.begin_renewal(t0()).is_err());
        let mut once = request(None, None, None);
        once.approve_once(t0()).unwrap();
        assert_eq!(once.state, RequestState::Unsubscribed);
    }

    #[test]
    fn kinds_round_trip_codes() {
        for k in [
            ValidityKind::ValidFrom,
            ValidityKind::ExpiryNotice,
            ValidityKind::ValidUntil,
        ] {
            assert_eq!(ValidityKind::from_code(k.code()), Some(k));
        }
    }
}
