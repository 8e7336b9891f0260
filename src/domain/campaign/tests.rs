use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::duration::{Span, WorkAmount};

fn stage(items: StageItems) -> StageDef {
    StageDef {
        name: "s".into(),
        reviewers: ReviewerSource::Manager,
        duration: Span::Wall(7 * 86_400),
        reminders: vec![Span::Wall(48 * 3600), Span::Wall(12 * 3600)],
        no_response: NoResponse::Keep,
        escalate_for: None,
        items,
    }
}

fn def() -> CampaignDef {
    CampaignDef {
        name: "q4".into(),
        description: None,
        scope: Scope {
            resources: vec!["sap".into()],
            ..Scope::default()
        },
        stages: vec![stage(StageItems::All), stage(StageItems::Accepted)],
        remediate: Remediate::AtEnd,
        runs: vec![],
        calendar: None,
    }
}

#[test]
fn a_definition_checks_its_own_rules() {
    assert!(def().validate().is_ok());
    let mut d = def();
    d.scope = Scope::default();
    assert_eq!(
        d.validate().unwrap_err().to_string(),
        "campaign \"q4\": its scope names no resource and no product"
    );
    let mut d = def();
    d.stages[0].items = StageItems::Accepted;
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("stage 1 reviews every item"));
    let mut d = def();
    d.stages[1].reminders = vec![Span::Wall(8 * 86_400)];
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("not within its duration"));
    let mut d = def();
    d.stages[1].escalate_for = Some(Span::Wall(3600));
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("escalate_for without"));
    // Working time: positive, a reminder in the same unit shorter than the duration; one
    // in another unit is left to the calendar.
    let mut d = def();
    d.stages[1].duration = Span::Work(WorkAmount::Days(2));
    d.stages[1].reminders = vec![Span::Work(WorkAmount::Days(2))];
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("a reminder 2bd before the deadline is not within its duration"));
    d.stages[1].reminders = vec![Span::Work(WorkAmount::Hours(4)), Span::Wall(3600)];
    assert!(d.validate().is_ok());
    assert_eq!(d.work_span(), Some(Span::Work(WorkAmount::Days(2))));
    d.stages[1].duration = Span::Work(WorkAmount::Days(0));
    assert!(d
        .validate()
        .unwrap_err()
        .to_string()
        .contains("stage 2 has no positive duration"));
    assert_eq!(def().work_span(), None);
    d.stages[1].duration = Span::Work(WorkAmount::Days(2));
    d.stages[1].escalate_for = Some(Span::Work(WorkAmount::Days(1)));
    assert_eq!(
        d.stages[1].timing(),
        "2bd, reminders 4bh and 1h before, escalate for 1bd"
    );
    assert_eq!(def().stages[0].timing(), "1w, reminders 2d and 12h before");
    assert_eq!(
        ReviewerSource::parse("@it-ops").unwrap(),
        ReviewerSource::Group("it-ops".into())
    );
    assert!(ReviewerSource::parse("a b").is_err());
}

#[test]
fn a_stage_schedules_reminders_before_its_deadline_and_refuses_late_decisions() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut run = CampaignRun {
        id: 1,
        name: "q4".into(),
        number: 1,
        def: def(),
        state: RunState::Created,
        stage: 0,
        iteration: 1,
        stage_deadline: None,
        stage_started: None,
        escalated: false,
        started_by: "root".into(),
        started: t0,
        closed: None,
        items: 0,
        cases: vec![],
        timers: vec![],
        remediating: vec![],
    };
    run.open_stage(1, t0, None, None).unwrap();
    let end = t0 + chrono::Duration::days(7);
    assert_eq!(run.stage_deadline, Some(end));
    let mut at: Vec<_> = run.timers.iter().map(|t| (t.at, t.slot())).collect();
    at.sort();
    assert_eq!(
        at,
        vec![
            (end - chrono::Duration::hours(48), 16),
            (end - chrono::Duration::hours(12), 17),
            (end, 0)
        ]
    );
    assert!(run.may_decide(end - chrono::Duration::seconds(1)).is_ok());
    let late = run.may_decide(end).unwrap_err().to_string();
    assert!(late.contains("no decision after it"), "{late}");
    assert_eq!(run.describe_state(), "in-review (stage 1 of 2)");
}

#[test]
fn ending_a_stage_applies_the_rule_only_to_what_nobody_decided() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut item = CertItem {
        run: 1,
        no: 1,
        subject: Subject::Account {
            resource: "sap".into(),
            key: "jdoe".into(),
        },
        owner: Some("jdoe".into()),
        owner_name: None,
        resource: Some("sap".into()),
        attributes: [("groups".to_string(), "a;b".to_string())].into(),
        since: None,
        last_seen: None,
        flags: Flags::default(),
        stage: 1,
        reviewer: Some("ann".into()),
        case: None,
        work_item: None,
        current: None,
        results: vec![],
        remediation: None,
    };
    assert!(item.check_reduce(&[("groups".into(), "b".into())]).is_ok());
    let e = item
        .check_reduce(&[("groups".into(), "c".into())])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "item 1 (sap/jdoe) has no groups=c (it has groups=a;b)"
    );
    let r = item.end_stage(1, Some(Decision::Revoke)).clone();
    assert!(r.by_rule && r.undecided() && r.result == Decision::Revoke);
    item.stage = 2;
    item.current = Some(Verdict {
        decision: Decision::Accept,
        by: "bob".into(),
        at: t0,
        comment: None,
    });
    let r = item.end_stage(1, Some(Decision::Revoke)).clone();
    assert!(!r.by_rule && r.accepted() && r.result == Decision::Accept);
}
