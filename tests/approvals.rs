//! Approval workflows through the engine, on a simulated clock: approver sources, counts,
//! parallel steps and sequential levels, rejections, timeouts, no approver, self-approval,
//! delegation, the chief approval team, and the catalogue's one-request rule.

use casebench::domain::duration::Span;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{
    ApiError, Command, GroupSettings, OrgImport, Service, ServiceExt, SweepArgs, UserRecord,
};
use casebench::domain::approval::{
    Approvers, How, Level, NoApprover, OnTimeout, SelfApproval, Step, StepState,
};
use casebench::domain::{
    ApprovalPolicy, CaseState, OrgUnit, Outcome, Product, Request, RequestId, RequestState, Target,
    WorkItemId,
};
use casebench::engine::{Engine, ManualClock};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

struct World {
    e: Engine,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// ann manages bob and cid; olga manages the sales unit (bob); carol and dave own the VPN;
/// erin is the chief approval team; frank is a spare approver; nemo has no manager.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let people: [(&str, Option<&str>, &[&str]); 9] = [
        ("ann", Some("frank"), &["staff"]),
        ("bob", Some("ann"), &["staff"]),
        ("cid", Some("ann"), &["staff"]),
        ("carol", Some("frank"), &["vpn-owners"]),
        ("dave", Some("frank"), &["vpn-owners"]),
        ("erin", None, &["chiefs"]),
        ("frank", None, &["staff"]),
        ("olga", None, &["staff"]),
        ("nemo", None, &["staff"]),
    ];
    let users = people
        .iter()
        .enumerate()
        .map(|(i, (l, m, g))| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: format!("{l}@example.org"),
            manager: m.map(String::from),
            groups: g.iter().map(|s| s.to_string()).collect(),
            calendar: None,
        })
        .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let orgs = OrgImport {
        chief_approvers: Some("chiefs".into()),
        units: vec![OrgUnit {
            id: "sales".into(),
            name: "Sales".into(),
            parent: None,
            manager: Some("olga".into()),
            members: vec!["bob".into()],
        }],
        groups: vec![GroupSettings {
            calendar: None,
            name: "vpn-owners".into(),
            manager: Some("frank".into()),
            fallback: None,
        }],
    };
    e.execute("root", Command::ImportOrgs(orgs)).unwrap();
    World {
        e,
        clock,
        _dir: dir,
    }
}

fn step(approvers: Approvers) -> Step {
    Step {
        name: approvers.name(),
        approvers,
        count: 1,
        reminder: None,
        timeout: None,
        on_timeout: OnTimeout::Abort,
        no_approver: NoApprover::Abort,
        self_approval: SelfApproval::Skipped,
    }
}

fn days(d: i64) -> Option<Span> {
    Some(Span::Wall(d * 86_400))
}

