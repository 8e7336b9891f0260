//! A certification campaign over many accounts, on a store of its own: its start (the
//! snapshot, one case and one work item per item, in one transaction), one bulk decision
//! over a tenth of the items (one `CertDecide` with a filter), and the report. 100,000
//! items (10,000 decided) when the benchmark runs at 100,000 cases or more; at fewer, as
//! many items as cases (at least 1,000), so CI's small run stays quick.

use crate::domain::duration::Span;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{dir_size, ms, Report};
use crate::api::{Answer, ApiError, CampaignRecord, Command, ItemFilter, ItemPick, Query, Service};
use crate::domain::campaign::{
    CampaignDef, Decision, NoResponse, Remediate, ReviewerSource, Scope, StageDef, StageItems,
};
use crate::engine::generate::{account_store, group_name, user_login, GenSpec};

const RESOURCE: &str = "bigapp";
const CAMPAIGN: &str = "bench-review";

/// How many items the campaign reviews at a benchmark of `cases` cases.
pub(super) fn items_for(cases: usize) -> usize {
    cases.clamp(1_000, 100_000)
}

fn definition() -> CampaignDef {
    CampaignDef {
        name: CAMPAIGN.into(),
        description: Some("Review of every account on bigapp".into()),
        scope: Scope {
            resources: vec![RESOURCE.into()],
            ..Scope::default()
        },
        stages: vec![StageDef {
            name: "owners".into(),
            reviewers: ReviewerSource::Owners,
            duration: Span::Wall(14 * 86_400),
            reminders: vec![Span::Wall(48 * 3600), Span::Wall(12 * 3600)],
            no_response: NoResponse::Keep,
            escalate_for: None,
            items: StageItems::All,
        }],
        remediate: Remediate::AtEnd,
        runs: vec![],
        calendar: None,
    }
}

/// The campaign figures at `items` items, in a store under `dir` (removed after).
pub(super) fn campaign(
    report: &mut Report,
    items: usize,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let dir = std::env::temp_dir().join(format!(
        "casebench-bench-campaign-{}-{items}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let result = measure(report, &dir, items, now);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(
    report: &mut Report,
    dir: &Path,
    items: usize,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let spec = GenSpec {
        cases: 0,
        open_ratio: 0.0,
        users: 1_000,
        groups: 20,
        due_now: 0,
        seed: 1,
        span_days: 90,
        archive_before: None,
    };
    let db = dir.join("store");
    let started = Instant::now();
    let mut engine = account_store(&db, now, RESOURCE, items, &spec)?;
    report.add(
        format!("campaign: gen {items} accounts"),
        started.elapsed().as_secs_f64(),
        "s",
        1,
        None,
    );
    let campaigns = vec![CampaignRecord {
        line: 1,
        def: definition(),
    }];
    engine.execute("admin", Command::ImportCampaigns { campaigns })?;
    engine.flush()?;
    engine.set_batch_mode(false);
    let started = Instant::now();
    engine.execute(
        "admin",
        Command::StartCampaign {
            name: CAMPAIGN.into(),
            deadline: None,
        },
    )?;
    let took = started.elapsed();
    report.add(
        format!("campaign start over {items} items (one transaction)"),
        ms(took),
        "ms",
        1,
        None,
    );
    // The resource's owners review: a member of its group decides a tenth in bulk.
    let reviewer = user_login(0);
    debug_assert_eq!(group_name(0), "g000");
    let pick = ItemPick::Matching(ItemFilter {
        text: Some("dept=d3".into()),
        ..ItemFilter::default()
    });
    let started = Instant::now();
    let said = engine.execute(
        &reviewer,
        Command::CertDecide {
            campaign: CAMPAIGN.into(),
            items: pick,
            decision: Decision::Revoke,
            comment: Some("bulk: department d3 leaves bigapp".into()),
        },
    )?;
    let took = started.elapsed();
    report.add(
        format!("campaign bulk decide, {}", said.message),
        ms(took),
        "ms",
        1,
        None,
    );
    let started = Instant::now();
    let answer = engine.query("admin", Query::CampaignReport(CAMPAIGN.into()))?;
    let took = started.elapsed();
    let Answer::CampaignReport(r) = answer else {
        return Err(ApiError::Internal("campaign report: another answer".into()));
    };
    report.add(
        format!(
            "campaign report ({} items, {} revoked, {} decisions)",
            r.total.items,
            r.total.revoked,
            r.decisions.len()
        ),
        ms(took),
        "ms",
        1,
        None,
    );
    drop(engine);
    report.add(
        format!("campaign store size on disk ({items} items)"),
        dir_size(&db) as f64 / 1e6,
        "MB",
        1,
        None,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_figures_run_at_a_small_n() {
        let mut report = Report::default();
        let now = crate::domain::time::from_millis(1_795_000_000_000);
        campaign(&mut report, 1_000, now).unwrap();
        let names: Vec<&str> = report.figures.iter().map(|f| f.name.as_str()).collect();
        assert!(names
            .iter()
            .any(|n| n.starts_with("campaign start over 1000")));
        assert!(
            names.iter().any(|n| n.contains("revoke 100 items")),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .any(|n| n.contains("1000 items, 100 revoked, 100 decisions")),
            "{names:?}"
        );
        assert_eq!(items_for(20_000), 20_000);
        assert_eq!(items_for(1_000_000), 100_000);
    }
}
