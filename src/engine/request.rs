//! Access requests: creation, the validity timers and their hooks.
//!
//! `grant` and `revoke` are the hooks the access-request and provisioning work plugs into:
//! today they record the change (`AccessGranted` / `AccessRevoked`) and tell the recipient;
//! provisioning through a resource's pending operations will be started from here.

use chrono::{DateTime, Utc};

use super::{Engine, Tx};
use crate::api::{ApiError, RequestDetail};
use crate::domain::duration::MAX_DAYS;
use crate::domain::{
    EventKind, OpRef, Product, Request, RequestId, RequestState, User, ValidityKind, ValidityTimer,
};

type Validity = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<i64>);

impl Engine {
    pub(crate) fn request_access(
        &self,
        tx: &mut Tx,
        user: &User,
        product: String,
        recipient: Option<String>,
        (valid_from, valid_until, notice_secs): Validity,
        reason: Option<String>,
    ) -> Result<String, ApiError> {
        let wanted = product.trim().to_string();
        if wanted.is_empty() {
            return Err(ApiError::BadInput("a request needs a product".into()));
        }
        let product = self.load_product(&wanted)?;
        let recipient = recipient.unwrap_or_else(|| user.login.clone());
        if self.store.user(&recipient)?.is_none() {
            return Err(ApiError::NotFound(format!("no user {recipient:?}")));
        }
        self.check_may_have(tx, &product, &recipient)?;
        if let (Some(f), Some(u)) = (valid_from, valid_until) {
            if u <= f {
                return Err(ApiError::BadInput(
                    "valid-until must be after valid-from".into(),
                ));
            }
        }
        super::execute::future_time(valid_until, "valid-until", tx.now)?;
        super::execute::time_in_range(valid_from, "valid-from")?;
        if notice_secs.is_some_and(|n| n <= 0) {
            return Err(ApiError::BadInput(
                "the notice must be a positive duration".into(),
            ));
        }
        if notice_secs.is_some_and(|n| n > MAX_DAYS * 86_400) {
            return Err(ApiError::BadInput(format!(
                "the notice is too long (at most {MAX_DAYS}d)"
            )));
        }
        let asked = self.asked_period(tx, &product, valid_from, valid_until)?;
        self.refuse_duplicate(tx, &product, &recipient, &asked)?;
        let policy = match &product.policy {
            Some(name) => Some(self.store.approval_policy(name)?.ok_or_else(|| {
                ApiError::Internal(format!(
                    "product {} names approval policy {name:?}, which is missing",
                    product.id
                ))
            })?),
            None => None,
        };
        let id = tx.new_request_id()?;
        let mut r = Request {
            id,
            requester: user.login.clone(),
            recipient: recipient.clone(),
            product: product.id.clone(),
            reason: reason.filter(|s| !s.trim().is_empty()),
            state: RequestState::Request,
            valid_from,
            valid_until,
            notice_secs,
            created: tx.now,
            modified: tx.now,
            timers: vec![],
            approval: None,
            renewals: 0,
            approved_at: None,
            provisioned_at: None,
            operations: vec![],
        };
        tx.request_event(
            id,
            EventKind::RequestCreated {
                request: id,
                product: product.id.clone(),
                recipient: recipient.clone(),
            },
            r.reason.clone(),
        );
        tx.applied.request = Some(id);
        let what = format!("{} for {recipient}", product.id);
        let Some(policy) = policy else {
            let why = "approved: the product has no approval policy".to_string();
            self.approve_request(tx, &mut r, &product, why)?;
            tx.ws.put_request(None, &r);
            return Ok(format!("{id} {} ({what})", r.state));
        };
        let mut flow = self.start_approval(tx, r, product, policy)?;
        flow.write(tx);
        tx.applied.case = Some(flow.case.id);
        Ok(format!("{id} {what}: {} ({})", flow.status(), flow.case.id))
    }

    /// The approval is complete: a multi-request product's request is recorded
    /// (`approved`, final); any other starts now (`assigned`, granted) or at valid-from
    /// (`pending`), valid until the end of the product's period counted from valid-from or
    /// now, or the request's own valid-until when earlier; aborted when that is past.
    pub(crate) fn approve_request(
        &self,
        tx: &mut Tx,
        r: &mut Request,
        product: &Product,
        why: String,
    ) -> Result<(), ApiError> {
        let from = r.state;
        r.approved_at = Some(tx.now);
        if product.multi_request {
            r.approve_once(tx.now)?;
            self.request_changed(tx, r, from, format!("{why} (multi-request: recorded)"));
            return self.tell_decided(tx, r, "approved", "");
        }
        if let Err(over) = self.validity_at_approval(r, product, tx.now)? {
            r.abort(tx.now)?;
            self.request_changed(tx, r, from, over.clone());
            return self.tell_decided(tx, r, "aborted", &format!(": {over}"));
        }
        r.approved_at = Some(tx.now);
        let starts_now = r.approve(tx.now)?;
        self.request_changed(tx, r, from, why);
        if starts_now {
            self.grant(tx, r)?;
        }
        Ok(())
    }

    /// Tells the recipient and requester the request was `verb` (`approved`, `aborted`),
    /// `rest` following in the body.
    fn tell_decided(
        &self,
        tx: &mut Tx,
        r: &Request,
        verb: &str,
        rest: &str,
    ) -> Result<(), ApiError> {
        self.notify_request(
            tx,
            r,
            &format!("[casebench] {}: {} {verb}", r.id, r.product),
            &format!(
                "The request {} of {} for {} was {verb}{rest}.\n",
                r.id, r.product, r.recipient
            ),
        )
    }