impl World {
    /// Imports product `id` under a policy of `levels` (none: no approval).
    fn product(&self, id: &str, levels: Option<Vec<Vec<Step>>>) {
        let mut p = Product::plain(id);
        p.owners = Some("vpn-owners".into());
        let policies = match levels {
            Some(levels) => {
                p.policy = Some(format!("{id}-policy"));
                vec![ApprovalPolicy {
                    calendar: None,
                    name: format!("{id}-policy"),
                    chief: None,
                    levels: levels.into_iter().map(|steps| Level { steps }).collect(),
                }]
            }
            None => vec![],
        };
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

    fn request(&self, by: &str, product: &str, recipient: &str) -> Result<RequestId, ApiError> {
        Ok(self
            .e
            .execute(
                by,
                Command::RequestAccess {
                    product: product.into(),
                    recipient: Some(recipient.into()),
                    valid_from: None,
                    valid_until: None,
                    notice_secs: None,
                    reason: Some("needed".into()),
                },
            )?
            .request
            .unwrap())
    }

    fn decide(&self, by: &str, r: RequestId, approve: bool) -> Result<String, ApiError> {
        self.e
            .execute(
                by,
                Command::Decide {
                    request: r,
                    work_item: None,
                    approve,
                    comment: None,
                },
            )
            .map(|a| a.message)
    }

    fn get(&self, r: RequestId) -> Request {
        self.e.inspect().request(r).unwrap().unwrap()
    }

    fn state(&self, r: RequestId) -> RequestState {
        self.get(r).state
    }

    /// The holders of each open step: `["ann"]`, `["@vpn-owners"]`.
    fn waiting(&self, r: RequestId) -> Vec<Vec<String>> {
        let req = self.get(r);
        let a = req.approval.as_ref().unwrap();
        let items: Vec<Vec<String>> = a
            .open_steps()
            .map(|s| {
                let item = self
                    .e
                    .inspect()
                    .work_item(s.work_item.unwrap())
                    .unwrap()
                    .unwrap();
                assert!(item.is_open(), "an open step has an open work item");
                assert_eq!(item.holders(), s.holders(), "the item is held as the step");
                item.holders()
            })
            .collect();
        items
    }

    fn sweep_to(&self, t: DateTime<Utc>) -> Vec<String> {
        self.clock.set(t);
        self.e
            .sweep("root", SweepArgs::at(t))
            .unwrap()
            .fired
            .into_iter()
            .map(|f| f.action)
            .collect()
    }

    fn clean(&self) {
        assert_eq!(
            ServiceExt::check(&self.e, "root").unwrap(),
            Vec::<String>::new()
        );
    }
}

#[test]
fn each_approver_source_resolves_its_approvers() {
    let w = world();
    let sources = [
        (Approvers::Manager, "ann"),
        (Approvers::OrgManager, "olga"),
        (Approvers::ProductOwners, "@vpn-owners"),
        (Approvers::ResourceOwners, "@fileserver-admins"),
        (Approvers::User("frank".into()), "frank"),
        (Approvers::Group("staff".into()), "@staff"),
        (Approvers::Chief, "@chiefs"),
    ];
    w.e.execute(
        "root",
        Command::ImportUsers {
            users: vec![UserRecord {
                line: 2,
                login: "sam".into(),
                name: "Sam".into(),
                email: String::new(),
                manager: None,
                groups: vec!["fileserver-admins".into()],
                calendar: None,
            }],
        },
    )
    .unwrap();
    let res: casebench::domain::Resource = toml_resource();
    w.e.execute(
        "root",
        Command::ImportResources {
            resources: vec![res],
        },
    )
    .unwrap();
    for (i, (src, expect)) in sources.into_iter().enumerate() {
        let id = format!("p{i}");
        w.product(&id, Some(vec![vec![step(src)]]));
        let mut p = w.e.product("root", &id).unwrap().product;
        p.resource = Some("fileserver".into());
        w.e.execute(
            "root",
            Command::ImportProducts {
                products: vec![p],
                policies: vec![],
            },
        )
        .unwrap();
        let r = w.request("bob", &id, "bob").unwrap();
        assert_eq!(w.waiting(r), vec![vec![expect.to_string()]], "{id}");
    }
    w.clean();
}

fn toml_resource() -> casebench::domain::Resource {
    let text = r#"
[[resource]]
id = "fileserver"
name = "File server"
kind = "manual"
owners = "fileserver-admins"
"#;
    let (mut rs, _) =
        casebench::import::parse_resources_with_lines("r.toml", text, std::path::Path::new("."))
            .unwrap();
    rs.remove(0)
}

#[test]
fn a_count_of_two_needs_two_distinct_owners() {
    let w = world();
    let mut s = step(Approvers::ProductOwners);
    s.count = 2;
    w.product("vpn", Some(vec![vec![s]]));
    let r = w.request("bob", "vpn", "bob").unwrap();
    // carol claims it first: after her approval the step is offered to the group again.
    let case = w.get(r).approval.unwrap().case;
    w.e.execute(
        "carol",
        Command::Claim {
            case,
            work_item: None,
        },
    )
    .unwrap();
    w.clean();
    let said = w.decide("carol", r, true).unwrap();
    assert!(said.contains("approved by carol at level 1"), "{said}");
    assert_eq!(w.state(r), RequestState::Request);
    assert_eq!(w.waiting(r), vec![vec!["@vpn-owners".to_string()]]);
    let again = w.decide("carol", r, true).unwrap_err();
    assert!(matches!(again, ApiError::NotAllowed(_)), "{again:?}");
    w.decide("dave", r, true).unwrap();
    assert_eq!(w.state(r), RequestState::Assigned);
    let run = &w.get(r).approval.unwrap().steps[0];
    assert_eq!(run.approvals(), 2);
    w.clean();
}

#[test]
fn parallel_steps_of_one_level_all_approve() {
    let w = world();
    w.product(
        "vpn",
        Some(vec![vec![
            step(Approvers::Manager),
            step(Approvers::ProductOwners),
        ]]),
    );
    let r = w.request("bob", "vpn", "bob").unwrap();
    assert_eq!(
        w.waiting(r),
        vec![vec!["ann".to_string()], vec!["@vpn-owners".to_string()]]
    );
    w.decide("ann", r, true).unwrap();
    assert_eq!(w.state(r), RequestState::Request);
    assert_eq!(w.waiting(r), vec![vec!["@vpn-owners".to_string()]]);
    w.decide("dave", r, true).unwrap();
    assert_eq!(w.state(r), RequestState::Assigned);
    let case =
        w.e.inspect()
            .case(w.get(r).approval.unwrap().case)
            .unwrap()
            .unwrap();
    assert_eq!(case.state, CaseState::Closed);
    assert_eq!(case.outcome, Some(Outcome::Approved));
    w.clean();
}

#[test]
fn sequential_levels_open_one_after_the_other_and_a_rejection_at_level_two_denies() {
    let w = world();
    let levels = || {
        vec![
            vec![step(Approvers::Manager)],
            vec![step(Approvers::ProductOwners)],
        ]
    };
    w.product("vpn", Some(levels()));
    w.product("wiki", Some(levels()));
    let r = w.request("bob", "vpn", "bob").unwrap();
    assert_eq!(w.waiting(r), vec![vec!["ann".to_string()]]);
    let refused = w.decide("carol", r, true).unwrap_err();
    assert!(
        matches!(refused, ApiError::NotAllowed(_)),
        "level 2 is not open yet"
    );
    let said = w.decide("ann", r, true).unwrap();
    assert!(
        said.contains("level 2 of 2 waits for @vpn-owners"),
        "{said}"
    );
    w.decide("carol", r, true).unwrap();
    assert_eq!(w.state(r), RequestState::Assigned);

    let r2 = w.request("bob", "wiki", "bob").unwrap();
    w.decide("ann", r2, true).unwrap();
    w.decide("dave", r2, false).unwrap();
    assert_eq!(w.state(r2), RequestState::Denied);
    let req = w.get(r2);
    let a = req.approval.unwrap();
    assert_eq!(a.steps[1].state, StepState::Denied);
    let case = w.e.inspect().case(a.case).unwrap().unwrap();
    assert_eq!(case.outcome, Some(Outcome::Rejected));
    let history = w.e.request_detail("bob", r2).unwrap().events;
    let lines: Vec<String> = history.iter().map(|e| e.what.describe()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("denied by dave at level 2")),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains("approved by ann at level 1")));
    assert!(
        w.decide("carol", r2, true).is_err(),
        "nothing left to decide"
    );
    w.clean();
}

