//! One sync: new outsourced cases get their ticket, open tickets are polled (in parallel),
//! and what came back is written, one transaction per case. No call to a ticket system is
//! made inside a transaction or under the write lock.
//!
//! Creating never duplicates a ticket: the intent (`Requested`, phase `Creating`) is written
//! and flushed before the call, and the reference with the case's link in one transaction
//! after it; a record found in `Creating` (a create that failed, or a process killed between
//! the call and the write) is looked up by its case first and linked when found.

use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{authz, Engine, SYSTEM_ACTOR};
use crate::api::itsm::SyncLine;
use crate::api::{ApiError, Applied, SyncReport};
use crate::domain::itsm::Phase;
use crate::domain::Outsourcing;
use crate::itsm::{Adapter, Draft, ItsmError, Poll};

/// At most this many status calls run at once.
const POLLERS: usize = 8;

type Adapters = BTreeMap<String, Result<Box<dyn Adapter>, String>>;

impl Engine {
    /// `itsm sync`: administrators (and the sweep, as the system).
    pub(crate) fn sync_command(
        &self,
        actor: &str,
        target: Option<&str>,
        dry_run: bool,
    ) -> Result<Applied, ApiError> {
        let user = self.actor(actor)?;
        if actor != SYSTEM_ACTOR {
            authz::may_administer(&user, "sync tickets")?;
        }
        if let Some(t) = target {
            self.itsm_target(t)?;
        }
        let report = self.sync_tickets(actor, target, dry_run)?;
        Ok(Applied {
            message: summary(&report),
            sync: Some(report),
            ..Applied::default()
        })
    }

    /// Pushes and polls every due record (of `target`, when given).
    pub(crate) fn sync_tickets(
        &self,
        actor: &str,
        target: Option<&str>,
        dry_run: bool,
    ) -> Result<SyncReport, ApiError> {
        let started = Instant::now();
        let now = self.clock.now();
        let mut report = SyncReport {
            dry_run,
            ..SyncReport::default()
        };
        let live: Vec<Outsourcing> = self
            .store
            .live_outsourcings()?
            .into_iter()
            .filter(|o| target.is_none_or(|t| o.target == t))
            .collect();
        let mut adapters = Adapters::new();
        let mut polls = vec![];
        for rec in live {
            if !rec.is_due(now) {
                let detail = format!(
                    "backing off after {} failure(s): {}",
                    rec.failures,
                    rec.error.clone().unwrap_or_default()
                );
                report.lines.push(line(&rec, "waiting", detail));
                continue;
            }
            if dry_run {
                let action = match rec.phase {
                    Phase::Linked => "would-poll",
                    _ => "would-create",
                };
                report.lines.push(line(&rec, action, String::new()));
                continue;
            }
            let adapter = match self.adapter_for(&mut adapters, &rec.target) {
                Ok(a) => a,
                Err(e) => {
                    let l = self.record_failure(actor, rec.case, e)?;
                    report.add(l);
                    continue;
                }
            };
            match rec.phase {
                Phase::Linked => polls.push(rec),
                _ => {
                    let l = self.push_ticket(actor, adapter, rec)?;
                    report.add(l);
                }
            }
        }
        let answers = poll_all(&adapters, &polls);
        for (rec, answer) in polls.into_iter().zip(answers) {
            let l = self.apply_poll(actor, &adapters, rec, answer)?;
            report.add(l);
        }
        report.millis = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// The adapter of `name`, built once per sync (its secret read then).
    fn adapter_for<'a>(
        &self,
        adapters: &'a mut Adapters,
        name: &str,
    ) -> Result<&'a dyn Adapter, String> {
        let built: &'a Result<Box<dyn Adapter>, String> =
            adapters.entry(name.to_string()).or_insert_with(|| {
                let target = self.itsm_target(name).map_err(|e| e.to_string())?;
                crate::itsm::adapter(target).map_err(|e| e.to_string())
            });
        match built {
            Ok(a) => Ok(a.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Creates the ticket of a queued case (or finds the one an earlier attempt made).
    fn push_ticket(
        &self,
        actor: &str,
        adapter: &dyn Adapter,
        rec: Outsourcing,
    ) -> Result<SyncLine, ApiError> {
        let Some(case) = self.store.case(rec.case)? else {
            return self.release(actor, rec.case, "the case is gone".into());
        };
        if !case.state.is_active() {
            return self.release(actor, rec.case, format!("the case is {}", case.state));
        }
        let draft = self.draft_of(&case)?;
        if rec.phase == Phase::Creating {
            match adapter.find(&draft) {
                Ok(Some(reference)) => return self.link(actor, rec.case, reference, true),
                Ok(None) => {}
                Err(e) => return self.record_failure(actor, rec.case, e.to_string()),
            }
        }
        self.record_intent(actor, rec.case)?;
        match adapter.create(&draft) {
            Ok(reference) => self.link(actor, rec.case, reference, false),
            Err(e) => self.record_failure(actor, rec.case, e.to_string()),
        }
    }

    /// What the ticket of `case` says.
    fn draft_of(&self, case: &crate::domain::Case) -> Result<Draft, ApiError> {
        let ops: Vec<String> = self
            .operation_views(case)?
            .iter()
            .map(|o| {
                format!(
                    "{} on {}: {}",
                    o.account,
                    o.resource,
                    o.operation.describe()
                )
            })
            .collect();
        let deadline = self
            .load_work_items(case)?
            .iter()
            .filter(|i| i.is_open())
            .filter_map(|i| i.deadline)
            .min()
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string());
        Ok(Draft::new(
            case.id,
            &case.title,
            super::ticket_body(case, &ops, deadline),
        ))
    }
}

/// Every status call of `polls`, at most [`POLLERS`] at once; in the order of `polls`.
fn poll_all(adapters: &Adapters, polls: &[Outsourcing]) -> Vec<Result<Poll, ItsmError>> {
    let mut out: Vec<Option<Result<Poll, ItsmError>>> = vec![None; polls.len()];
    for (chunk, slots) in polls.chunks(POLLERS).zip(out.chunks_mut(POLLERS)) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|rec| s.spawn(move || poll_one(adapters, rec)))
                .collect();
            for (slot, h) in slots.iter_mut().zip(handles) {
                *slot = Some(h.join().unwrap_or_else(|_| {
                    Err(ItsmError::Reply {
                        target: String::new(),
                        what: "status".into(),
                        message: "the status call panicked".into(),
                    })
                }));
            }
        });
    }
    out.into_iter().flatten().collect()
}

