//! The campaign engine's rules on a simulated clock, with the store checked after every
//! step: no response (keep, revoke, escalate), reminders, reiteration, decisions on closed
//! stages, a revoked request, remediation at once, bulk decisions in one transaction,
//! scopes, `campaign close`, and the bad inputs of the issue.

mod campaign_support;

use casebench::domain::duration::Span;
use chrono::Duration;

use campaign_support::{def, manager_then_owners, stage, t0, world, World};
use casebench::api::{ItemFilter, ItemPick};
use casebench::domain::campaign::{
    Decision, NoResponse, Remediate, RemediationState, ReviewerSource, RunState, StageItems,
};
use casebench::domain::{EventKind, RequestState, ShadowState, Target};

/// bob (fin-ro;fin-rw) and carl (fin-ro) on sap, both ann's to review.
fn two_accounts() -> World {
    let w = world();
    w.account("bob", "fin-ro;fin-rw");
    w.account("carl", "fin-ro");
    w
}

fn one_stage(no_response: NoResponse) -> Vec<casebench::domain::campaign::StageDef> {
    vec![stage(ReviewerSource::Manager, StageItems::All, no_response)]
}

fn week() -> chrono::DateTime<chrono::Utc> {
    t0() + Duration::days(7)
}

fn no_response_events(w: &World) -> Vec<String> {
    let events = w.e.inspect().all_events().unwrap();
    events
        .into_iter()
        .filter_map(|e| match e.what {
            EventKind::CertNoResponse { items, rule, .. } => Some(format!("{items} {rule}")),
            _ => None,
        })
        .collect()
}

/// Whom the reminders queued so far went to.
fn reminders(w: &World) -> Vec<String> {
    let all = w.e.inspect().notifications(false, usize::MAX).unwrap();
    all.into_iter()
        .filter(|n| n.subject.starts_with("Reminder"))
        .map(|n| n.to)
        .collect()
}

#[test]
fn no_response_keep_accepts_by_rule_and_the_run_closes() {
    let w = two_accounts();
    w.import(def(one_stage(NoResponse::Keep)));
    w.start();
    let bob = w.item("sap/bob").no;
    w.decide("ann", vec![bob], Decision::Revoke).unwrap();
    w.sweep_at(week() - Duration::seconds(1));
    assert_eq!(
        w.detail().run.state,
        RunState::InReview,
        "not before the deadline"
    );
    w.sweep_at(week());
    let carl = w.item("sap/carl");
    let r = carl.results.last().unwrap();
    assert_eq!((r.result.clone(), r.by_rule), (Decision::Accept, true));
    assert!(r.verdict.is_none());
    assert_eq!(no_response_events(&w), vec!["1 kept".to_string()]);
    assert!(carl.remediation.is_none());
    let bob = w.item("sap/bob");
    assert_eq!(bob.results.last().unwrap().result, Decision::Revoke);
    assert_eq!(w.detail().run.state, RunState::InRemediation);
    assert_eq!(w.detail().tally.overdue, 1);
}

#[test]
fn no_response_revoke_revokes_by_rule_through_a_manual_case() {
    let w = two_accounts();
    w.import(def(one_stage(NoResponse::Revoke)));
    w.start();
    w.decide("ann", vec![w.item("sap/bob").no], Decision::Accept)
        .unwrap();
    w.sweep_at(week());
    assert_eq!(no_response_events(&w), vec!["1 revoked".to_string()]);
    let carl = w.item("sap/carl");
    assert!(carl.results.last().unwrap().by_rule);
    let rem = carl.remediation.clone().expect("revoked by rule");
    assert_eq!(rem.state, RemediationState::Open);
    assert!(w.item("sap/bob").remediation.is_none());
    let d = w.detail();
    assert_eq!(d.run.state, RunState::InRemediation);
    assert_eq!(d.run.remediating, vec![carl.no]);
    w.complete(rem.case.expect("a manual case for ops"));
    // The run closes by itself at its next look.
    w.sweep_at(week() + Duration::hours(1));
    assert_eq!(w.detail().run.state, RunState::Closed);
    let sh = w.e.inspect().shadow("sap", "carl").unwrap().unwrap();
    assert_eq!(sh.state, ShadowState::Dead);
}

