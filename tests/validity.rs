//! Validity timers of access requests: an access granted for 90 days ends on day 90 even if
//! nobody looks; valid-from starts it; a notice goes out before the end.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{Command, Service, SweepArgs, UserRecord};
use casebench::domain::{EventKind, RequestId, RequestState};
use casebench::engine::{Engine, ManualClock};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

/// The engine and its clock (a sweep fires at the clock: tests move it first).
fn engine(dir: &std::path::Path) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.join("s"), clock.clone(), "root", &[]).unwrap();
    let users = ["alice", "bob"]
        .iter()
        .enumerate()
        .map(|(i, l)| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: format!("{l}@x.org"),
            manager: None,
            groups: vec![],
            calendar: None,
        })
        .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    // Requests name a product of the catalogue.
    let products = vec![casebench::domain::Product::plain("vpn")];
    e.execute(
        "root",
        Command::ImportProducts {
            products,
            policies: vec![],
        },
    )
    .unwrap();
    (e, clock)
}

fn request(
    e: &Engine,
    from: Option<i64>,
    until: Option<i64>,
    notice_days: Option<i64>,
) -> RequestId {
    e.execute(
        "alice",
        Command::RequestAccess {
            product: "vpn".into(),
            recipient: Some("bob".into()),
            valid_from: from.map(|d| t0() + Duration::days(d)),
            valid_until: until.map(|d| t0() + Duration::days(d)),
            notice_secs: notice_days.map(|d| d * 86_400),
            reason: None,
        },
    )
    .unwrap()
    .request
    .unwrap()
}

fn state(e: &Engine, r: RequestId) -> RequestState {
    e.inspect().request(r).unwrap().unwrap().state
}

#[test]
fn ninety_days_end_on_day_ninety() {
    let dir = tempfile::tempdir().unwrap();
    let (e, clock) = engine(dir.path());
    let r = request(&e, None, Some(90), Some(7));
    assert_eq!(state(&e, r), RequestState::Assigned);
    // Day by day, nobody looking but the sweep.
    let mut log = vec![];
    for day in 1..=100 {
        let at = t0() + Duration::days(day);
        clock.set(at);
        for f in e.sweep("root", SweepArgs::at(at)).unwrap().fired {
            log.push((day, f.timer));
        }
    }
    assert_eq!(
        log,
        vec![
            (83, "expiry-notice".to_string()),
            (90, "valid-until".to_string())
        ]
    );
    assert_eq!(state(&e, r), RequestState::Expired);
    assert_eq!(e.inspect().due_count(), 0);
    let events = e.inspect().request_events(r).unwrap();
    let revoked: Vec<_> = events
        .iter()
        .filter(|ev| matches!(ev.what, EventKind::AccessRevoked { .. }))
        .map(|ev| ev.time)
        .collect();
    assert_eq!(revoked, vec![t0() + Duration::days(90)]);
    // Notices to recipient and requester: granted, ends soon, ended.
    let outbox = e.inspect().notifications(false, 20).unwrap();
    assert_eq!(outbox.len(), 6);
}

#[test]
fn valid_from_starts_the_access() {
    let dir = tempfile::tempdir().unwrap();
    let (e, clock) = engine(dir.path());
    let r = request(&e, Some(10), Some(20), None);
    assert_eq!(state(&e, r), RequestState::Pending);
    let at = t0() + Duration::days(9);
    clock.set(at);
    assert!(e.sweep("root", SweepArgs::at(at)).unwrap().fired.is_empty());
    let at = t0() + Duration::days(10);
    clock.set(at);
    let fired = e.sweep("root", SweepArgs::at(at)).unwrap().fired;
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].request, Some(r));
    assert_eq!(state(&e, r), RequestState::Assigned);
    assert!(e
        .inspect()
        .request_events(r)
        .unwrap()
        .iter()
        .any(|ev| matches!(ev.what, EventKind::AccessGranted { .. }) && ev.time == at));
    // A late sweep fires the end, once.
    let late = t0() + Duration::days(60);
    clock.set(late);
    assert_eq!(e.sweep("root", SweepArgs::at(late)).unwrap().fired.len(), 1);
    assert!(e
        .sweep("root", SweepArgs::at(late))
        .unwrap()
        .fired
        .is_empty());
    assert_eq!(state(&e, r), RequestState::Expired);
}

#[test]
fn previews_change_nothing_and_bad_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (e, _clock) = engine(dir.path());
    let r = request(&e, Some(1), Some(5), Some(2));
    let before = (e.inspect().event_count(), e.inspect().request(r).unwrap());
    let preview = e
        .sweep("root", SweepArgs::preview(t0(), t0() + Duration::days(30)))
        .unwrap();
    let kinds: Vec<_> = preview.fired.iter().map(|f| f.timer.as_str()).collect();
    assert_eq!(kinds, vec!["valid-from", "expiry-notice", "valid-until"]);
    assert_eq!(
        (e.inspect().event_count(), e.inspect().request(r).unwrap()),
        before
    );
    for (from, until) in [(Some(5), Some(1)), (None, Some(-1))] {
        let err = e
            .execute(
                "alice",
                Command::RequestAccess {
                    product: "vpn".into(),
                    recipient: None,
                    valid_from: from.map(|d| t0() + Duration::days(d)),
                    valid_until: until.map(|d| t0() + Duration::days(d)),
                    notice_secs: None,
                    reason: None,
                },
            )
            .unwrap_err();
        assert!(
            matches!(err, casebench::api::ApiError::BadInput(_)),
            "{err}"
        );
    }
    assert_eq!(e.inspect().event_count(), before.0);
}
