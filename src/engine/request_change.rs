//! Changes to a request once it is made: its renewal (`request renew`) and its
//! cancellation (`request cancel`: aborted while in approval, unsubscribed once assigned),
//! each through the product's policy when it has one (states `renewal`, `unsubscription`),
//! and how such a workflow ends ([`Engine::end_change`]). A renewal or unsubscription
//! that is denied, aborted or finds no approver leaves the request as it was.

use chrono::{DateTime, SecondsFormat, Utc};

use super::approval::{end_case, End, Flow};
use super::execute::{future_time, time_in_range};
use super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::approval::Purpose;
use crate::domain::{ApprovalPolicy, Product, Request, RequestId, RequestState, User};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What a renewal or unsubscription that did not go through leaves.
pub(crate) fn kept(r: &Request) -> String {
    match r.valid_until {
        Some(u) => format!("{} stays assigned until {}", r.product, stamp(u)),
        None => format!("{} stays assigned", r.product),
    }
}

impl Engine {
    /// `request renew`: an assigned request valid until a later `until`, at once when the
    /// product has no approval policy, else through it (state `renewal`).
    pub(super) fn renew(
        &self,
        tx: &mut Tx,
        user: &User,
        id: RequestId,
        until: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let (prev, product) = self.request_and_product(id)?;
        may_change(user, &prev, "renew")?;
        let no = |why: String| ApiError::IllegalState(format!("cannot renew {id}: {why}"));
        if prev.state != RequestState::Assigned {
            let why = format!("it is {} (only an assigned request is renewed)", prev.state);
            return Err(no(why));
        }
        if !product.renewable {
            return Err(no(format!("{} is not renewable", product.id)));
        }
        if let Some(m) = product.max_renewals.filter(|m| prev.renewals >= *m) {
            return Err(no(format!(
                "it was renewed {} times, and {} allows at most {m} renewals",
                prev.renewals, product.id
            )));
        }
        let Some(end) = prev.valid_until else {
            return Err(no("it has no end of validity to move".into()));
        };
        time_in_range(Some(until), "--until")?;
        if until <= end {
            return Err(ApiError::BadInput(format!(
                "--until {} is not after the current end {}",
                stamp(until),
                stamp(end)
            )));
        }
        if let Some(v) = product
            .validity_secs
            .filter(|v| (until - end).num_seconds() > *v)
        {
            return Err(ApiError::BadInput(format!(
                "{} is renewed by at most {} at a time: --until is later",
                product.id,
                crate::domain::duration::format_duration(chrono::Duration::seconds(v))
            )));
        }
        tx.applied.request = Some(id);
        let mut r = prev.clone();
        let Some(policy) = self.policy_named(&product, product.policy.as_deref())? else {
            r.renew(until, tx.now)?;
            let why = format!(
                "renewed by {} until {}: the product has no approval policy",
                user.login,
                stamp(until)
            );
            self.request_changed(tx, &r, prev.state, why.clone());
            self.tell_change(tx, &r, "renewed", &why)?;
            tx.ws.put_request(Some(&prev), &r);
            return Ok(format!("{id} renewed until {}", stamp(until)));
        };
        r.begin_renewal(tx.now)?;
        let why = format!("renewal until {} asked by {}", stamp(until), user.login);
        self.request_changed(tx, &r, prev.state, why);
        self.run_change(tx, prev, r, product, (policy, Purpose::Renewal { until }))
    }

    /// `request cancel`: a request in approval is aborted; an assigned (or pending) one is
    /// unsubscribed, now or with its access ending at `from`.
    pub(super) fn cancel_request(
        &self,
        tx: &mut Tx,
        user: &User,
        id: RequestId,
        from: Option<DateTime<Utc>>,
    ) -> Result<String, ApiError> {
        let (prev, product) = self.request_and_product(id)?;
        tx.applied.request = Some(id);
        match prev.state {
            RequestState::Request => self.cancel_in_approval(tx, user, prev, from),
            RequestState::Pending | RequestState::Assigned => {
                self.unsubscribe_request(tx, user, prev, product, from)
            }
            s @ (RequestState::Renewal | RequestState::Unsubscription) => Err(
                ApiError::IllegalState(format!("cannot cancel {id}: its {s} waits for a decision")),
            ),
            s => Err(ApiError::IllegalState(format!(
                "cannot cancel {id}: it is {s}, which is final"
            ))),
        }
    }

