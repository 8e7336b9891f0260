//! Provisioning from access requests through the engine, on a simulated clock: the
//! entitlement's operation on the recipient's account, its case, the shadow; both modes
//! (`case-after-approval`, `last-approval-step`) on a manual and a semi-manual resource (the
//! export confirming it); expiry deprovisioning; a failed case; the owners' Upcoming queue.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{Command, FeedRow, Service, ServiceExt, SweepArgs, UserRecord};
use casebench::domain::approval::{Approvers, Level, NoApprover, OnTimeout, SelfApproval, Step};
use casebench::domain::{
    ApprovalPolicy, CaseId, Outcome, Product, Request, RequestId, RequestState,
};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_resources_toml;

const RESOURCES: &str = r#"
[[resource]]
id = "sap"
kind = "manual"
owners = "ops"

[[resource]]
id = "badge"
kind = "semi-manual"
owners = "ops"
grace = "1h"
[resource.feed]
path = "badge.csv"
key = "account"
attributes = ["entitlements"]

[[resource]]
id = "door"
kind = "semi-manual"
owners = "ops"
provisioning = "last-approval-step"
grace = "1h"
[resource.feed]
path = "door.csv"
key = "account"
attributes = ["entitlements"]
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

struct World {
    e: Engine,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let users = [("alice", "ops"), ("bob", "staff"), ("carol", "staff")]
        .iter()
        .enumerate()
        .map(|(i, (l, g))| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: format!("{l}@example.org"),
            manager: None,
            groups: vec![g.to_string()],
            calendar: None,
        })
        .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let resources = parse_resources_toml("r.toml", RESOURCES, dir.path()).unwrap();
    e.execute("root", Command::ImportResources { resources })
        .unwrap();
    World {
        e,
        clock,
        _dir: dir,
    }
}

impl World {
    /// Product `id` granting `entitlement` on `resource`, valid 30 days; approved by carol
    /// when `approval`.
    fn product(&self, id: &str, resource: &str, entitlement: &str, approval: bool) {
        let mut p = Product::plain(id);
        p.resource = Some(resource.into());
        p.entitlement = Some(entitlement.into());
        p.validity_secs = Some(30 * 86_400);
        let mut policies = vec![];
        if approval {
            p.policy = Some("carol-approves".into());
            policies.push(ApprovalPolicy {
                calendar: None,
                name: "carol-approves".into(),
                chief: None,
                levels: vec![Level {
                    steps: vec![Step {
                        name: "carol".into(),
                        approvers: Approvers::User("carol".into()),
                        count: 1,
                        reminder: None,
                        timeout: None,
                        on_timeout: OnTimeout::Abort,
                        no_approver: NoApprover::Abort,
                        self_approval: SelfApproval::Skipped,
                    }],
                }],
            });
        }
        self.e
            .execute(
                "root",
                Command::ImportProducts {
                    products: vec![p],
                    policies,
                },
            )
            .unwrap();
    }

    fn request(&self, product: &str, from: Option<DateTime<Utc>>) -> RequestId {
        self.e
            .execute(
                "bob",
                Command::RequestAccess {
                    product: product.into(),
                    recipient: None,
                    valid_from: from,
                    valid_until: None,
                    notice_secs: None,
                    reason: None,
                },
            )
            .unwrap()
            .request
            .unwrap()
    }

    fn decide(&self, by: &str, r: RequestId) {
        self.e
            .execute(
                by,
                Command::Decide {
                    request: r,
                    work_item: None,
                    approve: true,
                    comment: None,
                },
            )
            .unwrap();
    }

    fn get(&self, r: RequestId) -> Request {
        self.e.inspect().request(r).unwrap().unwrap()
    }

    fn status(&self, r: RequestId) -> Vec<String> {
        self.e.request_detail("bob", r).unwrap().provisioning
    }

    /// The case the request's last operation waits for.
    fn case_of(&self, r: RequestId) -> CaseId {
        let req = self.get(r);
        let o = req.operations.last().expect("an operation");
        let s = self
            .e
            .shadow("root", &o.resource, &o.account)
            .unwrap()
            .unwrap();
        s.pending
            .iter()
            .find(|p| p.id == o.op)
            .unwrap()
            .case
            .unwrap()
    }

    fn complete(&self, case: CaseId, outcome: Outcome) {
        self.e
            .execute(
                "alice",
                Command::Claim {
                    case,
                    work_item: None,
                },
            )
            .unwrap();
        self.e
            .execute(
                "alice",
                Command::Complete {
                    case,
                    work_item: None,
                    outcome,
                    comment: Some("done by hand".into()),
                },
            )
            .unwrap();
    }

    fn entitlements(&self, resource: &str) -> Option<String> {
        self.e
            .shadow("root", resource, "bob")
            .unwrap()
            .and_then(|s| s.attributes.get("entitlements").cloned())
    }

    fn export(&self, resource: &str, entitlements: &str) {
        let rows = vec![FeedRow {
            line: 2,
            key: "bob".into(),
            attributes: [("entitlements".to_string(), entitlements.to_string())].into(),
        }];
        self.e
            .execute(
                "root",
                Command::ReadFeed {
                    resource: resource.into(),
                    label: format!("{resource}.csv"),
                    fingerprint: casebench::engine::Clock::now(&*self.clock)
                        .timestamp()
                        .to_string(),
                    rows: rows.into(),
                },
            )
            .unwrap();
    }

    fn sweep_to(&self, t: DateTime<Utc>) {
        self.clock.set(t);
        self.e.sweep("root", SweepArgs::at(t)).unwrap();
    }
}

