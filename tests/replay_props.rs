//! Replay over random command sequences: after every step, each case replayed from its
//! events up to now is exactly the stored case and work items (but the pending policy
//! timers, which replay does not rebuild); replayed up to a time in the middle, it is the
//! state stored at that time; and every queue as of now is the queue as listed now.
//!
//! The cases run under an escalation policy (reminders, escalation to the manager, a
//! delegation, an automatic rejection) with sweeps at advancing `ManualClock` times.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use casebench::api::{CaseQuery, Command, NewCase, Queue, Service, ServiceExt, SweepArgs};
use casebench::domain::{Case, CaseId, CaseKind, DelegationMethod, Outcome, Target, WorkItem};
use casebench::engine::replay::replay;
use casebench::engine::{Clock, Engine, ManualClock};
use casebench::import::{parse_policies_toml, parse_users_csv};

const USERS: [&str; 5] = ["root", "alice", "bob", "carol", "dave"];
const GROUPS: [&str; 2] = ["ops", "db"];

const USERS_CSV: &str = "\
login,name,email,manager,groups
alice,Alice,alice@example.org,,ops;db
bob,Bob,bob@example.org,alice,ops
carol,Carol,carol@example.org,alice,db
dave,Dave,dave@example.org,bob,
";

const POLICY: &str = r#"
[[policy]]
name = "std"
deadline = "2d"
level_deadline = "1d"

[[policy.rule]]
before_deadline = "4h"
levels = [0, 1]
notify = ["assignees"]

[[policy.rule]]
after_deadline = "0m"
levels = [0, 1]
escalate = "manager"

[[policy.rule]]
after_deadline = "0m"
levels = [2]
complete = "reject"

[[policy.rule]]
after = "3d"
delegate = "@db"
method = "add"
"#;

fn setup(dir: &std::path::Path) -> (Engine, Arc<ManualClock>) {
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let engine = Engine::init(&dir.join("store"), clock.clone(), "root", &[]).unwrap();
    let users = parse_users_csv("users.csv", USERS_CSV.as_bytes()).unwrap();
    engine
        .execute("root", Command::ImportUsers { users })
        .unwrap();
    let policies = parse_policies_toml("p.toml", POLICY).unwrap();
    engine
        .execute("root", Command::ImportPolicies { policies })
        .unwrap();
    (engine, clock)
}

#[derive(Debug, Clone)]
enum Op {
    /// Actor, target, deadline in hours from now, under the policy.
    New(usize, usize, Option<i64>, bool),
    Claim(usize, u64),
    Assign(usize, u64, usize),
    Delegate(usize, u64, usize, bool),
    Escalate(usize, u64),
    Comment(usize, u64),
    Complete(usize, u64, usize),
    Cancel(usize, u64),
    /// Hours the clock moves on, then a sweep.
    Wait(i64),
}

