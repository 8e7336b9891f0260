//! Renewal, unsubscription and cancellation of requests: through the engine on a
//! simulated clock, then `request renew|cancel` through the binary with their exit codes.
//! One catalogue (below) serves both, read by the importers.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{ApiError, Command, Service, ServiceExt, SweepArgs};
use casebench::domain::{EventKind, RequestId, RequestState};
use casebench::engine::{Engine, ManualClock};
use casebench::import::{parse_products_toml, parse_users_csv};

/// ann manages bob; dave owns vpn; carol is the policy's chief approval team; nemo has no
/// manager.
const USERS: &str = "login,name,email,manager,groups
ann,Ann,ann@x.org,,staff
bob,Bob,bob@x.org,ann,staff
carol,Carol,carol@x.org,,chiefs
dave,Dave,dave@x.org,,vpn-owners
nemo,Nemo,nemo@x.org,,staff
";

/// vpn: the manager approves requests and renewals (once), the owners unsubscriptions;
/// wiki: no approval at all; badge: neither renewable nor unsubscribable; laptop:
/// multi-request; lone: the manager, added later (nemo has none).
const PRODUCTS: &str = r#"[[product]]
id = "vpn"
owners = "vpn-owners"
policy = "boss"
validity = "90d"
max_renewals = 1
unsubscription_policy = "owners"

[[product]]
id = "wiki"
validity = "30d"

[[product]]
id = "badge"
validity = "30d"
renewable = false
unsubscribable = false

[[product]]
id = "laptop"
multi_request = true

[[product]]
id = "lone"
validity = "30d"

[[policy]]
name = "boss"
chief = "chiefs"
[[policy.level]]
[[policy.level.step]]
approvers = "manager"

[[policy]]
name = "owners"
[[policy.level]]
[[policy.level.step]]
approvers = "product-owners"
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn day(d: i64) -> DateTime<Utc> {
    t0() + Duration::days(d)
}

/// Where a product's validity of `d` days from t0 ends: 23:59 of that day (the shop's zone
/// is UTC here).
fn end_of_day(d: i64) -> DateTime<Utc> {
    day(d)
        .date_naive()
        .and_hms_opt(23, 59, 0)
        .unwrap()
        .and_utc()
}

struct Shop {
    e: Engine,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let users = parse_users_csv("users.csv", USERS.as_bytes()).unwrap();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let (products, policies, _) = parse_products_toml("products.toml", PRODUCTS).unwrap();
    e.execute("root", Command::ImportProducts { products, policies })
        .unwrap();
    Shop {
        e,
        clock,
        _dir: dir,
    }
}

impl Shop {
    /// `by` requests `product` for `recipient`; the manager's approval, when asked for, is
    /// given by `approver`.
    fn assigned(
        &self,
        by: &str,
        product: &str,
        recipient: &str,
        approver: Option<&str>,
    ) -> RequestId {
        let r = self.ask(by, product, recipient);
        if let Some(a) = approver {
            self.approve(a, r, true).unwrap();
        }
        assert_eq!(self.state(r), RequestState::Assigned);
        r
    }

    /// `by` asks for `product` for `recipient` (told a week before the end).
    fn ask(&self, by: &str, product: &str, recipient: &str) -> RequestId {
        let new = Command::RequestAccess {
            product: product.into(),
            recipient: Some(recipient.into()),
            valid_from: None,
            valid_until: None,
            notice_secs: Some(7 * 86_400),
            reason: None,
        };
        self.e.execute(by, new).unwrap().request.unwrap()
    }

    fn approve(&self, by: &str, r: RequestId, yes: bool) -> Result<String, ApiError> {
        let d = Command::Decide {
            request: r,
            work_item: None,
            approve: yes,
            comment: None,
        };
        self.e.execute(by, d).map(|a| a.message)
    }

    fn renew(&self, by: &str, r: RequestId, until: DateTime<Utc>) -> Result<String, ApiError> {
        let c = Command::Renew { request: r, until };
        self.e.execute(by, c).map(|a| a.message)
    }

    fn cancel(
        &self,
        by: &str,
        r: RequestId,
        from: Option<DateTime<Utc>>,
    ) -> Result<String, ApiError> {
        let c = Command::CancelRequest { request: r, from };
        self.e.execute(by, c).map(|a| a.message)
    }

