//! Schema migrations, run when a store is opened. Schema 1 → 2 added a field at the end of
//! three values (`Case::request`, `Request::approval`, `Group::fallback`); each value still
//! in the old layout is read as it was and written in the new one. A value that already
//! reads as the new layout is left alone, so a migration cut short runs again safely; the
//! schema version is written last.

use serde::{Deserialize, Serialize};

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::{codec, encode, StoreError};
use crate::domain::{
    Case, CaseId, CaseKind, CaseState, Correlation, Group, OpRef, Outcome, Request, RequestId,
    RequestState, ValidityTimer, WorkItemId,
};

/// Brings a store of schema `from` to the current one.
pub(super) fn migrate(store: &Store, from: u32) -> Result<(), StoreError> {
    if from < 2 {
        upgrade::<Case, CaseV1>(store, Tree::Cases, |c| c.into())?;
        upgrade::<Request, RequestV1>(store, Tree::Requests, |r| r.into())?;
        upgrade::<Group, GroupV1>(store, Tree::Groups, |g| Group {
            name: g.name,
            manager: g.manager,
            fallback: None,
        })?;
    }
    store.set_schema_version(trees::SCHEMA_VERSION)
}

fn upgrade<New, Old>(
    store: &Store,
    tree: Tree,
    convert: impl Fn(Old) -> New,
) -> Result<(), StoreError>
where
    New: Serialize + for<'de> Deserialize<'de>,
    Old: for<'de> Deserialize<'de>,
{
    let t = store.tree(tree)?;
    let name = trees::NAMES[tree as usize];
    for kv in t.iter() {
        let (k, v) = kv?;
        if codec::decode::<New>(name, &v).is_ok() {
            continue;
        }
        let old: Old = codec::decode(name, &v)?;
        t.insert(k, encode(&convert(old)))?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct GroupV1 {
    name: String,
    manager: Option<String>,
}

#[derive(Deserialize)]
struct CaseV1 {
    id: CaseId,
    kind: CaseKind,
    title: String,
    description: Option<String>,
    state: CaseState,
    outcome: Option<Outcome>,
    requester: String,
    resource: Option<String>,
    object: Option<String>,
    parent: Option<CaseId>,
    policy: Option<String>,
    external_ticket: Option<String>,
    work_items: Vec<WorkItemId>,
    operations: Vec<OpRef>,
    correlation: Option<Correlation>,
    #[serde(with = "crate::domain::time::ts")]
    created: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::domain::time::ts")]
    modified: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::domain::time::ts_opt")]
    closed: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<CaseV1> for Case {
    fn from(c: CaseV1) -> Case {
        Case {
            id: c.id,
            kind: c.kind,
            title: c.title,
            description: c.description,
            state: c.state,
            outcome: c.outcome,
            requester: c.requester,
            resource: c.resource,
            object: c.object,
            parent: c.parent,
            policy: c.policy,
            external_ticket: c.external_ticket,
            work_items: c.work_items,
            operations: c.operations,
            correlation: c.correlation,
            created: c.created,
            modified: c.modified,
            closed: c.closed,
            request: None,
        }
    }
}

#[derive(Deserialize)]
struct RequestV1 {
    id: RequestId,
    requester: String,
    recipient: String,
    product: String,
    reason: Option<String>,
    state: RequestState,
    #[serde(with = "crate::domain::time::ts_opt")]
    valid_from: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    valid_until: Option<chrono::DateTime<chrono::Utc>>,
    notice_secs: Option<i64>,
    #[serde(with = "crate::domain::time::ts")]
    created: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::domain::time::ts")]
    modified: chrono::DateTime<chrono::Utc>,
    timers: Vec<ValidityTimer>,
}

impl From<RequestV1> for Request {
    fn from(r: RequestV1) -> Request {
        Request {
            id: r.id,
            requester: r.requester,
            recipient: r.recipient,
            product: r.product,
            reason: r.reason,
            state: r.state,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            notice_secs: r.notice_secs,
            created: r.created,
            modified: r.modified,
            timers: r.timers,
            approval: None,
            renewals: 0,
            approved_at: None,
            provisioned_at: None,
            operations: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(Serialize)]
    struct GroupV1Out {
        name: String,
        manager: Option<String>,
    }

    #[test]
    fn a_schema_1_store_opens_migrated_and_a_second_run_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::create(&path).unwrap();
        store.set_schema_version(1).unwrap();
        let groups = store.tree(Tree::Groups).unwrap();
        let old = GroupV1Out {
            name: "ops".into(),
            manager: Some("ann".into()),
        };
        groups.insert(b"ops", encode(&old)).unwrap();
        let t = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let r = Request {
            id: RequestId(1),
            requester: "a".into(),
            recipient: "b".into(),
            product: "vpn".into(),
            reason: None,
            state: RequestState::Assigned,
            valid_from: None,
            valid_until: Some(t),
            notice_secs: None,
            created: t,
            modified: t,
            timers: vec![],
            approval: None,
            renewals: 0,
            approved_at: None,
            provisioned_at: None,
            operations: vec![],
        };
        // The v1 layout is the v2 one without its last five bytes (`approval: None`, no
        // renewals, no approval or provisioning time, no operations).
        let mut v1 = encode(&r);
        v1.truncate(v1.len() - 5);
        store
            .tree(Tree::Requests)
            .unwrap()
            .insert(trees::u64_key(1), v1)
            .unwrap();
        store.flush().unwrap();
        drop(groups);
        drop(store);
        let store = Store::open(&path).unwrap();
        use super::super::Storage;
        assert_eq!(store.schema_version().unwrap(), Some(trees::SCHEMA_VERSION));
        assert_eq!(
            store.group("ops").unwrap().unwrap().manager.as_deref(),
            Some("ann")
        );
        assert_eq!(store.request(RequestId(1)).unwrap().unwrap(), r);
        migrate(&store, 1).unwrap();
        assert_eq!(store.request(RequestId(1)).unwrap().unwrap(), r);
    }
}
