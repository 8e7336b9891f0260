//! Request validity timers and resource timers (propagation, export grace).

use chrono::{DateTime, Utc};

use super::Overlay;
use crate::api::{ApiError, Firing};
use crate::domain::{RequestId, Resource, ValidityKind, ValidityTimer};
use crate::engine::{Engine, Tx, SYSTEM_ACTOR};

pub(super) fn resource_firing(due: DateTime<Utc>, timer: &str, action: String) -> Firing {
    Firing {
        due,
        timer: timer.to_string(),
        case: None,
        work_item: None,
        request: None,
        policy: None,
        rule: None,
        action,
    }
}

impl Engine {
    /// A request's validity timer (valid-from, notice, valid-until), if it is still live.
    pub(super) fn fire_request(
        &self,
        overlay: &mut Overlay,
        tx: &mut Tx,
        due: DateTime<Utc>,
        rid: RequestId,
        slot: u16,
    ) -> Result<Option<Firing>, ApiError> {
        let Some(vkind) = ValidityKind::from_code(slot) else {
            return Ok(None);
        };
        let current = match overlay.requests.get(&rid) {
            Some(r) => Some(r.clone()),
            None => self.store.request(rid)?,
        };
        let timer = ValidityTimer { due, kind: vkind };
        let Some((_, r, action)) = self.fire_validity(tx, current, timer)? else {
            return Ok(None);
        };
        overlay.requests.insert(rid, r);
        Ok(Some(Firing {
            due,
            timer: vkind.name().to_string(),
            case: None,
            work_item: None,
            request: Some(rid),
            policy: None,
            rule: None,
            action,
        }))
    }

    /// The resource a propagation (slot 0) or export-grace timer is for, while it is live.
    pub(super) fn live_resource_timer(
        &self,
        due: DateTime<Utc>,
        seq: u64,
        slot: u16,
    ) -> Result<Option<(Resource, &'static str)>, ApiError> {
        let Some(r) = self.store.resource_by_seq(seq)? else {
            return Ok(None);
        };
        let (live, name) = match slot {
            0 => (r.propagation_due == Some(due), "propagation"),
            _ => (r.grace_due == Some(due), "export-grace"),
        };
        Ok(live.then_some((r, name)))
    }

    pub(super) fn preview_resource_timer(
        &self,
        r: &Resource,
        slot: u16,
    ) -> Result<String, ApiError> {
        Ok(if slot == 0 {
            let n = self.store.queued_shadows(&r.id)?.len();
            format!(
                "{}: would open one case for the queued operations of {n} accounts",
                r.id
            )
        } else {
            format!(
                "{}: would read the export and check unconfirmed operations",
                r.id
            )
        })
    }

    /// Propagates the queued operations or re-reads the export, in a transaction of its own.
    pub(super) fn run_resource_timer(
        &self,
        r: &Resource,
        slot: u16,
        due: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let mut tx = self.begin_at(SYSTEM_ACTOR, due)?;
        let action = if slot == 0 {
            self.propagate(&mut tx, r)?
        } else {
            self.read_feed_file(&mut tx, r)?
        };
        self.commit_batch(tx)?;
        Ok(action)
    }
}