    fn request(&self, r: RequestId) -> casebench::domain::Request {
        self.e.request_detail("root", r).unwrap().request
    }

    fn state(&self, r: RequestId) -> RequestState {
        self.request(r).state
    }

    fn until(&self, r: RequestId) -> Option<DateTime<Utc>> {
        self.request(r).valid_until
    }

    /// How often the access was granted and revoked.
    fn grants(&self, r: RequestId) -> (usize, usize) {
        let events = self.e.request_detail("root", r).unwrap().events;
        let count = |f: fn(&EventKind) -> bool| events.iter().filter(|e| f(&e.what)).count();
        (
            count(|k| matches!(k, EventKind::AccessGranted { .. })),
            count(|k| matches!(k, EventKind::AccessRevoked { .. })),
        )
    }

    fn sweep_to(&self, t: DateTime<Utc>) {
        self.clock.set(t);
        self.e.sweep("root", SweepArgs::at(t)).unwrap();
    }

    fn check(&self) {
        assert_eq!(
            ServiceExt::check(&self.e, "root").unwrap(),
            Vec::<String>::new()
        );
    }
}

/// The exit code the CLI gives for `e`, and its message.
fn code(e: ApiError) -> (i32, String) {
    (casebench::cli::exit::code(&e), e.to_string())
}

#[test]
fn an_approved_renewal_moves_the_end_and_its_timers_once_only() {
    let s = shop();
    let r = s.assigned("bob", "vpn", "bob", Some("ann"));
    assert_eq!(s.until(r), Some(end_of_day(90)));
    let said = s.renew("bob", r, day(120)).unwrap();
    assert!(
        said.contains("renewal in approval: level 1 of 1 waits for ann"),
        "{said}"
    );
    assert_eq!(s.state(r), RequestState::Renewal);
    s.check();
    s.approve("ann", r, true).unwrap();
    let now = s.request(r);
    assert_eq!(
        (now.state, now.valid_until, now.renewals),
        (RequestState::Assigned, Some(day(120)), 1)
    );
    let dues: Vec<_> = now.timers.iter().map(|t| t.due).collect();
    assert_eq!(dues, vec![day(113), day(120)]);
    s.check();
    // Over the product's limit of one renewal.
    let (c, m) = code(s.renew("bob", r, day(150)).unwrap_err());
    assert_eq!(c, 5, "{m}");
    assert!(m.contains("at most 1 renewals"), "{m}");
    // The old end passes: still assigned; the new one ends it.
    s.sweep_to(day(91));
    assert_eq!(s.state(r), RequestState::Assigned);
    s.sweep_to(day(121));
    assert_eq!(s.state(r), RequestState::Expired);
    assert_eq!(s.grants(r), (1, 1));
    s.check();
}

#[test]
fn a_denied_renewal_leaves_the_old_end() {
    let s = shop();
    let r = s.assigned("bob", "vpn", "bob", Some("ann"));
    s.renew("bob", r, day(120)).unwrap();
    s.approve("ann", r, false).unwrap();
    let now = s.request(r);
    assert_eq!(
        (now.state, now.valid_until, now.renewals),
        (RequestState::Assigned, Some(end_of_day(90)), 0)
    );
    s.check();
    // It may be asked again (the denial used no renewal), then is refused for bad input.
    let (c, m) = code(s.renew("bob", r, end_of_day(90)).unwrap_err());
    assert_eq!(c, 2, "{m}");
    assert!(m.contains("not after the current end"), "{m}");
    let (c, m) = code(s.renew("nemo", r, day(100)).unwrap_err());
    assert_eq!(c, 4, "{m}");
    s.renew("root", r, day(100)).unwrap();
    assert_eq!(s.state(r), RequestState::Renewal);
    // Not while a renewal runs, and a cancellation waits too.
    assert_eq!(code(s.renew("bob", r, day(110)).unwrap_err()).0, 5);
    assert_eq!(code(s.cancel("bob", r, None).unwrap_err()).0, 5);
    s.check();
}