#[test]
fn a_timeout_approves_aborts_or_escalates_to_the_chief_team() {
    let w = world();
    let timed = |on: OnTimeout| {
        let mut s = step(Approvers::Manager);
        s.timeout = days(2);
        s.reminder = days(1);
        s.on_timeout = on;
        vec![vec![s]]
    };
    w.product("a", Some(timed(OnTimeout::Approve)));
    w.product("b", Some(timed(OnTimeout::Abort)));
    w.product("c", Some(timed(OnTimeout::EscalateChief)));
    w.product("d", Some(timed(OnTimeout::EscalateChief)));
    let (ra, rb, rc, rd) = (
        w.request("bob", "a", "bob").unwrap(),
        w.request("bob", "b", "bob").unwrap(),
        w.request("bob", "c", "bob").unwrap(),
        w.request("bob", "d", "bob").unwrap(),
    );
    let before = w.e.notifications("root", false, 1000).unwrap().len();
    let fired = w.sweep_to(t0() + Duration::days(1));
    assert_eq!(fired.len(), 4, "four reminders: {fired:?}");
    assert!(w.e.notifications("root", false, 1000).unwrap().len() >= before + 4);
    w.sweep_to(t0() + Duration::days(2));
    assert_eq!(w.state(ra), RequestState::Assigned);
    assert_eq!(w.state(rb), RequestState::Aborted);
    assert_eq!(w.state(rc), RequestState::Request);
    assert_eq!(w.waiting(rc), vec![vec!["@chiefs".to_string()]]);
    let decided = &w.get(ra).approval.unwrap().steps[0].decisions[0];
    assert_eq!(decided.how, How::Timeout);
    w.decide("erin", rc, true).unwrap();
    assert_eq!(w.state(rc), RequestState::Assigned);
    // Escalated once; the second timeout aborts.
    w.sweep_to(t0() + Duration::days(4));
    assert_eq!(w.state(rd), RequestState::Aborted);
    w.clean();
}

