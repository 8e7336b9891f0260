//! Durations as written in config and on the command line: `90m`, `12h`, `3d`, `2w`, and
//! in working time `2bd`, `6bh` ([`parse_work_duration`]).
//!
//! A duration is at most [`MAX_DAYS`] (100 years), so that adding one to any time the
//! workbench accepts stays far inside what `chrono` can represent. Stored durations are
//! still added with [`add_secs`], which turns an overflow into an error instead of a panic.

use chrono::{DateTime, Duration, Utc};

use serde::{Deserialize, Serialize};

use super::DomainError;

/// The longest duration accepted anywhere: 100 years.
pub const MAX_DAYS: i64 = 36_500;

/// The years a time may fall in: with durations of at most 100 years, nothing computed from
/// an accepted time can leave what a time can hold.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Parses `90m`, `12h`, `3d`, `2w`, `45s`; a sum such as `1d12h` is accepted too.
pub fn parse_duration(text: &str) -> Result<Duration, DomainError> {
    let bad = || DomainError::BadDuration(text.to_string());
    let too_long = || DomainError::DurationTooLong(text.trim().to_string());
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::zero();
    let mut digits = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if digits.is_empty() {
            return Err(bad());
        }
        let Ok(n) = digits.parse::<i64>() else {
            // Only digits: it cannot be parsed because it is too large.
            return Err(too_long());
        };
        digits.clear();
        let unit = match ch {
            's' => Duration::try_seconds(n),
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => return Err(bad()),
        }
        .ok_or_else(too_long)?;
        total = total.checked_add(&unit).ok_or_else(too_long)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    if total > Duration::days(MAX_DAYS) {
        return Err(too_long());
    }
    Ok(total)
}

/// An amount of working time, counted in a [`super::calendar::Calendar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkAmount {
    /// `2bd`: the same clock time that many working days later.
    Days(u32),
    /// `6bh`: that many hours of working time.
    Hours(u32),
}

/// A duration as config may write it: wall-clock (`3d`, kept as seconds) or working time
/// (`2bd`, `6bh`), which needs a calendar to be added to a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Span {
    Wall(i64),
    Work(WorkAmount),
}

impl std::fmt::Display for WorkAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkAmount::Days(n) => write!(f, "{n}bd"),
            WorkAmount::Hours(n) => write!(f, "{n}bh"),
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Span::Wall(secs) => match Duration::try_seconds(*secs) {
                Some(d) => f.write_str(&format_duration(d)),
                None => write!(f, "{secs}s"),
            },
            Span::Work(w) => write!(f, "{w}"),
        }
    }
}

impl Span {
    pub fn is_work(&self) -> bool {
        matches!(self, Span::Work(_))
    }

    /// More than nothing: a deadline this long from now is after now.
    pub fn is_positive(&self) -> bool {
        match *self {
            Span::Wall(secs) => secs > 0,
            Span::Work(WorkAmount::Days(n) | WorkAmount::Hours(n)) => n > 0,
        }
    }