fn poll_one(adapters: &Adapters, rec: &Outsourcing) -> Result<Poll, ItsmError> {
    let config = |message: String| ItsmError::Config {
        target: rec.target.clone(),
        message,
    };
    let adapter = match adapters.get(&rec.target) {
        Some(Ok(a)) => a,
        Some(Err(e)) => return Err(config(e.clone())),
        None => return Err(config("no adapter".into())),
    };
    let reference = rec.reference.as_deref().unwrap_or_default();
    adapter.status(reference, rec.etag.as_deref())
}

pub(super) fn line(rec: &Outsourcing, action: &str, detail: String) -> SyncLine {
    SyncLine {
        case: rec.case,
        target: rec.target.clone(),
        reference: rec.reference.clone(),
        action: action.to_string(),
        detail,
    }
}

impl SyncReport {
    fn add(&mut self, l: SyncLine) {
        match l.action.as_str() {
            "created" | "found" => self.created += 1,
            "polled" => self.polled += 1,
            "changed" => {
                self.polled += 1;
                self.changed += 1
            }
            "completed" => {
                self.polled += 1;
                self.changed += 1;
                self.settled += 1
            }
            "released" => self.settled += 1,
            "failed" => self.failed += 1,
            _ => {}
        }
        self.lines.push(l);
    }
}

/// `synced: 2 created, 10 polled (1 changed, 1 settled), 0 failed in 812 ms`.
fn summary(r: &SyncReport) -> String {
    if r.dry_run {
        return format!("dry run: {} case(s) would be synced", r.lines.len());
    }
    format!(
        "synced: {} created, {} polled ({} changed, {} settled), {} failed in {} ms",
        r.created, r.polled, r.changed, r.settled, r.failed, r.millis
    )
}
