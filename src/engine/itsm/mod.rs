//! Cases outsourced to ticket systems: which cases go (a resource's `itsm`, a target's
//! `kinds`, or `case outsource` by hand), the record kept of each ticket, and `itsm status`.
//! The calls themselves are `crate::itsm`'s adapters, made by [`sync`] outside any
//! transaction; every change they bring is written here through transactions of its own.

mod check;
mod settle;
mod sync;

pub(crate) use check::check_tickets;

use super::{authz, Engine, Tx};
use crate::api::itsm::TargetStatus;
use crate::api::{ApiError, ItsmStatus};
use crate::domain::itsm::Phase;
use crate::domain::{Case, CaseId, CaseKind, EventKind, Outsourcing, TicketEvent, User};
use crate::itsm::Target;

/// The case kinds a ticket system can work: not approvals, certifications or correlations,
/// which need an answer only casebench can take.
fn may_go_out(kind: CaseKind) -> bool {
    matches!(
        kind,
        CaseKind::ManualProvisioning | CaseKind::Remediation | CaseKind::Generic
    )
}

impl Engine {
    pub(crate) fn has_itsm(&self) -> bool {
        !self.itsm.is_empty()
    }

    pub(crate) fn itsm_target(&self, name: &str) -> Result<&Target, ApiError> {
        self.itsm.iter().find(|t| t.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.itsm.iter().map(|t| t.name.as_str()).collect();
            ApiError::BadInput(format!(
                "no ITSM target {name:?} in the config file ({})",
                if known.is_empty() {
                    "none is configured: add an [itsm.NAME] table".to_string()
                } else {
                    format!("configured: {}", known.join(", "))
                }
            ))
        })
    }

    /// A new case goes out when its resource names a target, or a target takes its kind.
    pub(crate) fn outsource_new(&self, tx: &mut Tx, case: &Case) -> Result<(), ApiError> {
        if !may_go_out(case.kind) {
            return Ok(());
        }
        let by_resource = match &case.resource {
            Some(r) => self.store.resource(r)?.and_then(|r| r.itsm),
            None => None,
        };
        let by_kind = || {
            self.itsm
                .iter()
                .find(|t| t.kinds.contains(&case.kind))
                .map(|t| t.name.clone())
        };
        if let Some(target) = by_resource.or_else(by_kind) {
            let rec = Outsourcing::new(case.id, &target, tx.now);
            tx.ws.put_outsourcing(&rec);
            tx.event(
                Some(case.id),
                EventKind::Ticket(TicketEvent::Outsourced { target }),
                None,
            );
        }
        Ok(())
    }

    /// `case outsource C-12 --to NAME`: the case's holders or an administrator.
    pub(crate) fn outsource(
        &self,
        tx: &mut Tx,
        user: &User,
        case_id: CaseId,
        target: &str,
    ) -> Result<String, ApiError> {
        let case = self.load_active_case(case_id, "outsource")?;
        if !may_go_out(case.kind) {
            return Err(ApiError::IllegalState(format!(
                "cannot outsource {case_id}: a {} case is decided in casebench",
                case.kind
            )));
        }
        self.itsm_target(target)?;
        if !user.admin {
            let items = self.load_work_items(&case)?;
            // An assignee, or a member of a group the work is offered to.
            let mine = items.iter().filter(|i| i.is_open()).any(|i| {
                authz::may_work_on(user, i, "outsource").is_ok()
                    || i.candidates.iter().any(|g| user.in_group(g))
            });
            if !mine {
                return Err(ApiError::NotAllowed(format!(
                    "{} may not outsource {case_id}: only its holders and administrators may",
                    user.login
                )));
            }
        }
        if let Some(o) = self.store.outsourcing(case_id)? {
            if o.phase != Phase::Settled {
                let at = o.reference.map(|r| format!(" ({r})")).unwrap_or_default();
                return Err(ApiError::IllegalState(format!(
                    "{case_id} is already outsourced to {}{at}",
                    o.target
                )));
            }
        }
        let rec = Outsourcing::new(case_id, target, tx.now);
        tx.ws.put_outsourcing(&rec);
        let what = TicketEvent::Outsourced {
            target: target.to_string(),
        };
        tx.event(Some(case_id), EventKind::Ticket(what), None);
        self.touch(tx, &case);
        tx.applied.case = Some(case_id);
        Ok(format!(
            "{case_id} outsourced to {target}: its ticket is created at the next sync"
        ))
    }

    /// `itsm status`: every configured target (and any no longer configured that records
    /// still name) with its counts.
    pub(crate) fn itsm_status(&self) -> Result<ItsmStatus, ApiError> {
        let live = self.store.live_outsourcings()?;
        let mut targets: Vec<TargetStatus> = self
            .itsm
            .iter()
            .map(|t| TargetStatus {
                name: t.name.clone(),
                kind: t.kind.name().to_string(),
                kinds: t.kinds.iter().map(|k| k.name().to_string()).collect(),
                queued: 0,
                open: 0,
                failing: 0,
                last_sync: None,
            })
            .collect();
        for o in &live {
            let i = match targets.iter().position(|t| t.name == o.target) {
                Some(i) => i,
                None => {
                    targets.push(TargetStatus {
                        name: o.target.clone(),
                        kind: "unknown".into(),
                        kinds: vec![],
                        queued: 0,
                        open: 0,
                        failing: 0,
                        last_sync: None,
                    });
                    targets.len() - 1
                }
            };
            let t = &mut targets[i];
            match o.phase {
                Phase::Linked => t.open += 1,
                _ => t.queued += 1,
            }
            if o.error.is_some() {
                t.failing += 1;
            }
            t.last_sync = t.last_sync.max(o.last_sync);
        }
        Ok(ItsmStatus { targets, live })
    }
}

/// The ticket's text: what to do, on which account of which resource, by when.
pub(crate) fn ticket_body(case: &Case, ops: &[String], deadline: Option<String>) -> String {
    let mut body = format!("{}\n", case.title);
    if let Some(d) = &case.description {
        body.push_str(&format!("\n{d}\n"));
    }
    if !ops.is_empty() {
        body.push_str("\nTo do:\n");
        for o in ops {
            body.push_str(&format!("- {o}\n"));
        }
    }
    if let Some(r) = &case.resource {
        body.push_str(&format!("\nResource: {r}\n"));
    }
    if let Some(a) = &case.object {
        body.push_str(&format!("Account: {a}\n"));
    }
    if let Some(d) = deadline {
        body.push_str(&format!("Deadline: {d}\n"));
    }
    body.push_str(&format!(
        "\nResolve this ticket when done (reject it if it cannot be done, with a comment \
         saying why): casebench then completes case {} [casebench {}].\n",
        case.id, case.id
    ));
    body
}
