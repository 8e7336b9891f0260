//! Times for people: stored UTC, shown in the local zone (or a fixed offset, for tests), and
//! deadlines relative to now.

use chrono::{DateTime, FixedOffset, Local, Utc};

pub use crate::verbs::ago;
use crate::verbs::span;

/// How to show times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    #[default]
    Local,
    Fixed(FixedOffset),
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset"))
    }

    fn fmt(self, t: DateTime<Utc>, pattern: &str) -> String {
        match self {
            Zone::Local => t.with_timezone(&Local).format(pattern).to_string(),
            Zone::Fixed(o) => t.with_timezone(&o).format(pattern).to_string(),
        }
    }

    /// `2026-11-26 09:30`
    pub fn date_time(self, t: DateTime<Utc>) -> String {
        self.fmt(t, "%Y-%m-%d %H:%M")
    }

    /// `09:30:05`
    pub fn time(self, t: DateTime<Utc>) -> String {
        self.fmt(t, "%H:%M:%S")
    }
}

/// How close a deadline is, for colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    None,
    Later,
    Soon,
    Overdue,
}

/// Within this many hours a deadline is "soon".
pub const SOON_HOURS: i64 = 24;

/// `in 3h`, `2d late`, `-`; with its urgency.
pub fn deadline(deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> (String, Urgency) {
    match deadline {
        None => ("-".into(), Urgency::None),
        Some(d) if d > now => {
            let secs = (d - now).num_seconds();
            let urgency = if secs <= SOON_HOURS * 3600 {
                Urgency::Soon
            } else {
                Urgency::Later
            };
            (format!("in {}", span(secs)), urgency)
        }
        Some(d) => (
            format!("{} late", span((now - d).num_seconds())),
            Urgency::Overdue,
        ),
    }
}

/// Cuts `s` to `width` characters, with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Wraps text to `width` columns at spaces (long words are cut); keeps explicit newlines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![];
    for para in text.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split(' ') {
            let wlen = word.chars().count();
            if len > 0 && len + 1 + wlen > width {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            let mut chars = word.chars().peekable();
            while chars.peek().is_some() {
                if len == width {
                    out.push(std::mem::take(&mut line));
                    len = 0;
                }
                line.push(chars.next().expect("peeked"));
                len += 1;
            }
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadlines_with_urgency() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let h = chrono::Duration::hours(1);
        assert_eq!(
            deadline(Some(now + h * 3), now),
            ("in 3h".into(), Urgency::Soon)
        );
        assert_eq!(
            deadline(Some(now + h * 72), now),
            ("in 3d".into(), Urgency::Later)
        );
        assert_eq!(
            deadline(Some(now - h * 50), now),
            ("2d late".into(), Urgency::Overdue)
        );
        assert_eq!(deadline(None, now).1, Urgency::None);
    }

    #[test]
    fn wraps_at_words() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
