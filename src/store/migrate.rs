//! Schema migrations, run when a store is opened. Schema 1 → 2 added a field at the end of
//! three values (`Case::request`, `Request::approval`, `Group::fallback`); 2 → 3 added
//! `calendar` at the end of `User` and `Resource` and made an escalation policy's durations
//! spans (wall-clock or working time; old ones read as wall-clock); 3 → 4 did the same to
//! approval steps and added `calendar` to approval policies, products and groups
//! ([`v3`]); 4 → 5 added `itsm` at the end of `Resource`. Each value still in the
//! old layout is read as it was and written in the new one. A value that already reads as
//! the new layout (every byte of it) is left alone, so a migration cut short runs again
//! safely; the schema version is written last. 5 → 6 packed the `events` tree into
//! chunks, a few keys per subject instead of one per event ([`v5`]; cut short, it goes on
//! with the subjects not yet packed).

use serde::{Deserialize, Serialize};

mod v3;
mod v5;

use super::sled_store::Store;
use super::trees::{self, Tree};
use super::{codec, encode, StoreError};
use crate::domain::duration::Span;
use crate::domain::policy::{Action, Rule, Trigger};
use crate::domain::resource::{ProvisioningMode, ResourceKind};
use crate::domain::{
    Case, CaseId, CaseKind, CaseState, Correlation, Group, OpRef, Outcome, Policy, Request,
    RequestId, RequestState, Resource, User, ValidityTimer, WorkItemId,
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
            calendar: None,
        })?;
    }
    if from < 3 {
        upgrade::<User, UserV2>(store, Tree::Users, |u| u.into())?;
        upgrade::<Resource, ResourceV2>(store, Tree::Resources, |r| r.into())?;
        upgrade::<Policy, PolicyV2>(store, Tree::Policies, |p| p.into())?;
    }
    if from < 4 {
        v3::migrate(store)?;
    }
    if from < 5 {
        // `Resource::itsm`, a last `None`.
        v3::append_none::<Resource>(store, Tree::Resources)?;
    }
    if from < 6 {
        v5::repack_events(store)?;
    }
    store.set_schema_version(trees::SCHEMA_VERSION)
}

