//! Words both front ends show: time spans, "how long ago", and the cases a verb acts on.

use chrono::{DateTime, Utc};

use crate::domain::CaseId;

/// `3h`, `2d`, `5w`: the magnitude of a span, coarsely.
pub fn span(secs: i64) -> String {
    let s = secs.abs();
    match s {
        s if s < 3_570 => format!("{}m", ((s + 30) / 60).max(1)),
        s if s < 86_400 - 1_800 => format!("{}h", (s + 1_800) / 3_600),
        s if s < 14 * 86_400 => format!("{}d", (s + 43_200) / 86_400),
        s => format!("{}w", (s + 302_400) / 604_800),
    }
}

/// Working time, short: minutes, then hours, never days (a working day is as long as its
/// calendar says, not 24 hours).
pub fn work_span(secs: i64) -> String {
    match secs.abs() {
        s if s < 3_570 => format!("{}m", ((s + 30) / 60).max(1)),
        s => format!("{}h", (s + 1_800) / 3_600),
    }
}

/// `3d ago`, `in 2h`, `just now`.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    if secs.abs() < 60 {
        return "just now".into();
    }
    if secs < 0 {
        format!("in {}", span(secs))
    } else {
        format!("{} ago", span(secs))
    }
}

/// How a message names the cases it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `C-12`, or `3 cases` (the `:` prompt, keys, the CLI).
    Brief,
    /// `C-12`, `3 cases (C-1, C-2, C-3)`, or `7 marked cases` (dialog titles and questions).
    Listed,
}

/// The cases a message is about, named as `naming` says.
pub fn names(cases: &[CaseId], naming: Naming) -> String {
    match (cases, naming) {
        ([one], _) => one.to_string(),
        (many, Naming::Listed) if many.len() <= 4 => format!(
            "{} cases ({})",
            many.len(),
            many.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (many, Naming::Listed) => format!("{} marked cases", many.len()),
        (many, Naming::Brief) => format!("{} cases", many.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn spans_and_ago() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap();
        assert_eq!(span(90), "2m");
        assert_eq!(span(-3 * 3600), "3h");
        assert_eq!(work_span(45 * 3600), "45h");
        assert_eq!(work_span(90), "2m");
        assert_eq!(ago(now - chrono::Duration::days(3), now), "3d ago");
        assert_eq!(ago(now + chrono::Duration::hours(2), now), "in 2h");
        assert_eq!(ago(now - chrono::Duration::seconds(30), now), "just now");
    }

    #[test]
    fn naming_cases() {
        let c: Vec<CaseId> = (1..=5).map(CaseId).collect();
        assert_eq!(names(&c[..1], Naming::Brief), "C-1");
        assert_eq!(names(&c[..2], Naming::Brief), "2 cases");
        assert_eq!(names(&c[..2], Naming::Listed), "2 cases (C-1, C-2)");
        assert_eq!(names(&c, Naming::Listed), "5 marked cases");
    }
}
