//! Printing: aligned tables for people, one JSON document for scripts. Times are shown in
//! the user's local time zone; deadlines relative to now.

use chrono::{DateTime, Local, Utc};
use serde::Serialize;

use crate::api::ApiError;
use crate::domain::text::{neutralise, neutralise_lines};
use crate::verbs::span;

/// `println!` for people: the line with every control character, escape sequence and bidi
/// override written as a visible escape (`\x1b`), newlines in values included.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::domain::text::neutralise(&format!($($arg)*)))
    };
}
pub(crate) use say;

/// Text of several lines from outside (a description, a comment), each line neutralised and
/// the lines after the first indented by `indent` columns.
pub fn lines(text: &str, indent: usize) -> String {
    neutralise_lines(text).replace('\n', &format!("\n{}", " ".repeat(indent)))
}

pub fn json<T: Serialize>(value: &T) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError::Internal(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// A command's result: its message, or the JSON document.
pub fn applied(json_out: bool, applied: &crate::api::Applied) -> Result<(), ApiError> {
    if json_out {
        json(applied)
    } else {
        println!("{}", neutralise_lines(&applied.message));
        Ok(())
    }
}

/// An audit trail as a table, oldest first.
pub fn events(events: &[crate::domain::Event]) {
    let mut t = Table::new(vec!["SEQ", "TIME", "ACTOR", "WHAT", "DETAIL"]);
    for e in events {
        let mut detail = e.what.describe();
        if let Some(why) = &e.why {
            if !detail.is_empty() {
                detail.push_str(" — ");
            }
            detail.push_str(why);
        }
        t.row(vec![
            e.seq.to_string(),
            local(e.time),
            e.actor.clone(),
            e.what.verb().to_string(),
            detail,
        ]);
    }
    print!("{}", t.render());
}

/// `2026-11-26 09:30` in local time.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// `in 3h` or `overdue 2d`.
pub fn deadline(deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match deadline {
        None => "-".into(),
        Some(d) if d > now => format!("in {}", span((d - now).num_seconds())),
        Some(d) => format!("overdue {}", span((now - d).num_seconds())),
    }
}

/// Columns on a terminal (CJK and emoji take two, combining marks none).
fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` cut to `max` columns, with `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 1;
    for c in s.chars() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// An aligned table; the last column takes what is left of the terminal width.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Table {
        Table {
            headers,
            rows: vec![],
        }
    }

    /// A row; what would act on a terminal in a cell is shown as an escape (`\x1b`).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| neutralise(&c).into_owned())
                .collect(),
        );
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(c));
            }
        }
        let total: usize = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(120);
        let used: usize = widths[..n - 1].iter().map(|w| w + 2).sum();
        let last = total.saturating_sub(used).max(20);
        let mut out = String::new();
        let mut line = |cells: Vec<String>| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == n {
                    l.push_str(&truncate(c, last));
                } else {
                    l.push_str(c);
                    l.push_str(&" ".repeat(widths[i] - width(c) + 2));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(self.headers.iter().map(|h| h.to_string()).collect());
        for r in &self.rows {
            line(r.clone());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn relative_deadlines() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap();
        let h = chrono::Duration::hours(1);
        assert_eq!(deadline(Some(now + h * 3), now), "in 3h");
        assert_eq!(deadline(Some(now - h * 50), now), "overdue 2d");
        assert_eq!(
            deadline(Some(now + chrono::Duration::minutes(5)), now),
            "in 5m"
        );
        assert_eq!(deadline(None, now), "-");
        assert_eq!(deadline(Some(now + h * 24 * 30), now), "in 4w");
    }

    #[test]
    fn table_aligns() {
        let mut t = Table::new(vec!["ID", "TITLE"]);
        t.row(vec!["C-1".into(), "x".into()]);
        t.row(vec!["C-100".into(), "y".into()]);
        assert_eq!(t.render(), "ID     TITLE\nC-1    x\nC-100  y\n");
    }

    #[test]
    fn table_measures_display_width() {
        let mut t = Table::new(vec!["TITLE", "WHO"]);
        t.row(vec!["日本語".into(), "a".into()]);
        t.row(vec!["e\u{301}te\u{301}".into(), "b".into()]);
        t.row(vec!["abc".into(), "c".into()]);
        assert_eq!(
            t.render(),
            "TITLE   WHO\n日本語  a\ne\u{301}te\u{301}     b\nabc     c\n"
        );
        assert_eq!(truncate("日本語のタイトル", 7), "日本語…");
        assert_eq!(truncate("e\u{301}e\u{301}abc", 3), "e\u{301}e\u{301}…");
    }
}
