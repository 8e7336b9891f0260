//! A request's validity through the engine on a simulated clock, days counted in the
//! shop's zone (Europe/Berlin here): valid-until recomputed at the last approval, the
//! requester's earlier valid-until kept, a period already over aborting the request, and
//! the gap rules (which requests count, how a new one must fit between them).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

use casebench::api::{ApiError, Command, UserRecord};
use casebench::domain::{RequestId, RequestState};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_catalogue_toml;

/// A time on Berlin's wall clock.
fn at(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Berlin
        .with_ymd_and_hms(y, m, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

const SHOP: &str = r#"zone = "Europe/Berlin"

[[product]]
id = "vpn"
policy = "manager"
unsubscription_policy = "manager"
validity = "90d"

[[policy]]
name = "manager"
[[policy.level]]
[[policy.level.step]]
approvers = "manager"
"#;

struct World {
    e: Engine,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// ann manages bob; the shop is `products` (a products file).
fn world(now: DateTime<Utc>, products: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let users = [("ann", None), ("bob", Some("ann"))]
        .iter()
        .enumerate()
        .map(|(i, (l, m))| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: format!("{l}@example.org"),
            manager: m.map(String::from),
            groups: vec![],
            calendar: None,
        })
        .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let w = World {
        e,
        clock,
        _dir: dir,
    };
    w.import(products).unwrap();
    w
}

impl World {
    fn import(&self, toml: &str) -> Result<String, ApiError> {
        let (import, _) = parse_catalogue_toml("p.toml", toml)?;
        self.e
            .execute("root", Command::ImportCatalogue(import))
            .map(|a| a.message)
    }

    fn ask(
        &self,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<RequestId, ApiError> {
        Ok(self
            .e
            .execute(
                "bob",
                Command::RequestAccess {
                    product: "vpn".into(),
                    recipient: None,
                    valid_from: from,
                    valid_until: until,
                    notice_secs: None,
                    reason: None,
                },
            )?
            .request
            .unwrap())
    }

    fn decide(&self, r: RequestId, approve: bool) {
        self.e
            .execute(
                "ann",
                Command::Decide {
                    request: r,
                    work_item: None,
                    approve,
                    comment: None,
                },
            )
            .unwrap();
    }

    fn until(&self, r: RequestId) -> Option<DateTime<Utc>> {
        self.e.inspect().request(r).unwrap().unwrap().valid_until
    }

    fn state(&self, r: RequestId) -> RequestState {
        self.e.inspect().request(r).unwrap().unwrap().state
    }
}

/// Seed 003's dated example, request and approval: a 90-day product requested
/// 2017-01-02 and approved 2017-01-05 is valid until 2017-04-05 23:59 Berlin time (the
/// day of approval is day 0; the seed's 04-01 at request counted the first day as day 1).
#[test]
fn the_dated_example_counts_from_the_approval_to_23_59_local() {
    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    assert_eq!(
        w.e.inspect().shop_settings().unwrap().zone.as_deref(),
        Some("Europe/Berlin")
    );
    let r = w.ask(None, None).unwrap();
    assert_eq!(w.until(r), None, "nothing computed before the approval");
    w.clock.set(at(2017, 1, 5, 9, 30));
    w.decide(r, true);
    assert_eq!(w.state(r), RequestState::Assigned);
    // 2017-04-05 is in summer time: 23:59 CEST is 21:59 UTC.
    assert_eq!(w.until(r), Some(at(2017, 4, 5, 23, 59)));
    assert_eq!(
        w.until(r),
        Some(Utc.with_ymd_and_hms(2017, 4, 5, 21, 59, 0).unwrap())
    );
}

/// The dated example's renewal and cancellation: renewal asked 2017-03-31 for 2017-04-30
/// 12:00, approved 04-02: the asked end is kept (earlier than 04-02 + 90 days). Then a
/// cancellation asked 04-10 from 04-14, approved 04-11: valid until 04-11 23:59 — an
/// approved unsubscription's date never lies past the end of the day it is approved.
#[test]
fn the_dated_example_renewal_keeps_the_asked_end_and_the_cancellation_ends_that_day() {
    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    let r = w.ask(None, None).unwrap();
    w.clock.set(at(2017, 1, 5, 9, 30));
    w.decide(r, true);
    w.clock.set(at(2017, 3, 31, 10, 0));
    w.e.execute(
        "bob",
        Command::Renew {
            request: r,
            until: at(2017, 4, 30, 12, 0),
        },
    )
    .unwrap();
    assert_eq!(w.state(r), RequestState::Renewal);
    w.clock.set(at(2017, 4, 2, 10, 0));
    w.decide(r, true);
    assert_eq!(w.state(r), RequestState::Assigned);
    assert_eq!(w.until(r), Some(at(2017, 4, 30, 12, 0)));

    w.clock.set(at(2017, 4, 10, 15, 0));
    w.e.execute(
        "bob",
        Command::CancelRequest {
            request: r,
            from: Some(at(2017, 4, 14, 0, 0)),
        },
    )
    .unwrap();
    assert_eq!(w.state(r), RequestState::Unsubscription);
    assert_eq!(
        w.until(r),
        Some(at(2017, 4, 30, 12, 0)),
        "unchanged while in approval"
    );
    w.clock.set(at(2017, 4, 11, 9, 0));
    w.decide(r, true);
    assert_eq!(
        w.state(r),
        RequestState::Assigned,
        "held until the end of the day"
    );
    assert_eq!(w.until(r), Some(at(2017, 4, 11, 23, 59)));
    let events = w.e.inspect().request_events(r).unwrap();
    let why = events.iter().rev().find_map(|e| e.why.clone()).unwrap();
    assert!(
        why.contains("the access ends at 2017-04-11T21:59:00Z"),
        "{why}"
    );
}

/// A date earlier than the end of the approval day is kept as asked.
#[test]
fn an_approved_unsubscription_keeps_an_earlier_date() {
    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    let r = w.ask(None, None).unwrap();
    w.decide(r, true);
    w.clock.set(at(2017, 2, 1, 8, 0));
    w.e.execute(
        "bob",
        Command::CancelRequest {
            request: r,
            from: Some(at(2017, 2, 1, 18, 0)),
        },
    )
    .unwrap();
    w.clock.set(at(2017, 2, 1, 9, 0));
    w.decide(r, true);
    assert_eq!(w.until(r), Some(at(2017, 2, 1, 18, 0)));
}

#[test]
fn a_valid_from_counts_from_that_day_and_an_earlier_own_until_is_kept() {
    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    let later = w.ask(Some(at(2017, 2, 1, 8, 0)), None).unwrap();
    let own = w.ask(None, Some(at(2017, 2, 1, 12, 0)));
    // The default gap rule: one live request of the product.
    assert!(matches!(own, Err(ApiError::IllegalState(_))), "{own:?}");
    w.clock.set(at(2017, 1, 5, 9, 30));
    w.decide(later, true);
    assert_eq!(w.state(later), RequestState::Pending);
    assert_eq!(w.until(later), Some(at(2017, 5, 2, 23, 59)));

    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    let own = w.ask(None, Some(at(2017, 2, 1, 12, 0))).unwrap();
    w.clock.set(at(2017, 1, 5, 9, 30));
    w.decide(own, true);
    assert_eq!(w.until(own), Some(at(2017, 2, 1, 12, 0)));

    let too_long = w.ask(None, Some(at(2017, 6, 1, 0, 0))).unwrap_err();
    assert_eq!(
        too_long.to_string(),
        "vpn is granted for at most 90d: valid-until is later than 2017-04-05 23:59 (Europe/Berlin)"
    );
}

#[test]
fn a_period_over_when_the_last_approval_comes_aborts_the_request() {
    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    let r = w.ask(None, Some(at(2017, 1, 10, 12, 0))).unwrap();
    w.clock.set(at(2017, 1, 12, 9, 0));
    w.decide(r, true);
    assert_eq!(w.state(r), RequestState::Aborted);
    let detail = w.e.inspect().request_events(r).unwrap();
    let why = detail.iter().rev().find_map(|e| e.why.clone()).unwrap();
    assert_eq!(
        why,
        "its validity period ended at 2017-01-10 12:00 (Europe/Berlin), before the last approval came"
    );
    let outbox = w.e.inspect().notifications(false, usize::MAX).unwrap();
    assert!(
        outbox
            .iter()
            .any(|n| n.subject.contains("aborted") && n.body.contains("ended at 2017-01-10")),
        "{outbox:?}"
    );

    // From a valid-from: 90 days from 2017-01-03 ended 2017-04-03 23:59.
    let w = world(at(2017, 1, 2, 10, 0), SHOP);
    let r = w.ask(Some(at(2017, 1, 3, 0, 0)), None).unwrap();
    w.clock.set(at(2017, 4, 4, 0, 0));
    w.decide(r, true);
    assert_eq!(w.state(r), RequestState::Aborted);
    assert_eq!(w.until(r), Some(at(2017, 4, 3, 23, 59)));

    let gone = w.ask(Some(at(2017, 1, 1, 0, 0)), None).unwrap_err();
    assert_eq!(
        gone.to_string(),
        "the validity period of vpn from 2017-01-01 ended at 2017-04-01 23:59 (Europe/Berlin)"
    );
}

/// bob's vpn on 2026-11-01 08:00, under `[gap] counts = all, fitting = "no-overlap"`:
/// A assigned until 2026-12-01, B approved for January, C in approval for March.
fn three_requests() -> (World, [RequestId; 3]) {
    let no_overlap = SHOP.replace(
        "[[product]]",
        "[gap]\ncounts = [\"pending\", \"approved\", \"assigned\"]\nfitting = \"no-overlap\"\n\n[[product]]",
    );
    let w = world(at(2026, 11, 1, 8, 0), &no_overlap);
    let a = w.ask(None, Some(at(2026, 12, 1, 0, 0))).unwrap();
    w.decide(a, true);
    let b = w
        .ask(Some(at(2027, 1, 1, 0, 0)), Some(at(2027, 2, 1, 0, 0)))
        .unwrap();
    w.decide(b, true);
    let c = w
        .ask(Some(at(2027, 3, 1, 0, 0)), Some(at(2027, 4, 1, 0, 0)))
        .unwrap();
    assert_eq!(
        [a, b, c].map(|r| w.state(r)),
        [
            RequestState::Assigned,
            RequestState::Pending,
            RequestState::Request
        ]
    );
    (w, [a, b, c])
}

impl World {
    /// Gives vpn its own gap rule (`gap = {…}`).
    fn rule(&self, gap: &str) {
        let toml = SHOP.replace(
            "validity = \"90d\"",
            &format!("validity = \"90d\"\ngap = {gap}"),
        );
        self.import(&toml).unwrap();
    }

    /// A request for the days given is refused; the message.
    fn refused(&self, from: (u32, u32), until: (u32, u32)) -> String {
        match self.ask(Some(day(from)), Some(day(until))) {
            Err(ApiError::IllegalState(m)) => m,
            other => panic!("{from:?}–{until:?}: {other:?}"),
        }
    }

    /// A request for the days given is accepted (and denied again, so it counts no more).
    fn accepted(&self, from: (u32, u32), until: (u32, u32)) {
        let r = self.ask(Some(day(from)), Some(day(until))).unwrap();
        self.decide(r, false);
    }
}

/// (month, day) at midnight in Berlin, 2026-11 to 2027-10.
fn day((m, d): (u32, u32)) -> DateTime<Utc> {
    at(if m >= 11 { 2026 } else { 2027 }, m, d, 0, 0)
}

#[test]
fn gap_counts_choose_which_requests_collide() {
    let (w, [a, b, c]) = three_requests();
    w.rule(r#"{ counts = ["pending"], fitting = "no-overlap" }"#);
    assert_eq!(
        w.refused((3, 15), (3, 20)),
        format!("bob already has vpn {c} (in approval) from 2027-03-01 to 2027-04-01; free: before 2027-03-01, after 2027-04-01")
    );
    w.accepted((1, 10), (1, 20));
    w.rule(r#"{ counts = ["approved"], fitting = "no-overlap" }"#);
    assert_eq!(
        w.refused((1, 10), (1, 20)),
        format!("bob already has vpn {b} (approved) from 2027-01-01 to 2027-02-01; free: before 2027-01-01, after 2027-02-01")
    );
    w.accepted((3, 10), (3, 20));
    w.rule(r#"{ counts = ["assigned"], fitting = "no-overlap" }"#);
    assert_eq!(
        w.refused((11, 10), (11, 20)),
        format!("bob already has vpn {a} (assigned) from 2026-11-01 08:00 to 2026-12-01; free: after 2026-12-01")
    );
    w.accepted((1, 10), (1, 20));
}

#[test]
fn gap_fitting_overlap_no_overlap_unchecked() {
    let (w, [a, b, c]) = three_requests();
    // no-overlap (the store-wide rule): only what fits a free slot whole.
    assert_eq!(
        w.refused((11, 20), (12, 10)),
        format!("bob already has vpn {a} (assigned) from 2026-11-01 08:00 to 2026-12-01; free: 2026-12-01 to 2027-01-01, 2027-02-01 to 2027-03-01")
    );
    w.accepted((12, 2), (12, 20));
    // overlap: accepted while some of it is free, refused when all of it is taken.
    w.rule(r#"{ fitting = "overlap" }"#);
    w.accepted((11, 20), (12, 10));
    assert_eq!(
        w.refused((1, 5), (1, 25)),
        format!("bob already has vpn {b} (approved) from 2027-01-01 to 2027-02-01; free: 2026-12-01 to 2027-01-01, 2027-02-01 to 2027-03-01")
    );
    // unchecked: any counted request collides, whenever the new one lies (the newest
    // is named).
    w.rule(r#"{ fitting = "unchecked" }"#);
    assert_eq!(
        w.refused((6, 1), (6, 20)),
        format!("bob already has vpn: {c} is in approval")
    );
    w.rule(r#"{ counts = ["approved", "assigned"], fitting = "unchecked" }"#);
    assert_eq!(
        w.refused((6, 1), (6, 20)),
        format!("bob already has vpn: {b} is pending")
    );
}

#[test]
fn the_zone_and_gap_keys_are_read_and_bad_ones_refused_at_their_line() {
    let w = world(at(2026, 11, 1, 8, 0), SHOP);
    let e = |toml: &str| w.import(toml).unwrap_err().to_string();
    assert!(
        e("zone = \"Mars/Olympus\"\n").starts_with("p.toml:1: invalid time zone \"Mars/Olympus\""),
        "{}",
        e("zone = \"Mars/Olympus\"\n")
    );
    let fitting = e("[gap]\nfitting = \"snug\"\n");
    assert!(
        fitting.starts_with("p.toml:2: unknown variant `snug`"),
        "{fitting}"
    );
    let counts = e("[gap]\ncounts = []\n");
    assert!(
        counts.starts_with("p.toml:2: gap counts names no request state"),
        "{counts}"
    );
    let own = e(&SHOP.replace("validity = \"90d\"", "gap = { counts = [\"sold\"] }"));
    assert!(own.starts_with("p.toml:7: unknown variant `sold`"), "{own}");
    let stored = || w.e.inspect().shop_settings().unwrap();
    assert_eq!(stored().gap, None, "refused imports change nothing");
    let msg = w
        .import("[gap]\nfitting = \"overlap\"\ncounts = [\"assigned\", \"pending\"]\n")
        .unwrap();
    assert!(
        msg.ends_with("; zone Europe/Berlin, gap rule pending|assigned (overlap)"),
        "{msg}"
    );
    assert_eq!(stored().zone.as_deref(), Some("Europe/Berlin"), "kept");
    // A product's gap takes what it leaves out from the file's [gap].
    let (both, _) = parse_catalogue_toml(
        "p.toml",
        "[gap]\nfitting = \"no-overlap\"\n[[product]]\nid = \"vpn\"\ngap = { counts = [\"assigned\"] }\n",
    )
    .unwrap();
    assert_eq!(
        both.products[0]
            .gap
            .as_ref()
            .map(|g| g.to_string())
            .as_deref(),
        Some("assigned (no-overlap)")
    );
    // The engine judges what a remote client sends too.
    let mut bad = casebench::api::CatalogueImport::default();
    bad.settings.zone = Some("Nowhere".into());
    let refused = w.e.execute("root", Command::ImportCatalogue(bad));
    assert!(matches!(refused, Err(ApiError::BadInput(_))), "{refused:?}");
    assert_eq!(stored().zone.as_deref(), Some("Europe/Berlin"));
}
