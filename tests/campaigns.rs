//! Certification campaigns through the engine on a simulated clock: stages in sequence,
//! the no-response rules (keep, revoke, escalate), reiteration, decisions changed before a
//! deadline and refused after it, revocations ending as a closed manual case and a dead
//! shadow, and a revoke ending a request.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{
    Answer, ApiError, CampaignRecord, Command, ItemFilter, ItemPick, Query, Service, SweepArgs,
    UserRecord,
};
use casebench::domain::campaign::{
    CampaignDef, Decision, NoResponse, Remediate, RemediationState, ReviewerSource, RunState,
    Scope, StageDef, StageItems,
};
use casebench::domain::{CaseState, OpKind, Outcome, ShadowState};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_resources_toml;

const RESOURCES: &str = r#"
[[resource]]
id = "sap"
kind = "manual"
owners = "ops"
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

struct World {
    e: Engine,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// ann manages bob and carl; dora manages ann; olga is in ops (sap's owners). bob and carl
/// have accounts on sap with groups.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.path().join("s"), clock.clone(), "root", &[]).unwrap();
    let users = [
        ("dora", None, "staff"),
        ("ann", Some("dora"), "staff"),
        ("bob", Some("ann"), "staff"),
        ("carl", Some("ann"), "staff"),
        ("olga", None, "ops"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (l, m, g))| UserRecord {
        line: i as u64 + 2,
        login: l.to_string(),
        name: l.to_string(),
        email: format!("{l}@example.org"),
        manager: m.map(String::from),
        groups: vec![g.to_string()],
    })
    .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let resources = parse_resources_toml("r.toml", RESOURCES, dir.path()).unwrap();
    e.execute("root", Command::ImportResources { resources })
        .unwrap();
    let w = World {
        e,
        clock,
        _dir: dir,
    };
    w.account("bob", "fin-ro;fin-rw");
    w.account("carl", "fin-ro");
    w
}

fn stage(reviewers: ReviewerSource, items: StageItems, no_response: NoResponse) -> StageDef {
    StageDef {
        name: "review".into(),
        reviewers,
        duration_secs: 7 * 86_400,
        reminders_secs: vec![48 * 3600],
        no_response,
        escalate_for_secs: None,
        items,
    }
}

fn def(stages: Vec<StageDef>) -> CampaignDef {
    CampaignDef {
        name: "q4".into(),
        description: Some("Quarterly review of sap".into()),
        scope: Scope {
            resources: vec!["sap".into()],
            ..Scope::default()
        },
        stages,
        remediate: Remediate::AtEnd,
        runs: vec![],
    }
}

impl World {
    /// An account on sap made through its manual case.
    fn account(&self, login: &str, groups: &str) {
        let a = self
            .e
            .execute(
                "root",
                Command::Provision {
                    resource: "sap".into(),
                    account: login.into(),
                    owner: Some(login.into()),
                    kind: OpKind::Add,
                    set: vec![("groups".into(), Some(groups.into()))],
                },
            )
            .unwrap();
        let case = a.case.unwrap();
        self.e
            .execute(
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

    fn import(&self, d: CampaignDef) {
        self.e
            .execute(
                "root",
                Command::ImportCampaigns {
                    campaigns: vec![CampaignRecord { line: 1, def: d }],
                },
            )
            .unwrap();
    }

    fn start(&self) -> String {
        self.e
            .execute(
                "root",
                Command::StartCampaign {
                    name: "q4".into(),
                    deadline: None,
                },
            )
            .unwrap()
            .message
    }

    fn decide(&self, who: &str, items: Vec<u32>, d: Decision) -> Result<String, ApiError> {
        self.e
            .execute(
                who,
                Command::CertDecide {
                    campaign: "q4".into(),
                    items: ItemPick::Items(items),
                    decision: d,
                    comment: Some("checked".into()),
                },
            )
            .map(|a| a.message)
    }

    fn detail(&self) -> casebench::api::CampaignDetail {
        match self.e.query("root", Query::Campaign("q4".into())).unwrap() {
            Answer::Campaign(d) => d,
            a => panic!("{a:?}"),
        }
    }

    fn items(&self) -> Vec<casebench::domain::CertItem> {
        match self
            .e
            .query(
                "root",
                Query::CertItems {
                    campaign: Some("q4".into()),
                    filter: ItemFilter::default(),
                    from: 1,
                    limit: 100,
                },
            )
            .unwrap()
        {
            Answer::CertItems(p) => p.items,
            a => panic!("{a:?}"),
        }
    }

    fn sweep_at(&self, t: DateTime<Utc>) {
        self.clock.set(t);
        self.e
            .sweep(
                "root",
                SweepArgs {
                    now: None,
                    until: None,
                    dry_run: false,
                },
            )
            .unwrap();
    }
}

#[test]
fn two_stages_manager_then_owners_on_what_stage_one_accepted_and_a_revoke_ends_the_account() {
    let w = world();
    w.import(def(vec![
        stage(ReviewerSource::Manager, StageItems::All, NoResponse::Keep),
        stage(
            ReviewerSource::Owners,
            StageItems::Accepted,
            NoResponse::Keep,
        ),
    ]));
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
