//! Random command sequences against the engine never break the invariants:
//! a closed case has no open work item, an open case has one, every accepted change is
//! recorded as events and a refused one changes nothing, and the indexes agree with the
//! entities they index.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use casebench::api::{Command, NewCase, UserRecord};
use casebench::domain::{
    Case, CaseId, CaseKind, DelegationMethod, Outcome, Target, WorkItem, WorkItemId,
};
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::store::{trees, Storage, Store};

const USERS: [&str; 5] = ["root", "alice", "bob", "carol", "dave"];
const GROUPS: [&str; 2] = ["ops", "db"];

fn user(line: u64, login: &str, manager: Option<&str>, groups: &[&str]) -> UserRecord {
    UserRecord {
        line,
        login: login.into(),
        name: login.to_uppercase(),
        email: format!("{login}@example.com"),
        manager: manager.map(String::from),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        calendar: None,
    }
}

fn setup(dir: &std::path::Path) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
    ));
    let engine = Engine::init(&dir.join("store"), clock.clone(), "root", &[]).unwrap();
    engine
        .execute(
            "root",
            Command::ImportUsers {
                users: vec![
                    user(2, "alice", None, &["ops", "db"]),
                    user(3, "bob", Some("alice"), &["ops"]),
                    user(4, "carol", Some("alice"), &["db"]),
                    user(5, "dave", Some("bob"), &[]),
                ],
            },
        )
        .unwrap();
    (engine, clock)
}

#[derive(Debug, Clone)]
enum Op {
    New(usize, usize, Option<i64>),
    Claim(usize, u64),
    Assign(usize, u64, usize),
    Delegate(usize, u64, usize, bool),
    Escalate(usize, u64),
    Comment(usize, u64, bool),
    Complete(usize, u64, usize),
    Close(usize, u64),
    Cancel(usize, u64),
    Wait(i64),
}

fn target(i: usize) -> Target {
    if i < USERS.len() {
        Target::User(USERS[i].into())
    } else {
        Target::Group(GROUPS[(i - USERS.len()) % GROUPS.len()].into())
    }
}

fn op() -> impl Strategy<Value = Op> {
    let actor = 0..USERS.len();
    let case = 1u64..8;
    let tgt = 0..USERS.len() + GROUPS.len();
    prop_oneof![
        3 => (actor.clone(), tgt.clone(), prop::option::of(-48i64..96)).prop_map(|(a, t, d)| Op::New(a, t, d)),
        2 => (actor.clone(), case.clone()).prop_map(|(a, c)| Op::Claim(a, c)),
        1 => (actor.clone(), case.clone(), 0..USERS.len()).prop_map(|(a, c, u)| Op::Assign(a, c, u)),
        2 => (actor.clone(), case.clone(), tgt, any::<bool>()).prop_map(|(a, c, t, add)| Op::Delegate(a, c, t, add)),
        1 => (actor.clone(), case.clone()).prop_map(|(a, c)| Op::Escalate(a, c)),
        2 => (actor.clone(), case.clone(), any::<bool>()).prop_map(|(a, c, e)| Op::Comment(a, c, e)),
        3 => (actor.clone(), case.clone(), 0usize..4).prop_map(|(a, c, o)| Op::Complete(a, c, o)),
        1 => (actor.clone(), case.clone()).prop_map(|(a, c)| Op::Close(a, c)),
        1 => (actor, case).prop_map(|(a, c)| Op::Cancel(a, c)),
        1 => (1i64..72).prop_map(Op::Wait),
    ]
}