    /// The access starts: the operation granting it is recorded on the recipient's account
    /// (`request_provision.rs`); granted now unless the request waits for its case.
    fn grant(&self, tx: &mut Tx, r: &mut Request) -> Result<(), ApiError> {
        if self.provision_request(tx, r)? {
            self.access_granted(tx, r)?;
        }
        Ok(())
    }

    /// The recipient has the access: recorded, and they are told.
    pub(crate) fn access_granted(&self, tx: &mut Tx, r: &Request) -> Result<(), ApiError> {
        tx.request_event(
            r.id,
            EventKind::AccessGranted {
                request: r.id,
                product: r.product.clone(),
                recipient: r.recipient.clone(),
            },
            None,
        );
        let until = r
            .valid_until
            .map(|u| {
                format!(
                    " until {}",
                    u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                )
            })
            .unwrap_or_default();
        self.notify_request(
            tx,
            r,
            &format!("[casebench] {}: access to {} granted", r.id, r.product),
            &format!("{} now has {}{until}.\n", r.recipient, r.product),
        )
    }

    /// The access ends: the opposite operation is recorded on the recipient's account.
    /// Returns it, for the caller to add to `r.operations` (its case's end adds it too).
    pub(crate) fn revoke(&self, tx: &mut Tx, r: &Request) -> Result<Option<OpRef>, ApiError> {
        tx.request_event(
            r.id,
            EventKind::AccessRevoked {
                request: r.id,
                product: r.product.clone(),
                recipient: r.recipient.clone(),
            },
            None,
        );
        self.notify_request(
            tx,
            r,
            &format!("[casebench] {}: access to {} ended", r.id, r.product),
            &format!(
                "The access of {} to {} reached its end of validity.\n",
                r.recipient, r.product
            ),
        )?;
        self.deprovision_request(tx, r)
    }

    pub(crate) fn notify_request(
        &self,
        tx: &mut Tx,
        r: &Request,
        subject: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        let mut to = vec![r.recipient.clone()];
        if r.requester != r.recipient {
            to.push(r.requester.clone());
        }
        self.queue_messages(tx, &to, None, subject, body)
    }

    /// Fires one validity timer of a request; `None` when it no longer applies.
    pub(crate) fn fire_validity(
        &self,
        tx: &mut Tx,
        request: Option<Request>,
        timer: ValidityTimer,
    ) -> Result<Option<(Request, Request, String)>, ApiError> {
        let Some(prev) = request else {
            return Ok(None);
        };
        if !prev.timers.contains(&timer) {
            return Ok(None);
        }
        let mut r = prev.clone();
        r.timers.retain(|t| *t != timer);
        tx.now = timer.due;
        tx.request_event(
            r.id,
            EventKind::ValidityFired {
                request: r.id,
                timer: timer.kind,
            },
            None,
        );
        let action = match timer.kind {
            ValidityKind::ValidFrom => {
                let from = r.state;
                r.start(timer.due)?;
                tx.request_event(
                    r.id,
                    EventKind::RequestStateChanged {
                        request: r.id,
                        from,
                        to: r.state,
                    },
                    Some("valid-from reached".into()),
                );
                self.grant(tx, &mut r)?;
                format!("{}: {} granted to {}", r.id, r.product, r.recipient)
            }
            ValidityKind::ExpiryNotice => {
                let until = r
                    .valid_until
                    .map(|u| u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default();
                self.notify_request(
                    tx,
                    &r,
                    &format!("[casebench] {}: access to {} ends soon", r.id, r.product),
                    &format!(
                        "The access of {} to {} ends at {until}. Renew it before then if it is still needed:\n\n  casebench request renew {} --until TIME\n",
                        r.recipient, r.product, r.id
                    ),
                )?;
                format!("{}: told {} the access ends {until}", r.id, r.recipient)
            }
            ValidityKind::ValidUntil => {
                // A renewal or unsubscription still in approval ends with the access.
                self.drop_approval(tx, &mut r, "the access ended before it was decided")?;
                let from = r.state;
                let held = from.holds_access();
                r.expire(timer.due)?;
                r.timers.clear();
                tx.request_event(
                    r.id,
                    EventKind::RequestStateChanged {
                        request: r.id,
                        from,
                        to: r.state,
                    },
                    Some("valid-until reached".into()),
                );
                if held {
                    if let Some(op) = self.revoke(tx, &r)? {
                        r.operations.push(op);
                    }
                }
                format!("{}: {} expired for {}", r.id, r.product, r.recipient)
            }
        };
        tx.ws.put_request(Some(&prev), &r);
        Ok(Some((prev, r, action)))
    }

    pub(crate) fn request_view(&self, id: RequestId) -> Result<RequestDetail, ApiError> {
        let request = self
            .store
            .request(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no request {id}")))?;
        let mut events = self.store.request_events(id)?;
        if let Some(a) = &request.approval {
            events.extend(self.store.case_events(a.case)?);
            events.sort_by_key(|e| e.seq);
        }
        Ok(RequestDetail {
            provisioning: self.provisioning_status(&request)?,
            events,
            product: self.store.product(&request.product)?,
            request,
        })
    }

    pub(crate) fn requests_of(
        &self,
        user: &crate::domain::User,
        all: bool,
        limit: usize,
    ) -> Result<Vec<Request>, ApiError> {
        Ok(self
            .store
            .requests(if all { None } else { Some(&user.login) }, limit)?)
    }
}
