//! Working-time calendars: a time zone, the working hours of each weekday (split days
//! allowed) and holidays (dates, and yearly dates). The arithmetic runs in the calendar's
//! zone and answers in UTC, so a day of 23 or 25 hours (a DST change) is counted as it is.
//!
//! Two kinds of working durations ([`WorkAmount`]):
//!
//! - **business hours** (`6bh`): that much working time, skipping nights, weekends and
//!   holidays. Friday 16:00 + 2bh in an 08:00–17:00 calendar = Monday 09:00.
//! - **business days** (`2bd`): the same clock time that many working days later. Friday
//!   16:00 + 1bd = Monday 16:00. A start outside working hours counts from the close of the
//!   last working period before it (in working time that is the same instant as the next
//!   opening), so Saturday 10:00 or Monday 07:00 + 1bd = Monday 17:00: "due by the end of
//!   the next working day", what an administrator reads "one business day" as, rather than
//!   Tuesday 08:00 — the same working time, but due on a day one later than anyone expects.
//!   When that clock time is not working time on the day reached (a shorter Friday, a lunch
//!   break), the due time is clamped into that day: to the close of the period before it,
//!   or the day's first opening when it lies before the day opens.
//!
//! Zero (`0bd`, `0bh`) is the start itself: nothing to wait for.
//!
//! A local time a DST change skips (02:30 on the spring day in Europe/Prague) is taken as
//! the first instant after the gap; one it repeats (02:30 on the autumn day) as the earlier.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use super::duration::{Span, WorkAmount};
use super::DomainError;

/// The weekdays' short names, Monday first (the index into [`Calendar::week`]).
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// How many days the arithmetic looks ahead or back for working time before it gives up
/// (a calendar whose holidays leave no working day in a year and more).
const SEARCH_DAYS: i64 = 400;

/// A day off: one date, or the same month and day every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Holiday {
    Date(NaiveDate),
    Yearly { month: u32, day: u32 },
}

impl Holiday {
    pub fn falls_on(&self, d: NaiveDate) -> bool {
        match *self {
            Holiday::Date(h) => h == d,
            Holiday::Yearly { month, day } => d.month() == month && d.day() == day,
        }
    }
}

impl std::fmt::Display for Holiday {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holiday::Date(d) => write!(f, "{d}"),
            Holiday::Yearly { month, day } => write!(f, "{month:02}-{day:02}"),
        }
    }
}

/// A named working-time calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub name: String,
    /// An IANA zone name (`Europe/Prague`); the hours and holidays are in it.
    pub zone: String,
    /// Working periods of each weekday, Monday first, as (start, end) local times. An end of
    /// 00:00 is the end of the day (written `24:00`).
    pub week: [Vec<(NaiveTime, NaiveTime)>; 7],
    pub holidays: Vec<Holiday>,
}

/// A working period as instants.
type Period = (DateTime<Utc>, DateTime<Utc>);

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// Seconds from midnight to `t`.
fn secs(t: NaiveTime) -> u32 {
    chrono::Timelike::num_seconds_from_midnight(&t)
}

/// Seconds from midnight to an end, 00:00 being the end of the day.
fn end_secs(t: NaiveTime) -> u32 {
    match secs(t) {
        0 => 86_400,
        s => s,
    }
}