#[test]
fn no_approver_aborts_approves_or_goes_to_the_chief_team() {
    let w = world();
    for (id, fallback) in [
        ("abort", NoApprover::Abort),
        ("approve", NoApprover::Approve),
        ("chief", NoApprover::Chief),
    ] {
        let mut s = step(Approvers::Manager);
        s.no_approver = fallback;
        w.product(id, Some(vec![vec![s]]));
    }
    // nemo has no manager.
    let a = w.request("nemo", "abort", "nemo").unwrap();
    assert_eq!(w.state(a), RequestState::Aborted);
    let why = w.e.request_detail("nemo", a).unwrap().events;
    assert!(why
        .iter()
        .any(|e| e.why.as_deref() == Some("no approver was found for level 1 step manager")));
    let b = w.request("nemo", "approve", "nemo").unwrap();
    assert_eq!(w.state(b), RequestState::Assigned);
    let c = w.request("nemo", "chief", "nemo").unwrap();
    assert_eq!(w.waiting(c), vec![vec!["@chiefs".to_string()]]);
    w.decide("erin", c, true).unwrap();
    assert_eq!(w.state(c), RequestState::Assigned);
    w.clean();
}

#[test]
fn self_approval_is_skipped_auto_approved_or_allowed() {
    let w = world();
    for (id, mode) in [
        ("skip", SelfApproval::Skipped),
        ("auto", SelfApproval::AutoApproved),
        ("allow", SelfApproval::Allowed),
    ] {
        let mut s = step(Approvers::Manager);
        s.self_approval = mode;
        w.product(id, Some(vec![vec![s]]));
    }
    // ann requests for herself: her manager is frank — not self. For bob, ann requests:
    // ann is bob's manager and the requester.
    let skip = w.request("ann", "skip", "bob").unwrap();
    assert_eq!(w.state(skip), RequestState::Aborted, "skipped: nobody left");
    let auto = w.request("ann", "auto", "bob").unwrap();
    assert_eq!(w.state(auto), RequestState::Assigned);
    let d = &w.get(auto).approval.unwrap().steps[0].decisions[0];
    assert_eq!((d.by.as_str(), d.how), ("ann", How::SelfApproval));
    let allow = w.request("ann", "allow", "bob").unwrap();
    assert_eq!(w.waiting(allow), vec![vec!["ann".to_string()]]);
    w.decide("ann", allow, true).unwrap();
    assert_eq!(w.state(allow), RequestState::Assigned);
    w.clean();
}