fn target(i: usize) -> Target {
    match USERS.get(i) {
        Some(u) => Target::User(u.to_string()),
        None => Target::Group(GROUPS[(i - USERS.len()) % GROUPS.len()].into()),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let actor = 0..USERS.len();
    let case = 1u64..6;
    let tgt = 0..USERS.len() + GROUPS.len();
    prop_oneof![
        3 => (actor.clone(), tgt.clone(), prop::option::of(-30i64..60), any::<bool>())
            .prop_map(|(a, t, d, p)| Op::New(a, t, d, p)),
        2 => (actor.clone(), case.clone()).prop_map(|(a, c)| Op::Claim(a, c)),
        1 => (actor.clone(), case.clone(), 0..USERS.len()).prop_map(|(a, c, u)| Op::Assign(a, c, u)),
        2 => (actor.clone(), case.clone(), tgt, any::<bool>())
            .prop_map(|(a, c, t, add)| Op::Delegate(a, c, t, add)),
        1 => (actor.clone(), case.clone()).prop_map(|(a, c)| Op::Escalate(a, c)),
        1 => (actor.clone(), case.clone()).prop_map(|(a, c)| Op::Comment(a, c)),
        2 => (actor.clone(), case.clone(), 0usize..2).prop_map(|(a, c, o)| Op::Complete(a, c, o)),
        1 => (actor, case).prop_map(|(a, c)| Op::Cancel(a, c)),
        3 => (1i64..40).prop_map(Op::Wait),
    ]
}

fn command(op: &Op, now: DateTime<Utc>) -> Option<(&'static str, Command)> {
    let (a, cmd) = match op.clone() {
        Op::New(a, t, d, policy) => {
            let new = NewCase {
                kind: CaseKind::ManualProvisioning,
                title: format!("case by {}", USERS[a]),
                description: None,
                resource: None,
                object: None,
                target: target(t),
                deadline: d.map(|h| now + Duration::hours(h)),
                deadline_in: None,
                policy: policy.then(|| "std".to_string()),
            };
            (a, Command::CreateCase(new))
        }
        Op::Claim(a, c) => (
            a,
            Command::Claim {
                case: CaseId(c),
                work_item: None,
            },
        ),
        Op::Assign(a, c, u) => {
            let to = USERS[u].to_string();
            (
                a,
                Command::Assign {
                    case: CaseId(c),
                    work_item: None,
                    to,
                    comment: None,
                },
            )
        }
        Op::Delegate(a, c, t, add) => {
            let method = if add {
                DelegationMethod::Add
            } else {
                DelegationMethod::Replace
            };
            let (case, to, comment) = (CaseId(c), target(t), Some("yours".into()));
            (
                a,
                Command::Delegate {
                    case,
                    work_item: None,
                    to,
                    method,
                    comment,
                },
            )
        }
        Op::Escalate(a, c) => (
            a,
            Command::Escalate {
                case: CaseId(c),
                work_item: None,
                to: None,
                comment: None,
            },
        ),
        Op::Comment(a, c) => (
            a,
            Command::Comment {
                case: CaseId(c),
                text: "noted".into(),
            },
        ),
        Op::Complete(a, c, o) => {
            let outcome = [Outcome::Success, Outcome::Failure][o];
            (
                a,
                Command::Complete {
                    case: CaseId(c),
                    work_item: None,
                    outcome,
                    comment: None,
                },
            )
        }
        Op::Cancel(a, c) => (
            a,
            Command::Cancel {
                case: CaseId(c),
                comment: None,
            },
        ),
        Op::Wait(_) => return None,
    };
    Some((USERS[a], cmd))
}

/// Every case of the store with its work items, as replay gives them (no timers).
type State = Vec<(Case, Vec<WorkItem>)>;

fn stored(engine: &Engine) -> State {
    let s = engine.inspect();
    let cases = s.all_cases().unwrap();
    cases
        .into_iter()
        .map(|c| {
            let items = c.work_items.iter().map(|w| {
                let item = s.work_item(*w).unwrap().expect("a stored work item");
                WorkItem {
                    timers: vec![],
                    ..item
                }
            });
            let items = items.collect();
            (c, items)
        })
        .collect()
}

fn replayed(engine: &Engine, ids: &[CaseId], at: DateTime<Utc>) -> State {
    let s = engine.inspect();
    ids.iter()
        .filter_map(|id| replay(*id, &s.case_events(*id).unwrap(), at))
        .map(|r| (r.case, r.items))
        .collect()
}

/// One step's stored state, the time it was taken at, and the last event's seq by then.
struct Snap {
    at: DateTime<Utc>,
    seq: u64,
    state: State,
}

fn last_seq(engine: &Engine) -> u64 {
    let events = engine.inspect().all_events().unwrap();
    events.iter().map(|e| e.seq).max().unwrap_or(0)
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let (engine, clock) = setup(dir.path());
    let mut snaps = vec![];
    for op in ops {
        let now = clock.now();
        match command(op, now) {
            Some((actor, cmd)) => {
                let _ = engine.execute(actor, cmd);
            }
            None => {
                let Op::Wait(h) = op else { unreachable!() };
                clock.advance(Duration::hours(*h));
                engine.sweep("root", SweepArgs::default()).unwrap();
            }
        }
        let state = stored(&engine);
        let ids: Vec<CaseId> = state.iter().map(|(c, _)| c.id).collect();
        let now = clock.now();
        prop_assert_eq!(&replayed(&engine, &ids, now), &state, "after {:?}", op);
        let seq = last_seq(&engine);
        snaps.push(Snap {
            at: now,
            seq,
            state,
        });
    }
    check_middle(&engine, &snaps)?;
    check_queues(&engine, clock.now())
}

/// Replayed up to a time in the middle, the cases are as stored then: the last state
/// taken at that time, unless a later sweep stamped a firing with a time not after it
/// (a timer fires at the time it was due, which the store did not show until the sweep).
fn check_middle(engine: &Engine, snaps: &[Snap]) -> Result<(), TestCaseError> {
    let Some(mid) = snaps.get(snaps.len() / 2) else {
        return Ok(());
    };
    let at = mid.at;
    let snap = snaps.iter().rev().find(|s| s.at == at).unwrap();
    let events = engine.inspect().all_events().unwrap();
    if events.iter().any(|e| e.seq > snap.seq && e.time <= at) {
        return Ok(());
    }
    let ids: Vec<CaseId> = snap.state.iter().map(|(c, _)| c.id).collect();
    prop_assert_eq!(&replayed(engine, &ids, at), &snap.state, "as of {}", at);
    Ok(())
}

/// Every queue of every user, as of now, is the queue listed now.
fn check_queues(engine: &Engine, now: DateTime<Utc>) -> Result<(), TestCaseError> {
    for user in USERS {
        for queue in Queue::ALL {
            let q = CaseQuery {
                queue,
                ..Default::default()
            };
            let listed = engine.list_cases(user, &q).unwrap();
            let past = engine.list_cases_as_of(user, &q, now).unwrap();
            prop_assert_eq!(past, listed, "{} {}", user, queue);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn replay_gives_back_the_stored_state(ops in prop::collection::vec(op(), 8..60)) {
        run(&ops)?;
    }
}
