//! `idx_state` in chunks of 4096 case ids: a generated store left by a casebench before
//! chunks (one key per case) opens packed, lists and finds what it did, and `check` finds
//! nothing; a state change afterwards is kept in its chunk.

use std::sync::Arc;

use casebench::api::{Answer, CaseQuery, Command, Query, Queue, Service};
use casebench::engine::generate::GenSpec;
use casebench::engine::{Engine, ManualClock};
use casebench::store::{StateChunks, Store};

fn lists(e: &Engine) -> Vec<String> {
    let mut out = vec![];
    for queue in [Queue::All, Queue::Open, Queue::Closed] {
        for filter in [None, Some("c-41"), Some("77")] {
            let q = CaseQuery {
                queue,
                limit: Some(60),
                filter: filter.map(String::from),
                ..CaseQuery::default()
            };
            match e.query("admin", Query::ListCases(q)).unwrap() {
                Answer::Cases(l) => out.push(format!("{:?}", (l.total, l.cases))),
                other => panic!("{other:?}"),
            }
        }
    }
    out
}

#[test]
fn a_store_with_a_key_per_case_opens_packed_and_check_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let now = casebench::domain::time::from_millis(1_795_000_000_000);
    let clock = || Arc::new(ManualClock::new(now));
    let path = dir.path().join("s");
    let spec = GenSpec {
        cases: 9_000,
        open_ratio: 0.2,
        users: 20,
        groups: 3,
        due_now: 20,
        seed: 5,
        span_days: 365,
        archive_before: None,
    };
    Engine::generate(&path, now, &spec).unwrap();
    let e = Engine::open(&path, clock()).unwrap();
    let before = lists(&e);
    let entries = e.inspect().index_keys("idx_state").unwrap();
    assert_eq!(entries.len(), 9_000);
    // Ids 1..=9000: three chunks per state at most.
    let packed = e.inspect().state_chunks().unwrap();
    assert!(packed.len() <= 3 * 6, "{}", packed.len());
    assert_eq!(e.check().unwrap(), Vec::<String>::new());
    drop(e);

    let store = Store::open(&path).unwrap();
    store.unpack_states_as_before_chunks().unwrap();
    assert_eq!(store.state_chunks().unwrap().len(), 9_000);
    drop(store);

    let e = Engine::open(&path, clock()).unwrap();
    assert_eq!(e.inspect().state_chunks().unwrap(), packed);
    assert_eq!(e.inspect().index_keys("idx_state").unwrap(), entries);
    assert_eq!(lists(&e), before);
    assert_eq!(e.check().unwrap(), Vec::<String>::new());
    // A case closed now moves between the chunks of its states.
    let open = e
        .inspect()
        .cases_in_states(&[casebench::domain::CaseState::Open], 1);
    let id = open.unwrap()[0];
    let cancel = Command::Cancel {
        case: id,
        comment: Some("no longer needed".into()),
    };
    e.execute("admin", cancel).unwrap();
    let cancelled = [casebench::domain::CaseState::Cancelled];
    let ended = e.inspect().cases_in_states(&cancelled, usize::MAX).unwrap();
    assert!(ended.contains(&id));
    assert_eq!(e.check().unwrap(), Vec::<String>::new());
}
