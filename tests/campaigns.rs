//! Certification campaigns through the engine on a simulated clock: stages in sequence,
//! the no-response rules (keep, revoke, escalate), reiteration, decisions changed before a
//! deadline and refused after it, revocations ending as a closed manual case and a dead
//! shadow, and a revoke ending a request.

mod campaign_support;

use chrono::Duration;

use campaign_support::{manager_then_owners, t0, world};
use casebench::api::Command;
use casebench::domain::campaign::{Decision, RemediationState, RunState};
use casebench::domain::{CaseState, Outcome, ShadowState};

#[test]
fn two_stages_manager_then_owners_on_what_stage_one_accepted_and_a_revoke_ends_the_account() {
    let w = world();
    w.account("bob", "fin-ro;fin-rw");
    w.account("carl", "fin-ro");
    w.import(manager_then_owners());
    let said = w.start();
    assert!(said.contains("2 items"), "{said}");
    let d = w.detail();
    assert_eq!(d.run.state, RunState::InReview);
    assert_eq!(d.reviewers.len(), 1);
    assert_eq!(d.reviewers[0].reviewer, "ann");
    let items = w.items();
    let (bob, carl) = (items[0].no, items[1].no);
    // Not ann's to decide? bob may not decide his own review.
    let refused = w.decide("bob", vec![bob], Decision::Accept).unwrap_err();
    assert!(
        refused.to_string().contains("is for ann to decide"),
        "{refused}"
    );
    w.decide("ann", vec![bob], Decision::Accept).unwrap();
    w.decide("ann", vec![carl], Decision::Accept).unwrap();
    // Changed before the deadline.
    w.clock.set(t0() + Duration::days(1));
    w.decide("ann", vec![carl], Decision::Revoke).unwrap();
    // After the deadline: refused, even before the sweep ran.
    w.clock.set(t0() + Duration::days(7));
    let late = w.decide("ann", vec![carl], Decision::Accept).unwrap_err();
    assert!(late.to_string().contains("no decision after it"), "{late}");
    w.sweep_at(t0() + Duration::days(7));
    let d = w.detail();
    assert_eq!(d.run.stage, 2);
    assert_eq!(d.in_review, 1, "only what stage 1 accepted");
    assert_eq!(d.reviewers[0].reviewer, "@ops");
    // olga (ops) reduces bob's rights: fin-rw taken away.
    let bad = w
        .decide(
            "olga",
            vec![bob],
            Decision::Reduce(vec![("groups".into(), "hr".into())]),
        )
        .unwrap_err();
    assert!(bad.to_string().contains("has no groups=hr"), "{bad}");
    w.decide(
        "olga",
        vec![bob],
        Decision::Reduce(vec![("groups".into(), "fin-rw".into())]),
    )
    .unwrap();
    w.sweep_at(t0() + Duration::days(14));
    let d = w.detail();
    assert_eq!(d.run.state, RunState::InRemediation, "{:?}", d.run);
    assert_eq!(d.remediations.0, 2);
    // The revocations are manual cases for ops: close them.
    let items = w.items();
    for i in &items {
        let rem = i.remediation.as_ref().unwrap();
        let case = rem.case.expect("a manual case");
        w.e.execute(
            "root",
            Command::Complete {
                case,
                work_item: None,
                outcome: Outcome::Success,
                comment: None,
            },
        )
        .unwrap();
    }
    w.sweep_at(t0() + Duration::days(15));
    let d = w.detail();
    assert_eq!(d.run.state, RunState::Closed, "{:?}", d.run);
    let carl_shadow = w.e.inspect().shadow("sap", "carl").unwrap().unwrap();
    assert_eq!(carl_shadow.state, ShadowState::Dead);
    let bob_shadow = w.e.inspect().shadow("sap", "bob").unwrap().unwrap();
    assert_eq!(
        bob_shadow.attributes.get("groups").map(String::as_str),
        Some("fin-ro")
    );
    let items = w.items();
    assert!(items
        .iter()
        .all(|i| i.remediation.as_ref().unwrap().state == RemediationState::Done));
    // The certification cases are closed.
    for c in &d.run.cases {
        let case = w.e.inspect().case(c.case).unwrap().unwrap();
        assert_eq!(case.state, CaseState::Closed);
    }
}
