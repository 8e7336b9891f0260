//! Reads of campaign items: a run's items in number order, and the item a work item decides.

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::{codec, StoreError};
use crate::domain::{CertItem, WorkItemId};

impl Store {
    pub(super) fn scan_items(
        &self,
        run: u64,
        from: u32,
        keep: &mut dyn FnMut(CertItem) -> bool,
    ) -> Result<(), StoreError> {
        let tree = self.tree(Tree::CertItems)?;
        let start = trees::cert_item_key(run, from);
        let end = trees::cert_item_key(run.saturating_add(1), 0);
        for kv in tree.range(start..end) {
            let (_, v) = kv?;
            let item: CertItem = codec::decode("cert_items", &v)?;
            if !keep(item) {
                break;
            }
        }
        Ok(())
    }

    pub(super) fn item_of(&self, work_item: WorkItemId) -> Result<Option<(u64, u32)>, StoreError> {
        match self
            .tree(Tree::CertWork)?
            .get(trees::u64_key(work_item.0))?
        {
            Some(v) => trees::read_cert_item_key(&v)
                .map(Some)
                .ok_or_else(|| super::bad_key("idx_cert_work")),
            None => Ok(None),
        }
    }
}