impl Calendar {
    /// Every rule of a calendar, one line naming the calendar (and the day) when broken.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |m: String| DomainError::Invalid(format!("calendar {:?}: {m}", self.name));
        if !super::org::valid_name(&self.name) {
            return Err(bad("invalid name: letters, digits, - _ . only".into()));
        }
        if self.zone.parse::<Tz>().is_err() {
            return Err(bad(format!(
                "unknown time zone {:?}: expected e.g. Europe/Prague or UTC",
                self.zone
            )));
        }
        for (day, hours) in DAYS.iter().zip(&self.week) {
            let mut spans: Vec<(u32, u32, String)> = vec![];
            for &(s, e) in hours {
                let text = format!(
                    "{}-{}",
                    hhmm(s),
                    if end_secs(e) == 86_400 {
                        "24:00".into()
                    } else {
                        hhmm(e)
                    }
                );
                let (s, e) = (secs(s), end_secs(e));
                if e <= s {
                    return Err(bad(format!("{day}: hours {text} end before they start")));
                }
                if let Some((_, _, other)) = spans.iter().find(|(a, b, _)| s < *b && *a < e) {
                    return Err(bad(format!("{day}: hours {text} overlap {other}")));
                }
                spans.push((s, e, text));
            }
        }
        if self.week.iter().all(|h| h.is_empty()) {
            return Err(bad("no working hours in the week".into()));
        }
        for h in &self.holidays {
            if let Holiday::Yearly { month, day } = *h {
                if NaiveDate::from_ymd_opt(2000, month, day).is_none() {
                    return Err(bad(format!("holiday {h} is not a date")));
                }
            }
        }
        Ok(())
    }

    /// The calendar's zone (UTC for a calendar that was never validated and names none).
    pub fn tz(&self) -> Tz {
        self.zone.parse().unwrap_or(Tz::UTC)
    }

    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays.iter().any(|h| h.falls_on(d))
    }

    /// Whether `d` has working hours (its weekday has some, and it is no holiday).
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !self.week[d.weekday().num_days_from_monday() as usize].is_empty() && !self.is_holiday(d)
    }

    /// The working periods of a local date, in order, as instants.
    fn periods(&self, d: NaiveDate) -> Vec<Period> {
        if !self.is_working_day(d) {
            return vec![];
        }
        let tz = self.tz();
        let mut out: Vec<Period> = self.week[d.weekday().num_days_from_monday() as usize]
            .iter()
            .map(|&(s, e)| {
                let end = if end_secs(e) == 86_400 {
                    d.succ_opt().unwrap_or(d).and_time(NaiveTime::MIN)
                } else {
                    d.and_time(e)
                };
                (resolve(&tz, d.and_time(s)), resolve(&tz, end))
            })
            .filter(|(a, b)| a < b)
            .collect();
        out.sort();
        out
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz()).date_naive()
    }

    fn no_time(&self) -> DomainError {
        DomainError::Invalid(format!(
            "calendar {:?}: no working time within {SEARCH_DAYS} days",
            self.name
        ))
    }

    /// The working days from the local date of `t` on (`step` 1) or back (-1) with their
    /// periods (latest first going back), until a date beyond what a date can hold, or
    /// [`SEARCH_DAYS`] days in a row without working time.
    fn walk(&self, t: DateTime<Utc>, step: i64) -> impl Iterator<Item = (NaiveDate, Period)> + '_ {
        let mut day = Some(self.local_date(t));
        let mut idle = 0;
        std::iter::from_fn(move || {
            let d = day?;
            day = d.checked_add_signed(Duration::days(step));
            let mut ps = self.periods(d);
            idle = if ps.is_empty() { idle + 1 } else { 0 };
            if idle > SEARCH_DAYS {
                day = None;
            }
            if step < 0 {
                ps.reverse();
            }
            Some(ps.into_iter().map(move |p| (d, p)))
        })
        .flatten()
    }

    /// `start` plus a working duration, in this calendar.
    pub fn add_business(
        &self,
        start: DateTime<Utc>,
        amount: WorkAmount,
    ) -> Result<DateTime<Utc>, DomainError> {
        match amount {
            WorkAmount::Hours(0) | WorkAmount::Days(0) => Ok(start),
            WorkAmount::Hours(h) => self.add_hours(start, i64::from(h) * 3_600),
            WorkAmount::Days(n) => self.add_days(start, n),
        }
    }

    fn add_hours(&self, start: DateTime<Utc>, secs: i64) -> Result<DateTime<Utc>, DomainError> {
        let mut left = Duration::seconds(secs);
        for (_, (a, b)) in self.walk(start, 1) {
            if b <= start {
                continue;
            }
            let from = a.max(start);
            if left <= b - from {
                return Ok(from + left);
            }
            left -= b - from;
        }
        Err(self.no_time())
    }

    /// The working date and period `t` lies in (its ends included), if any.
    fn working_at(&self, t: DateTime<Utc>) -> Option<NaiveDate> {
        let d = self.local_date(t);
        [d.pred_opt(), Some(d)]
            .into_iter()
            .flatten()
            .find(|day| self.periods(*day).iter().any(|(a, b)| *a <= t && t <= *b))
    }

    fn add_days(&self, start: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>, DomainError> {
        // Outside working hours: from the close of the last working period before.
        let (mut day, from) = match self.working_at(start) {
            Some(d) => (d, start),
            None => self
                .walk(start, -1)
                .map(|(d, (_, b))| (d, b))
                .find(|(_, b)| *b <= start)
                .ok_or_else(|| self.no_time())?,
        };
        let tz = self.tz();
        let local = from.with_timezone(&tz);
        // A close at 24:00 is 00:00 of the next date: `None`, the end of the day.
        let time = (local.date_naive() == day).then(|| local.time());
        let mut left = n;
        let mut idle = 0;
        while left > 0 {
            day = day.succ_opt().ok_or_else(|| self.too_far(start))?;
            if self.is_working_day(day) {
                left -= 1;
                idle = 0;
            } else {
                idle += 1;
                if idle > SEARCH_DAYS {
                    return Err(self.no_time());
                }
            }
        }
        let target = match time {
            Some(t) => day.and_time(t),
            None => day
                .succ_opt()
                .ok_or_else(|| self.too_far(start))?
                .and_time(NaiveTime::MIN),
        };
        Ok(clamp(&self.periods(day), resolve(&tz, target)))
    }

    fn too_far(&self, start: DateTime<Utc>) -> DomainError {
        DomainError::TimeOverflow(format!(
            "a working duration in calendar {:?} from {start}",
            self.name
        ))
    }

    /// How much working time lies between `a` and `b` (none when `b` is not after `a`).
    pub fn working_secs_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        let (first, last) = (self.local_date(a), self.local_date(b));
        let mut total = 0;
        let mut d = first.pred_opt().unwrap_or(first);
        while d <= last {
            for (s, e) in self.periods(d) {
                let (s, e) = (s.max(a), e.min(b));
                if s < e {
                    total += (e - s).num_seconds();
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        total
    }
}

/// A due time clamped into the day's periods: as it is inside one, else the close of the
/// period before it, else the day's first opening.
fn clamp(periods: &[Period], t: DateTime<Utc>) -> DateTime<Utc> {
    if periods.iter().any(|(a, b)| *a <= t && t <= *b) {
        return t;
    }
    periods
        .iter()
        .rev()
        .find(|(_, b)| *b <= t)
        .map(|p| p.1)
        .or_else(|| periods.first().map(|p| p.0))
        .unwrap_or(t)
}

/// A local time as an instant: a repeated time is the earlier, a skipped one the end of
/// the gap.
fn resolve(tz: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    use chrono::LocalResult;
    for minutes in 0..=24 * 60 {
        let t = local + Duration::minutes(minutes);
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => {
                return x.with_timezone(&Utc);
            }
            LocalResult::None => {}
        }
    }
    Utc.from_utc_datetime(&local)
}

impl Span {
    /// `start` plus this span: wall-clock as it is, working time in `calendar`, which a
    /// working span must have.
    pub fn after(
        self,
        start: DateTime<Utc>,
        calendar: Option<&Calendar>,
    ) -> Result<DateTime<Utc>, DomainError> {
        match (self, calendar) {
            (Span::Wall(secs), _) => super::duration::add_secs(start, secs, &self.to_string()),
            (Span::Work(w), Some(c)) => c.add_business(start, w),
            (Span::Work(w), None) => Err(DomainError::Invalid(format!(
                "{w} is in working time, but no working-time calendar applies: import one (casebench import calendars FILE.toml)"
            ))),
        }
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
