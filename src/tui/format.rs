//! Times for people: stored UTC, shown in the local zone (or a fixed offset, for tests), and
//! deadlines relative to now.

use chrono::{DateTime, FixedOffset, Local, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub use crate::domain::neutralise;
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

/// Columns `s` takes on a terminal: wide (CJK, emoji) characters count two, combining marks
/// none.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// The longest prefix of `s` that fits in `width` columns (combining marks stay with their
/// letter), and its width.
fn prefix(s: &str, width: usize) -> (&str, usize) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > width {
            return (&s[..i], used);
        }
        used += w;
    }
    (s, used)
}

/// Cuts `s` to `width` columns, with `…` when cut.
/// What would act on the terminal (escape sequences, CR, bidi overrides) is shown as an
/// escape first (`\x1b`, see [`neutralise`]).
pub fn fit(s: &str, width: usize) -> String {
    let s = &*neutralise(s);
    if self::width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let (head, _) = prefix(s, width - 1);
    format!("{head}…")
}

/// A queue's count for a tab: exact below 10,000, then `42k`, `117k`, `1.2M` (a tab that
/// does not fit is cut, and a cut number would read as another number).
pub fn count(n: usize) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_499 => format!("{}k", (n + 500) / 1_000),
        _ => {
            let tenths = (n + 50_000) / 100_000;
            match tenths % 10 {
                0 => format!("{}M", tenths / 10),
                t => format!("{}.{t}M", tenths / 10),
            }
        }
    }
}

/// `s` padded with spaces (or cut with `…`) to exactly `width` columns.
pub fn pad(s: &str, width: usize) -> String {
    let s = fit(s, width);
    let n = self::width(&s);
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// `text` wrapped to `width` columns in at most `most` lines, the last cut with `…` when
/// more is left (neutralised, as [`wrap`]).
pub fn wrap_at_most(text: &str, width: usize, most: usize) -> Vec<String> {
    let mut lines = wrap(text, width);
    if lines.len() > most.max(1) {
        let rest = lines.split_off(most.max(1) - 1).join(" ");
        lines.push(fit(&rest, width.max(1)));
    }
    lines
}

/// Wraps text to `width` columns at spaces (long words are cut); keeps explicit newlines and
/// shows what else would act on the terminal as an escape (see [`neutralise`]).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![];
    for para in text.split('\n') {
        let para = &*neutralise(para);
        let mut line = String::new();
        let mut len = 0;
        for word in para.split(' ') {
            let wlen = self::width(word);
            if len > 0 && len + 1 + wlen > width {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            let mut rest = word;
            while !rest.is_empty() {
                let (head, w) = prefix(rest, width - len);
                if head.is_empty() {
                    if len == 0 {
                        // A character wider than the line: it goes alone.
                        let c = rest.chars().next().expect("not empty");
                        line.push(c);
                        rest = &rest[c.len_utf8()..];
                    }
                    out.push(std::mem::take(&mut line));
                    len = 0;
                    continue;
                }
                line.push_str(head);
                len += w;
                rest = &rest[head.len()..];
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
    fn wraps_in_at_most_so_many_lines() {
        let text = "helpdesk: the plugin said \x1b[2J something long and longer still";
        let lines = wrap_at_most(text, 20, 2);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(lines.iter().all(|l| !l.contains('\x1b')), "{lines:?}");
        assert_eq!(wrap_at_most("short", 20, 3), ["short"]);
    }

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
    fn counts_are_short_and_never_another_number() {
        let shown: Vec<String> = [
            0, 9_999, 10_000, 41_824, 116_767, 999_499, 999_500, 1_000_000,
        ]
        .into_iter()
        .chain([1_249_999, 12_345_678])
        .map(count)
        .collect();
        assert_eq!(
            shown,
            ["0", "9999", "10k", "42k", "117k", "999k", "1M", "1M", "1.2M", "12.3M"]
        );
    }

    #[test]
    fn wraps_at_words() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn widths_are_columns_not_code_points() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(fit("日本語のタイトル", 7), "日本語…");
        assert_eq!(pad("日本語のタイトル", 6), "日本… ");
        // e + combining acute: one column, never split from its letter.
        assert_eq!(
            fit("e\u{301}e\u{301}e\u{301}abc", 4),
            "e\u{301}e\u{301}e\u{301}…"
        );
        assert_eq!(pad("e\u{301}", 3), "e\u{301}  ");
        assert_eq!(wrap("日本語 タイトル", 6), vec!["日本語", "タイト", "ル"]);
    }

    #[test]
    fn controls_are_shown_as_escapes() {
        assert_eq!(fit("a\x1b[2Jb", 20), "a\\x1b[2Jb");
        assert_eq!(pad("\u{202e}x", 10), "\\u{202e}x ");
        assert_eq!(wrap("a\rb\nc\x07", 20), vec!["a\\rb", "c\\x07"]);
    }
}
