//! Working-time calendars from TOML (`casebench import calendars FILE.toml`):
//!
//! ```toml
//! default = "office"                  # optional: the store-wide default calendar
//!
//! [[calendar]]
//! name = "office"                     # letters, digits, - _ .
//! zone = "Europe/Prague"              # an IANA time zone (default UTC)
//! hours = { mon-fri = ["08:00-12:00", "13:00-17:00"], sat = ["09:00-12:00"] }
//! holidays = ["2026-12-24", "12-25", "12-26", "01-01"]   # a date, or every year MM-DD
//! ```
//!
//! `hours` keys are days (`mon` `tue` `wed` `thu` `fri` `sat` `sun`) or ranges of them in
//! week order (`mon-fri`, `sat-sun`); a day named by no key has no working hours, and a day
//! may be named once. A period is `HH:MM-HH:MM`; `24:00` ends at midnight. Errors are one
//! line, `FILE:LINE: message`, at the value they are about.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use toml::Spanned;

use super::line_of;
use super::lines::FileLines;
use crate::api::ApiError;
use crate::domain::calendar::{Holiday, DAYS};
use crate::domain::Calendar;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    default: Option<Spanned<String>>,
    #[serde(default)]
    calendar: Vec<Spanned<RawCalendar>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    name: Spanned<String>,
    zone: Option<Spanned<String>>,
    hours: Spanned<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
}

/// What an import file of calendars holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFile {
    pub calendars: Vec<Calendar>,
    pub default: Option<String>,
    /// Where each calendar and the default are, for the engine's refusals.
    pub lines: FileLines,
}

struct Src<'a> {
    label: &'a str,
    text: &'a str,
}

impl Src<'_> {
    fn line<T>(&self, v: &Spanned<T>) -> usize {
        line_of(self.text, v.span().start)
    }

    fn err<T>(&self, v: &Spanned<T>, msg: String) -> ApiError {
        ApiError::BadInput(format!("{}:{}: {msg}", self.label, self.line(v)))
    }
}

/// Parses and validates a calendars file; nothing of the store is asked.
pub fn parse_calendars_toml(label: &str, text: &str) -> Result<CalendarFile, ApiError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    let src = Src { label, text };
    if raw.calendar.is_empty() && raw.default.is_none() {
        return Err(ApiError::BadInput(format!(
            "{label}:1: no [[calendar]] and no default in the file"
        )));
    }
    let mut lines = FileLines::default();
    let mut calendars: Vec<Calendar> = vec![];
    for sp in &raw.calendar {
        let c = calendar(&src, sp)?;
        if calendars.iter().any(|o| o.name == c.name) {
            let msg = format!("calendar {:?}: defined twice", c.name);
            return Err(src.err(&sp.get_ref().name, msg));
        }
        lines.entity(format!("calendar {:?}: ", c.name), src.line(sp));
        calendars.push(c);
    }
    let default = raw.default.as_ref().map(|d| {
        lines.entity("default: ".into(), src.line(d));
        d.get_ref().trim().to_string()
    });
    Ok(CalendarFile {
        calendars,
        default,
        lines,
    })
}

fn calendar(src: &Src, sp: &Spanned<RawCalendar>) -> Result<Calendar, ApiError> {
    let r = sp.get_ref();
    let name = r.name.get_ref().trim().to_string();
    let ctx = |m: String| format!("calendar {name:?}: {m}");
    let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
    // The line each day's hours were given at, for refusals naming the day.
    let mut day_lines = [src.line(&r.hours); 7];
    let mut given = [false; 7];
    for (key, periods) in r.hours.get_ref() {
        let days = day_range(key).ok_or_else(|| {
            src.err(periods, ctx(format!("unknown day {key:?}: expected mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri")))
        })?;
        let mut parsed = vec![];
        for p in periods.get_ref() {
            parsed.push(period(p.get_ref()).ok_or_else(|| {
                src.err(p, ctx(format!("invalid hours {:?}: expected HH:MM-HH:MM, e.g. 08:00-17:00 (24:00 for midnight)", p.get_ref())))
            })?);
        }
        for d in days {
            if given[d] {
                return Err(src.err(periods, ctx(format!("{} given twice", DAYS[d]))));
            }
            given[d] = true;
            week[d] = parsed.clone();
            day_lines[d] = src.line(periods);
        }
    }
    let mut holidays = vec![];
    for h in &r.holidays {
        holidays.push(holiday(h.get_ref()).ok_or_else(|| {
            src.err(
                h,
                ctx(format!(
                    "holiday {:?} is not a date: expected YYYY-MM-DD, or MM-DD for every year",
                    h.get_ref()
                )),
            )
        })?);
    }
    let c = Calendar {
        name: name.clone(),
        zone: r
            .zone
            .as_ref()
            .map_or("UTC".into(), |z| z.get_ref().trim().to_string()),
        week,
        holidays,
    };
    if let Err(e) = c.validate() {
        let m = e.to_string();
        let line = if m.contains("time zone") {
            r.zone.as_ref().map(|z| src.line(z))
        } else if m.contains("invalid name") {
            Some(src.line(&r.name))
        } else if m.contains("no working hours") {
            Some(src.line(&r.hours))
        } else {
            DAYS.iter()
                .position(|d| m.contains(&format!(": {d}: ")))
                .map(|d| day_lines[d])
        };
        let line = line.unwrap_or_else(|| src.line(sp));
        return Err(ApiError::BadInput(format!("{}:{line}: {m}", src.label)));
    }
    Ok(c)
}

/// `mon` or `mon-fri`: the days' indexes, Monday 0.
fn day_range(key: &str) -> Option<Vec<usize>> {
    let day = |s: &str| {
        DAYS.iter()
            .position(|d| *d == s.trim().to_ascii_lowercase())
    };
    match key.split_once('-') {
        None => Some(vec![day(key)?]),
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            (a <= b).then(|| (a..=b).collect())
        }
    }
}

/// `08:00-17:00`; `24:00` as an end is midnight (00:00, the end of the day).
fn period(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (a, b) = text.trim().split_once('-')?;
    let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
    let end = match b.trim() {
        "24:00" => NaiveTime::MIN,
        // Midnight as an end is written 24:00.
        "00:00" => return None,
        s => time(s)?,
    };
    Some((time(a)?, end))
}

fn holiday(text: &str) -> Option<Holiday> {
    let s = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Holiday::Date(d));
    }
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (month, day) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, month, day).map(|_| Holiday::Yearly { month, day })
}

#[cfg(test)]
#[path = "calendars_tests.rs"]
mod tests;