fn to_command(op: &Op, now: chrono::DateTime<Utc>) -> Option<(&'static str, Command)> {
    let outcomes = [
        Outcome::Success,
        Outcome::Failure,
        Outcome::Approved,
        Outcome::Rejected,
    ];
    Some(match op.clone() {
        Op::New(a, t, d) => (
            USERS[a],
            Command::CreateCase(NewCase {
                kind: CaseKind::ManualProvisioning,
                title: format!("case by {}", USERS[a]),
                description: None,
                resource: None,
                object: None,
                target: target(t),
                deadline: d.map(|h| now + Duration::hours(h)),
                deadline_in: None,
                policy: None,
            }),
        ),
        Op::Claim(a, c) => (
            USERS[a],
            Command::Claim {
                case: CaseId(c),
                work_item: None,
            },
        ),
        Op::Assign(a, c, u) => (
            USERS[a],
            Command::Assign {
                case: CaseId(c),
                work_item: None,
                to: USERS[u].into(),
                comment: None,
            },
        ),
        Op::Delegate(a, c, t, add) => (
            USERS[a],
            Command::Delegate {
                case: CaseId(c),
                work_item: None,
                to: target(t),
                method: if add {
                    DelegationMethod::Add
                } else {
                    DelegationMethod::Replace
                },
                comment: Some("over to you".into()),
            },
        ),
        Op::Escalate(a, c) => (
            USERS[a],
            Command::Escalate {
                case: CaseId(c),
                work_item: None,
                to: None,
                comment: None,
            },
        ),
        Op::Comment(a, c, empty) => (
            USERS[a],
            Command::Comment {
                case: CaseId(c),
                text: if empty { "  ".into() } else { "noted".into() },
            },
        ),
        Op::Complete(a, c, o) => (
            USERS[a],
            Command::Complete {
                case: CaseId(c),
                work_item: None,
                outcome: outcomes[o],
                comment: None,
            },
        ),
        Op::Close(a, c) => (
            USERS[a],
            Command::Close {
                case: CaseId(c),
                outcome: None,
                comment: None,
            },
        ),
        Op::Cancel(a, c) => (
            USERS[a],
            Command::Cancel {
                case: CaseId(c),
                comment: None,
            },
        ),
        Op::Wait(_) => return None,
    })
}

type Snapshot = (Vec<Case>, Vec<WorkItem>, usize);

/// Everything observable, to prove a refused command changed nothing.
fn snapshot(store: &dyn Storage) -> Snapshot {
    (
        store.all_cases().unwrap(),
        store.all_work_items().unwrap(),
        store.event_count(),
    )
}