#[test]
fn delegating_a_step_restarts_its_timeout_for_the_new_approver() {
    let w = world();
    let mut s = step(Approvers::Manager);
    s.timeout = days(2);
    w.product("vpn", Some(vec![vec![s]]));
    let r = w.request("bob", "vpn", "bob").unwrap();
    let case = w.get(r).approval.unwrap().case;
    w.clock.set(t0() + Duration::days(1));
    w.e.execute(
        "ann",
        Command::Delegate {
            case,
            work_item: None,
            to: Target::User("frank".into()),
            method: casebench::domain::DelegationMethod::Replace,
            comment: Some("on leave".into()),
        },
    )
    .unwrap();
    assert_eq!(w.waiting(r), vec![vec!["frank".to_string()]]);
    assert!(
        w.sweep_to(t0() + Duration::days(2)).is_empty(),
        "frank has his 2 days"
    );
    assert_eq!(w.state(r), RequestState::Request);
    let item = w.e.show_case("frank", case).unwrap().work_items[0].clone();
    assert_eq!(item.deadline, Some(t0() + Duration::days(3)));
    w.sweep_to(t0() + Duration::days(3));
    assert_eq!(w.state(r), RequestState::Aborted);
    w.clean();
}

#[test]
fn the_chief_team_decides_any_open_step_and_case_verbs_work_on_steps() {
    let w = world();
    w.product(
        "vpn",
        Some(vec![
            vec![step(Approvers::Manager)],
            vec![step(Approvers::ProductOwners)],
        ]),
    );
    let r = w.request("bob", "vpn", "bob").unwrap();
    let said = w.decide("erin", r, true).unwrap();
    assert!(said.contains("chief approval team"), "{said}");
    // Level 2 through `case complete` on its work item, after claiming it.
    let case = w.get(r).approval.unwrap().case;
    w.e.execute(
        "carol",
        Command::Claim {
            case,
            work_item: None,
        },
    )
    .unwrap();
    let wrong =
        w.e.execute(
            "carol",
            Command::Complete {
                case,
                work_item: None,
                outcome: Outcome::Success,
                comment: None,
            },
        )
        .unwrap_err();
    assert!(matches!(wrong, ApiError::BadInput(_)), "{wrong:?}");
    let close =
        w.e.execute(
            "bob",
            Command::Close {
                case,
                outcome: None,
                comment: None,
            },
        )
        .unwrap_err();
    assert!(matches!(close, ApiError::IllegalState(_)), "{close:?}");
    w.e.execute(
        "carol",
        Command::Complete {
            case,
            work_item: None,
            outcome: Outcome::Approved,
            comment: Some("ok".into()),
        },
    )
    .unwrap();
    assert_eq!(w.state(r), RequestState::Assigned);
    w.clean();
}

#[test]
fn cancelling_the_approval_case_aborts_the_request() {
    let w = world();
    w.product("vpn", Some(vec![vec![step(Approvers::Manager)]]));
    let r = w.request("bob", "vpn", "bob").unwrap();
    let case = w.get(r).approval.unwrap().case;
    let pending = w.e.pending_approvals("ann", 10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].request.id, r);
    w.e.execute(
        "bob",
        Command::Cancel {
            case,
            comment: Some("not needed".into()),
        },
    )
    .unwrap();
    assert_eq!(w.state(r), RequestState::Aborted);
    assert!(w.e.pending_approvals("ann", 10).unwrap().is_empty());
    w.clean();
}

