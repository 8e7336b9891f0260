//! The archive of closed cases through the engine on a simulated clock: archive, then
//! reopen the store; every archived case reads as it did (detail, history, JSON), the
//! archived list has them newest closing first, the hot counters and indexes are right
//! (`check` clean), changes to an archived case are refused and change nothing, and the KPI
//! report over the period gives the same figures before and after.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{
    Answer, ApiError, CaseList, CaseQuery, Command, KpiArgs, KpiReport, NewCase, Query, Queue,
    Service, ServiceExt, SweepArgs, UserRecord,
};
use casebench::domain::{CaseId, CaseKind, CaseState, Outcome, Target};
use casebench::engine::{Clock, Engine, ManualClock};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

struct World {
    e: Engine,
    clock: Arc<ManualClock>,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

fn users() -> Vec<UserRecord> {
    ["carol", "dave"]
        .iter()
        .enumerate()
        .map(|(i, l)| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: format!("{l}@example.org"),
            manager: None,
            groups: vec!["ops".into()],
            calendar: None,
        })
        .collect()
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let clock = Arc::new(ManualClock::new(t0()));
        let e = Engine::init(&path, clock.clone(), "root", &[]).unwrap();
        e.execute("root", Command::ImportUsers { users: users() })
            .unwrap();
        World {
            e,
            clock,
            path,
            _dir: dir,
        }
    }

    fn reopen(self) -> World {
        let World {
            e,
            clock,
            path,
            _dir,
        } = self;
        drop(e);
        let e = Engine::open(&path, clock.clone()).unwrap();
        World {
            e,
            clock,
            path,
            _dir,
        }
    }

    fn case(&self, title: &str) -> CaseId {
        let new = NewCase {
            kind: CaseKind::Generic,
            title: title.into(),
            description: Some("archive me".into()),
            resource: Some("ldap".into()),
            object: None,
            target: Target::User("carol".into()),
            deadline: Some(self.clock.now() + Duration::days(2)),
            deadline_in: None,
            policy: None,
        };
        let c = Command::CreateCase(new);
        self.e.execute("root", c).unwrap().case.unwrap()
    }

    fn later(&self, hours: i64) {
        self.clock.set(self.clock.now() + Duration::hours(hours));
    }

    fn kpi(&self) -> KpiReport {
        let args = KpiArgs {
            since: t0() - Duration::days(1),
            until: t0() + Duration::days(200),
            by: None,
        };
        match self.e.query("root", Query::KpiReport(args)).unwrap() {
            Answer::KpiReport(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn archived(&self, limit: Option<usize>) -> CaseList {
        let q = CaseQuery {
            queue: Queue::Closed,
            limit,
            ..CaseQuery::default()
        };
        match self.e.query("root", Query::ArchivedCases(q)).unwrap() {
            Answer::Cases(l) => l,
            other => panic!("{other:?}"),
        }
    }

    fn archive(&self, actor: &str, before: DateTime<Utc>) -> Result<u64, ApiError> {
        let c = Command::Archive {
            before,
            dry_run: false,
            max: None,
        };
        Ok(self.e.execute(actor, c)?.archive.unwrap().archived)
    }
}

/// Sixty cases over two months: completed, cancelled, commented after closing, some left
/// open; the ids that closed (in closing order).
fn work(w: &World) -> Vec<CaseId> {
    let mut closed = vec![];
    for i in 0..60 {
        let c = w.case(&format!("account {i} on SAP-HR"));
        w.later(3);
        let comment = Command::Comment {
            case: c,
            text: format!("looking at {i}"),
        };
        w.e.execute("carol", comment).unwrap();
        w.later(i % 7 * 10);
        match i % 6 {
            0 => continue,
            1 => {
                let cancel = Command::Cancel {
                    case: c,
                    comment: Some("not needed".into()),
                };
                w.e.execute("root", cancel).unwrap();
            }
            _ => {
                let done = Command::Complete {
                    case: c,
                    work_item: None,
                    outcome: Outcome::Success,
                    comment: Some("done".into()),
                };
                w.e.execute("carol", done).unwrap();
            }
        }
        if i % 5 == 0 {
            let late = Command::Comment {
                case: c,
                text: "a late word".into(),
            };
            w.e.execute("dave", late).unwrap();
        }
        closed.push(c);
    }
    closed
}

#[test]
fn archived_cases_read_as_before_and_the_hot_store_stays_consistent() {
    let w = World::new();
    let closed = work(&w);
    let detail: Vec<_> = closed
        .iter()
        .map(|c| w.e.show_case("root", *c).unwrap())
        .collect();
    let history: Vec<_> = closed
        .iter()
        .map(|c| w.e.case_history("root", *c).unwrap())
        .collect();
    // Each case as it stood an hour before it closed, and the case of each work item.
    let as_of = |w: &World, c: CaseId, at: DateTime<Utc>| match w
        .e
        .query("root", Query::CaseAsOf { case: c, at })
        .unwrap()
    {
        Answer::CaseAsOf(p) => p.detail,
        other => panic!("{other:?}"),
    };
    let before_close: Vec<_> = detail
        .iter()
        .map(|d| d.case.closed.unwrap() - Duration::hours(1))
        .collect();
    let past: Vec<_> = closed
        .iter()
        .zip(&before_close)
        .map(|(c, at)| as_of(&w, *c, *at))
        .collect();
    assert!(past.iter().all(|p| p.case.state.is_active()));
    // The queues as they stood in the middle of the work, and at its end.
    let queues_as_of = |w: &World| -> Vec<Vec<String>> {
        let mut out = vec![];
        for at in [before_close[closed.len() / 2], w.clock.now()] {
            for queue in [Queue::Open, Queue::Closed, Queue::All, Queue::Mine] {
                let q = CaseQuery {
                    queue,
                    ..CaseQuery::default()
                };
                let list = w.e.list_cases_as_of("carol", &q, at).unwrap();
                let mut ids: Vec<String> = list.cases.iter().map(|r| r.id.to_string()).collect();
                ids.push(format!("{queue:?} total {}", list.total));
                out.push(ids);
            }
        }
        out
    };
    let queues_then = queues_as_of(&w);
    assert!(queues_then.iter().flatten().count() > 20);
    let kpi = w.kpi();
    assert_eq!(w.e.check().unwrap(), Vec::<String>::new());
    let hot_closed = w.e.inspect().count_in_state(CaseState::Closed).unwrap();

    // Everything closed by the end of the work is older than a cut-off at its end.
    w.later(24 * 100);
    let before = w.clock.now() - Duration::days(90);
    let n = w.archive("root", before).unwrap();
    assert_eq!(n as usize, closed.len());
    let w = w.reopen();

    assert_eq!(w.e.check().unwrap(), Vec::<String>::new());
    for (i, c) in closed.iter().enumerate() {
        let d = w.e.show_case("root", *c).unwrap();
        let at = d.archived.expect("marked archived");
        assert_eq!(at, w.clock.now());
        assert_eq!(
            (&d.case, &d.work_items, &d.comments),
            (&detail[i].case, &detail[i].work_items, &detail[i].comments)
        );
        let h = w.e.case_history("root", *c).unwrap();
        assert_eq!(h.events, history[i].events);
        // `case show W-…` finds the case of an archived work item.
        for item in &detail[i].work_items {
            assert_eq!(w.e.case_of_work_item("root", item.id).unwrap(), *c);
        }
        // `--as-of` replays an archived case's history as it did a hot one's.
        let p = as_of(&w, *c, before_close[i]);
        assert_eq!(
            (&p.case, &p.work_items),
            (&past[i].case, &past[i].work_items)
        );
        assert!(
            w.e.inspect().case(*c).unwrap().is_none(),
            "gone from the hot store"
        );
        let json = serde_json::to_value(&d).unwrap();
        assert!(json["archived"].is_string(), "{json}");
    }
    // `--as-of` lists count archived cases where they stood.
    assert_eq!(queues_as_of(&w), queues_then);
    // The work-item indexes are derived: removed, they are rebuilt from the segments.
    let wix: Vec<PathBuf> = std::fs::read_dir(w.path.join("archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wix"))
        .collect();
    assert!(
        !wix.is_empty(),
        "the archive run wrote its work-item indexes"
    );
    for p in &wix {
        std::fs::remove_file(p).unwrap();
    }
    let last = &detail[closed.len() - 1].work_items[0];
    assert_eq!(
        w.e.case_of_work_item("root", last.id).unwrap(),
        closed[closed.len() - 1]
    );
    assert!(
        wix.iter().any(|p| p.exists()),
        "rebuilt for the next lookup"
    );
    let unknown = casebench::domain::WorkItemId(1 << 40);
    assert!(matches!(
        w.e.case_of_work_item("root", unknown),
        Err(ApiError::NotFound(_))
    ));
    // Counters and indexes of the hot store count only what it holds.
    let st = w.e.inspect();
    assert_eq!(st.count_in_state(CaseState::Closed).unwrap(), 0);
    assert_eq!(st.count_in_state(CaseState::Cancelled).unwrap(), 0);
    assert!(hot_closed > 0);
    let open =
        w.e.list_cases(
            "root",
            &CaseQuery {
                queue: Queue::Open,
                ..CaseQuery::default()
            },
        )
        .unwrap();
    assert_eq!(open.total, 60 - closed.len());
    let hot =
        w.e.list_cases(
            "root",
            &CaseQuery {
                queue: Queue::Closed,
                ..CaseQuery::default()
            },
        )
        .unwrap();
    assert_eq!(hot.total, 0);
    let filtered =
        w.e.list_cases(
            "root",
            &CaseQuery {
                queue: Queue::All,
                filter: Some("sap-hr".into()),
                ..CaseQuery::default()
            },
        )
        .unwrap();
    assert_eq!(
        filtered.total,
        60 - closed.len(),
        "the token index forgot the archived cases"
    );

    // The archived list: newest closing first, paged by --limit, counted whole.
    let list = w.archived(None);
    assert_eq!(list.total, closed.len());
    let ids: Vec<CaseId> = list.cases.iter().map(|r| r.id).collect();
    let mut newest_first = closed.clone();
    newest_first.reverse();
    assert_eq!(ids, newest_first);
    assert!(list.cases.iter().all(|r| r.archived.is_some()));
    let page = w.archived(Some(5));
    assert_eq!((page.total, page.cases.len()), (closed.len(), 5));

    // Read-only: every change refused with the reason, nothing written.
    let events = w.e.inspect().event_count();
    let c = closed[0];
    let refused = w.e.execute(
        "carol",
        Command::Comment {
            case: c,
            text: "hello?".into(),
        },
    );
    match refused {
        Err(ApiError::IllegalState(m)) => {
            assert!(
                m.contains(&format!("{c} is archived ("))
                    && m.ends_with("archived cases are read-only"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    let close = Command::Close {
        case: c,
        outcome: None,
        comment: None,
    };
    assert!(matches!(
        w.e.execute("root", close),
        Err(ApiError::IllegalState(_))
    ));
    assert_eq!(w.e.inspect().event_count(), events);
    assert_eq!(
        w.e.show_case("root", c).unwrap().comments,
        detail[0].comments
    );

    // The KPI report counts archived cases in the period they closed in, from each month's
    // facts file: written by the first report, read by the next; damaged, it is rebuilt.
    assert_eq!(w.kpi(), kpi);
    let kfx = |w: &World| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(w.path.join("archive"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "kfx"))
            .collect();
        v.sort();
        v
    };
    let files = kfx(&w);
    assert!(!files.is_empty(), "the report wrote the months' facts");
    assert_eq!(w.kpi(), kpi);
    let mut bytes = std::fs::read(&files[0]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&files[0], &bytes).unwrap();
    assert_eq!(
        w.kpi(),
        kpi,
        "a damaged facts file is rebuilt, not believed"
    );
    assert_ne!(std::fs::read(&files[0]).unwrap(), bytes);

    // Again: nothing left to do, nothing appended twice.
    assert_eq!(w.archive("root", before).unwrap(), 0);
    let status = match w.e.query("root", Query::ArchiveStatus).unwrap() {
        Answer::Archive(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(status.cases as usize, closed.len());
    assert!(status.months.len() >= 2, "{:?}", status.months);

    // What the archived cases left in the hot store (events, search entries) goes with the
    // next sweep; the archive still has every event.
    let before_sweep = w.e.inspect().event_count();
    let swept = w.e.sweep("root", SweepArgs::due()).unwrap();
    assert_eq!(swept.archive_cleared as usize, closed.len());
    assert!(w.e.inspect().event_count() < before_sweep);
    assert!(w.e.inspect().index_keys("idx_evicted").unwrap().is_empty());
    for c in &closed {
        assert!(w.e.inspect().case_events(*c).unwrap().is_empty());
    }
    assert_eq!(w.e.check(), Ok(vec![]));
    for (i, c) in closed.iter().enumerate() {
        assert_eq!(
            w.e.case_history("root", *c).unwrap().events,
            history[i].events
        );
    }
    assert_eq!(w.kpi(), kpi);
    let again = w.e.sweep("root", SweepArgs::due()).unwrap();
    assert_eq!(again.archive_cleared, 0);
}

#[test]
fn only_cases_closed_before_the_cut_off_go_and_new_work_goes_on() {
    let w = World::new();
    let closed = work(&w);
    // Cut in the middle of the work: the older half goes, the rest stays hot.
    let first =
        w.e.show_case("root", closed[0])
            .unwrap()
            .case
            .closed
            .unwrap();
    let last =
        w.e.show_case("root", *closed.last().unwrap())
            .unwrap()
            .case
            .closed
            .unwrap();
    let middle = first + (last - first) / 2;
    let n = w.archive("root", middle).unwrap() as usize;
    assert!(n > 0 && n < closed.len(), "{n}");
    let gone: BTreeSet<CaseId> = closed
        .iter()
        .copied()
        .filter(|c| w.e.inspect().case(*c).unwrap().is_none())
        .collect();
    assert_eq!(gone.len(), n);
    for c in &gone {
        let closed_at = w.e.show_case("root", *c).unwrap().case.closed.unwrap();
        assert!(closed_at < middle);
    }
    assert_eq!(w.e.check().unwrap(), Vec::<String>::new());
    // Work goes on beside the archive: new ids do not collide with archived ones.
    let fresh = w.case("after the archive");
    assert!(!gone.contains(&fresh) && fresh.0 > closed.last().unwrap().0);
    assert_eq!(w.e.check().unwrap(), Vec::<String>::new());
}

#[test]
fn bad_input_changes_nothing() {
    let w = World::new();
    work(&w);
    let events = w.e.inspect().event_count();
    match w.archive("carol", w.clock.now()) {
        Err(ApiError::NotAllowed(_)) => {}
        other => panic!("{other:?}"),
    }
    match w.archive("root", w.clock.now() + Duration::days(1)) {
        Err(ApiError::BadInput(m)) => assert!(m.contains("in the future"), "{m}"),
        other => panic!("{other:?}"),
    }
    let q = CaseQuery {
        queue: Queue::Open,
        ..CaseQuery::default()
    };
    assert!(matches!(
        w.e.query("root", Query::ArchivedCases(q)),
        Err(ApiError::BadInput(_))
    ));
    assert_eq!(w.e.inspect().event_count(), events);
    // A dry run counts and moves nothing.
    let dry = Command::Archive {
        before: w.clock.now(),
        dry_run: true,
        max: None,
    };
    let r = w.e.execute("root", dry).unwrap().archive.unwrap();
    assert!(r.archived > 0 && r.total == 0);
    assert_eq!(w.e.inspect().event_count(), events);
    assert!(!w.path.join("archive").exists());
}
