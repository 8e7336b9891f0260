//! `--filter` answers from the token index (`idx_token`, found through its vocabulary
//! `idx_vocab`): prefixes and substrings of words,
//! every word of a multi-word needle, relevance then the queue's order, and a case's
//! tokens follow it when it is renamed, claimed or delegated.

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use casebench::api::{CaseQuery, Command, NewCase, Queue, ServiceExt, UserRecord};
use casebench::domain::{CaseId, CaseKind, DelegationMethod, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::store::WriteSet;

fn user(line: u64, login: &str, groups: &[&str]) -> UserRecord {
    UserRecord {
        line,
        login: login.into(),
        name: login.to_uppercase(),
        email: format!("{login}@example.com"),
        manager: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        calendar: None,
    }
}

fn setup(dir: &std::path::Path) -> Engine {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
    ));
    let engine = Engine::init(&dir.join("store"), clock, "root", &[]).unwrap();
    let users = vec![
        user(2, "alice", &["ops"]),
        user(3, "bob", &["ops"]),
        user(4, "carol", &[]),
    ];
    engine
        .execute("root", Command::ImportUsers { users })
        .unwrap();
    engine
}

fn new_case(
    engine: &Engine,
    title: &str,
    resource: Option<&str>,
    object: Option<&str>,
    to: Target,
) {
    let case = NewCase {
        kind: CaseKind::Generic,
        title: title.into(),
        description: None,
        resource: resource.map(String::from),
        object: object.map(String::from),
        target: to,
        deadline: None,
        deadline_in: None,
        policy: None,
    };
    engine.execute("root", Command::CreateCase(case)).unwrap();
}

/// The ids `filter` lists in `queue` for root, checked against the scan.
fn found(engine: &Engine, queue: Queue, filter: &str) -> Vec<u64> {
    let q = CaseQuery {
        queue,
        filter: Some(filter.into()),
        ..Default::default()
    };
    let list = engine.list_cases("root", &q).unwrap();
    let ids: Vec<u64> = list.cases.iter().map(|r| r.id.0).collect();
    let scanned = engine.list_scanning("root", &q).unwrap();
    let want: Vec<u64> = scanned.cases.iter().map(|r| r.id.0).collect();
    assert_eq!(ids, want, "{filter:?}: the index and the scan disagree");
    assert_eq!(list.total, ids.len());
    ids
}

fn sample() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = setup(dir.path());
    let ops = || Target::Group("ops".into());
    new_case(
        &engine,
        "SAP access for Ann",
        Some("sap-prod"),
        Some("ann.smith"),
        ops(),
    );
    new_case(
        &engine,
        "Reset password",
        Some("ldap"),
        None,
        Target::User("alice".into()),
    );
    new_case(
        &engine,
        "Grant sapphire role",
        None,
        None,
        Target::User("bob".into()),
    );
    new_case(&engine, "Access review of SAP", Some("erp"), None, ops());
    new_case(&engine, "Ärger mit ÖL-Konto", None, None, ops());
    (dir, engine)
}

#[test]
fn prefix_substring_and_relevance() {
    let (_dir, engine) = sample();
    // Exact in one word and a prefix of another (title, resource), exact in one, then a prefix.
    assert_eq!(found(&engine, Queue::Open, "sap"), vec![1, 4, 3]);
    assert_eq!(found(&engine, Queue::Open, "SAPPH"), vec![3]);
    // Inside a word.
    assert_eq!(found(&engine, Queue::Open, "phir"), vec![3]);
    assert_eq!(found(&engine, Queue::Open, "smith"), vec![1]);
    assert_eq!(found(&engine, Queue::Open, "dap"), vec![2]);
    // Unicode-aware lowercase.
    assert_eq!(found(&engine, Queue::Open, "ärg"), vec![5]);
    assert_eq!(found(&engine, Queue::Open, "öl-k"), vec![5]);
    // The id, as `c-N` and as its number.
    assert_eq!(found(&engine, Queue::All, "c-2"), vec![2]);
    assert_eq!(found(&engine, Queue::All, "3"), vec![3]);
    // Candidate groups, also as `@group`.
    assert_eq!(found(&engine, Queue::Open, "@ops"), vec![1, 4, 5]);
    assert_eq!(
        found(&engine, Queue::Open, "nothing-like-it"),
        Vec::<u64>::new()
    );
    // The queue's rules still apply.
    assert_eq!(found(&engine, Queue::Closed, "sap"), Vec::<u64>::new());
}