fn check_invariants(store: &dyn Storage) -> Result<(), TestCaseError> {
    let cases = store.all_cases().unwrap();
    let items = store.all_work_items().unwrap();
    for case in &cases {
        let mine: Vec<_> = items.iter().filter(|i| i.case == case.id).collect();
        prop_assert_eq!(mine.len(), case.work_items.len());
        let open = mine.iter().filter(|i| i.is_open()).count();
        if case.state.is_active() {
            prop_assert!(
                open > 0,
                "{} is {} with no open work item",
                case.id,
                case.state
            );
        } else {
            prop_assert_eq!(
                open,
                0,
                "{} is {} with an open work item",
                case.id,
                case.state
            );
            prop_assert!(case.closed.is_some());
        }
        let history = store.case_events(case.id).unwrap();
        prop_assert!(!history.is_empty());
        prop_assert!(history.windows(2).all(|w| w[0].seq < w[1].seq));
    }
    // State counters agree with the cases.
    for st in casebench::domain::CaseState::ALL {
        let n = cases.iter().filter(|c| c.state == st).count();
        prop_assert_eq!(store.count_in_state(st).unwrap(), n, "count of {}", st);
    }
    // Indexes: exactly the keys derived from the entities.
    let mut expected: BTreeSet<(String, Vec<u8>)> = BTreeSet::new();
    for item in &items {
        for (tree, key) in Store::derived_index_keys(item) {
            expected.insert((tree.to_string(), key));
        }
    }
    for case in &cases {
        expected.insert((
            "idx_state".into(),
            trees::state_key(case.state.code(), case.id).to_vec(),
        ));
    }
    let mut actual = BTreeSet::new();
    for tree in [
        "idx_assignee",
        "idx_candidate",
        "idx_delegator",
        "idx_deadline",
        "idx_state",
    ] {
        for key in store.index_keys(tree).unwrap() {
            actual.insert((tree.to_string(), key));
        }
    }
    prop_assert_eq!(actual, expected);
    // The token index: exactly what the cases and work items derive, and every word of an
    // active case (and of its open items' holders) finds it; closed ones are not indexed.
    let tokens: BTreeSet<Vec<u8>> = store.index_keys("idx_token").unwrap().into_iter().collect();
    prop_assert_eq!(
        &tokens,
        &casebench::store::derived_token_keys(store).unwrap()
    );
    for case in cases.iter().filter(|c| c.state.is_active()) {
        let mut words = casebench::store::token_words(&case.title);
        words.extend(casebench::store::token_words(&case.requester));
        words.push(case.id.0.to_string());
        for item in items.iter().filter(|i| i.case == case.id && i.is_open()) {
            words.extend(item.assignees.iter().map(|a| a.to_lowercase()));
            words.extend(
                item.candidates
                    .iter()
                    .map(|g| format!("@{}", g.to_lowercase())),
            );
        }
        for w in words.iter().filter(|w| casebench::store::indexable(w)) {
            prop_assert!(
                store.cases_with_word(w).unwrap().contains(&case.id),
                "{} is not found by {:?}",
                case.id,
                w
            );
        }
    }
    // Every event of a case is indexed under it, and only those.
    let all = store.all_events().unwrap();
    let indexed: usize = cases
        .iter()
        .map(|c| store.case_events(c.id).unwrap().len())
        .sum();
    prop_assert_eq!(indexed, all.iter().filter(|e| e.case.is_some()).count());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_keep_invariants(ops in prop::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let (engine, clock) = setup(dir.path());
        for op in &ops {
            if let Op::Wait(h) = op {
                clock.advance(Duration::hours(*h));
                continue;
            }
            let (actor, command) = to_command(op, clock.now()).unwrap();
            let before = snapshot(engine.inspect());
            match engine.execute(actor, command) {
                Ok(applied) => {
                    prop_assert!(!applied.events.is_empty(), "{:?} changed state without an event", op);
                    let after = engine.inspect().event_count();
                    prop_assert_eq!(after, before.2 + applied.events.len());
                }
                Err(_) => prop_assert_eq!(snapshot(engine.inspect()), before, "refused {:?} changed the store", op),
            }
            check_invariants(engine.inspect())?;
        }
        // `casebench check` finds nothing wrong where these invariants hold.
        prop_assert_eq!(engine.check().unwrap(), Vec::<String>::new());
        check_queues(&engine, clock.now())?;
    }
}

/// The queues answered from indexes (pages and counts) agree with the entities.
fn check_queues(engine: &Engine, now: chrono::DateTime<Utc>) -> Result<(), TestCaseError> {
    use casebench::api::{CaseQuery, Queue, ServiceExt};
    let cases = engine.inspect().all_cases().unwrap();
    let items = engine.inspect().all_work_items().unwrap();
    let expect = |q: Queue| -> Vec<u64> {
        let mut ids: Vec<u64> = cases
            .iter()
            .filter(|c| match q {
                Queue::Open => c.state.is_active(),
                Queue::Closed => !c.state.is_active(),
                Queue::Overdue => items
                    .iter()
                    .any(|i| i.case == c.id && i.is_open() && i.deadline.is_some_and(|d| d <= now)),
                _ => true,
            })
            .map(|c| c.id.0)
            .collect();
        ids.sort();
        ids
    };
    for q in [Queue::Open, Queue::Overdue, Queue::Closed, Queue::All] {
        let want = expect(q);
        let all = engine
            .list_cases(
                "root",
                &CaseQuery {
                    queue: q,
                    ..Default::default()
                },
            )
            .unwrap();
        let mut got: Vec<u64> = all.cases.iter().map(|r| r.id.0).collect();
        got.sort();
        prop_assert_eq!(&got, &want, "queue {}", q);
        prop_assert_eq!(all.total, want.len(), "count of queue {}", q);
        let page = engine
            .list_cases(
                "root",
                &CaseQuery {
                    queue: q,
                    limit: Some(2),
                    ..Default::default()
                },
            )
            .unwrap();
        prop_assert_eq!(page.total, want.len());
        prop_assert_eq!(page.cases.len(), want.len().min(2));
        let first: Vec<_> = all.cases.iter().take(2).map(|r| r.id).collect();
        let paged: Vec<_> = page.cases.iter().map(|r| r.id).collect();
        prop_assert_eq!(first, paged, "page of {} is the head of the list", q);
    }
    check_filters(engine)
}