#[test]
fn a_renewal_nobody_can_approve_leaves_the_old_end() {
    let s = shop();
    let r = s.assigned("root", "lone", "nemo", None);
    // The product gets an approval policy; nemo has no manager.
    let (mut products, policies, _) = parse_products_toml("p.toml", PRODUCTS).unwrap();
    products.retain(|p| p.id == "lone");
    products[0].policy = Some("boss".into());
    s.e.execute("root", Command::ImportProducts { products, policies })
        .unwrap();
    let said = s.renew("nemo", r, day(60)).unwrap();
    assert!(
        said.contains("lone stays assigned until 2026-12-31T23:59:00Z"),
        "{said}"
    );
    let now = s.request(r);
    assert_eq!(
        (now.state, now.valid_until, now.renewals),
        (RequestState::Assigned, Some(end_of_day(30)), 0)
    );
    let events = s.e.request_detail("root", r).unwrap().events;
    assert!(
        events
            .iter()
            .any(|e| e.why.as_deref().is_some_and(|c| c.contains("no approver"))),
        "{events:?}"
    );
    s.check();
}

#[test]
fn renewals_without_a_policy_are_at_once_and_only_of_renewable_assigned_requests() {
    let s = shop();
    let r = s.assigned("bob", "wiki", "bob", None);
    assert!(s
        .renew("bob", r, day(40))
        .unwrap()
        .contains("renewed until"));
    assert_eq!(
        (s.state(r), s.until(r)),
        (RequestState::Assigned, Some(day(40)))
    );
    let b = s.assigned("bob", "badge", "bob", None);
    let (c, m) = code(s.renew("bob", b, day(40)).unwrap_err());
    assert_eq!(c, 5);
    assert!(m.contains("badge is not renewable"), "{m}");
    let open = s.ask("bob", "vpn", "bob");
    let (c, m) = code(s.renew("bob", open, day(40)).unwrap_err());
    assert_eq!(c, 5);
    assert!(m.contains("only an assigned request is renewed"), "{m}");
    s.check();
}

#[test]
fn an_unsubscription_through_its_policy_ends_now_or_at_its_date() {
    let s = shop();
    let r = s.assigned("bob", "vpn", "bob", Some("ann"));
    let said = s.cancel("bob", r, None).unwrap();
    assert!(said.contains("unsubscription in approval"), "{said}");
    assert_eq!(s.state(r), RequestState::Unsubscription);
    assert_eq!(
        code(s.approve("ann", r, true).unwrap_err()).0,
        4,
        "the owners decide"
    );
    s.approve("dave", r, false).unwrap();
    assert_eq!(
        (s.state(r), s.until(r)),
        (RequestState::Assigned, Some(end_of_day(90)))
    );
    s.check();
    s.cancel("bob", r, Some(day(10))).unwrap();
    s.approve("dave", r, true).unwrap();
    // Approved through a policy, a later date ends at the end of the approval day.
    assert_eq!(
        (s.state(r), s.until(r)),
        (RequestState::Assigned, Some(end_of_day(0)))
    );
    s.check();
    s.sweep_to(day(10));
    assert_eq!(s.state(r), RequestState::Expired);
    assert_eq!(s.grants(r), (1, 1));
    // At once, when approved.
    let again = s.assigned("bob", "vpn", "bob", Some("ann"));
    s.cancel("bob", again, None).unwrap();
    s.approve("dave", again, true).unwrap();
    assert_eq!(s.state(again), RequestState::Unsubscribed);
    assert_eq!(s.grants(again), (1, 1));
    s.check();
}

#[test]
fn an_unsubscription_without_a_policy_is_at_once_and_refused_when_not_unsubscribable() {
    let s = shop();
    let r = s.assigned("bob", "wiki", "bob", None);
    assert_eq!(code(s.cancel("nemo", r, None).unwrap_err()).0, 4);
    let (c, m) = code(s.cancel("bob", r, Some(day(40))).unwrap_err());
    assert_eq!(c, 2, "not before the end: {m}");
    s.cancel("bob", r, Some(day(5))).unwrap();
    assert_eq!(
        (s.state(r), s.until(r)),
        (RequestState::Assigned, Some(day(5)))
    );
    s.cancel("ann", r, None).unwrap_err();
    s.cancel("bob", r, None).unwrap();
    assert_eq!(s.state(r), RequestState::Unsubscribed);
    assert_eq!(s.grants(r), (1, 1));
    let (c, m) = code(s.cancel("bob", r, None).unwrap_err());
    assert_eq!(c, 5);
    assert!(m.contains("final"), "{m}");
    let b = s.assigned("bob", "badge", "bob", None);
    let (c, m) = code(s.cancel("bob", b, None).unwrap_err());
    assert_eq!(c, 5);
    assert!(
        m.contains("badge is not unsubscribable") && m.contains("it ends at 2026-12-31"),
        "{m}"
    );
    assert_eq!(s.state(b), RequestState::Assigned);
    s.check();
}

