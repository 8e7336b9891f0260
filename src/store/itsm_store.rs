//! Cases outsourced to ticket systems: one [`Outsourcing`] per case in `itsm`, and the ones
//! not settled in `idx_itsm`, which is all a sync reads.

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::writeset::WriteSet;
use super::{codec, encode, StoreError};
use crate::domain::itsm::Phase;
use crate::domain::{CaseId, Outsourcing};

/// Reads of outsourced cases (a part of [`super::Storage`]).
pub trait TicketStore {
    /// The ticket record of `case`, if it was ever outsourced.
    fn outsourcing(&self, case: CaseId) -> Result<Option<Outsourcing>, StoreError>;

    /// Every record not settled, by case id.
    fn live_outsourcings(&self) -> Result<Vec<Outsourcing>, StoreError>;

    /// Every record, by case id (`check`).
    fn all_outsourcings(&self) -> Result<Vec<Outsourcing>, StoreError>;
}

impl TicketStore for Store {
    fn outsourcing(&self, case: CaseId) -> Result<Option<Outsourcing>, StoreError> {
        match self.tree(Tree::Itsm)?.get(trees::u64_key(case.0))? {
            Some(v) => Ok(Some(codec::decode("itsm", &v)?)),
            None => Ok(None),
        }
    }

    fn live_outsourcings(&self) -> Result<Vec<Outsourcing>, StoreError> {
        let mut out = vec![];
        for kv in self.tree(Tree::ItsmLive)?.iter() {
            let (k, _) = kv?;
            let id = trees::read_u64(&k).ok_or_else(|| super::bad_key("idx_itsm"))?;
            if let Some(o) = self.outsourcing(CaseId(id))? {
                out.push(o);
            }
        }
        Ok(out)
    }

    fn all_outsourcings(&self) -> Result<Vec<Outsourcing>, StoreError> {
        let mut out = vec![];
        for kv in self.tree(Tree::Itsm)?.iter() {
            let (_, v) = kv?;
            out.push(codec::decode("itsm", &v)?);
        }
        Ok(out)
    }
}

impl WriteSet {
    /// Writes a case's ticket record, keeping `idx_itsm` to the records not settled.
    pub fn put_outsourcing(&mut self, o: &Outsourcing) {
        let key = trees::u64_key(o.case.0);
        self.put(Tree::Itsm, key, encode(o));
        if o.phase == Phase::Settled {
            self.del(Tree::ItsmLive, key);
        } else {
            self.put(Tree::ItsmLive, key, vec![]);
        }
    }
}
