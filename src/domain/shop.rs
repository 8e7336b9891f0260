//! Store-wide IT Shop settings (the local zone, the default gap rule), how a product's
//! period of days is counted, and the free slots between a recipient's requests.
//!
//! Day counting: a validity of whole days N ends at 23:59 local time of the day N days
//! after the day it starts (`2017-01-05 10:00 + 90d` → `2017-04-05 23:59`): the start
//! day is day 0. Any other validity (`12h`, `90m`) is added as it is.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::product::{GapFitting, GapRule, Product};
use super::DomainError;

/// Store-wide settings of the IT Shop (`import products`: the top-level `zone` and
/// `[gap]`). In an import, `None` leaves the stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShopSettings {
    /// The IANA zone days are counted in (`Europe/Berlin`); none = UTC.
    pub zone: Option<String>,
    /// The gap rule of products without their own; none = `GapRule::default()`.
    pub gap: Option<GapRule>,
}

impl ShopSettings {
    /// The local zone (UTC when none is set).
    pub fn tz(&self) -> Result<Tz, DomainError> {
        self.zone.as_deref().map_or(Ok(Tz::UTC), parse_zone)
    }

    /// The gap rule in force for `product`: its own, else the store-wide one.
    pub fn gap_for(&self, product: &Product) -> GapRule {
        product
            .gap
            .clone()
            .or_else(|| self.gap.clone())
            .unwrap_or_default()
    }

    /// These settings with the values `new` sets.
    pub fn merged(&self, new: &ShopSettings) -> ShopSettings {
        ShopSettings {
            zone: new.zone.clone().or_else(|| self.zone.clone()),
            gap: new.gap.clone().or_else(|| self.gap.clone()),
        }
    }
}

/// An IANA time zone name (`Europe/Berlin`, `UTC`).
pub fn parse_zone(name: &str) -> Result<Tz, DomainError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| DomainError::BadValue {
            what: "time zone",
            value: name.to_string(),
            expected: "an IANA zone name, e.g. UTC, Europe/Berlin, America/New_York",
        })
}

/// When a validity of `secs` that starts at `start` ends (the day rule above).
pub fn period_end(start: DateTime<Utc>, secs: i64, tz: Tz) -> Result<DateTime<Utc>, DomainError> {
    if secs <= 0 || secs % 86_400 != 0 {
        return super::duration::add_secs(start, secs, "the validity");
    }
    let day = start
        .with_timezone(&tz)
        .date_naive()
        .checked_add_signed(Duration::days(secs / 86_400))
        .ok_or_else(|| DomainError::TimeOverflow("the validity".into()))?;
    last_minute(day, tz)
}

