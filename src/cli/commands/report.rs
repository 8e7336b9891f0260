//! `casebench report kpi`: lead times, first action, escalations, auto-decisions and SLA
//! breaches over a period, as a table, CSV or JSON.

use clap::{Args, Subcommand};

use crate::api::{Answer, ApiError, KpiArgs, KpiGroup, KpiReport, Percentiles, Query, Service};
use crate::cli::output::{self, Table};
use crate::cli::{timearg, Ctx};
use crate::domain::text::neutralise;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// KPIs of a period: approval, provisioning and case lead times, time to first action,
    /// escalations, auto-decisions on timeout, SLA breaches; and the worst cases.
    Kpi(KpiCli),
}

#[derive(Debug, Args)]
pub struct KpiCli {
    /// The start of the period (default: 30 days before --until).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// The end of the period, not included (default: now).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Groups the figures: resource, product, approver, group, kind or week.
    #[arg(long, value_name = "GROUPING")]
    by: Option<KpiGroup>,
    /// One line per (group, figure), durations in seconds, for a spreadsheet (--json wins).
    #[arg(long)]
    csv: bool,
}

pub fn run(ctx: &Ctx, cmd: ReportCmd) -> Result<(), ApiError> {
    let ReportCmd::Kpi(a) = cmd;
    let now = ctx.clock.now();
    let time = |t: &str| timearg::parse_time(t, now).map_err(ApiError::BadInput);
    let until = a.until.as_deref().map(time).transpose()?.unwrap_or(now);
    let since = match a.since.as_deref() {
        Some(s) => time(s)?,
        None => until - chrono::Duration::days(30),
    };
    let args = KpiArgs {
        since,
        until,
        by: a.by,
    };
    let report = match ctx.backend()?.query(&ctx.actor, Query::KpiReport(args))? {
        Answer::KpiReport(r) => r,
        other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
    };
    if ctx.json {
        return output::json(&report);
    }
    if a.csv {
        print!("{}", csv(&report));
        return Ok(());
    }
    print!("{}", table(&report));
    Ok(())
}

/// `3d 4h`, `5h 30m`, `12m`, `40s`.
pub fn human(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Working time in hours and minutes, never days: a working day is as long as its
/// calendar says (9h in an 08:00–17:00 one), not 24 hours.
pub fn human_work(secs: i64) -> String {
    match (secs / 3600, secs % 3600 / 60) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

fn cells(p: Option<Percentiles>, f: fn(i64) -> String) -> [String; 2] {
    match p {
        Some(p) => [f(p.p50), f(p.p90)],
        None => [String::new(), String::new()],
    }
}

/// The figures as rows, wall and working columns; then the worst cases.
pub fn table(r: &KpiReport) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| output::local(t);
    let mut out = format!(
        "KPIs from {} to {} (working time: {})\n",
        at(r.since),
        at(r.until),
        r.calendar.as_deref().unwrap_or("no default calendar")
    );
    let mut t = Table::new(vec![
        "GROUP", "FIGURE", "COUNT", "WALL P50", "WALL P90", "WORK P50", "WORK P90",
    ]);
    for g in &r.groups {
        for f in &g.figures {
            let [w50, w90] = cells(f.wall, human);
            let [k50, k90] = cells(f.working, human_work);
            t.row(vec![
                g.group.clone(),
                f.figure.clone(),
                f.count.to_string(),
                w50,
                w90,
                k50,
                k90,
            ]);
        }
    }
    out.push_str(&t.render());
    if r.worst.is_empty() {
        return out;
    }
    out.push_str("\nworst cases\n");
    let mut w = Table::new(vec!["CASE", "KIND", "BREACHES", "LEAD", "WORKING", "TITLE"]);
    for o in &r.worst {
        let lead = format!(
            "{}{}",
            human(o.lead_secs),
            if o.open { " (open)" } else { "" }
        );
        w.row(vec![
            o.case.to_string(),
            o.kind.name().to_string(),
            o.breaches.to_string(),
            lead,
            o.working_secs.map(human_work).unwrap_or_default(),
            o.title.clone(),
        ]);
    }
    out.push_str(&w.render());
    out
}

fn quoted(s: &str) -> String {
    let s = neutralise(s);
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// One line per (group, figure); durations in seconds.
pub fn csv(r: &KpiReport) -> String {
    let mut out = String::from(
        "group,figure,count,wall_p50_secs,wall_p90_secs,working_p50_secs,working_p90_secs\n",
    );
    for g in &r.groups {
        for f in &g.figures {
            let [w50, w90] = cells(f.wall, |s| s.to_string());
            let [k50, k90] = cells(f.working, |s| s.to_string());
            let line = [
                quoted(&g.group),
                quoted(&f.figure),
                f.count.to_string(),
                w50,
                w90,
                k50,
                k90,
            ];
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn durations_read_as_days_hours_minutes() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(40), "40s");
        assert_eq!(human(720), "12m");
        assert_eq!(human(5 * 3600), "5h");
        assert_eq!(human(5 * 3600 + 1800), "5h 30m");
        assert_eq!(human(3 * 86_400 + 4 * 3600 + 59), "3d 4h");
        assert_eq!(human(2 * 86_400), "2d");
        assert_eq!(super::human_work(2 * 86_400 + 1800), "48h 30m");
        assert_eq!(super::human_work(600), "10m");
    }
}