#[test]
fn escalate_moves_undecided_items_to_the_managers_manager_then_leaves_them_undecided() {
    let w = two_accounts();
    let mut stages = one_stage(NoResponse::Escalate);
    stages[0].escalate_for = Some(Span::Wall(2 * 86_400));
    w.import(def(stages));
    w.start();
    let (bob, carl) = (w.item("sap/bob"), w.item("sap/carl"));
    w.decide("ann", vec![carl.no], Decision::Accept).unwrap();
    w.sweep_at(week());
    let d = w.detail();
    assert_eq!(d.run.state, RunState::InReview, "escalated, not ended");
    assert!(d.run.escalated);
    let new_deadline = week() + Duration::days(2);
    assert_eq!(d.run.stage_deadline, Some(new_deadline));
    // bob's item went to dora (ann's manager); carl's decided item stayed with ann.
    let bob_now = w.item("sap/bob");
    assert_eq!(bob_now.reviewer.as_deref(), Some("dora"));
    let wi =
        w.e.inspect()
            .work_item(bob_now.work_item.unwrap())
            .unwrap()
            .unwrap();
    assert_eq!(wi.assignees, vec!["dora".to_string()]);
    assert_eq!(wi.deadline, Some(new_deadline));
    let carl_wi =
        w.e.inspect()
            .work_item(carl.work_item.unwrap())
            .unwrap()
            .unwrap();
    assert_eq!(carl_wi.assignees, vec!["ann".to_string()]);
    let case_events = w.e.inspect().case_events(bob.case.unwrap()).unwrap();
    let escalated: Vec<_> = case_events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::Escalated { work_item, to, .. } => Some((*work_item, to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(escalated, vec![(wi.id, Target::User("dora".into()))]);
    // ann may no longer decide bob; dora may, but does not.
    assert!(w.decide("ann", vec![bob.no], Decision::Accept).is_err());
    // Reminders are not repeated after the escalation.
    assert!(d.run.timers.len() == 1, "{:?}", d.run.timers);
    w.sweep_at(new_deadline);
    let d = w.detail();
    assert_eq!(d.run.state, RunState::Closed, "nothing to revoke");
    let r = w.item("sap/bob").results.last().cloned().unwrap();
    assert_eq!((r.result, r.by_rule), (Decision::NotDecided, false));
    assert_eq!(r.reviewer.as_deref(), Some("dora"));
    assert_eq!(
        no_response_events(&w),
        vec!["1 left undecided after the escalation".to_string()]
    );
    assert_eq!(w.item("sap/carl").results[0].result, Decision::Accept);
}

#[test]
fn reminders_go_48h_and_12h_before_the_deadline_to_reviewers_with_undecided_items_only() {
    let w = two_accounts();
    // eve has no manager: her account goes to sap's owners (@ops: olga).
    w.account("eve", "hr-rw");
    let mut stages = one_stage(NoResponse::Keep);
    stages[0].reminders = vec![Span::Wall(48 * 3600), Span::Wall(12 * 3600)];
    w.import(def(stages));
    w.start();
    assert_eq!(w.detail().reviewers.len(), 2);
    let ann_items: Vec<u32> = w
        .items()
        .iter()
        .filter(|i| i.reviewer.as_deref() == Some("ann"))
        .map(|i| i.no)
        .collect();
    w.decide("ann", ann_items, Decision::Accept).unwrap();
    w.sweep_at(week() - Duration::hours(49));
    assert!(reminders(&w).is_empty());
    w.sweep_at(week() - Duration::hours(48));
    assert_eq!(reminders(&w), vec!["olga".to_string()]);
    w.sweep_at(week() - Duration::hours(20));
    assert_eq!(reminders(&w).len(), 1, "once per reminder");
    w.sweep_at(week() - Duration::hours(12));
    assert_eq!(reminders(&w), vec!["olga".to_string(), "olga".to_string()]);
}

#[test]
fn reiteration_reviews_only_what_nobody_decided_from_stage_one() {
    let w = two_accounts();
    w.import(manager_then_owners());
    w.start();
    let refused = w.run_cmd("reiterate").unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("reiterate after its review is done"),
        "{refused}"
    );
    let (bob, carl) = (w.item("sap/bob").no, w.item("sap/carl").no);
    w.decide("ann", vec![bob], Decision::Accept).unwrap();
    w.sweep_at(week());
    // Stage 2: bob for @ops; olga accepts.
    assert_eq!(w.detail().run.stage, 2);
    w.decide("olga", vec![bob], Decision::Accept).unwrap();
    w.sweep_at(week() + Duration::days(7));
    assert_eq!(w.detail().run.state, RunState::Closed);
    let said = w.run_cmd("reiterate").unwrap();
    assert!(said.contains("iteration 2"), "{said}");
    let d = w.detail();
    assert_eq!(
        (d.run.state, d.run.stage, d.run.iteration),
        (RunState::InReview, 1, 2)
    );
    assert_eq!(d.in_review, 1);
    assert_eq!(w.item("sap/carl").stage, 1);
    assert_eq!(w.item("sap/bob").stage, 0, "bob was decided");
    assert!(w.decide("ann", vec![bob], Decision::Revoke).is_err());
    w.decide("ann", vec![carl], Decision::Accept).unwrap();
    w.run_cmd("advance").unwrap();
    w.decide("olga", vec![carl], Decision::Accept).unwrap();
    w.run_cmd("advance").unwrap();
    assert_eq!(w.detail().run.state, RunState::Closed);
    let refused = w.run_cmd("reiterate").unwrap_err();
    assert!(
        refused.to_string().contains("every item was decided"),
        "{refused}"
    );
}

#[test]
fn a_decision_on_an_item_of_a_closed_stage_or_a_closed_run_is_refused() {
    let w = two_accounts();
    w.import(manager_then_owners());
    w.start();
    let (bob, carl) = (w.item("sap/bob").no, w.item("sap/carl").no);
    w.decide("ann", vec![bob], Decision::Accept).unwrap();
    w.decide("ann", vec![carl], Decision::Revoke).unwrap();
    w.decide("ann", vec![carl], Decision::Accept).unwrap();
    w.decide("ann", vec![carl], Decision::Revoke).unwrap();
    w.run_cmd("advance").unwrap();
    // carl's stage closed: refused for ann and for ops.
    let e = w.decide("olga", vec![carl], Decision::Accept).unwrap_err();
    assert!(e.to_string().contains("is not in review in stage 2"), "{e}");
    assert!(w.decide("ann", vec![carl], Decision::Accept).is_err());
    let before = w.item("sap/carl");
    assert_eq!(before.results[0].result, Decision::Revoke);
    assert_eq!(before.results[0].verdict.as_ref().unwrap().by, "ann");
    // One bad item refuses the whole batch.
    assert!(w.decide("olga", vec![bob, carl], Decision::Accept).is_err());
    assert!(w.item("sap/bob").current.is_none());
    w.run_cmd("close").unwrap();
    let e = w.decide("olga", vec![bob], Decision::Accept).unwrap_err();
    assert!(
        e.to_string()
            .contains("decisions are taken only while it is in review"),
        "{e}"
    );
}

#[test]
fn a_revoked_request_is_unsubscribed_through_its_revoking_case_and_the_run_closes() {
    let w = world();
    w.vpn_product();
    let r = w.vpn_request("bob");
    let mut d = def(vec![stage(
        ReviewerSource::Owners,
        StageItems::All,
        NoResponse::Keep,
    )]);
    d.scope.resources.clear();
    d.scope.products = vec!["vpn".into()];
    w.import(d);
    w.start();
    let item = w.item(&r.to_string());
    assert_eq!(item.reviewer.as_deref(), Some("@ops"), "net's owners");
    assert!(item
        .attributes
        .get("entitlement")
        .is_some_and(|e| e == "vpn-users"));
    w.decide("olga", vec![item.no], Decision::Revoke).unwrap();
    w.sweep_at(week());
    let d = w.detail();
    assert_eq!(d.run.state, RunState::InRemediation);
    let req = w.e.inspect().request(r).unwrap().unwrap();
    assert!(
        !req.state.holds_access() || req.state == RequestState::Unsubscription,
        "{req:?}"
    );
    let rem = w.item(&r.to_string()).remediation.unwrap();
    assert_eq!((rem.state, rem.request), (RemediationState::Open, Some(r)));
    let op = rem.op.clone().expect("the revoking operation");
    assert_eq!(req.operations.last(), Some(&op));
    let case = rem.case.expect("its manual case");
    assert_eq!(case, w.case_of_request(r));
    w.complete(case);
    w.sweep_at(week() + Duration::hours(1));
    assert_eq!(w.detail().run.state, RunState::Closed);
    let rem = w.item(&r.to_string()).remediation.unwrap();
    assert_eq!(rem.state, RemediationState::Done);
    let req = w.e.inspect().request(r).unwrap().unwrap();
    assert_eq!(req.state, RequestState::Unsubscribed);
}

#[test]
fn remediate_at_once_starts_when_the_revoking_stage_ends() {
    let w = two_accounts();
    let mut d = def(vec![
        stage(ReviewerSource::Manager, StageItems::All, NoResponse::Keep),
        stage(ReviewerSource::Owners, StageItems::All, NoResponse::Keep),
    ]);
    d.remediate = Remediate::AtOnce;
    w.import(d);
    w.start();
    let carl = w.item("sap/carl").no;
    w.decide("ann", vec![carl], Decision::Revoke).unwrap();
    w.run_cmd("advance").unwrap();
    let d = w.detail();
    assert_eq!((d.run.state, d.run.stage), (RunState::InReview, 2));
    let rem = w.item("sap/carl").remediation.expect("started at once");
    assert_eq!(rem.state, RemediationState::Open);
    assert_eq!(w.item("sap/carl").stage, 0, "not reviewed again");
    assert_eq!(d.in_review, 1);
    w.complete(rem.case.unwrap());
    w.run_cmd("advance").unwrap();
    assert_eq!(
        w.detail().run.state,
        RunState::Closed,
        "its remediation was done"
    );
}

#[test]
fn a_bulk_decision_touches_only_the_actors_items_in_one_transaction() {
    let w = two_accounts();
    w.account("eve", "fin-rw");
    w.import(def(one_stage(NoResponse::Keep)));
    w.start();
    let matching = |text: Option<&str>, undecided: bool| {
        ItemPick::Matching(ItemFilter {
            text: text.map(String::from),
            undecided,
            ..ItemFilter::default()
        })
    };
    // A reduce naming fin-rw, which carl lacks: nothing changes.
    let reduce = Decision::Reduce(vec![("groups".into(), "fin-rw".into())]);
    let e = w
        .decide_with("ann", matching(None, false), reduce.clone())
        .unwrap_err();
    assert!(e.to_string().contains("has no groups=fin-rw"), "{e}");
    assert!(w.items().iter().all(|i| i.current.is_none()));
    // By text: only ann's bob, not olga's eve (also fin-rw).
    let said = w
        .decide_with("ann", matching(Some("FIN-RW"), false), reduce)
        .unwrap();
    assert!(said.contains("1 item"), "{said}");
    assert!(w.item("sap/eve").current.is_none());
    // Undecided: carl only.
    w.decide_with("ann", matching(None, true), Decision::Accept)
        .unwrap();
    assert_eq!(
        w.item("sap/carl").current.unwrap().decision,
        Decision::Accept
    );
    assert!(matches!(
        w.item("sap/bob").current.unwrap().decision,
        Decision::Reduce(_)
    ));
    // By case: eve's case is olga's; ann has nothing there.
    let eve_case = w.item("sap/eve").case;
    let by_case = ItemPick::Matching(ItemFilter {
        case: eve_case,
        ..ItemFilter::default()
    });
    assert!(w
        .decide_with("ann", by_case.clone(), Decision::Accept)
        .is_err());
    w.decide_with("olga", by_case, Decision::Revoke).unwrap();
    assert_eq!(w.item("sap/eve").current.unwrap().by, "olga");
}

#[test]
fn scope_by_org_unit_and_attribute_and_a_scope_matching_nothing() {
    let w = two_accounts();
    w.account("eve", "fin-rw");
    let mut d = def(one_stage(NoResponse::Keep));
    d.scope.org_unit = Some("fin".into());
    w.import(d.clone());
    w.start();
    let got: Vec<String> = w.items().iter().map(|i| i.subject.label()).collect();
    assert_eq!(got, vec!["sap/bob", "sap/carl"], "fin and fin-ap below it");
    let e = w.try_start().unwrap_err();
    assert!(
        e.to_string()
            .contains("close it before starting another run"),
        "{e}"
    );
    w.run_cmd("close").unwrap();
    d.scope.org_unit = None;
    d.scope.attribute = Some(("groups".into(), "fin-rw".into()));
    w.import(d.clone());
    w.start();
    let got: Vec<String> = w.items().iter().map(|i| i.subject.label()).collect();
    assert_eq!(got, vec!["sap/bob", "sap/eve"]);
    w.run_cmd("close").unwrap();
    d.scope.org_unit = Some("hr".into());
    d.scope.attribute = Some(("groups".into(), "fin-ro".into()));
    w.import(d);
    let cases_before = w.e.inspect().all_cases().unwrap().len();
    let e = w.try_start().unwrap_err();
    assert!(e.to_string().contains("matches nothing"), "{e}");
    assert_eq!(w.runs().len(), 2, "no run recorded");
    assert_eq!(w.e.inspect().all_cases().unwrap().len(), cases_before);
}

#[test]
fn unknown_resource_product_unit_or_reviewer_is_refused_at_import_naming_the_line() {
    let w = world();
    let bad = |f: &dyn Fn(&mut casebench::domain::CampaignDef), says: &str| {
        let mut d = def(one_stage(NoResponse::Keep));
        f(&mut d);
        let e = w.try_import(d).unwrap_err();
        assert!(
            e.to_string().contains("line 3") && e.to_string().contains(says),
            "{e}"
        );
        assert!(w.e.inspect().campaigns().unwrap().is_empty());
    };
    bad(
        &|d| d.scope.resources = vec!["nope".into()],
        "no resource \"nope\"",
    );
    bad(
        &|d| d.scope.products = vec!["nope".into()],
        "no product \"nope\"",
    );
    bad(
        &|d| d.scope.org_unit = Some("nope".into()),
        "no org unit \"nope\"",
    );
    bad(
        &|d| d.stages[0].reviewers = ReviewerSource::User("zed".into()),
        "no user \"zed\"",
    );
    bad(
        &|d| d.stages[0].reviewers = ReviewerSource::Group("zed".into()),
        "no group @zed",
    );
    bad(
        &|d| d.stages[0].duration = Span::Wall(0),
        "no positive duration",
    );
}

#[test]
fn close_in_review_applies_the_stage_rule_then_waits_for_remediation() {
    let w = two_accounts();
    w.import(def(vec![
        stage(ReviewerSource::Manager, StageItems::All, NoResponse::Revoke),
        stage(ReviewerSource::Owners, StageItems::All, NoResponse::Keep),
    ]));
    w.start();
    w.decide("ann", vec![w.item("sap/bob").no], Decision::Accept)
        .unwrap();
    let said = w.run_cmd("close").unwrap();
    assert!(said.contains("in remediation"), "{said}");
    let d = w.detail();
    assert_eq!((d.run.state, d.run.stage), (RunState::InRemediation, 0));
    assert!(d.run.cases.iter().all(|c| c.stage == 1), "no later stage");
    let carl = w.item("sap/carl");
    assert_eq!(carl.results.last().unwrap().result, Decision::Revoke);
    let e = w.run_cmd("close").unwrap_err();
    assert!(
        e.to_string().contains("1 revocations are still under way"),
        "{e}"
    );
    w.complete(carl.remediation.unwrap().case.unwrap());
    w.sweep_at(t0() + Duration::hours(1));
    assert_eq!(w.detail().run.state, RunState::Closed);
    let e = w.run_cmd("close").unwrap_err();
    assert!(e.to_string().contains("it is closed"), "{e}");
}

#[test]
fn an_account_deleted_during_the_review_is_nothing_to_remediate() {
    let w = two_accounts();
    w.import(def(one_stage(NoResponse::Keep)));
    w.start();
    let carl = w.item("sap/carl").no;
    w.decide("ann", vec![carl], Decision::Revoke).unwrap();
    let a =
        w.e.execute(
            "root",
            casebench::api::Command::Provision {
                resource: "sap".into(),
                account: "carl".into(),
                owner: None,
                kind: casebench::domain::OpKind::Delete,
                set: vec![],
            },
        )
        .unwrap();
    w.complete(a.case.unwrap());
    w.run_cmd("advance").unwrap();
    let rem = w.item("sap/carl").remediation.unwrap();
    assert_eq!(rem.state, RemediationState::Nothing, "{rem:?}");
    assert_eq!(w.detail().run.state, RunState::Closed);
}

#[test]
fn a_delegated_item_is_decided_and_reminded_to_its_delegate() {
    let w = two_accounts();
    w.import(def(one_stage(NoResponse::Keep)));
    w.start();
    let (bob, carl) = (w.item("sap/bob"), w.item("sap/carl"));
    w.decide("ann", vec![carl.no], Decision::Accept).unwrap();
    w.e.execute(
        "ann",
        casebench::api::Command::Delegate {
            case: bob.case.unwrap(),
            work_item: bob.work_item,
            to: Target::User("dora".into()),
            method: casebench::domain::DelegationMethod::Replace,
            comment: None,
        },
    )
    .unwrap();
    w.check();
    w.sweep_at(week() - Duration::hours(48));
    let to = reminders(&w);
    assert_eq!(to, vec!["dora".to_string()], "the delegate, not ann");
    assert!(w.decide("ann", vec![bob.no], Decision::Revoke).is_err());
    w.decide("dora", vec![bob.no], Decision::Revoke).unwrap();
    assert_eq!(w.item("sap/bob").current.unwrap().by, "dora");
}

#[test]
fn a_reviewer_group_left_without_members_falls_back_to_whoever_started_the_run() {
    let w = two_accounts();
    w.import(def(vec![stage(
        ReviewerSource::Group("ops".into()),
        StageItems::All,
        NoResponse::Keep,
    )]));
    // olga leaves ops: nobody could decide what goes to @ops (sap's owners too).
    let olga = casebench::api::UserRecord {
        line: 2,
        login: "olga".into(),
        name: "olga".into(),
        email: "olga@example.org".into(),
        manager: None,
        groups: vec!["staff".into()],
        calendar: None,
    };
    let users = vec![olga];
    w.e.execute("root", casebench::api::Command::ImportUsers { users })
        .unwrap();
    w.start();
    let d = w.detail();
    assert_eq!(d.reviewers.len(), 1);
    assert_eq!(d.reviewers[0].reviewer, "root");
    w.decide("root", vec![1, 2], Decision::Accept).unwrap();
}

#[test]
fn an_item_delegated_then_escalated_goes_to_the_delegates_manager() {
    let w = two_accounts();
    w.import(def(one_stage(NoResponse::Escalate)));
    w.start();
    let (bob, carl) = (w.item("sap/bob"), w.item("sap/carl"));
    w.decide("ann", vec![carl.no], Decision::Accept).unwrap();
    // ann hands bob's item to eve, who has no manager, then to carl (ann's report).
    for to in ["eve", "carl"] {
        w.e.execute(
            if to == "eve" { "ann" } else { "eve" },
            casebench::api::Command::Delegate {
                case: bob.case.unwrap(),
                work_item: bob.work_item,
                to: Target::User(to.into()),
                method: casebench::domain::DelegationMethod::Replace,
                comment: None,
            },
        )
        .unwrap();
    }
    w.sweep_at(week());
    let bob_now = w.item("sap/bob");
    assert_eq!(bob_now.reviewer.as_deref(), Some("ann"), "carl's manager");
    let wi = w.e.inspect().work_item(bob.work_item.unwrap()).unwrap();
    assert_eq!(wi.unwrap().assignees, vec!["ann".to_string()]);
    w.decide("ann", vec![bob.no], Decision::Revoke).unwrap();
}

/// A revoke on a request whose unsubscription is in approval overrides that approval: its
/// case is cancelled and the request is unsubscribed by the campaign.
#[test]
fn a_revoke_overrides_an_unsubscription_in_approval() {
    use casebench::api::Command;
    use casebench::domain::approval::{
        Approvers, Level, NoApprover, OnTimeout, SelfApproval, Step,
    };
    use casebench::domain::{ApprovalPolicy, CaseState};
    let w = world();
    w.vpn_product();
    let mut p = w.e.inspect().product("vpn").unwrap().unwrap();
    p.unsubscription_policy = Some("olga-decides".into());
    let policy = ApprovalPolicy {
        calendar: None,
        name: "olga-decides".into(),
        chief: None,
        levels: vec![Level {
            steps: vec![Step {
                name: "olga".into(),
                approvers: Approvers::User("olga".into()),
                count: 1,
                reminder: None,
                timeout: None,
                on_timeout: OnTimeout::Abort,
                no_approver: NoApprover::Abort,
                self_approval: SelfApproval::Skipped,
            }],
        }],
    };
    let import = Command::ImportProducts {
        products: vec![p],
        policies: vec![policy],
    };
    w.e.execute("root", import).unwrap();
    let r = w.vpn_request("bob");
    let cancel = Command::CancelRequest {
        request: r,
        from: None,
    };
    w.e.execute("bob", cancel).unwrap();
    let asked = w.e.inspect().request(r).unwrap().unwrap();
    assert_eq!(asked.state, RequestState::Unsubscription);
    let approval_case = asked.approval.as_ref().unwrap().case;
    let mut d = def(vec![stage(
        ReviewerSource::Owners,
        StageItems::All,
        NoResponse::Keep,
    )]);
    d.scope.resources.clear();
    d.scope.products = vec!["vpn".into()];
    w.import(d);
    w.start();
    let item = w.item(&r.to_string());
    w.decide("olga", vec![item.no], Decision::Revoke).unwrap();
    w.sweep_at(week());
    let rem = w.item(&r.to_string()).remediation.unwrap();
    assert_eq!(rem.state, RemediationState::Open, "{rem:?}");
    let req = w.e.inspect().request(r).unwrap().unwrap();
    assert_eq!(req.state, RequestState::Unsubscribed);
    let case = w.e.inspect().case(approval_case).unwrap().unwrap();
    assert_eq!(case.state, CaseState::Cancelled);
    w.check();
}