#[test]
fn every_word_of_a_needle_must_match() {
    let (_dir, engine) = sample();
    // "access" in case 1's and 4's titles; "sap" in both; not in the same order of words.
    assert_eq!(found(&engine, Queue::Open, "sap access"), vec![1, 4]);
    assert_eq!(found(&engine, Queue::Open, "access  SAP"), vec![1, 4]);
    // Words may match different fields: the title and the object.
    assert_eq!(found(&engine, Queue::Open, "ann smith"), vec![1]);
    assert_eq!(found(&engine, Queue::Open, "review sap"), vec![4]);
    assert_eq!(
        found(&engine, Queue::Open, "review ldap"),
        Vec::<u64>::new()
    );
    // A one-letter word is matched on the candidates of the others.
    assert_eq!(found(&engine, Queue::Open, "sap w"), vec![4]);
}

#[test]
fn a_claimed_delegated_or_renamed_case_is_found_by_its_new_words() {
    let (_dir, engine) = sample();
    assert_eq!(found(&engine, Queue::Open, "bob"), vec![3]);
    engine
        .execute(
            "bob",
            Command::Claim {
                case: CaseId(1),
                work_item: None,
            },
        )
        .unwrap();
    let mut bob = found(&engine, Queue::Open, "bob");
    bob.sort();
    assert_eq!(bob, vec![1, 3]);
    assert_eq!(found(&engine, Queue::Open, "@ops"), vec![4, 5]);
    // Delegated away from alice to carol: alice's word leaves, carol's comes.
    assert_eq!(found(&engine, Queue::Open, "alice"), vec![2]);
    engine
        .execute(
            "alice",
            Command::Delegate {
                case: CaseId(2),
                work_item: None,
                to: Target::User("carol".into()),
                method: DelegationMethod::Replace,
                comment: None,
            },
        )
        .unwrap();
    assert_eq!(found(&engine, Queue::Open, "alice"), Vec::<u64>::new());
    assert_eq!(found(&engine, Queue::Open, "carol"), vec![2]);
    let store = engine.inspect();
    assert!(store.cases_with_word("carol").unwrap().contains(&CaseId(2)));
    assert!(!store.cases_with_word("alice").unwrap().contains(&CaseId(2)));
    // Renamed (no command renames a case yet: the write set does, as the engine would).
    let old = store.case(CaseId(4)).unwrap().unwrap();
    let mut renamed = old.clone();
    renamed.title = "Access review of Oracle".into();
    let mut ws = WriteSet::default();
    ws.put_case(Some(&old), &renamed);
    store.commit(ws).unwrap();
    assert_eq!(found(&engine, Queue::Open, "sap"), vec![1, 3]);
    assert_eq!(found(&engine, Queue::Open, "oracle"), vec![4]);
    assert_eq!(engine.check().unwrap(), Vec::<String>::new());
}

#[test]
fn a_closed_case_leaves_the_index_and_is_still_found_among_closed_ones() {
    let (_dir, engine) = sample();
    engine
        .execute(
            "root",
            Command::Close {
                case: CaseId(1),
                outcome: None,
                comment: None,
            },
        )
        .unwrap();
    let store = engine.inspect();
    assert!(!store.cases_with_word("sap").unwrap().contains(&CaseId(1)));
    assert!(store.cases_with_word("sap").unwrap().contains(&CaseId(4)));
    // Neither its own words nor its items' holders stay behind.
    let keys = store.index_keys("idx_token").unwrap();
    let ends_with = |k: &Vec<u8>, id: u64| {
        let sep = k.iter().position(|b| *b == 0).unwrap();
        k[sep + 1..].starts_with(&id.to_be_bytes())
    };
    assert!(!keys.iter().any(|k| ends_with(k, 1)));
    assert_eq!(found(&engine, Queue::Open, "sap"), vec![4, 3]);
    assert_eq!(found(&engine, Queue::Closed, "sap"), vec![1]);
    assert_eq!(found(&engine, Queue::All, "sap"), vec![1, 4, 3]);
    assert_eq!(found(&engine, Queue::All, "smith"), vec![1]);
    assert_eq!(engine.check().unwrap(), Vec::<String>::new());
}

