//! A request's validity period: what a new request asks for, where it may lie beside the
//! recipient's other requests of the product (the gap rule), and valid-until recomputed
//! when the last approval comes. Days are counted in the shop's zone
//! (`domain::shop::period_end`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::product::GapFitting;
use crate::domain::shop::{
    collision, describe_slot, free_slots, local, nearest_free, period_end, Period,
};
use crate::domain::{Product, Request, RequestState};

/// The earlier of two ends; none = without end.
fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Engine {
    /// The zone the shop counts days in.
    pub(crate) fn shop_zone(&self) -> Result<Tz, ApiError> {
        self.store
            .shop_settings()?
            .tz()
            .map_err(|e| ApiError::Internal(format!("the stored shop settings: {e}")))
    }

    /// The end of `product`'s validity for an access starting at `start` (none = unlimited).
    fn product_end(
        &self,
        product: &Product,
        start: DateTime<Utc>,
        tz: Tz,
    ) -> Result<Option<DateTime<Utc>>, ApiError> {
        Ok(product
            .validity_secs
            .map(|v| period_end(start, v, tz))
            .transpose()?)
    }

    /// The period a new request asks for: from valid-from (else now) to the requester's
    /// valid-until or the product's end, whichever is earlier. Refused when the
    /// requester's valid-until is beyond the product's validity, or the period is over.
    pub(super) fn asked_period(
        &self,
        tx: &Tx,
        product: &Product,
        valid_from: Option<DateTime<Utc>>,
        valid_until: Option<DateTime<Utc>>,
    ) -> Result<Period, ApiError> {
        let tz = self.shop_zone()?;
        let from = valid_from.unwrap_or(tx.now);
        let longest = self.product_end(product, from.max(tx.now), tz)?;
        if let (Some(l), Some(u)) = (longest, valid_until) {
            if u > l {
                return Err(ApiError::BadInput(format!(
                    "{} is granted for at most {}: valid-until is later than {} ({tz})",
                    product.id,
                    crate::domain::duration::format_duration(chrono::Duration::seconds(
                        product.validity_secs.unwrap_or_default()
                    )),
                    local(l, tz)
                )));
            }
        }
        let until = earlier(valid_until, self.product_end(product, from, tz)?);
        if let Some(u) = until.filter(|u| *u <= tx.now) {
            return Err(ApiError::BadInput(format!(
                "the validity period of {} from {} ended at {} ({tz})",
                product.id,
                local(from, tz),
                local(u, tz)
            )));
        }
        Ok(Period { from, until })
    }

    /// The period an existing request of `product` holds or will hold: one in approval
    /// without valid-from starts at its approval, not before now.
    fn held_period(
        &self,
        r: &Request,
        product: &Product,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Period, ApiError> {
        if !r.in_approval() {
            let from = r.valid_from.or(r.approved_at).unwrap_or(r.created);
            return Ok(Period {
                from,
                until: r.valid_until,
            });
        }
        let from = r.valid_from.unwrap_or(now.max(r.created));
        Ok(Period {
            from,
            until: earlier(r.valid_until, self.product_end(product, from, tz)?),
        })
    }

    /// The gap rule in force for `product` refuses a request for `asked` that collides
    /// with one the recipient has, naming it and the free slots nearest to `asked`. A
    /// multi-request product is checked only when it has a gap rule of its own.
    pub(super) fn refuse_duplicate(
        &self,
        tx: &Tx,
        product: &Product,
        recipient: &str,
        asked: &Period,
    ) -> Result<(), ApiError> {
        if product.multi_request && product.gap.is_none() {
            return Ok(());
        }
        let rule = self.store.shop_settings()?.gap_for(product);
        let tz = self.shop_zone()?;
        let counted: Vec<Request> = self
            .store
            .requests(Some(recipient), usize::MAX)?
            .into_iter()
            .filter(|r| r.product == product.id && rule.counts(r.state))
            .collect();
        let taken = counted
            .iter()
            .map(|r| self.held_period(r, product, tz, tx.now))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(i) = collision(asked, &taken, rule.fitting) else {
            return Ok(());
        };
        let r = &counted[i];
        if rule.fitting == GapFitting::Unchecked {
            return Err(ApiError::IllegalState(format!(
                "{recipient} already has {}: {} is {}",
                product.id,
                r.id,
                if r.in_approval() {
                    "in approval".to_string()
                } else {
                    r.state.to_string()
                }
            )));
        }
        let free = free_slots(&taken, tx.now.min(asked.from));
        let near: Vec<String> = nearest_free(&free, asked)
            .iter()
            .map(|p| describe_slot(p, tx.now, tz))
            .collect();
        let t = &taken[i];
        Err(ApiError::IllegalState(format!(
            "{recipient} already has {} {} ({}) from {} {}; free: {}",
            product.id,
            r.id,
            match r.state {
                RequestState::Request => "in approval",
                RequestState::Pending => "approved",
                s => s.name(),
            },
            local(t.from, tz),
            t.until.map_or("without end".to_string(), |u| format!(
                "to {}",
                local(u, tz)
            )),
            near.join(", ")
        )))
    }

    /// valid-until when the last approval comes: the product's period from valid-from,
    /// else from now, or the requester's own valid-until when that is earlier. `Err` with
    /// the reason when that period is already over (the request is to be aborted).
    pub(super) fn validity_at_approval(
        &self,
        r: &mut Request,
        product: &Product,
        now: DateTime<Utc>,
    ) -> Result<Result<(), String>, ApiError> {
        let tz = self.shop_zone()?;
        let start = r.valid_from.unwrap_or(now);
        r.valid_until = earlier(r.valid_until, self.product_end(product, start, tz)?);
        Ok(match r.valid_until {
            Some(u) if u <= now => Err(format!(
                "its validity period ended at {} ({tz}), before the last approval came",
                local(u, tz)
            )),
            _ => Ok(()),
        })
    }
}