#[test]
fn case_after_approval_on_a_manual_resource_grant_then_expiry() {
    let w = world();
    w.product("vpn", "sap", "vpn-users", true);
    w.product("wifi", "sap", "wifi", false);
    let r = w.request("vpn", None);
    w.decide("carol", r);
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Approved, "waits for its case");
    assert_eq!(req.approved_at, Some(t0()));
    assert_eq!(req.provisioned_at, None);
    let case = w.case_of(r);
    let s = w.status(r);
    assert!(
        s[0].contains(&format!("waiting for {case} (@ops)")),
        "{s:?}"
    );
    assert_eq!(w.entitlements("sap"), None, "not done yet");
    // The operation names the request.
    let o = &w.get(r).operations[0];
    let sh = w.e.shadow("root", "sap", "bob").unwrap().unwrap();
    assert_eq!(
        sh.pending.iter().find(|p| p.id == o.op).unwrap().request,
        Some(r)
    );

    w.clock.set(t0() + Duration::hours(2));
    w.complete(case, Outcome::Success);
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Assigned);
    assert_eq!(req.provisioned_at, Some(t0() + Duration::hours(2)));
    assert_eq!(w.entitlements("sap").as_deref(), Some("vpn-users"));
    assert!(
        w.status(r)[0].contains(&format!("done in {case}")),
        "{:?}",
        w.status(r)
    );
    assert!(req.timers.iter().any(|t| t.kind.name() == "valid-until"));

    // A second entitlement on the same account is a modify.
    let r2 = w.request("wifi", None);
    w.complete(w.case_of(r2), Outcome::Success);
    assert_eq!(w.entitlements("sap").as_deref(), Some("vpn-users;wifi"));

    // Expiry: the opposite operation and its case.
    w.sweep_to(t0() + Duration::days(31));
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Expired);
    assert_eq!(req.operations.len(), 2, "grant and revoke");
    let undo = w.case_of(r);
    assert_ne!(undo, case);
    assert!(
        w.status(r)[1].starts_with("deprovisioning"),
        "{:?}",
        w.status(r)
    );
    assert_eq!(w.entitlements("sap").as_deref(), Some("vpn-users;wifi"));
    w.complete(undo, Outcome::Success);
    assert_eq!(w.entitlements("sap").as_deref(), Some("wifi"));
    assert_eq!(w.get(r).state, RequestState::Expired);
}

#[test]
fn a_failed_case_aborts_the_request_and_says_so() {
    let w = world();
    w.product("vpn", "sap", "vpn-users", false);
    let r = w.request("vpn", None);
    let case = w.case_of(r);
    w.complete(case, Outcome::Failure);
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Aborted);
    assert_eq!(req.provisioned_at, None);
    assert!(
        w.status(r)[0].contains(&format!("failed in {case}")),
        "{:?}",
        w.status(r)
    );
    let d = w.e.request_detail("bob", r).unwrap();
    assert!(d.events.iter().any(|e| e
        .why
        .as_deref()
        .is_some_and(|c| c.contains("provisioning failed"))));
    assert_eq!(w.entitlements("sap"), None);
    // Aborted: a new request may follow.
    w.request("vpn", None);
}

#[test]
fn case_after_approval_on_a_semi_manual_resource_the_export_confirms() {
    let w = world();
    w.product("badge", "badge", "hq", false);
    let r = w.request("badge", None);
    w.complete(w.case_of(r), Outcome::Success);
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Assigned);
    assert_eq!(req.provisioned_at, None, "the export has not shown it");
    assert!(
        w.status(r)[0].contains("waiting for the export"),
        "{:?}",
        w.status(r)
    );
    w.clock.set(t0() + Duration::minutes(20));
    w.export("badge", "hq");
    assert_eq!(w.get(r).provisioned_at, Some(t0() + Duration::minutes(20)));
    assert!(
        w.status(r)[0].contains("confirmed by the export of 2026-12-01"),
        "{:?}",
        w.status(r)
    );
}

#[test]
fn last_approval_step_the_owners_approval_is_the_provisioning() {
    let w = world();
    w.product("door", "door", "lab", true);
    let r = w.request("door", None);
    w.decide("carol", r);
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Request, "the owners approve last");
    assert_eq!(req.approval.as_ref().unwrap().levels(), 2);
    assert!(req.operations.is_empty());
    w.clock.set(t0() + Duration::hours(1));
    w.decide("alice", r);
    let req = w.get(r);
    assert_eq!(req.state, RequestState::Assigned);
    assert_eq!(req.approved_at, Some(t0() + Duration::hours(1)));
    assert_eq!(w.entitlements("door").as_deref(), Some("lab"), "at once");
    assert_eq!(req.provisioned_at, None, "semi-manual: the export confirms");
    w.clock.set(t0() + Duration::hours(2));
    w.export("door", "lab");
    assert_eq!(w.get(r).provisioned_at, Some(t0() + Duration::hours(2)));
}

#[test]
fn upcoming_requests_wait_for_valid_from_in_the_owners_queue() {
    let w = world();
    w.product("vpn", "sap", "vpn-users", false);
    let from = t0() + Duration::days(10);
    let r = w.request("vpn", Some(from));
    assert_eq!(w.get(r).state, RequestState::Pending);
    let ids = |by: &str| -> Vec<RequestId> {
        w.e.upcoming(by, 100)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids("alice"), vec![r], "alice owns sap");
    assert!(ids("bob").is_empty(), "bob does not");
    assert!(w.get(r).operations.is_empty(), "no case before valid-from");
    w.sweep_to(from);
    let req = w.get(r);
    assert_eq!(
        req.state,
        RequestState::Approved,
        "the case opened at valid-from"
    );
    assert!(ids("alice").is_empty());
    w.complete(w.case_of(r), Outcome::Success);
    assert_eq!(w.get(r).state, RequestState::Assigned);
    assert_eq!(w.entitlements("sap").as_deref(), Some("vpn-users"));
}