#[test]
fn hostile_fields_stay_bounded_and_are_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = setup(dir.path());
    let long = format!("x{}needle", "y".repeat(500));
    let many: String = (0..200).map(|i| format!("w{i} ")).collect();
    new_case(
        &engine,
        &long,
        None,
        Some("nul\0inside"),
        Target::User("bob".into()),
    );
    new_case(&engine, &many, None, None, Target::User("bob".into()));
    new_case(&engine, "plain", None, None, Target::User("bob".into()));
    let keys = engine.inspect().index_keys("idx_token").unwrap();
    assert!(keys.len() < 400, "{} keys", keys.len());
    assert!(keys.iter().all(|k| k.len() <= 4 * 16 + 1 + 16));
    assert_eq!(found(&engine, Queue::Open, "needle"), vec![1]);
    assert_eq!(found(&engine, Queue::Open, "w199"), vec![2]);
    assert_eq!(found(&engine, Queue::Open, "inside"), vec![1]);
    assert_eq!(found(&engine, Queue::Open, "pla"), vec![3]);
    assert_eq!(engine.check().unwrap(), Vec::<String>::new());
}

/// Times (printed, not asserted) of a filter over a generated store, in this (debug) build:
/// `CASEBENCH_FILTER_N` cases (default 3,000, at most 100,000), 90% open.
#[test]
fn filter_timing_over_a_generated_store() {
    let n: usize = std::env::var("CASEBENCH_FILTER_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
        .min(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gen");
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    let spec = casebench::engine::generate::GenSpec {
        cases: n,
        open_ratio: 0.9,
        users: 200,
        groups: 20,
        due_now: 0,
        seed: 7,
        span_days: 90,
        archive_before: None,
    };
    let t = std::time::Instant::now();
    Engine::generate(&path, now, &spec).unwrap();
    let generated = t.elapsed();
    let clock = Arc::new(ManualClock::new(now));
    let engine = Engine::open(&path, clock).unwrap();
    let tokens = engine.inspect().index_keys("idx_token").unwrap();
    let token_bytes: usize = tokens.iter().map(|k| k.len()).sum();
    let vocab = engine.inspect().index_keys("idx_vocab").unwrap().len();
    let raw = engine.inspect().raw_size().unwrap();
    println!(
        "{n} cases generated in {generated:?}; idx_token {} keys, {token_bytes} key bytes, idx_vocab {vocab} keys, of {raw} raw bytes",
        tokens.len()
    );
    // The generator's large write sets keep both indexes exact (check compares them).
    assert_eq!(engine.check().unwrap(), Vec::<String>::new());
    for needle in ["sap", "oracle-dwh", "u00012", "c-1234", "ccount", "zzz"] {
        let q = CaseQuery {
            queue: Queue::Open,
            filter: Some(needle.into()),
            limit: Some(50),
            ..Default::default()
        };
        let t = std::time::Instant::now();
        let list = engine.list_cases("admin", &q).unwrap();
        let indexed = t.elapsed();
        let t = std::time::Instant::now();
        let scanned = engine.list_scanning("admin", &q).unwrap();
        let scan = t.elapsed();
        let ids =
            |l: &casebench::api::CaseList| -> Vec<u64> { l.cases.iter().map(|r| r.id.0).collect() };
        assert_eq!(ids(&list), ids(&scanned), "{needle}");
        assert_eq!(list.total, scanned.total, "{needle}");
        println!(
            "filter {needle:?}: {} of {} open; index {indexed:?}, scan {scan:?}",
            list.cases.len(),
            list.total
        );
    }
}

/// The chunks (`word ‖ 0 ‖ bucket`) `idx_token` holds for `word`, as sled holds them.
fn chunks_of(engine: &Engine, word: &str) -> usize {
    let prefix = [word.as_bytes(), &[0u8][..]].concat();
    let chunks = engine.inspect().token_chunks().unwrap();
    chunks
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix))
        .count()
}

