//! What a workflow tells people: approvers when a step waits for them, the requester and
//! recipient when it ends.

use super::Flow;
use crate::api::ApiError;
use crate::domain::Request;
use crate::engine::{Engine, Tx};

impl Engine {
    pub(super) fn tell_the_end(
        &self,
        tx: &mut Tx,
        r: &Request,
        verb: &str,
        why: &str,
    ) -> Result<(), ApiError> {
        self.notify_request(
            tx,
            r,
            &format!("[casebench] {}: {} {verb}", r.id, r.product),
            &format!(
                "The request {} for {} was {verb}: {why}.\n",
                r.id, r.recipient
            ),
        )
    }

    /// Tells a step's approvers it waits for them (a group's members, at most 50).
    pub(super) fn tell_approvers(
        &self,
        tx: &mut Tx,
        flow: &Flow,
        holders: &[String],
    ) -> Result<(), ApiError> {
        let mut to: Vec<String> = vec![];
        for h in holders {
            match h.strip_prefix('@') {
                Some(g) => to.extend(self.store.group_members(g)?.into_iter().take(50)),
                None => to.push(h.clone()),
            }
        }
        to.sort();
        to.dedup();
        let r = &flow.request;
        self.queue_messages(
            tx,
            &to,
            Some(flow.case.id),
            &format!("[casebench] {}: approve {} for {}", r.id, flow.product.name, r.recipient),
            &format!(
                "{} asks for {} for {}. Decide with:\n\n  casebench request approve {}\n  casebench request deny {} --comment WHY\n",
                r.requester, flow.product.name, r.recipient, r.id, r.id
            ),
        )
    }

    /// The chief approval team of a flow, if it exists and has members.
    pub(super) fn usable_chief(&self, flow: &Flow) -> Result<Option<String>, ApiError> {
        let Some(c) = flow.approval().chief.clone() else {
            return Ok(None);
        };
        Ok((!self.store.group_members(&c)?.is_empty()).then_some(c))
    }
}
