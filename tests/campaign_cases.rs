//! A certification case is a case like any other for handing work over, but for a whole
//! review at once: `case delegate|reassign|escalate|claim` naming no work item applies to
//! every item the actor holds (or, for a claim, is offered); `case complete|close|cancel`
//! are refused with what to do instead.

use casebench::domain::duration::Span;
use std::sync::Arc;

use chrono::{TimeZone, Utc};

use casebench::api::{Answer, CampaignRecord, Command, ItemPick, Query, Service, UserRecord};
use casebench::domain::campaign::{
    CampaignDef, Decision, NoResponse, Remediate, ReviewerSource, Scope, StageDef, StageItems,
};
use casebench::domain::{CaseId, DelegationMethod, OpKind, Outcome, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_resources_toml;

/// Three accounts on sap reviewed by @ops (olga, pia); pia's manager is mara.
fn world() -> (Engine, tempfile::TempDir, CaseId) {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let e = Engine::init(
        &dir.path().join("s"),
        Arc::new(ManualClock::new(t0)),
        "root",
        &[],
    )
    .unwrap();
    let people = [
        ("mara", None, "staff"),
        ("olga", None, "ops"),
        ("pia", Some("mara"), "ops"),
    ];
    let users = people
        .iter()
        .enumerate()
        .map(|(i, (l, m, g))| UserRecord {
            line: i as u64 + 2,
            login: l.to_string(),
            name: l.to_string(),
            email: String::new(),
            manager: m.map(String::from),
            groups: vec![g.to_string()],
            calendar: None,
        })
        .collect();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let res = "[[resource]]\nid = \"sap\"\nkind = \"manual\"\nowners = \"ops\"\n";
    let resources = parse_resources_toml("r.toml", res, dir.path()).unwrap();
    e.execute("root", Command::ImportResources { resources })
        .unwrap();
    for who in ["a1", "a2", "a3"] {
        let made = e
            .execute(
                "root",
                Command::Provision {
                    resource: "sap".into(),
                    account: who.into(),
                    owner: None,
                    kind: OpKind::Add,
                    set: vec![],
                },
            )
            .unwrap();
        let done = Command::Complete {
            case: made.case.unwrap(),
            work_item: None,
            outcome: Outcome::Success,
            comment: None,
        };
        e.execute("root", done).unwrap();
    }
    let stage = StageDef {
        name: "owners".into(),
        reviewers: ReviewerSource::Group("ops".into()),
        duration: Span::Wall(86_400 * 7),
        reminders: vec![],
        no_response: NoResponse::Keep,
        escalate_for: None,
        items: StageItems::All,
    };
    let def = CampaignDef {
        name: "sweep".into(),
        description: None,
        scope: Scope {
            resources: vec!["sap".into()],
            ..Scope::default()
        },
        stages: vec![stage],
        remediate: Remediate::AtEnd,
        runs: vec![],
        calendar: None,
    };
    let campaigns = vec![CampaignRecord { line: 1, def }];
    e.execute("root", Command::ImportCampaigns { campaigns })
        .unwrap();
    let start = Command::StartCampaign {
        name: "sweep".into(),
        deadline: None,
    };
    e.execute("root", start).unwrap();
    let case = match e.query("root", Query::Campaign("sweep".into())).unwrap() {
        Answer::Campaign(d) => d.run.cases[0].case,
        a => panic!("{a:?}"),
    };
    (e, dir, case)
}

fn reviewers(e: &Engine) -> Vec<String> {
    match e.query("root", Query::Campaign("sweep".into())).unwrap() {
        Answer::Campaign(d) => d.reviewers.into_iter().map(|r| r.reviewer).collect(),
        a => panic!("{a:?}"),
    }
}

#[test]
fn a_whole_review_is_claimed_and_delegated_at_once() {
    let (e, _dir, case) = world();
    let claim = Command::Claim {
        case,
        work_item: None,
    };
    let said = e.execute("pia", claim).unwrap().message;
    assert_eq!(said, format!("3 work items of {case}: claimed by pia"));
    let decide = |who: &str| {
        e.execute(
            who,
            Command::CertDecide {
                campaign: "sweep".into(),
                items: ItemPick::Items(vec![1]),
                decision: Decision::Accept,
                comment: None,
            },
        )
    };
    assert!(
        decide("olga").is_err(),
        "claimed by pia: olga no longer holds it"
    );
    decide("pia").unwrap();
    let delegate = Command::Delegate {
        case,
        work_item: None,
        to: Target::User("olga".into()),
        method: DelegationMethod::Replace,
        comment: Some("on leave".into()),
    };
    let said = e.execute("pia", delegate).unwrap().message;
    assert!(said.starts_with("3 work items of"), "{said}");
    decide("olga").unwrap();
    assert!(decide("pia").is_err());
    let report = match e
        .query("root", Query::CampaignReport("sweep".into()))
        .unwrap()
    {
        Answer::CampaignReport(r) => r,
        a => panic!("{a:?}"),
    };
    assert_eq!(report.by_reviewer.len(), 1);
    assert_eq!(report.by_reviewer[0].key, "olga");
    assert_eq!(reviewers(&e), vec!["olga".to_string()]);
    // Escalated as a whole: to the holder's manager (olga has none: refused, nothing moved).
    let esc = Command::Escalate {
        case,
        work_item: None,
        to: None,
        comment: None,
    };
    let refused = e.execute("olga", esc).unwrap_err().to_string();
    assert!(refused.contains("olga has no manager"), "{refused}");
    assert_eq!(reviewers(&e), vec!["olga".to_string()]);
    assert!(matches!(
        e.query("root", Query::Check).unwrap(),
        Answer::Findings(f) if f.is_empty()
    ));
}

#[test]
fn complete_close_and_cancel_are_refused_on_a_certification_case() {
    let (e, _dir, case) = world();
    let complete = Command::Complete {
        case,
        work_item: None,
        outcome: Outcome::Approved,
        comment: None,
    };
    let close = Command::Close {
        case,
        outcome: None,
        comment: None,
    };
    let cancel = Command::Cancel {
        case,
        comment: None,
    };
    e.execute(
        "olga",
        Command::Claim {
            case,
            work_item: None,
        },
    )
    .unwrap();
    for (who, c) in [("olga", complete), ("root", close), ("root", cancel)] {
        let m = e.execute(who, c).unwrap_err().to_string();
        assert!(
            m.contains("reviews stage 1 of campaign sweep#1") && m.contains("campaign decide"),
            "{m}"
        );
    }
}

/// A campaign timer that cannot fire (here: a stored second stage whose duration no time
/// can hold, as a damaged or hand-edited store could carry) is dropped with an event, and
/// the sweep goes on; the next sweep does not trip over it again.
#[test]
fn a_campaign_timer_that_cannot_fire_is_dropped_and_the_sweep_goes_on() {
    let (e, dir, _case) = world();
    let run = match e.query("root", Query::Campaign("sweep".into())).unwrap() {
        Answer::Campaign(d) => d.run,
        a => panic!("{a:?}"),
    };
    drop(e);
    let db = dir.path().join("s");
    let s = casebench::store::Store::open(&db).unwrap();
    let mut poisoned = run.clone();
    let mut second = poisoned.def.stages[0].clone();
    second.duration = Span::Wall(i64::MAX);
    poisoned.def.stages.push(second);
    let mut ws = casebench::store::WriteSet::default();
    ws.put_campaign_run(Some(&run), &poisoned);
    casebench::store::Storage::commit(&s, ws).unwrap();
    drop(s);
    let after = run.stage_deadline.unwrap() + chrono::Duration::hours(1);
    let e = Engine::open(&db, Arc::new(ManualClock::new(after))).unwrap();
    let args = || casebench::api::SweepArgs {
        now: None,
        until: None,
        dry_run: false,
    };
    let report = e.sweep("root", args()).unwrap();
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(
        report.failed[0]
            .action
            .contains("a timer of campaign sweep#1 dropped"),
        "{report:?}"
    );
    let again = e.sweep("root", args()).unwrap();
    assert!(
        again.failed.is_empty() && again.fired.is_empty(),
        "{again:?}"
    );
    assert!(matches!(
        e.query("root", Query::Check).unwrap(),
        Answer::Findings(f) if f.is_empty()
    ));
}