#[test]
fn a_request_in_approval_is_cancelled_by_its_requester_or_the_chief_only() {
    let s = shop();
    let new = |by: &str| s.ask(by, "vpn", "bob");
    let r = new("bob");
    assert_eq!(code(s.cancel("nemo", r, None).unwrap_err()).0, 4);
    assert_eq!(code(s.cancel("bob", r, Some(day(3))).unwrap_err()).0, 2);
    assert_eq!(s.state(r), RequestState::Request);
    assert!(s
        .cancel("bob", r, None)
        .unwrap()
        .contains("aborted: cancelled by bob"));
    assert_eq!(s.state(r), RequestState::Aborted);
    s.check();
    let r = new("bob");
    s.cancel("carol", r, None).unwrap();
    assert_eq!(s.state(r), RequestState::Aborted);
    assert_eq!(s.grants(r), (0, 0));
    s.check();
}

#[test]
fn multi_request_is_recorded_unsubscribed_and_a_standing_one_waits_for_its_unsubscription() {
    let s = shop();
    for _ in 0..2 {
        let r = s.ask("bob", "laptop", "bob");
        assert_eq!(s.state(r), RequestState::Unsubscribed);
        assert_eq!(s.grants(r), (0, 0), "nothing held");
        let (c, _) = code(s.cancel("bob", r, None).unwrap_err());
        assert_eq!(c, 5);
    }
    let r = s.assigned("bob", "wiki", "bob", None);
    s.sweep_to(day(1));
    assert_eq!(s.state(r), RequestState::Assigned, "until unsubscribed");
    s.cancel("bob", r, None).unwrap();
    assert_eq!(s.state(r), RequestState::Unsubscribed);
    assert_eq!(s.grants(r), (1, 1));
    s.check();
}

/// The same catalogue through the binary: `import users|products`, then `request renew`
/// and `request cancel` with their exit codes.
mod cli {
    use super::{PRODUCTS, USERS};
    use std::path::Path;

    /// `casebench --db DIR/store --as ACTOR ARGS` at `now`: exit code, stdout, stderr.
    fn run(dir: &Path, actor: &str, now: &str, args: &[&str]) -> (i32, String, String) {
        let out = assert_cmd::Command::cargo_bin("casebench")
            .unwrap()
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .envs([("CASEBENCH_NOW", now), ("TZ", "UTC"), ("COLUMNS", "200")])
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .arg("--db")
            .arg(dir.join("store"))
            .args(["--as", actor])
            .args(args)
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (
            out.status.code().unwrap_or(-1),
            text(&out.stdout),
            text(&out.stderr),
        )
    }

    const T0: &str = "2026-12-01T09:00:00Z";

