//! `report kpi`: lead times, first action, escalations, auto-decisions and SLA breaches over
//! a period, as the front ends see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{CaseId, CaseKind};

/// What the figures are grouped by (none: one group, `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KpiGroup {
    Resource,
    Product,
    Approver,
    Group,
    Kind,
    Week,
}

impl KpiGroup {
    pub const ALL: [KpiGroup; 6] = [
        KpiGroup::Resource,
        KpiGroup::Product,
        KpiGroup::Approver,
        KpiGroup::Group,
        KpiGroup::Kind,
        KpiGroup::Week,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KpiGroup::Resource => "resource",
            KpiGroup::Product => "product",
            KpiGroup::Approver => "approver",
            KpiGroup::Group => "group",
            KpiGroup::Kind => "kind",
            KpiGroup::Week => "week",
        }
    }
}

impl std::str::FromStr for KpiGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        KpiGroup::ALL
            .into_iter()
            .find(|g| g.name() == norm)
            .ok_or_else(|| {
                format!(
                    "invalid grouping {s:?}: expected one of resource, product, approver, group, kind, week"
                )
            })
    }
}

/// The period `[since, until)` and the grouping of a KPI report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiArgs {
    #[serde(with = "crate::domain::time::ts")]
    pub since: DateTime<Utc>,
    #[serde(with = "crate::domain::time::ts")]
    pub until: DateTime<Utc>,
    pub by: Option<KpiGroup>,
}

/// The median and 90th percentile (nearest rank) of durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: i64,
    pub p90: i64,
}

/// One figure of one group: how many, and for a duration its percentiles in wall-clock and
/// in working time (none without a default calendar).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiFigure {
    /// `approval-lead`, `provisioning-lead`, `case-lead/<kind>`, `first-action`,
    /// `escalations`, `auto-decisions`, `sla-breaches`.
    pub figure: String,
    pub count: usize,
    pub wall: Option<Percentiles>,
    pub working: Option<Percentiles>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiGroupRow {
    /// The group's key (`all` when not grouped, `-` for what has none).
    pub group: String,
    pub figures: Vec<KpiFigure>,
}

/// A case among the worst of the period: the most breaches, then the slowest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiOffender {
    pub case: CaseId,
    pub kind: CaseKind,
    pub title: String,
    /// Created → closed (or → the end of the period while open), wall-clock seconds.
    pub lead_secs: i64,
    pub working_secs: Option<i64>,
    pub breaches: u32,
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiReport {
    #[serde(with = "crate::domain::time::ts")]
    pub since: DateTime<Utc>,
    #[serde(with = "crate::domain::time::ts")]
    pub until: DateTime<Utc>,
    pub by: Option<KpiGroup>,
    /// The calendar working time is measured in (the store's default), if any.
    pub calendar: Option<String>,
    pub groups: Vec<KpiGroupRow>,
    pub worst: Vec<KpiOffender>,
}
