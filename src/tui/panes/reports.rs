//! The Reports view's state: the period shown (a length of 7, 30 or 90 days, moved back and
//! forth by its length from now), the four KPI reports of that period once loaded, and the
//! selected worst case.

use chrono::{DateTime, Datelike, Duration, Utc};

use crate::api::{KpiFigure, KpiGroupRow, KpiOffender, KpiReport};

/// The period lengths `p` cycles through, in days.
pub const LENGTHS: [i64; 3] = [7, 30, 90];

/// The period's reports: ungrouped (the headline and the worst cases), by resource (the
/// breaches chart), by product (the approval lead time chart), by week (the sparklines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSet {
    pub all: KpiReport,
    pub by_resource: KpiReport,
    pub by_product: KpiReport,
    pub by_week: KpiReport,
}

/// What the view shows, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Nothing,
    Loading,
    Report(Box<ReportSet>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ReportsView {
    open: bool,
    /// Index into [`LENGTHS`].
    length: usize,
    /// Periods back from now: 0 ends now.
    back: u32,
    pub loaded: Loaded,
    selected: usize,
}

impl Default for ReportsView {
    fn default() -> Self {
        ReportsView {
            open: false,
            length: 1,
            back: 0,
            loaded: Loaded::Nothing,
            selected: 0,
        }
    }
}

impl ReportsView {
    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn open(&mut self) {
        self.open = true;
    }

    pub fn close(&mut self) {
        self.open = false;
    }

    pub fn days(&self) -> i64 {
        LENGTHS[self.length]
    }

    /// The period `[since, until)` shown at `now`.
    pub fn period(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let len = Duration::days(self.days());
        let until = now - len * self.back as i32;
        (until - len, until)
    }

    /// One period later (towards now); false when it already ends now.
    pub fn later(&mut self) -> bool {
        if self.back == 0 {
            return false;
        }
        self.back -= 1;
        true
    }

    pub fn earlier(&mut self) {
        self.back += 1;
    }

    /// The next length (7, 30, 90 days), ending where the period ends now.
    pub fn next_length(&mut self, now: DateTime<Utc>) {
        let (_, until) = self.period(now);
        self.length = (self.length + 1) % LENGTHS.len();
        let len = self.days() * 86_400;
        self.back = ((now - until).num_seconds() / len) as u32;
    }

    pub fn loading(&mut self) {
        self.loaded = Loaded::Loading;
    }

    pub fn arrived(&mut self, set: Result<ReportSet, String>) {
        self.loaded = match set {
            Ok(s) => Loaded::Report(Box::new(s)),
            Err(e) => Loaded::Failed(e),
        };
        self.selected = self.selected.min(self.worst().len().saturating_sub(1));
    }

    pub fn report(&self) -> Option<&ReportSet> {
        match &self.loaded {
            Loaded::Report(s) => Some(s),
            _ => None,
        }
    }

    pub fn worst(&self) -> &[KpiOffender] {
        self.report().map_or(&[], |s| &s.all.worst)
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn selected_case(&self) -> Option<&KpiOffender> {
        self.worst().get(self.selected)
    }

    /// Moves the selection by `by` rows, within the worst cases.
    pub fn move_by(&mut self, by: isize) {
        let last = self.worst().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(by).min(last);
    }
}

/// A figure of a group, by name (`sla-breaches`).
pub fn figure<'a>(g: &'a KpiGroupRow, name: &str) -> Option<&'a KpiFigure> {
    g.figures.iter().find(|f| f.figure == name)
}

/// `(group, value)` of `name` in each group of `r`, largest first, the groups without the
/// figure (or without a value) left out. `value` reads a figure (a count, a percentile).
pub fn ranked(
    r: &KpiReport,
    name: &str,
    value: impl Fn(&KpiFigure) -> Option<i64>,
) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = r
        .groups
        .iter()
        .filter_map(|g| Some((g.group.clone(), value(figure(g, name)?)?)))
        .filter(|(_, v)| *v > 0)
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The ISO weeks of `[since, until)` (`2026-W49`), in order: a sparkline's columns, weeks
/// without a sample included.
pub fn weeks(since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<String> {
    let label = |t: DateTime<Utc>| {
        let w = t.iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    };
    let mut out: Vec<String> = vec![];
    let mut t = since;
    let last = until - Duration::seconds(1);
    while t <= last {
        let l = label(t);
        if out.last() != Some(&l) {
            out.push(l);
        }
        t += Duration::days(1);
    }
    let l = label(last);
    if since < until && out.last() != Some(&l) {
        out.push(l);
    }
    out
}

/// The value of `name` in each week of the period (0 where the week has none).
pub fn per_week(r: &KpiReport, name: &str, value: impl Fn(&KpiFigure) -> Option<i64>) -> Vec<u64> {
    weeks(r.since, r.until)
        .iter()
        .map(|w| {
            r.groups
                .iter()
                .find(|g| &g.group == w)
                .and_then(|g| figure(g, name))
                .and_then(&value)
                .map_or(0, |v| v.max(0) as u64)
        })
        .collect()
}

/// The case lead time figure with the most cases in the period (`case-lead/generic`): the
/// one the lead time sparkline follows (percentiles of kinds do not add up).
pub fn main_case_lead(all: &KpiReport) -> Option<String> {
    all.groups
        .iter()
        .flat_map(|g| &g.figures)
        .filter(|f| f.figure.starts_with("case-lead/"))
        .max_by(|a, b| a.count.cmp(&b.count).then_with(|| b.figure.cmp(&a.figure)))
        .map(|f| f.figure.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, 9, 0, 0).unwrap()
    }

    #[test]
    fn the_period_moves_by_its_length_and_not_past_now() {
        let mut v = ReportsView::default();
        let now = at(31);
        assert_eq!(v.period(now), (now - Duration::days(30), now));
        assert!(!v.later());
        v.earlier();
        assert_eq!(v.period(now).1, now - Duration::days(30));
        v.next_length(now);
        assert_eq!(v.days(), 90);
        // 30 days back is not a whole 90: the period ends now again.
        assert_eq!(v.period(now).1, now);
        v.next_length(now);
        v.earlier();
        v.earlier();
        assert_eq!(
            v.period(now),
            (now - Duration::days(21), now - Duration::days(14))
        );
        assert!(v.later());
    }

    #[test]
    fn weeks_cover_the_period_without_gaps() {
        assert_eq!(weeks(at(1), at(15)), ["2026-W49", "2026-W50", "2026-W51"]);
        assert_eq!(weeks(at(1), at(2)), ["2026-W49"]);
        // A period ending on a Monday morning ends in that Monday's week.
        assert_eq!(
            weeks(at(14) - Duration::days(7), at(21)).last().unwrap(),
            "2026-W52"
        );
    }
}