    fn ok(dir: &Path, actor: &str, args: &[&str]) -> String {
        let (code, out, err) = run(dir, actor, T0, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }

    /// Exit `want`, nothing on stdout, one line on stderr (returned).
    fn refused(dir: &Path, actor: &str, args: &[&str], want: i32) -> String {
        let (code, out, err) = run(dir, actor, T0, args);
        assert_eq!((code, out.as_str()), (want, ""), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    }

    fn store() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        ok(dir, "root", &["init"]);
        for (name, text) in [("users.csv", USERS), ("products.toml", PRODUCTS)] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let users = dir.join("users.csv").display().to_string();
        ok(dir, "root", &["import", "users", &users]);
        let products = dir.join("products.toml").display().to_string();
        ok(dir, "root", &["import", "products", &products]);
        tmp
    }

    #[test]
    fn request_renew_through_the_binary() {
        let tmp = store();
        let d = tmp.path();
        ok(d, "bob", &["request", "new", "vpn"]);
        ok(d, "ann", &["request", "approve", "R-1"]);
        let said = ok(
            d,
            "bob",
            &["request", "renew", "R-1", "--until", "2027-04-01T09:00:00Z"],
        );
        assert!(said.contains("R-1: renewal in approval"), "{said}");
        let e = refused(
            d,
            "bob",
            &["request", "renew", "R-1", "--until", "2027-05-01T09:00:00Z"],
            5,
        );
        assert!(e.contains("it is renewal"), "{e}");
        let j: serde_json::Value =
            serde_json::from_str(&ok(d, "ann", &["--json", "request", "approve", "R-1"])).unwrap();
        assert_eq!(j["request"], "R-1", "{j}");
        let shown: serde_json::Value =
            serde_json::from_str(&ok(d, "bob", &["--json", "request", "show", "R-1"])).unwrap();
        assert_eq!(
            shown["request"]["valid_until"], "2027-04-01T09:00:00Z",
            "{shown}"
        );
        assert_eq!(shown["request"]["renewals"], 1);
        let e = refused(
            d,
            "bob",
            &["request", "renew", "R-1", "--until", "2027-05-01T09:00:00Z"],
            5,
        );
        assert!(e.contains("at most 1 renewals"), "{e}");
        refused(
            d,
            "bob",
            &["request", "renew", "R-1", "--until", "someday"],
            2,
        );
        refused(d, "bob", &["request", "renew", "R-9", "--until", "1d"], 3);
        ok(d, "bob", &["request", "new", "wiki"]);
        refused(d, "nemo", &["request", "renew", "R-2", "--until", "40d"], 4);
        refused(d, "bob", &["request", "renew", "R-2", "--until", "1d"], 2);
        let j: serde_json::Value = serde_json::from_str(&ok(
            d,
            "bob",
            &["--json", "request", "renew", "R-2", "--until", "40d"],
        ))
        .unwrap();
        assert!(
            j["message"].as_str().unwrap().contains("renewed until"),
            "{j}"
        );
    }

    #[test]
    fn request_cancel_through_the_binary() {
        let tmp = store();
        let d = tmp.path();
        ok(d, "bob", &["request", "new", "vpn"]);
        refused(d, "nemo", &["request", "cancel", "R-1"], 4);
        let said = ok(d, "carol", &["request", "cancel", "R-1"]);
        assert!(said.contains("R-1 aborted: cancelled by carol"), "{said}");
        let e = refused(d, "bob", &["request", "cancel", "R-1"], 5);
        assert!(e.contains("aborted, which is final"), "{e}");
        ok(d, "bob", &["request", "new", "badge"]);
        let e = refused(d, "bob", &["request", "cancel", "R-2"], 5);
        assert!(e.contains("not unsubscribable"), "{e}");
        ok(d, "bob", &["request", "new", "wiki"]);
        refused(
            d,
            "bob",
            &["request", "cancel", "R-3", "--from", "nonsense"],
            2,
        );
        refused(d, "bob", &["request", "cancel", "R-3", "--from", "60d"], 2);
        let said = ok(d, "bob", &["request", "cancel", "R-3", "--from", "10d"]);
        assert!(
            said.contains("the access ends at 2026-12-11T09:00:00Z"),
            "{said}"
        );
        let j: serde_json::Value =
            serde_json::from_str(&ok(d, "bob", &["--json", "request", "cancel", "R-3"])).unwrap();
        assert!(
            j["message"].as_str().unwrap().contains("unsubscribed now"),
            "{j}"
        );
        let list = ok(d, "bob", &["request", "list"]);
        assert!(
            list.lines()
                .any(|l| l.starts_with("R-3") && l.contains("unsubscribed")),
            "{list}"
        );
    }
}

#[test]
fn a_renewal_still_in_approval_when_the_access_ends_is_dropped_with_it() {
    let s = shop();
    let r = s.assigned("bob", "vpn", "bob", Some("ann"));
    s.renew("bob", r, day(120)).unwrap();
    assert_eq!(s.state(r), RequestState::Renewal);
    // Nobody decides; the old end comes.
    s.sweep_to(day(91));
    let now = s.request(r);
    assert_eq!(now.state, RequestState::Expired);
    let case = now.approval.unwrap().case;
    let case = s.e.show_case("root", case).unwrap();
    assert_eq!(case.case.state, casebench::domain::CaseState::Cancelled);
    assert!(case.work_items.iter().all(|i| !i.is_open()));
    s.check();
}