    /// Before approval: the requester, the recipient, the chief approval team or an
    /// administrator aborts the workflow.
    fn cancel_in_approval(
        &self,
        tx: &mut Tx,
        user: &User,
        prev: Request,
        from: Option<DateTime<Utc>>,
    ) -> Result<String, ApiError> {
        let id = prev.id;
        if from.is_some() {
            return Err(ApiError::BadInput(format!(
                "{id} is in approval: --from is for an assigned request; cancel it without --from"
            )));
        }
        let chief = prev
            .approval
            .as_ref()
            .and_then(|a| a.chief.as_deref())
            .is_some_and(|c| user.in_group(c));
        if !chief && may_change(user, &prev, "cancel").is_err() {
            return Err(ApiError::NotAllowed(format!(
                "{} may not cancel {id}: only its requester, its recipient, the chief approval team or an administrator",
                user.login
            )));
        }
        let mut flow = self.load_flow(prev)?;
        let why = format!("cancelled by {}", user.login);
        self.end_flow(tx, &mut flow, End::Aborted(why.clone()))?;
        flow.write(tx);
        tx.applied.case = Some(flow.case.id);
        Ok(format!("{id} aborted: {why}"))
    }

    /// From `assigned`: an unsubscribable product is unsubscribed through its
    /// unsubscription policy (none: at once). A pending request, whose access has not
    /// started, is unsubscribed at once.
    fn unsubscribe_request(
        &self,
        tx: &mut Tx,
        user: &User,
        prev: Request,
        product: Product,
        from: Option<DateTime<Utc>>,
    ) -> Result<String, ApiError> {
        let id = prev.id;
        may_change(user, &prev, "unsubscribe")?;
        if !product.unsubscribable {
            let ends = prev
                .valid_until
                .map(|u| format!("it ends at {}", stamp(u)))
                .unwrap_or_else(|| "an administrator removes it from the catalogue".into());
            return Err(ApiError::IllegalState(format!(
                "cannot cancel {id}: {} is not unsubscribable (the catalogue says so); {ends}",
                product.id
            )));
        }
        if let Some(f) = from {
            future_time(Some(f), "--from", tx.now)?;
            if prev.state == RequestState::Pending {
                return Err(ApiError::BadInput(format!(
                    "{id} has not started yet: cancel it without --from"
                )));
            }
            if let Some(u) = prev.valid_until.filter(|u| f >= *u) {
                return Err(ApiError::BadInput(format!(
                    "--from {} is not before the access ends ({})",
                    stamp(f),
                    stamp(u)
                )));
            }
        }
        let name = product.unsubscription_policy.clone();
        let policy = match prev.state {
            RequestState::Pending => None,
            _ => self.policy_named(&product, name.as_deref())?,
        };
        let mut r = prev.clone();
        let Some(policy) = policy else {
            let why = format!("unsubscribed by {}", user.login);
            let said = self.unsubscribe_now(tx, &mut r, from, why)?;
            self.tell_change(tx, &r, "unsubscribed", &said)?;
            tx.ws.put_request(Some(&prev), &r);
            return Ok(format!("{id}: {said}"));
        };
        r.begin_unsubscription(tx.now)?;
        let why = format!("unsubscription asked by {}", user.login);
        self.request_changed(tx, &r, prev.state, why);
        self.run_change(
            tx,
            prev,
            r,
            product,
            (policy, Purpose::Unsubscription { from }),
        )
    }

    /// Starts the workflow of a renewal or unsubscription and writes it.
    fn run_change(
        &self,
        tx: &mut Tx,
        prev: Request,
        r: Request,
        product: Product,
        how: (ApprovalPolicy, Purpose),
    ) -> Result<String, ApiError> {
        let id = r.id;
        let mut flow = self.start_flow(tx, Some(prev), r, product, how)?;
        flow.write(tx);
        tx.applied.case = Some(flow.case.id);
        let case = flow.case.id;
        if flow.request.in_approval() {
            return Ok(format!("{id}: {} ({case})", flow.status()));
        }
        let now = match flow.request.state {
            RequestState::Assigned => {
                format!("{}; `request show {id}` says why", kept(&flow.request))
            }
            s => s.to_string(),
        };
        Ok(format!("{id}: {now} ({case} {})", flow.case.state))
    }

