//! Durations as written in config and on the command line: `90m`, `12h`, `3d`, `2w`.

use chrono::Duration;

use super::DomainError;

/// Parses `90m`, `12h`, `3d`, `2w`, `45s`; a sum such as `1d12h` is accepted too.
pub fn parse_duration(text: &str) -> Result<Duration, DomainError> {
    let bad = || DomainError::BadDuration(text.to_string());
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
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let unit = match ch {
            's' => Duration::try_seconds(n),
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        total = total.checked_add(&unit).ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(total)
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

    proptest! {
        #[test]
        fn round_trip(n in 1i64..100_000, unit in prop::sample::select(vec!["m", "h", "d", "w"])) {
            let d = parse_duration(&format!("{n}{unit}")).unwrap();
            prop_assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
    }
}
