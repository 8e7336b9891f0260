//! Random provisioning, case work, exports and sweeps never break the invariants of
//! pending operations: an operation a case carries is settled when the case ends, a queued
//! one waits for its resource's propagation timer, refused commands change nothing, and the
//! `due` and `idx_queued` indexes agree with the entities.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use casebench::api::{Command, FeedRow, Service, SweepArgs, UserRecord};
use casebench::domain::{CaseId, Execution, OpKind, Outcome};
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::import::parse_resources_toml;
use casebench::store::{trees, Storage};

const RESOURCES: &str = r#"
[[resource]]
id = "man"
kind = "manual"
owners = "ops"

[[resource]]
id = "prop"
kind = "manual"
owners = "ops"
propagation = "2h"
retention = "1h"

[[resource]]
id = "semi"
kind = "semi-manual"
owners = "ops"
grace = "1h"
[resource.feed]
path = "semi.csv"
key = "account"
attributes = ["zone"]
"#;

const RES: [&str; 3] = ["man", "prop", "semi"];
const ACCOUNTS: [&str; 3] = ["a1", "a2", "alice"];

#[derive(Debug, Clone)]
enum Op {
    Provision(usize, usize, u8, u8),
    Complete(u64, bool),
    Cancel(u64),
    Feed(Vec<(usize, u8)>),
    Correlate(u64, bool),
    Wait(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..3usize, 0..3u8, 0..3u8).prop_map(|(r, a, k, v)| Op::Provision(r, a, k, v)),
        3 => (1u64..12, any::<bool>()).prop_map(|(c, ok)| Op::Complete(c, ok)),
        1 => (1u64..12).prop_map(Op::Cancel),
        2 => prop::collection::vec((0..3usize, 0..3u8), 0..4).prop_map(Op::Feed),
        1 => (1u64..12, any::<bool>()).prop_map(|(c, o)| Op::Correlate(c, o)),
        2 => (1i64..4).prop_map(Op::Wait),
    ]
}

fn setup(dir: &std::path::Path) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    let e = Engine::init(&dir.join("s"), clock.clone(), "root", &[]).unwrap();
    let users = vec![UserRecord {
        line: 2,
        login: "alice".into(),
        name: "Alice".into(),
        email: "alice@x.org".into(),
        manager: None,
        groups: vec!["ops".into()],
        calendar: None,
    }];
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let resources = parse_resources_toml("r.toml", RESOURCES, dir).unwrap();
    e.execute("root", Command::ImportResources { resources })
        .unwrap();
    (e, clock)
}

type Snapshot = (usize, Vec<String>, usize);

fn snapshot(s: &dyn Storage) -> Snapshot {
    let mut shadows = vec![];
    for r in RES {
        for sh in s.shadows(r).unwrap() {
            shadows.push(format!("{sh:?}"));
        }
    }
    (s.event_count(), shadows, s.all_cases().unwrap().len())
}

fn check(s: &dyn Storage) -> Result<(), TestCaseError> {
    let cases: BTreeMap<CaseId, _> = s
        .all_cases()
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut queued_expected = BTreeSet::new();
    for r in RES {
        let res = s.resource(r).unwrap().unwrap();
        for sh in s.shadows(r).unwrap() {
            for op in &sh.pending {
                match op.execution {
                    Execution::Executing => {
                        let c = op.case.and_then(|c| cases.get(&c));
                        prop_assert!(
                            c.is_some_and(|c| c.state.is_active()),
                            "op {} executing without an open case",
                            op.id
                        );
                    }
                    Execution::ExecutionPending => {
                        prop_assert!(
                            res.propagation_due.is_some(),
                            "op {} queued but no propagation timer",
                            op.id
                        );
                        queued_expected.insert(trees::shadow_key(r, &sh.key));
                    }
                    Execution::Completed => prop_assert!(op.completed.is_some()),
                    Execution::Requested => prop_assert!(false, "op {} left requested", op.id),
                }
            }
        }
    }
    let queued: BTreeSet<Vec<u8>> = s.index_keys("idx_queued").unwrap().into_iter().collect();
    prop_assert_eq!(queued, queued_expected);
    // Cases that ended settled every operation they carry (unless pruned after retention).
    for c in cases.values().filter(|c| !c.state.is_active()) {
        for r in &c.operations {
            if let Some(sh) = s.shadow(&r.resource, &r.account).unwrap() {
                if let Some(op) = sh.pending.iter().find(|o| o.id == r.op) {
                    prop_assert!(!op.is_open(), "{} ended with op {} open", c.id, op.id);
                }
            }
        }
    }
    // The due index: exactly the resources' timers (no policies, no requests here).
    let mut due_expected = BTreeSet::new();
    for r in RES {
        let res = s.resource(r).unwrap().unwrap();
        for (t, slot) in [(res.propagation_due, 0u16), (res.grace_due, 1u16)] {
            if let Some(t) = t {
                due_expected
                    .insert(trees::due_key(t, trees::TIMER_RESOURCE, res.seq, slot).to_vec());
            }
        }
    }
    let due: BTreeSet<Vec<u8>> = s.index_keys("due").unwrap().into_iter().collect();
    prop_assert_eq!(due, due_expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn provisioning_keeps_its_invariants(ops in prop::collection::vec(op(), 1..30)) {
        let dir = tempfile::tempdir().unwrap();
        let (e, clock) = setup(dir.path());
        for op in &ops {
            let before = snapshot(e.inspect());
            let result = match op.clone() {
                Op::Provision(r, a, k, v) => {
                    let kind = [OpKind::Add, OpKind::Modify, OpKind::Delete][k as usize];
                    e.execute("root", Command::Provision {
                        resource: RES[r].into(),
                        account: ACCOUNTS[a].into(),
                        owner: None,
                        kind,
                        set: vec![("zone".into(), Some(format!("z{v}")))],
                    })
                }
                Op::Complete(c, ok) => e.execute("root", Command::Complete {
                    case: CaseId(c),
                    work_item: None,
                    outcome: if ok { Outcome::Success } else { Outcome::Failure },
                    comment: None,
                }),
                Op::Cancel(c) => e.execute("root", Command::Cancel { case: CaseId(c), comment: None }),
                Op::Feed(rows) => {
                    let mut seen = BTreeSet::new();
                    let rows: Vec<FeedRow> = rows
                        .into_iter()
                        .filter(|(a, _)| seen.insert(*a))
                        .enumerate()
                        .map(|(i, (a, v))| FeedRow {
                            line: i as u64 + 2,
                            key: ACCOUNTS[a].into(),
                            attributes: [("zone".to_string(), format!("z{v}"))].into(),
                        })
                        .collect();
                    e.execute("root", Command::ReadFeed {
                        resource: "semi".into(),
                        label: "semi.csv".into(),
                        fingerprint: format!("{}", clock.now().timestamp()),
                        rows: rows.into(),
                    })
                }
                Op::Correlate(c, orphan) => e.execute("root", Command::Correlate {
                    case: CaseId(c),
                    owner: if orphan { None } else { Some("alice".into()) },
                }),
                Op::Wait(h) => {
                    clock.advance(Duration::hours(h));
                    let now = clock.now();
                    e.sweep("root", SweepArgs::at(now)).map(|_| Default::default())
                }
            };
            if result.is_err() {
                prop_assert_eq!(snapshot(e.inspect()), before, "refused {:?} changed the store", op);
            }
            check(e.inspect())?;
        }
        // `casebench check` finds nothing wrong where these invariants hold.
        prop_assert_eq!(e.check().unwrap(), Vec::<String>::new());
    }
}