#[test]
fn one_live_request_per_product_unless_multi_request() {
    let w = world();
    w.product("vpn", None);
    let first = w.request("bob", "vpn", "bob").unwrap();
    assert_eq!(w.state(first), RequestState::Assigned);
    let again = w.request("bob", "vpn", "bob").unwrap_err();
    match again {
        ApiError::IllegalState(m) => assert!(m.contains(&first.to_string()), "{m}"),
        other => panic!("{other:?}"),
    }
    // In approval counts too.
    w.product("wiki", Some(vec![vec![step(Approvers::Manager)]]));
    let open = w.request("bob", "wiki", "bob").unwrap();
    let e = w.request("ann", "wiki", "bob").unwrap_err();
    assert!(
        e.to_string().contains(&format!("{open} is in approval")),
        "{e}"
    );
    // A multi-request product: three requests, each approved and recorded.
    let mut laptop = Product::plain("laptop");
    laptop.multi_request = true;
    w.e.execute(
        "root",
        Command::ImportProducts {
            products: vec![laptop],
            policies: vec![],
        },
    )
    .unwrap();
    for _ in 0..3 {
        let r = w.request("bob", "laptop", "bob").unwrap();
        assert_eq!(w.state(r), RequestState::Unsubscribed);
        assert!(w.get(r).timers.is_empty());
    }
    let unknown = w.request("bob", "vnp", "bob").unwrap_err();
    match unknown {
        ApiError::BadInput(m) => assert!(m.contains("did you mean vpn"), "{m}"),
        other => panic!("{other:?}"),
    }
    w.clean();
}

#[test]
fn a_product_validity_sets_valid_until_at_approval() {
    let w = world();
    let mut p = Product::plain("vpn");
    p.validity_secs = Some(90 * 86_400);
    p.policy = Some("m".into());
    w.e.execute(
        "root",
        Command::ImportProducts {
            products: vec![p],
            policies: vec![ApprovalPolicy {
                calendar: None,
                name: "m".into(),
                chief: None,
                levels: vec![Level {
                    steps: vec![step(Approvers::Manager)],
                }],
            }],
        },
    )
    .unwrap();
    let too_long = w.e.execute(
        "bob",
        Command::RequestAccess {
            product: "vpn".into(),
            recipient: None,
            valid_from: None,
            valid_until: Some(t0() + Duration::days(120)),
            notice_secs: None,
            reason: None,
        },
    );
    assert!(
        matches!(too_long, Err(ApiError::BadInput(_))),
        "{too_long:?}"
    );
    let r = w.request("bob", "vpn", "bob").unwrap();
    w.clock.set(t0() + Duration::days(5));
    w.decide("ann", r, true).unwrap();
    // 90 days from the day of approval, to 23:59 of the last (UTC: no zone imported).
    let last_day = (t0() + Duration::days(95)).date_naive();
    assert_eq!(
        w.get(r).valid_until,
        Some(last_day.and_hms_opt(23, 59, 0).unwrap().and_utc())
    );
    let _ = WorkItemId(0);
    w.clean();
}

#[test]
fn a_step_short_of_its_count_with_nobody_left_follows_its_no_approver_rule() {
    let w = world();
    let mut abort = step(Approvers::Manager);
    abort.count = 2;
    let mut chief = abort.clone();
    chief.no_approver = NoApprover::Chief;
    w.product("two-managers", Some(vec![vec![abort]]));
    w.product("to-chief", Some(vec![vec![chief]]));
    let r = w.request("bob", "two-managers", "bob").unwrap();
    w.decide("ann", r, true).unwrap();
    assert_eq!(
        w.state(r),
        RequestState::Aborted,
        "only one manager to approve twice"
    );
    let c = w.request("bob", "to-chief", "bob").unwrap();
    w.decide("ann", c, true).unwrap();
    assert_eq!(w.waiting(c), vec![vec!["@chiefs".to_string()]]);
    w.decide("erin", c, true).unwrap();
    assert_eq!(w.state(c), RequestState::Assigned);
    // An administrator's right to any work item does not make them an approver.
    let p = w.request("nemo", "to-chief", "nemo").unwrap();
    let case = w.get(p).approval.unwrap().case;
    let claim = w.e.execute(
        "root",
        Command::Claim {
            case,
            work_item: None,
        },
    );
    assert!(matches!(claim, Err(ApiError::NotAllowed(_))), "{claim:?}");
    w.clean();
}