/// `bytes` as a `T` that takes every one of them (a value of another layout may decode as a
/// prefix).
fn decode_whole<T: for<'de> Deserialize<'de>>(name: &str, bytes: &[u8]) -> Result<T, StoreError> {
    match bincode::serde::decode_from_slice(bytes, bincode::config::standard()) {
        Ok((v, n)) if n == bytes.len() => Ok(v),
        Ok(_) => Err(StoreError::Corrupt(format!(
            "a value in tree {name} has bytes after its end"
        ))),
        Err(_) => codec::decode(name, bytes),
    }
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
        if decode_whole::<New>(name, &v).is_ok() {
            continue;
        }
        let old: Old = decode_whole(name, &v)?;
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

#[derive(Serialize, Deserialize)]
struct UserV2 {
    login: String,
    name: String,
    email: String,
    manager: Option<String>,
    groups: Vec<String>,
    admin: bool,
}

impl From<UserV2> for User {
    fn from(u: UserV2) -> User {
        User {
            login: u.login,
            name: u.name,
            email: u.email,
            manager: u.manager,
            groups: u.groups,
            admin: u.admin,
            calendar: None,
        }
    }
}

#[derive(Deserialize)]
struct ResourceV2 {
    id: String,
    seq: u64,
    name: String,
    kind: ResourceKind,
    owners: String,
    provisioning: ProvisioningMode,
    propagation_secs: Option<i64>,
    policy: Option<String>,
    grace_secs: i64,
    retention_secs: i64,
    #[serde(with = "crate::domain::time::ts_opt")]
    propagation_due: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    grace_due: Option<chrono::DateTime<chrono::Utc>>,
    feed_fingerprint: Option<String>,
}

impl From<ResourceV2> for Resource {
    fn from(r: ResourceV2) -> Resource {
        Resource {
            id: r.id,
            seq: r.seq,
            name: r.name,
            kind: r.kind,
            owners: r.owners,
            provisioning: r.provisioning,
            propagation_secs: r.propagation_secs,
            policy: r.policy,
            grace_secs: r.grace_secs,
            retention_secs: r.retention_secs,
            propagation_due: r.propagation_due,
            grace_due: r.grace_due,
            feed_fingerprint: r.feed_fingerprint,
            calendar: None,
            itsm: None,
        }
    }
}

/// An escalation policy of schema 2: durations in seconds.
#[derive(Serialize, Deserialize)]
struct PolicyV2 {
    name: String,
    deadline_secs: Option<i64>,
    level_deadline_secs: Option<i64>,
    rules: Vec<RuleV2>,
}

#[derive(Serialize, Deserialize)]
struct RuleV2 {
    trigger: TriggerV2,
    levels: Vec<u32>,
    notify_before_secs: Option<i64>,
    action: Action,
}

#[derive(Serialize, Deserialize)]
enum TriggerV2 {
    After(i64),
    BeforeDeadline(i64),
    AfterDeadline(i64),
}

impl From<PolicyV2> for Policy {
    fn from(p: PolicyV2) -> Policy {
        let rule = |r: RuleV2| Rule {
            trigger: match r.trigger {
                TriggerV2::After(s) => Trigger::After(Span::Wall(s)),
                TriggerV2::BeforeDeadline(s) => Trigger::BeforeDeadline(Span::Wall(s)),
                TriggerV2::AfterDeadline(s) => Trigger::AfterDeadline(Span::Wall(s)),
            },
            levels: r.levels,
            notify_before: r.notify_before_secs.map(Span::Wall),
            action: r.action,
        };
        Policy {
            name: p.name,
            deadline: p.deadline_secs.map(Span::Wall),
            level_deadline: p.level_deadline_secs.map(Span::Wall),
            rules: p.rules.into_iter().map(rule).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::reopen;
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
        let store = reopen(&path);
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

    #[test]
    fn a_schema_2_store_reads_its_policies_as_wall_clock_spans_and_users_without_calendar() {
        use super::super::Storage;
        use crate::domain::policy::{AutoOutcome, Recipient};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::create(&path).unwrap();
        store.set_schema_version(2).unwrap();
        let old = PolicyV2 {
            name: "std".into(),
            deadline_secs: Some(86_400),
            level_deadline_secs: None,
            rules: vec![
                RuleV2 {
                    trigger: TriggerV2::BeforeDeadline(3_600),
                    levels: vec![0, 1],
                    notify_before_secs: Some(600),
                    action: Action::Notify(vec![Recipient::Assignees]),
                },
                RuleV2 {
                    trigger: TriggerV2::AfterDeadline(0),
                    levels: vec![],
                    notify_before_secs: None,
                    action: Action::Complete(AutoOutcome::Reject),
                },
            ],
        };
        let t = store.tree(Tree::Policies).unwrap();
        t.insert(b"std", encode(&old)).unwrap();
        let user = UserV2 {
            login: "ann".into(),
            name: "Ann".into(),
            email: String::new(),
            manager: None,
            groups: vec!["ops".into()],
            admin: true,
        };
        store
            .tree(Tree::Users)
            .unwrap()
            .insert(b"ann", encode(&user))
            .unwrap();
        store.flush().unwrap();
        drop(t);
        drop(store);
        let store = reopen(&path);
        assert_eq!(store.schema_version().unwrap(), Some(trees::SCHEMA_VERSION));
        let p = store.policy("std").unwrap().unwrap();
        assert_eq!(p.deadline, Some(Span::Wall(86_400)));
        assert_eq!(p.level_deadline, None);
        assert_eq!(
            p.rules[0].trigger,
            Trigger::BeforeDeadline(Span::Wall(3_600))
        );
        assert_eq!(p.rules[0].notify_before, Some(Span::Wall(600)));
        assert_eq!(p.rules[0].levels, vec![0, 1]);
        assert_eq!(p.rules[1].trigger, Trigger::AfterDeadline(Span::Wall(0)));
        assert_eq!(p.rules[1].action, Action::Complete(AutoOutcome::Reject));
        let u = store.user("ann").unwrap().unwrap();
        assert!(u.admin);
        assert_eq!(u.calendar, None);
        // A second run changes nothing.
        migrate(&store, 2).unwrap();
        assert_eq!(store.policy("std").unwrap().unwrap(), p);
        assert_eq!(store.user("ann").unwrap().unwrap(), u);
    }
}
