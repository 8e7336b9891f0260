//! `casebench check` for outsourced cases: `idx_itsm` holds exactly the records not settled,
//! every record's case exists, and a linked ticket's reference is on its case.

use crate::api::ApiError;
use crate::domain::itsm::Phase;
use crate::store::{trees, Storage};

pub(crate) fn check_tickets(
    s: &dyn Storage,
    archived: &crate::engine::archive_read::Archived,
    out: &mut Vec<String>,
) -> Result<(), ApiError> {
    let mut live = std::collections::BTreeSet::new();
    for key in s.index_keys("idx_itsm")? {
        match trees::read_u64(&key) {
            Some(id) => live.insert(id),
            None => {
                out.push(format!("index idx_itsm has a malformed key {key:02x?}"));
                continue;
            }
        };
    }
    for o in s.all_outsourcings()? {
        let settled = o.phase == Phase::Settled;
        match (settled, live.remove(&o.case.0)) {
            (false, false) => out.push(format!(
                "{}: its ticket record ({}) is missing from idx_itsm",
                o.case,
                o.phase.name()
            )),
            (true, true) => out.push(format!(
                "{}: its settled ticket record is still in idx_itsm",
                o.case
            )),
            _ => {}
        }
        let Some(case) = s.case(o.case)? else {
            if archived.contains_key(&o.case.0) {
                continue;
            }
            out.push(format!(
                "{}: a ticket record for a case that is missing",
                o.case
            ));
            continue;
        };
        if o.phase == Phase::Linked && case.external_ticket != o.reference {
            out.push(format!(
                "{}: linked to {} {:?} but the case names {:?}",
                o.case, o.target, o.reference, case.external_ticket
            ));
        }
    }
    for id in live {
        out.push(format!("index idx_itsm has a stray entry for C-{id}"));
    }
    Ok(())
}
