//! A resource's shadows a page at a time, in account order: what a read of a large export
//! walks, so that it never holds every shadow of the resource at once.

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::{codec, StoreError};
use crate::domain::Shadow;

/// Paged reads of shadows (a part of [`super::Storage`]).
pub trait ShadowPages {
    /// At most `limit` shadows of `resource` whose account comes after `after` (from the
    /// first when none), in account order.
    fn shadows_after(
        &self,
        resource: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Shadow>, StoreError>;
}

impl ShadowPages for Store {
    fn shadows_after(
        &self,
        resource: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Shadow>, StoreError> {
        let prefix = trees::name_prefix(resource);
        let mut start = prefix.clone();
        if let Some(a) = after {
            // The first key after `prefix ‖ a`.
            start.extend_from_slice(a.as_bytes());
            start.push(0);
        }
        let mut out = vec![];
        for kv in self.tree(Tree::Shadows)?.range(start..) {
            let (k, v) = kv?;
            if !k.starts_with(&prefix) || out.len() >= limit {
                break;
            }
            out.push(codec::decode("shadows", &v)?);
        }
        Ok(out)
    }
}
