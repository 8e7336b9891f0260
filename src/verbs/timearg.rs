//! TIME and DURATION arguments: RFC 3339, a local date, `now`, `now+3d`, or a bare duration
//! (`3d`) meaning that long from now.

use chrono::{DateTime, Datelike, Local, NaiveDate, TimeZone, Utc};

use crate::domain::{parse_duration, DomainError};

use crate::domain::duration::{parse_work_duration, Span, YEARS};

pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = parse_unbounded(text, now)?;
    if !YEARS.contains(&t.year()) {
        return Err(format!(
            "time {text:?} is out of range: it must fall in the years {} to {}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(t)
}

/// A working duration from now (`3bd`, `6bh`, `now+3bd`), which only the engine can turn
/// into a time (it needs a calendar); `None` when `text` is not one.
pub fn working_offset(text: &str) -> Option<Result<Span, String>> {
    let s = text.trim();
    let rest = s.strip_prefix("now+").unwrap_or(s);
    if !(rest.ends_with("bd") || rest.ends_with("bh")) {
        return None;
    }
    Some(parse_work_duration(rest).map_err(|e| format!("deadline {text:?}: {e}")))
}

fn parse_unbounded(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = text.trim();
    let expected = || {
        format!("invalid time {text:?}: expected RFC 3339, a date (2026-12-01), now+3d or a duration (3d)")
    };
    // A duration from now; one too long says so rather than "invalid time".
    let offset = |rest: &str, sign: i64| match parse_duration(rest) {
        Ok(d) => crate::domain::duration::add_secs(now, sign * d.num_seconds(), text)
            .map_err(|e| e.to_string()),
        Err(e @ DomainError::DurationTooLong(_)) => Err(format!("time {text:?}: {e}")),
        Err(_) => Err(expected()),
    };
    if s == "now" {
        return Ok(now);
    }
    if let Some(rest) = s.strip_prefix("now+") {
        return offset(rest, 1);
    }
    if let Some(rest) = s.strip_prefix("now-") {
        return offset(rest, -1);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = d.and_hms_opt(0, 0, 0).ok_or_else(expected)?;
        return Local
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(expected);
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) && s.ends_with(char::is_alphabetic) {
        if let Ok(_) | Err(DomainError::DurationTooLong(_)) = parse_duration(s) {
            return offset(s, 1);
        }
    }
    Err(expected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap();
        assert_eq!(parse_time("now", now).unwrap(), now);
        assert_eq!(
            parse_time("now+3d", now).unwrap(),
            now + chrono::Duration::days(3)
        );
        assert_eq!(
            parse_time("12h", now).unwrap(),
            now + chrono::Duration::hours(12)
        );
        assert_eq!(
            parse_time("2026-12-01T09:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
        );
        assert!(parse_time("2026-12-01", now).is_ok());
        for bad in ["", "tomorrow", "now+", "2026-13-01", "now+3x"] {
            assert!(parse_time(bad, now).is_err(), "{bad:?}");
        }
        for far in ["now+99999999d", "99999999d", "now-99999999d"] {
            let e = parse_time(far, now).unwrap_err();
            assert!(e.contains("is too long (at most 36500d)"), "{e}");
        }
        for far in ["0001-01-01", "1969-12-31T00:00:00Z"] {
            let e = parse_time(far, now).unwrap_err();
            assert!(e.contains("out of range"), "{far}: {e}");
        }
    }
}