/// 23:59 local on the day `t` falls on in `tz`: where an approved unsubscription with a
/// later date ends (seed 003: asked 04-10 from 04-14, approved 04-11 → 04-11 23:59).
pub fn day_end(t: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, DomainError> {
    last_minute(t.with_timezone(&tz).date_naive(), tz)
}

fn last_minute(day: chrono::NaiveDate, tz: Tz) -> Result<DateTime<Utc>, DomainError> {
    let last = day.and_time(NaiveTime::from_hms_opt(23, 59, 0).expect("a valid time"));
    // 23:59 falls in a zone's gap or fold nowhere today; should it, take the earlier
    // reading, or the minute an hour later.
    tz.from_local_datetime(&last)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(last + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| DomainError::TimeOverflow("the validity".into()))
}

/// A validity period `[from, until)`; no `until` = without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

impl Period {
    fn overlaps(&self, o: &Period) -> bool {
        self.until.is_none_or(|u| o.from < u) && o.until.is_none_or(|u| self.from < u)
    }

    /// How far apart two periods lie (zero when they overlap or touch).
    fn distance(&self, o: &Period) -> Duration {
        let gap = |end: Option<DateTime<Utc>>, start: DateTime<Utc>| {
            end.map_or(Duration::zero(), |e| (start - e).max(Duration::zero()))
        };
        gap(self.until, o.from).max(gap(o.until, self.from))
    }
}

/// Whether `asked` may be granted beside the `taken` periods under `fitting`; `None`
/// when it may, else the index of the taken period it collides with.
pub fn collision(asked: &Period, taken: &[Period], fitting: GapFitting) -> Option<usize> {
    let overlapping = taken.iter().position(|t| t.overlaps(asked));
    match fitting {
        GapFitting::Unchecked => (!taken.is_empty()).then_some(0),
        GapFitting::NoOverlap => overlapping,
        GapFitting::Overlap => {
            let free = free_slots(taken, asked.from);
            (!free.iter().any(|f| f.overlaps(asked))).then_some(overlapping.unwrap_or(0))
        }
    }
}

/// The time not taken by any of `taken`, from `from` on, in order.
pub fn free_slots(taken: &[Period], from: DateTime<Utc>) -> Vec<Period> {
    let mut sorted: Vec<Period> = taken.to_vec();
    sorted.sort_by_key(|p| p.from);
    let mut out = vec![];
    let mut at = Some(from);
    for t in sorted {
        let Some(start) = at else { break };
        if t.from > start {
            out.push(Period {
                from: start,
                until: Some(t.from),
            });
        }
        at = t.until.map(|u| u.max(start));
    }
    if let Some(start) = at {
        out.push(Period {
            from: start,
            until: None,
        });
    }
    out
}

/// The (at most two) free slots nearest to `asked`, in order.
pub fn nearest_free(free: &[Period], asked: &Period) -> Vec<Period> {
    let mut by_distance: Vec<(Duration, usize)> = free
        .iter()
        .enumerate()
        .map(|(i, f)| (f.distance(asked), i))
        .collect();
    by_distance.sort();
    let mut pick: Vec<usize> = by_distance.iter().take(2).map(|(_, i)| *i).collect();
    pick.sort();
    pick.into_iter().map(|i| free[i]).collect()
}

/// A time as a person in `tz` reads it: `2017-04-05 23:59`, or `2017-04-05` at midnight.
pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    let l = t.with_timezone(&tz);
    if l.time() == NaiveTime::MIN {
        l.format("%Y-%m-%d").to_string()
    } else {
        l.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// A free slot in words (`before 2026-12-01`, `2027-01-01 to 2027-02-01`, `after …`);
/// a slot starting at `now` or earlier is "before" its end.
pub fn describe_slot(p: &Period, now: DateTime<Utc>, tz: Tz) -> String {
    match p.until {
        None => format!("after {}", local(p.from, tz)),
        Some(u) if p.from <= now => format!("before {}", local(u, tz)),
        Some(u) => format!("{} to {}", local(p.from, tz), local(u, tz)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(d: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, m, d, 0, 0, 0).unwrap()
    }

    fn p(from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Period {
        Period { from, until }
    }

    #[test]
    fn days_end_at_23_59_local_of_the_last_day() {
        let berlin = parse_zone("Europe/Berlin").unwrap();
        let start = Utc.with_ymd_and_hms(2017, 1, 5, 9, 0, 0).unwrap();
        let end = period_end(start, 90 * 86_400, berlin).unwrap();
        assert_eq!(end, Utc.with_ymd_and_hms(2017, 4, 5, 21, 59, 0).unwrap());
        let late = Utc.with_ymd_and_hms(2017, 1, 4, 23, 30, 0).unwrap();
        assert_eq!(period_end(late, 90 * 86_400, berlin).unwrap(), end);
        assert_eq!(
            period_end(start, 12 * 3600, berlin).unwrap(),
            start + Duration::hours(12)
        );
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn free_slots_and_collisions() {
        let taken = [p(t(1, 3), Some(t(1, 6))), p(t(1, 1), Some(t(1, 2)))];
        let free = free_slots(&taken, t(1, 12) - Duration::days(365));
        assert_eq!(free.len(), 3);
        assert_eq!(free[1], p(t(1, 2), Some(t(1, 3))));
        let inside = p(t(5, 2), Some(t(20, 2)));
        let across = p(t(5, 2), Some(t(5, 4)));
        let covered = p(t(1, 4), Some(t(1, 5)));
        assert_eq!(collision(&inside, &taken, GapFitting::NoOverlap), None);
        assert_eq!(collision(&across, &taken, GapFitting::NoOverlap), Some(0));
        assert_eq!(collision(&across, &taken, GapFitting::Overlap), None);
        assert_eq!(collision(&covered, &taken, GapFitting::Overlap), Some(0));
        assert_eq!(collision(&inside, &taken, GapFitting::Unchecked), Some(0));
        assert_eq!(collision(&inside, &[], GapFitting::Unchecked), None);
        let near = nearest_free(&free, &covered);
        assert_eq!(near, vec![free[1], free[2]]);
        let utc = Tz::UTC;
        assert_eq!(describe_slot(&free[2], t(1, 1), utc), "after 2027-06-01");
        assert_eq!(describe_slot(&free[0], t(1, 1), utc), "before 2027-01-01");
        assert_eq!(
            describe_slot(&free[1], t(1, 1), utc),
            "2027-02-01 to 2027-03-01"
        );
    }
}