/// A filter answered from the token index lists what the scan of the queue lists, in the
/// same order (relevance, then the queue's), pages included.
fn check_filters(engine: &Engine) -> Result<(), TestCaseError> {
    use casebench::api::{CaseQuery, Queue, ServiceExt};
    let needles = [
        "case", "ca", "by", "ali", "alice", "bob case", "@op", "ops", "db", "c-1", "2", "se",
        "e b", "ob", "ol", "zz", "by ca", "manual",
    ];
    let queues = [
        Queue::Open,
        Queue::Closed,
        Queue::All,
        Queue::Overdue,
        Queue::Mine,
        Queue::Claimable,
        Queue::Delegated,
    ];
    for actor in ["root", "alice", "bob"] {
        for q in queues {
            for n in needles {
                for (limit, read_all_below) in
                    [(None, 0), (Some(2), 0), (Some(2), 3), (Some(2), 500)]
                {
                    // 0: the ranked filter walks the queue's order even over a few cases;
                    // 3: and reads a relevance of one or two cases whole.
                    casebench::engine::set_filter_read_all_below(read_all_below);
                    let query = CaseQuery {
                        queue: q,
                        filter: Some(n.into()),
                        limit,
                        ..Default::default()
                    };
                    let got = engine.list_cases(actor, &query).unwrap();
                    let want = engine.list_scanning(actor, &query).unwrap();
                    let ids = |l: &casebench::api::CaseList| -> Vec<u64> {
                        l.cases.iter().map(|r| r.id.0).collect()
                    };
                    prop_assert_eq!(ids(&got), ids(&want), "{} {} {:?} {:?}", actor, q, n, limit);
                    prop_assert_eq!(got.total, want.total);
                }
            }
        }
    }
    Ok(())
}

#[test]
fn reopened_store_gives_back_the_same_cases_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let (engine, _clock) = setup(dir.path());
    let a = engine
        .execute(
            "alice",
            Command::CreateCase(NewCase {
                kind: CaseKind::Approval,
                title: "approve".into(),
                description: Some("why".into()),
                resource: Some("SAP".into()),
                object: None,
                target: Target::Group("ops".into()),
                deadline: None,
                deadline_in: None,
                policy: None,
            }),
        )
        .unwrap();
    let case = a.case.unwrap();
    engine
        .execute(
            "bob",
            Command::Claim {
                case,
                work_item: Some(WorkItemId(1)),
            },
        )
        .unwrap();
    engine
        .execute(
            "bob",
            Command::Comment {
                case,
                text: "looking".into(),
            },
        )
        .unwrap();
    let before = (
        engine.inspect().all_cases().unwrap(),
        engine.inspect().all_work_items().unwrap(),
        engine.inspect().all_events().unwrap(),
    );
    drop(engine);
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let engine = Engine::open(&path, clock).unwrap();
    let after = (
        engine.inspect().all_cases().unwrap(),
        engine.inspect().all_work_items().unwrap(),
        engine.inspect().all_events().unwrap(),
    );
    assert_eq!(before, after);
    check_invariants(engine.inspect()).unwrap();
    // The counters go on where they were.
    let b = engine
        .execute(
            "bob",
            Command::Comment {
                case,
                text: "again".into(),
            },
        )
        .unwrap();
    assert_eq!(b.events, vec![after.2.last().unwrap().seq + 1]);
}
