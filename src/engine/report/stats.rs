//! Samples of a KPI report, aggregated per group and figure.

use std::collections::BTreeMap;

use crate::api::{KpiFigure, KpiGroup, KpiGroupRow, Percentiles};

/// The keys a sample can be grouped by (`None` shows as `-`).
#[derive(Debug, Clone, Default)]
pub(super) struct Keys {
    pub resource: Option<String>,
    pub product: Option<String>,
    pub approver: Option<String>,
    pub group: Option<String>,
    pub kind: String,
    /// ISO week of the time the sample belongs to the period by (`2026-W03`).
    pub week: String,
}

impl Keys {
    fn of(&self, by: Option<KpiGroup>) -> String {
        let pick = |k: &Option<String>| k.clone().unwrap_or_else(|| "(none)".into());
        match by {
            None => "all".into(),
            Some(KpiGroup::Resource) => pick(&self.resource),
            Some(KpiGroup::Product) => pick(&self.product),
            Some(KpiGroup::Approver) => pick(&self.approver),
            Some(KpiGroup::Group) => pick(&self.group),
            Some(KpiGroup::Kind) => self.kind.clone(),
            Some(KpiGroup::Week) => self.week.clone(),
        }
    }
}

/// The figures in the order the report shows them (a case lead time's kind follows its
/// prefix).
const ORDER: [&str; 7] = [
    "approval-lead",
    "provisioning-lead",
    "case-lead",
    "first-action",
    "escalations",
    "auto-decisions",
    "sla-breaches",
];

fn rank(figure: &str) -> (usize, &str) {
    let base = figure.split('/').next().unwrap_or(figure);
    (
        ORDER.iter().position(|f| *f == base).unwrap_or(ORDER.len()),
        figure,
    )
}

#[derive(Default)]
struct Cell {
    count: usize,
    wall: Vec<i64>,
    working: Vec<i64>,
}

/// Samples collected by group and figure.
pub(super) struct Tally {
    by: Option<KpiGroup>,
    cells: BTreeMap<String, BTreeMap<String, Cell>>,
}

impl Tally {
    pub fn new(by: Option<KpiGroup>) -> Tally {
        Tally {
            by,
            cells: BTreeMap::new(),
        }
    }

    fn cell(&mut self, keys: &Keys, figure: &str) -> &mut Cell {
        self.cells
            .entry(keys.of(self.by))
            .or_default()
            .entry(figure.to_string())
            .or_default()
    }

    /// One duration: wall-clock seconds, and working seconds when a calendar applies.
    pub fn duration(&mut self, keys: &Keys, figure: &str, wall: i64, working: Option<i64>) {
        let c = self.cell(keys, figure);
        c.count += 1;
        c.wall.push(wall);
        c.working.extend(working);
    }

    /// `n` more of a counted figure.
    pub fn count(&mut self, keys: &Keys, figure: &str, n: usize) {
        if n > 0 {
            self.cell(keys, figure).count += n;
        }
    }

    pub fn rows(self) -> Vec<KpiGroupRow> {
        self.cells
            .into_iter()
            .map(|(group, figures)| {
                let mut figures: Vec<KpiFigure> = figures
                    .into_iter()
                    .map(|(figure, c)| KpiFigure {
                        figure,
                        count: c.count,
                        wall: percentiles(c.wall),
                        working: percentiles(c.working),
                    })
                    .collect();
                figures.sort_by(|a, b| rank(&a.figure).cmp(&rank(&b.figure)));
                KpiGroupRow { group, figures }
            })
            .collect()
    }
}

/// Nearest-rank percentiles: the smallest value with at least p% of the values at or below
/// it. None for no values.
pub(super) fn percentiles(mut v: Vec<i64>) -> Option<Percentiles> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let at = |p: usize| v[(v.len() * p).div_ceil(100).max(1) - 1];
    Some(Percentiles {
        p50: at(50),
        p90: at(90),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentiles(vec![]), None);
        let p = percentiles(vec![9, 1, 5]).unwrap();
        assert_eq!((p.p50, p.p90), (5, 9));
        let p = percentiles((1..=10).collect()).unwrap();
        assert_eq!((p.p50, p.p90), (5, 9));
        let p = percentiles(vec![7]).unwrap();
        assert_eq!((p.p50, p.p90), (7, 7));
    }
}
