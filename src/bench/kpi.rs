//! The KPI report over the generated store (the bench's N cases) for the last year: the
//! whole report, read through the period indexes, in process.

use super::{ms, timed, Report};
use crate::api::{Answer, ApiError, KpiArgs, KpiGroup, Query, Service};
use crate::engine::Engine;

/// `report kpi` for the year up to `now`, ungrouped and by resource: median times.
pub(super) fn figures(
    report: &mut Report,
    engine: &Engine,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<(), ApiError> {
    // The target is for a store of a million cases: a smaller one gets the figure alone.
    let store_cases = engine
        .store()
        .counter(crate::store::trees::KEY_NEXT_CASE)?
        .saturating_sub(1);
    for by in [None, Some(KpiGroup::Resource)] {
        let args = KpiArgs {
            since: now - chrono::Duration::days(365),
            until: now + chrono::Duration::seconds(1),
            by,
        };
        let mut worst = 0;
        let took = timed(runs, |_| {
            match engine.query("admin", Query::KpiReport(args.clone()))? {
                Answer::KpiReport(r) => worst = r.worst.len(),
                other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
            }
            Ok(())
        })?;
        let took = ms(took);
        let label = by.map_or("all".to_string(), |b| format!("by {}", b.name()));
        report.add(
            format!("report kpi, last year ({label}; {worst} worst listed)"),
            took,
            "ms",
            runs,
            (store_cases >= 1_000_000).then_some(("< 10 s at 1M", took < 10_000.0)),
        );
    }
    Ok(())
}