    /// The latest time this span before `end` (so that [`Span::after`] from it is not past
    /// `end`): wall-clock as it is, working time counted back in `calendar`.
    pub fn before(
        self,
        end: DateTime<Utc>,
        calendar: Option<&super::Calendar>,
    ) -> Result<DateTime<Utc>, DomainError> {
        let amount = match self {
            Span::Wall(secs) => {
                return add_secs(end, secs.checked_neg().unwrap_or(i64::MAX), "a time before")
            }
            Span::Work(WorkAmount::Days(0) | WorkAmount::Hours(0)) => return Ok(end),
            Span::Work(w) => w,
        };
        // Working time is monotonic in its start: search back for the latest start whose
        // end is not past `end`, to the second, within a week per unit (a calendar has
        // working time every week) and two years of holidays.
        let fits = |t: DateTime<Utc>| Span::Work(amount).after(t, calendar).map(|e| e <= end);
        let units = match amount {
            WorkAmount::Days(n) | WorkAmount::Hours(n) => i64::from(n),
        };
        let mut hi = end;
        let mut lo = add_secs(end, -(units * 7 + 732) * 86_400, "a time before")?;
        if !fits(lo)? {
            return Err(DomainError::TimeOverflow(format!("{self} before {end}")));
        }
        while (hi - lo).num_seconds() > 1 {
            // Whole seconds from `end`, so that the time found is one too.
            let mid = lo + Duration::seconds((hi - lo).num_seconds() / 2);
            if fits(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(if fits(hi)? { hi } else { lo })
    }
}

/// The most business days accepted (as many as [`MAX_DAYS`]); business hours at most as
/// many hours as that has.
pub const MAX_WORK_DAYS: u32 = MAX_DAYS as u32;

/// Parses a duration as [`parse_duration`] does, or a working one: `2bd` (business days) or
/// `6bh` (business hours), one number and one unit.
pub fn parse_work_duration(text: &str) -> Result<Span, DomainError> {
    let s = text.trim();
    type Unit = (&'static str, fn(u32) -> WorkAmount, u32);
    let work: [Unit; 2] = [
        ("bd", WorkAmount::Days, MAX_WORK_DAYS),
        ("bh", WorkAmount::Hours, MAX_WORK_DAYS * 24),
    ];
    for (unit, make, max) in work {
        let Some(digits) = s.strip_suffix(unit) else {
            continue;
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::BadDuration(text.to_string()));
        }
        return match digits.parse::<u32>() {
            Ok(n) if n <= max => Ok(Span::Work(make(n))),
            _ => Err(DomainError::DurationTooLong(s.to_string())),
        };
    }
    parse_duration(text).map(|d| Span::Wall(d.num_seconds()))
}

/// `t` plus `secs` seconds (negative: minus), or an error naming `what` when the result is
/// beyond what a time can be (only a stored value from before durations were bounded can
/// get there).
pub fn add_secs(t: DateTime<Utc>, secs: i64, what: &str) -> Result<DateTime<Utc>, DomainError> {
    Duration::try_seconds(secs)
        .and_then(|d| t.checked_add_signed(d))
        .ok_or_else(|| DomainError::TimeOverflow(format!("{what} ({secs}s after {t})")))
}

/// The inverse, for display: the largest unit that divides the duration.
pub fn format_duration(d: Duration) -> String {
    let secs = d.num_seconds();
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs != 0 && secs % size == 0 {
            return format!("{}{}", secs / size, unit);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("12h").unwrap(), Duration::hours(12));
        assert_eq!(parse_duration("3d").unwrap(), Duration::days(3));
        assert_eq!(parse_duration("2w").unwrap(), Duration::weeks(2));
        assert_eq!(parse_duration("1d12h").unwrap(), Duration::hours(36));
        for bad in [
            "",
            "3",
            "d",
            "3x",
            "-3d",
            "3.5h",
            "h3",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn bounded_to_a_hundred_years() {
        assert_eq!(parse_duration("36500d").unwrap(), Duration::days(36_500));
        for long in [
            "36501d",
            "99999999d",
            "99999999999999999999d",
            "5300w",
            "36500d1s",
        ] {
            let e = parse_duration(long).unwrap_err().to_string();
            assert_eq!(e, format!("{long:?} is too long (at most 36500d)"));
        }
        let t = chrono::DateTime::<Utc>::MAX_UTC;
        assert!(add_secs(t, 1, "x").is_err());
        assert_eq!(add_secs(t, 0, "x").unwrap(), t);
    }

    #[test]
    fn working_durations() {
        assert_eq!(
            parse_work_duration("2bd").unwrap(),
            Span::Work(WorkAmount::Days(2))
        );
        assert_eq!(
            parse_work_duration(" 6bh").unwrap(),
            Span::Work(WorkAmount::Hours(6))
        );
        assert_eq!(parse_work_duration("0bh").unwrap().to_string(), "0bh");
        assert_eq!(parse_work_duration("1d12h").unwrap(), Span::Wall(129_600));
        assert_eq!(parse_work_duration("3d").unwrap().to_string(), "3d");
        for bad in ["bd", "bh", "1.5bd", "-2bd", "2 bd", "1bd4bh", "2bx", ""] {
            let e = parse_work_duration(bad).unwrap_err();
            assert!(matches!(e, DomainError::BadDuration(_)), "{bad:?}: {e}");
        }
        let e = parse_work_duration("36501bd").unwrap_err().to_string();
        assert_eq!(e, "\"36501bd\" is too long (at most 36500d)");
        assert!(parse_work_duration("876000bh").is_ok());
        assert!(parse_work_duration("876001bh").is_err());
        assert!(parse_work_duration("99999999999bd").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(n in 1i64..100_000, unit in prop::sample::select(vec!["m", "h", "d", "w"])) {
            let text = format!("{n}{unit}");
            let days = match unit { "m" => n / 1440, "h" => n / 24, "d" => n, _ => n * 7 };
            match parse_duration(&text) {
                Ok(d) => prop_assert_eq!(parse_duration(&format_duration(d)).unwrap(), d),
                // Only beyond the bound, and then said so.
                Err(e) => {
                    prop_assert!(days >= MAX_DAYS, "{text}: {e}");
                    prop_assert_eq!(e, DomainError::DurationTooLong(text));
                }
            }
        }
    }
}