    /// A renewal or unsubscription workflow ended: approved, the request is renewed or
    /// unsubscribed; otherwise it is back to `assigned` as it was.
    pub(super) fn end_change(
        &self,
        tx: &mut Tx,
        flow: &mut Flow,
        end: End,
    ) -> Result<(), ApiError> {
        let purpose = flow.approval().purpose;
        let from = flow.request.state;
        let policy = flow.approval().policy.name.clone();
        end_case(tx, &mut flow.case, &end)?;
        let r = &mut flow.request;
        let (verb, why) = match (end, purpose) {
            (End::Approved, Purpose::Renewal { until }) => {
                r.renew(until, tx.now)?;
                let why = format!(
                    "renewal approved under {policy}: valid until {}",
                    stamp(until)
                );
                self.request_changed(tx, r, from, why.clone());
                ("renewed", why)
            }
            (End::Approved, Purpose::Unsubscription { from: at }) => {
                let why = format!("unsubscription approved under {policy}");
                // An approved date never lies past the end of the approval day.
                let tz = self.shop_zone()?;
                let cap = crate::domain::shop::day_end(tx.now, tz)?;
                let at = at.map(|a| a.min(cap));
                ("unsubscribed", self.unsubscribe_now(tx, r, at, why)?)
            }
            (End::Approved, Purpose::Request) => {
                return Err(ApiError::Internal(format!(
                    "{} ended its own approval as a change",
                    r.id
                )))
            }
            (End::Denied(why), _) | (End::Aborted(why), _) => {
                r.keep(tx.now)?;
                let why = format!("the {from} did not go through: {why}; {}", kept(r));
                self.request_changed(tx, r, from, why.clone());
                ("kept", why)
            }
        };
        let r = flow.request.clone();
        self.tell_change(tx, &r, verb, &why)
    }

    /// An unsubscription that goes ahead: the access ends now (revoked) or, with a later
    /// `from`, at that date. Returns what happened.
    pub(crate) fn unsubscribe_now(
        &self,
        tx: &mut Tx,
        r: &mut Request,
        from: Option<DateTime<Utc>>,
        why: String,
    ) -> Result<String, ApiError> {
        let was = r.state;
        let said = match from {
            Some(f) if f > tx.now => {
                r.end_at(f, tx.now)?;
                format!("{why}: the access ends at {}", stamp(f))
            }
            _ => {
                r.unsubscribe(tx.now)?;
                format!("{why}: unsubscribed now")
            }
        };
        self.request_changed(tx, r, was, said.clone());
        if r.state == RequestState::Unsubscribed && was.holds_access() {
            if let Some(op) = self.revoke(tx, r)? {
                r.operations.push(op);
            }
        }
        Ok(said)
    }

    fn request_and_product(&self, id: RequestId) -> Result<(Request, Product), ApiError> {
        let r = self
            .store
            .request(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no request {id}")))?;
        let product = self
            .store
            .product(&r.product)?
            .unwrap_or_else(|| Product::plain(&r.product));
        Ok((r, product))
    }

    /// The approval policy a product names (for its renewals or unsubscriptions).
    fn policy_named(
        &self,
        product: &Product,
        name: Option<&str>,
    ) -> Result<Option<ApprovalPolicy>, ApiError> {
        let Some(name) = name else { return Ok(None) };
        let p = self.store.approval_policy(name)?.ok_or_else(|| {
            ApiError::Internal(format!(
                "product {} names approval policy {name:?}, which is missing",
                product.id
            ))
        })?;
        Ok(Some(p))
    }

    /// Tells the recipient and the requester how a renewal or unsubscription went.
    pub(crate) fn tell_change(
        &self,
        tx: &mut Tx,
        r: &Request,
        verb: &str,
        why: &str,
    ) -> Result<(), ApiError> {
        let subject = format!("[casebench] {}: {} {verb}", r.id, r.product);
        let body = format!("The request {} for {}: {why}.\n", r.id, r.recipient);
        self.notify_request(tx, r, &subject, &body)
    }
}

/// The recipient, the requester or an administrator may change a request.
fn may_change(user: &User, r: &Request, what: &str) -> Result<(), ApiError> {
    if user.admin || user.login == r.recipient || user.login == r.requester {
        return Ok(());
    }
    Err(ApiError::NotAllowed(format!(
        "{} may not {what} {}: only its recipient, its requester or an administrator",
        user.login, r.id
    )))
}
