//! What a sync writes: one transaction per case and step, under the write lock, each with
//! its audit event. The record is read again inside the lock, so a change made meanwhile
//! (the case closed by hand) is seen.

use super::super::{Engine, Tx, SYSTEM_ACTOR};
use super::sync::line;
use crate::api::itsm::SyncLine;
use crate::api::ApiError;
use crate::domain::itsm::Phase;
use crate::domain::{CaseId, EventKind, Outcome, Outsourcing, TicketEvent, TicketState};
use crate::itsm::{bounded, Adapter, ItsmError, Poll, Status, MAX_TEXT};

/// Outgoing comments start so; a comment read back that starts so is casebench's own.
const OWN: &str = "[casebench]";

/// What a comment exchange did: the last case comment sent and how many (when any went),
/// and the ticket's new comments.
type Traded = (Option<(u64, u32)>, Vec<crate::itsm::TicketComment>);

type Adapters = std::collections::BTreeMap<String, Result<Box<dyn Adapter>, String>>;

impl Engine {
    /// Runs `change` on the current record of `case` in a transaction of its own and commits
    /// it durably; `change` says what happened (the sync line's action and detail).
    fn with_record(
        &self,
        actor: &str,
        case: CaseId,
        change: impl FnOnce(&Self, &mut Tx, &mut Outsourcing) -> Result<(String, String), ApiError>,
    ) -> Result<SyncLine, ApiError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut rec = self
            .store
            .outsourcing(case)?
            .ok_or_else(|| ApiError::Internal(format!("{case} has no ticket record")))?;
        let mut tx = self.begin(actor)?;
        let (action, detail) = change(self, &mut tx, &mut rec)?;
        tx.ws.put_outsourcing(&rec);
        let durable = self.durable_each;
        self.commit(tx, detail.clone())?;
        if !durable {
            self.store.flush()?;
        }
        Ok(line(&rec, &action, detail))
    }

    /// A call failed: the error is kept on the case, the next try backs off.
    pub(super) fn record_failure(
        &self,
        actor: &str,
        case: CaseId,
        error: String,
    ) -> Result<SyncLine, ApiError> {
        let error = bounded(&error, 500);
        self.with_record(actor, case, |_, tx, rec| {
            rec.failed(error.clone(), tx.now);
            let what = TicketEvent::Failed {
                target: rec.target.clone(),
                error: error.clone(),
            };
            tx.event(Some(case), EventKind::Ticket(what), None);
            Ok(("failed".into(), error))
        })
    }

    /// Before a create is sent: the attempt is on disk.
    pub(super) fn record_intent(&self, actor: &str, case: CaseId) -> Result<(), ApiError> {
        self.with_record(actor, case, |_, tx, rec| {
            rec.phase = Phase::Creating;
            rec.attempts += 1;
            let what = TicketEvent::Requested {
                target: rec.target.clone(),
                attempt: rec.attempts,
            };
            tx.event(Some(case), EventKind::Ticket(what), None);
            Ok(("requested".into(), String::new()))
        })
        .map(|_| ())
    }

    /// The ticket exists: its reference goes on the record and on the case, together.
    pub(super) fn link(
        &self,
        actor: &str,
        case_id: CaseId,
        reference: String,
        found: bool,
    ) -> Result<SyncLine, ApiError> {
        self.with_record(actor, case_id, |engine, tx, rec| {
            rec.phase = Phase::Linked;
            rec.reference = Some(reference.clone());
            rec.state = Some(TicketState::Open);
            rec.reached(tx.now);
            let what = TicketEvent::Linked {
                target: rec.target.clone(),
                reference: reference.clone(),
                found,
            };
            tx.event(Some(case_id), EventKind::Ticket(what), None);
            if let Some(case) = engine.store.case(case_id)? {
                let mut linked = case.clone();
                linked.external_ticket = Some(reference.clone());
                linked.modified = tx.now;
                tx.ws.put_case(Some(&case), &linked);
            }
            let action = if found { "found" } else { "created" };
            Ok((action.into(), format!("{} {reference}", rec.target)))
        })
    }

    /// The case ended in casebench: its ticket is no longer followed.
    pub(super) fn release(
        &self,
        actor: &str,
        case: CaseId,
        reason: String,
    ) -> Result<SyncLine, ApiError> {
        self.with_record(actor, case, |_, tx, rec| {
            rec.phase = Phase::Settled;
            let what = TicketEvent::Released {
                target: rec.target.clone(),
                reason: reason.clone(),
            };
            tx.event(Some(case), EventKind::Ticket(what), None);
            Ok(("released".into(), reason))
        })
    }

    /// What a status call brought: the state (and the case settled by a final one), the
    /// comments both ways when the target carries them.
    pub(super) fn apply_poll(
        &self,
        actor: &str,
        adapters: &Adapters,
        rec: Outsourcing,
        answer: Result<Poll, ItsmError>,
    ) -> Result<SyncLine, ApiError> {
        let case = self.store.case(rec.case)?;
        if let Some(c) = case.as_ref().filter(|c| !c.state.is_active()) {
            let reason = format!("the case was {} in casebench", c.state);
            if let (Some(Ok(a)), Some(r), true) = (
                adapters.get(&rec.target),
                &rec.reference,
                self.carries_comments(&rec.target),
            ) {
                // Best effort: the ticket is told, the release stands either way.
                let _ = a.comment(r, &format!("{OWN} {}: {reason}", rec.case));
            }
            return self.release(actor, rec.case, reason);
        }
        let status = match answer {
            Err(e) => return self.record_failure(actor, rec.case, e.to_string()),
            Ok(Poll::Unchanged) => None,
            Ok(Poll::Now(s)) => Some(s),
        };
        let (sent, read) = match adapters.get(&rec.target) {
            Some(Ok(a)) if self.carries_comments(&rec.target) => {
                // A ticket unchanged since the last answer has no new comment to read.
                self.trade_comments(a.as_ref(), &rec, status.is_some())?
            }
            _ => (None, vec![]),
        };
        self.with_record(actor, rec.case, |engine, tx, rec| {
            rec.reached(tx.now);
            engine.record_comments(tx, rec, sent, &read);
            let Some(st) = status else {
                return Ok(("polled".into(), "unchanged".into()));
            };
            rec.etag = st.etag.clone();
            rec.changed = st.changed.or(rec.changed);
            let raw = bounded(&st.raw, 100);
            if rec.state == Some(st.state) && rec.status.as_deref() == Some(raw.as_str()) {
                return Ok(("polled".into(), raw));
            }
            rec.state = Some(st.state);
            rec.status = Some(raw.clone());
            let what = TicketEvent::Changed {
                target: rec.target.clone(),
                reference: rec.reference.clone().unwrap_or_default(),
                status: raw.clone(),
                state: st.state,
            };
            tx.event(Some(rec.case), EventKind::Ticket(what), None);
            if !st.state.is_final() {
                return Ok(("changed".into(), raw));
            }
            rec.phase = Phase::Settled;
            let detail = engine.finish_by_ticket(tx, rec, &st)?;
            Ok(("completed".into(), detail))
        })
    }

    fn carries_comments(&self, target: &str) -> bool {
        self.itsm.iter().any(|t| t.name == target && t.comments)
    }

    /// The ticket's final state completes the case's open work items (and so settles its
    /// operations, as a case closed by hand does).
    fn finish_by_ticket(
        &self,
        tx: &mut Tx,
        rec: &Outsourcing,
        st: &Status,
    ) -> Result<String, ApiError> {
        let reference = rec.reference.clone().unwrap_or_default();
        let said = format!("{} {reference} {}", rec.target, bounded(&st.raw, 100));
        let (outcome, reason) = match st.state {
            TicketState::Succeeded => (Outcome::Success, said.clone()),
            _ => match &st.last_comment {
                Some(c) => (
                    Outcome::Failure,
                    format!("{said}: {}", bounded(c, MAX_TEXT)),
                ),
                None => (Outcome::Failure, said.clone()),
            },
        };
        let Some(case) = self.store.case(rec.case)? else {
            return Ok(said);
        };
        let mut items = vec![];
        for mut item in self.load_work_items(&case)? {
            if item.is_open() {
                let prev = item.clone();
                tx.complete_item(&mut item, SYSTEM_ACTOR, outcome, Some(reason.clone()))?;
                tx.ws.put_work_item(Some(&prev), &item);
            }
            items.push(item);
        }
        if let Some(closed) = tx.close_if_done(&case, &items)? {
            if !closed.operations.is_empty() {
                self.settle_operations(tx, &closed, closed.outcome, Some(reason.clone()))?;
            }
        }
        Ok(format!("{} {outcome}: {reason}", case.id))
    }

    /// Sends the case's new comments to the ticket and reads the ticket's new ones (when
    /// `read`). A failure here is not the sync's: the comments are tried again next time.
    fn trade_comments(
        &self,
        adapter: &dyn Adapter,
        rec: &Outsourcing,
        read: bool,
    ) -> Result<Traded, ApiError> {
        let Some(reference) = rec.reference.as_deref() else {
            return Ok((None, vec![]));
        };
        let mut last = rec.comments_sent;
        let mut count = 0u32;
        for e in self.store.case_events(rec.case)? {
            if e.seq <= rec.comments_sent || e.what != EventKind::Commented {
                continue;
            }
            let text = e.why.clone().unwrap_or_default();
            if e.actor == SYSTEM_ACTOR || text.starts_with(OWN) {
                last = e.seq;
                continue;
            }
            if adapter
                .comment(reference, &format!("{OWN} {}: {text}", e.actor))
                .is_err()
            {
                break;
            }
            last = e.seq;
            count += 1;
        }
        if !read {
            return Ok(((last > rec.comments_sent).then_some((last, count)), vec![]));
        }
        let read = adapter
            .comments_since(reference, rec.comments_read)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !c.text.starts_with(OWN))
            .take(50)
            .collect();
        Ok(((last > rec.comments_sent).then_some((last, count)), read))
    }

    fn record_comments(
        &self,
        tx: &mut Tx,
        rec: &mut Outsourcing,
        sent: Option<(u64, u32)>,
        read: &[crate::itsm::TicketComment],
    ) {
        let reference = rec.reference.clone().unwrap_or_default();
        if let Some((last, count)) = sent {
            rec.comments_sent = last;
            if count > 0 {
                let what = TicketEvent::CommentsSent {
                    target: rec.target.clone(),
                    reference: reference.clone(),
                    count,
                };
                tx.event(Some(rec.case), EventKind::Ticket(what), None);
            }
        }
        for c in read {
            let text = format!(
                "{} in {} {reference}: {}",
                bounded(&c.author, 100),
                rec.target,
                bounded(&c.text, MAX_TEXT)
            );
            tx.event(Some(rec.case), EventKind::Commented, Some(text));
            rec.comments_read = rec.comments_read.max(c.at);
        }
    }
}
