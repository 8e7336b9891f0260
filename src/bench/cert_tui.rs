//! The TUI's certification view at 10,000 items: a store built through the engine (a
//! reviewer managing 10,000 people, an account each, a campaign over them), the reviewer's
//! certification case opened headless, keys timed to their frame.

use crate::domain::duration::Span;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{ms, Report};
use crate::api::{ApiError, CampaignRecord, Command, Service, UserRecord};
use crate::domain::campaign::{
    CampaignDef, NoResponse, Remediate, ReviewerSource, Scope, StageDef, StageItems,
};
use crate::domain::{OpKind, Outcome};
use crate::engine::{Engine, ManualClock};

/// Items in the campaign.
pub const ITEMS: usize = 10_000;

fn users() -> Vec<UserRecord> {
    let user = |line: u64, login: String, manager: Option<&str>, group: &str| UserRecord {
        line,
        name: format!("Person {login}"),
        email: format!("{login}@example.org"),
        login,
        manager: manager.map(str::to_string),
        groups: vec![group.to_string()],
        calendar: None,
    };
    let mut out = vec![
        user(1, "rita".into(), None, "staff"),
        user(2, "olga".into(), None, "ops"),
    ];
    out.extend((0..ITEMS).map(|i| user(i as u64 + 3, format!("p{i:05}"), Some("rita"), "staff")));
    out
}

/// A campaign `name` over the accounts of `resource`, one stage of `days` reviewed by the
/// owners' managers (no response keeps the access).
pub fn managers_campaign(name: &str, resource: &str, days: i64) -> CampaignDef {
    CampaignDef {
        name: name.into(),
        description: Some(format!("Accounts on {resource}, by their owners' managers")),
        scope: Scope {
            resources: vec![resource.into()],
            ..Scope::default()
        },
        stages: vec![StageDef {
            name: "managers".into(),
            reviewers: ReviewerSource::Manager,
            duration: Span::Wall(days * 86_400),
            reminders: vec![Span::Wall(48 * 3600)],
            no_response: NoResponse::Keep,
            escalate_for: None,
            items: StageItems::All,
        }],
        remediate: Remediate::AtEnd,
        runs: vec![],
        calendar: None,
    }
}

/// The store: rita reviews 10,000 accounts on the manual resource erp.
fn build(db: &Path, now: DateTime<Utc>) -> Result<Engine, ApiError> {
    let e = Engine::init(db, Arc::new(ManualClock::new(now)), "root", &[])?;
    e.execute("root", Command::ImportUsers { users: users() })?;
    let toml = "[[resource]]\nid = \"erp\"\nkind = \"manual\"\nowners = \"ops\"\n";
    let resources = crate::import::parse_resources_toml("bench.toml", toml, db)?;
    e.execute("root", Command::ImportResources { resources })?;
    for i in 0..ITEMS {
        let login = format!("p{i:05}");
        let groups = format!("erp-ro;team-{}", i % 37);
        let made = e.execute(
            "root",
            Command::Provision {
                resource: "erp".into(),
                account: login.clone(),
                owner: Some(login),
                kind: OpKind::Add,
                set: vec![("groups".into(), Some(groups))],
            },
        )?;
        let case = made
            .case
            .ok_or_else(|| ApiError::Internal("a provisioning without a case".into()))?;
        e.execute(
            "root",
            Command::Complete {
                case,
                work_item: None,
                outcome: Outcome::Success,
                comment: None,
            },
        )?;
    }
    let campaigns = vec![CampaignRecord {
        line: 1,
        def: managers_campaign("bench-cert", "erp", 14),
    }];
    e.execute("root", Command::ImportCampaigns { campaigns })?;
    e.execute(
        "root",
        Command::StartCampaign {
            name: "bench-cert".into(),
            deadline: None,
        },
    )?;
    Ok(e)
}

/// Adds "TUI certification view key-to-frame at 10,000 items" (and its parts) to the report.
pub(super) fn figures(
    report: &mut Report,
    now: DateTime<Utc>,
    runs: usize,
) -> Result<(), ApiError> {
    let db = std::env::temp_dir().join(format!("casebench-bench-cert-{}", std::process::id()));
    eprintln!("building a {ITEMS}-item campaign at {} …", db.display());
    let engine = build(&db, now);
    let result = engine.map(|e| {
        let service: Arc<dyn Service + Send + Sync> = Arc::new(e);
        crate::tui::bench::cert(service, "rita", (80, 24), runs.max(3))
    });
    let _ = std::fs::remove_dir_all(&db);
    for f in result? {
        let median = ms(f.median());
        let target = f
            .name
            .contains("key-to-frame")
            .then_some(("< 16 ms", median < 16.0));
        report.add(
            format!("TUI {}", f.name),
            median,
            "ms",
            f.samples.len(),
            target,
        );
    }
    Ok(())
}