#[test]
fn ids_are_found_by_their_fragments_and_a_shared_word_is_one_key_per_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let engine = setup(dir.path());
    for _ in 0..300 {
        let title = "Shared quarterly review";
        new_case(&engine, title, None, None, Target::User("bob".into()));
    }
    for case in [12, 120, 299] {
        let close = Command::Close {
            case: CaseId(case),
            outcome: None,
            comment: None,
        };
        engine.execute("root", close).unwrap();
    }
    // 300 cases (ids 1..=300: buckets 0 and 1) share "quarterly" and "bob": two keys each,
    // holding 297 logical entries.
    assert_eq!(chunks_of(&engine, "quarterly"), 2);
    assert!(chunks_of(&engine, "bob") <= 2);
    let entries = engine.inspect().index_keys("idx_token").unwrap();
    let quarterly = entries
        .iter()
        .filter(|k| k.starts_with(b"quarterly\0"))
        .count();
    assert_eq!(quarterly, 297);
    // No id is a word of the index.
    assert!(!entries.iter().any(|k| k.starts_with(b"c-")));
    assert_eq!(chunks_of(&engine, "c-1"), 0);
    // Fragments of ids, as the scan finds them (`found` compares).
    let open = |f| found(&engine, Queue::Open, f);
    // c-12 and c-120..c-129, but for the closed c-12 and c-120.
    assert_eq!(open("c-12").len(), 9);
    assert!(open("12").contains(&212));
    assert!(!open("12").contains(&12));
    assert_eq!(open("c-123"), vec![123]);
    assert_eq!(open("C-7"), open("c-7"));
    assert!(open("-29").contains(&290));
    assert_eq!(open("c-").len(), 297);
    assert_eq!(open("c-1 quarterly").len(), open("c-1").len());
    assert_eq!(found(&engine, Queue::All, "c-12").len(), 11);
    assert_eq!(found(&engine, Queue::All, "c-299"), vec![299]);
    assert!(open("c-299").is_empty());
    assert!(open("c-3000").is_empty());
    assert!(open("c1").is_empty());
    assert_eq!(engine.check().unwrap(), Vec::<String>::new());
}

/// The ranked filter (the open queue from the index alone) walks the deadline order for
/// its page: each page is the scan's, whatever the relevance of the cases met first.
#[test]
fn a_ranked_page_is_the_scans_whatever_the_walk_meets_first() {
    casebench::engine::set_filter_read_all_below(0);
    let dir = tempfile::tempdir().unwrap();
    let engine = setup(dir.path());
    let titles = [
        "alpha xbetax",  // exact, inside: weakest 1
        "alphas betas",  // prefix, prefix: weakest 2
        "alpha beta",    // exact, exact: weakest 3
        "xalphax beta",  // inside, exact: weakest 1
        "alpha only",    // no beta
        "beta alphabet", // exact, prefix
    ];
    for (i, title) in titles.iter().enumerate() {
        // The first case has the earliest deadline, the last none.
        let deadline = (i + 1 < titles.len()).then(|| {
            Utc.with_ymd_and_hms(2026, 11, 2 + i as u32, 9, 0, 0)
                .unwrap()
        });
        let case = NewCase {
            kind: CaseKind::Generic,
            title: (*title).into(),
            description: None,
            resource: None,
            object: None,
            target: Target::User("alice".into()),
            deadline,
            deadline_in: None,
            policy: None,
        };
        engine.execute("root", Command::CreateCase(case)).unwrap();
    }
    // 0: every relevance is walked; 2: one of a single case is read whole.
    for (limit, small) in [Some(1), Some(2), Some(3), None]
        .into_iter()
        .flat_map(|l| [(l, 0), (l, 2)])
    {
        casebench::engine::set_filter_read_all_below(small);
        let q = CaseQuery {
            queue: Queue::Open,
            filter: Some("alpha beta".into()),
            limit,
            ..Default::default()
        };
        let list = engine.list_cases("root", &q).unwrap();
        let scanned = engine.list_scanning("root", &q).unwrap();
        let ids =
            |l: &casebench::api::CaseList| -> Vec<u64> { l.cases.iter().map(|r| r.id.0).collect() };
        assert_eq!(ids(&list), ids(&scanned), "limit {limit:?}, small {small}");
        assert_eq!(list.total, 5);
    }
    let all = CaseQuery {
        queue: Queue::Open,
        filter: Some("alpha beta".into()),
        ..Default::default()
    };
    let ids: Vec<u64> = engine
        .list_cases("root", &all)
        .unwrap()
        .cases
        .iter()
        .map(|r| r.id.0)
        .collect();
    assert_eq!(ids, vec![3, 2, 6, 1, 4]);
}
