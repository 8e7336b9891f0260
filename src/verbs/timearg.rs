//! TIME and DURATION arguments: RFC 3339, a local date, `now`, `now+3d`, or a bare duration
//! (`3d`) meaning that long from now.

use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};

use crate::domain::parse_duration;

pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = text.trim();
    let expected = || {
        format!("invalid time {text:?}: expected RFC 3339, a date (2026-12-01), now+3d or a duration (3d)")
    };
    if s == "now" {
        return Ok(now);
    }
    if let Some(rest) = s.strip_prefix("now+") {
        return parse_duration(rest)
            .map(|d| now + d)
            .map_err(|_| expected());
    }
    if let Some(rest) = s.strip_prefix("now-") {
        return parse_duration(rest)
            .map(|d| now - d)
            .map_err(|_| expected());
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
    if let Ok(d) = parse_duration(s) {
        return Ok(now + d);
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
    }
}