#[test]
fn pending_approvals_lists_only_steps_the_user_may_decide() {
    let w = world();
    w.product("vpn", Some(vec![vec![step(Approvers::ProductOwners)]]));
    // carol owns the product and asks for it herself: her own step is not hers to decide.
    let r = w.request("carol", "vpn", "carol").unwrap();
    assert!(w.e.pending_approvals("carol", 10).unwrap().is_empty());
    let dave = w.e.pending_approvals("dave", 10).unwrap();
    assert_eq!(dave.len(), 1);
    assert_eq!(dave[0].request.id, r);
    assert_eq!(dave[0].steps.len(), 1);
    let own = w.decide("carol", r, true).unwrap_err();
    assert!(matches!(own, ApiError::NotAllowed(_)), "{own:?}");
    w.decide("dave", r, true).unwrap();
    assert!(w.e.pending_approvals("dave", 10).unwrap().is_empty());
    w.clean();
}

/// Org units for the relocation test: bob in sales, cid in support (ann is not a unit's).
fn units(sales: &[&str], support: &[&str]) -> OrgImport {
    let unit = |id: &str, manager: &str, members: &[&str]| OrgUnit {
        id: id.into(),
        name: id.into(),
        parent: None,
        manager: Some(manager.into()),
        members: members.iter().map(|m| m.to_string()).collect(),
    };
    OrgImport {
        chief_approvers: None,
        units: vec![
            unit("sales", "olga", sales),
            unit("support", "frank", support),
        ],
        groups: vec![],
    }
}

#[test]
fn a_product_for_some_units_and_a_move_to_another_unit() {
    let w = world();
    w.e.execute("root", Command::ImportOrgs(units(&["bob"], &["cid"])))
        .unwrap();
    // crm is for sales only; wiki for anyone; both approved by the org unit's manager.
    for id in ["crm", "wiki"] {
        let mut p = Product::plain(id);
        p.policy = Some("unit".into());
        if id == "crm" {
            p.units = vec!["sales".into()];
        }
        w.e.execute(
            "root",
            Command::ImportProducts {
                products: vec![p],
                policies: vec![ApprovalPolicy {
                    calendar: None,
                    name: "unit".into(),
                    chief: None,
                    levels: vec![Level {
                        steps: vec![step(Approvers::OrgManager)],
                    }],
                }],
            },
        )
        .unwrap();
    }
    let refused = w.request("cid", "crm", "cid").unwrap_err();
    assert!(matches!(refused, ApiError::NotAllowed(_)), "{refused:?}");
    let crm = w.request("bob", "crm", "bob").unwrap();
    let wiki = w.request("bob", "wiki", "bob").unwrap();
    assert_eq!(w.waiting(wiki), vec![vec!["olga".to_string()]]);
    // bob moves to support: crm is not for support (aborted); wiki starts again, now for
    // support's manager.
    let said =
        w.e.execute("root", Command::ImportOrgs(units(&[], &["bob", "cid"])))
            .unwrap()
            .message;
    assert!(
        said.contains("1 requests aborted, 1 approvals restarted"),
        "{said}"
    );
    assert_eq!(w.state(crm), RequestState::Aborted);
    assert_eq!(w.waiting(wiki), vec![vec!["frank".to_string()]]);
    let why = w.e.request_detail("bob", crm).unwrap().events;
    assert!(why.iter().any(|e| e
        .why
        .as_deref()
        .is_some_and(|y| y.contains("bob moved from sales to support"))));
    w.decide("frank", wiki, true).unwrap();
    assert_eq!(w.state(wiki), RequestState::Assigned);
    w.clean();
}
