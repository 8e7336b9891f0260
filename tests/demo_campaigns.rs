//! The demo store's certification campaigns: `q4-access-review` in review in stage 1,
//! partly decided by several reviewers, and `vpn-attestation` in remediation, with
//! revocations waiting in open manual cases and one done. Every open certification case
//! can be decided by its reviewer.

use chrono::{DateTime, Utc};

use casebench::api::{
    Answer, CampaignDetail, CampaignReport, Command, ItemFilter, ItemPick, Query, Service,
    ServiceExt,
};
use casebench::domain::campaign::{Decision, RunState};
use casebench::engine::Engine;

fn now() -> DateTime<Utc> {
    "2026-11-26T09:00:00Z".parse().unwrap()
}

fn detail(e: &Engine, name: &str) -> CampaignDetail {
    match e.query("admin", Query::Campaign(name.into())).unwrap() {
        Answer::Campaign(d) => d,
        other => panic!("{other:?}"),
    }
}

fn report(e: &Engine, name: &str) -> CampaignReport {
    match e
        .query("admin", Query::CampaignReport(name.into()))
        .unwrap()
    {
        Answer::CampaignReport(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_demo_has_one_campaign_in_review_and_one_in_remediation() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let e = casebench::demo::build(&store, &dir.path().join("exports"), now()).unwrap();

    let q4 = detail(&e, "q4-access-review");
    assert_eq!(q4.run.state, RunState::InReview);
    assert_eq!(q4.run.stage, 1);
    assert!(q4.run.stage_deadline.unwrap() > now());
    let deciding = q4.reviewers.iter().filter(|r| r.decided > 0).count();
    assert!(
        deciding >= 2,
        "several reviewers decided: {:?}",
        q4.reviewers
    );
    assert!(
        q4.decided > 0 && q4.decided < q4.in_review,
        "partly decided: {} of {}",
        q4.decided,
        q4.in_review
    );
    assert!(q4.reviewers.iter().any(|r| r.decided == 0));
    let r = report(&e, "q4-access-review");
    assert!(r.total.accepted > 0 && r.total.revoked > 0, "{:?}", r.total);
    assert!(r.decisions.iter().all(|d| d.open && d.at < now()));

    let vpn = detail(&e, "vpn-attestation");
    assert_eq!(vpn.run.state, RunState::InRemediation, "{:?}", vpn.run);
    let (open, done, failed) = vpn.remediations;
    assert!(open >= 2, "revocations waiting: {:?}", vpn.remediations);
    assert!(done >= 1, "one revocation done: {:?}", vpn.remediations);
    assert_eq!(failed, 0);
    let r = report(&e, "vpn-attestation");
    let waiting: Vec<_> = r
        .remediations
        .iter()
        .filter(|m| m.state == "open")
        .collect();
    assert!(waiting.iter().all(|m| m.case.is_some()), "{waiting:?}");
    for m in waiting {
        let case = e.show_case("admin", m.case.unwrap()).unwrap().case;
        assert!(case.state.is_active(), "the case of {} is open", m.subject);
    }
}

/// Each open certification case of the demo: its reviewer (or a member of its group)
/// decides one of its undecided items.
#[test]
fn every_open_certification_case_can_be_decided() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let e = casebench::demo::build(&store, &dir.path().join("exports"), now()).unwrap();
    let q4 = detail(&e, "q4-access-review");
    let users = std::fs::read_to_string("assets/demo/users.csv").unwrap();
    for rc in &q4.run.cases {
        let who = match rc.reviewer.strip_prefix('@') {
            None => rc.reviewer.clone(),
            Some(g) => users
                .lines()
                .skip(1)
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|f| f[0] != "admin" && f[4].split(';').any(|x| x == g))
                .map(|f| f[0].to_string())
                .unwrap(),
        };
        let pick = ItemPick::Matching(ItemFilter {
            case: Some(rc.case),
            ..ItemFilter::default()
        });
        let done = e
            .execute(
                &who,
                Command::CertDecide {
                    campaign: "q4-access-review".into(),
                    items: pick,
                    decision: Decision::Accept,
                    comment: None,
                },
            )
            .unwrap_or_else(|err| panic!("{who} on {}: {err}", rc.case));
        assert!(done.message.contains("accept"), "{}", done.message);
    }
}
