use super::*;
use proptest::prelude::*;

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn cal(zone: &str, weekday: Vec<(NaiveTime, NaiveTime)>, holidays: Vec<Holiday>) -> Calendar {
    let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
    for d in week.iter_mut().take(5) {
        *d = weekday.clone();
    }
    Calendar {
        name: "office".into(),
        zone: zone.into(),
        week,
        holidays,
    }
}

/// Mon–Fri 08:00–17:00 in UTC.
fn office() -> Calendar {
    cal("UTC", vec![(t(8, 0), t(17, 0))], vec![])
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const BD: fn(u32) -> WorkAmount = WorkAmount::Days;
const BH: fn(u32) -> WorkAmount = WorkAmount::Hours;

#[test]
fn friday_afternoon_plus_a_business_day_is_monday_afternoon() {
    let c = office();
    // 2026-11-27 is a Friday.
    let fri = at("2026-11-27T16:00:00Z");
    assert_eq!(
        c.add_business(fri, BD(1)).unwrap(),
        at("2026-11-30T16:00:00Z")
    );
    assert_eq!(
        c.add_business(fri, BD(5)).unwrap(),
        at("2026-12-04T16:00:00Z")
    );
    assert_eq!(
        c.add_business(fri, BH(2)).unwrap(),
        at("2026-11-30T09:00:00Z")
    );
    assert_eq!(
        c.add_business(fri, BH(1)).unwrap(),
        at("2026-11-27T17:00:00Z")
    );
    assert_eq!(
        c.add_business(fri, BH(10)).unwrap(),
        at("2026-11-30T17:00:00Z")
    );
    assert_eq!(
        c.add_business(fri, BH(11)).unwrap(),
        at("2026-12-01T09:00:00Z")
    );
}

#[test]
fn from_outside_working_hours_business_days_count_from_the_last_close() {
    let c = office();
    for start in [
        "2026-11-28T10:00:00Z", // Saturday
        "2026-11-30T07:00:00Z", // Monday before opening
        "2026-11-27T17:00:00Z", // Friday at the close
        "2026-11-27T23:00:00Z",
    ] {
        let due = c.add_business(at(start), BD(1)).unwrap();
        assert_eq!(due, at("2026-11-30T17:00:00Z"), "from {start}");
    }
    // Business hours count from the next opening.
    let sat = at("2026-11-28T10:00:00Z");
    assert_eq!(
        c.add_business(sat, BH(3)).unwrap(),
        at("2026-11-30T11:00:00Z")
    );
}

#[test]
fn zero_is_the_start_itself() {
    let c = office();
    let sat = at("2026-11-28T10:00:00Z");
    assert_eq!(c.add_business(sat, BH(0)).unwrap(), sat);
    assert_eq!(c.add_business(sat, BD(0)).unwrap(), sat);
}

#[test]
fn holidays_are_skipped_dated_and_yearly() {
    let mut c = office();
    c.holidays = vec![
        Holiday::Date(date("2026-11-30")),
        Holiday::Yearly { month: 12, day: 1 },
    ];
    let fri = at("2026-11-27T16:00:00Z");
    assert_eq!(
        c.add_business(fri, BD(1)).unwrap(),
        at("2026-12-02T16:00:00Z")
    );
    assert_eq!(
        c.add_business(fri, BH(2)).unwrap(),
        at("2026-12-02T09:00:00Z")
    );
    // The yearly one falls every year, the dated one only once.
    let fri27 = at("2027-11-26T16:00:00Z");
    assert_eq!(
        c.add_business(fri27, BD(3)).unwrap(),
        at("2027-12-02T16:00:00Z")
    );
    assert!(c.is_holiday(date("2030-12-01")));
    assert!(!c.is_holiday(date("2027-11-30")));
}

#[test]
fn across_the_dst_change_in_prague() {
    let c = cal("Europe/Prague", vec![(t(8, 0), t(17, 0))], vec![]);
    // Friday 2026-03-27 16:00 CET (15:00Z); clocks go forward on Sunday 29 March.
    let fri = at("2026-03-27T15:00:00Z");
    // Monday 16:00 CEST is 14:00Z.
    assert_eq!(
        c.add_business(fri, BD(1)).unwrap(),
        at("2026-03-30T14:00:00Z")
    );
    // One hour left on Friday, one more on Monday: 09:00 CEST = 07:00Z.
    assert_eq!(
        c.add_business(fri, BH(2)).unwrap(),
        at("2026-03-30T07:00:00Z")
    );
    // And back in October (25 October 2026): Friday 16:00 CEST → Monday 16:00 CET.
    let fri = at("2026-10-23T14:00:00Z");
    assert_eq!(
        c.add_business(fri, BD(1)).unwrap(),
        at("2026-10-26T15:00:00Z")
    );
}

#[test]
fn days_of_23_and_25_hours_are_counted_as_they_are() {
    let mut c = cal("Europe/Prague", vec![(t(0, 0), t(0, 0))], vec![]);
    c.week = std::array::from_fn(|_| vec![(t(0, 0), t(0, 0))]);
    c.validate().unwrap();
    // Sunday 29 March 2026 in Prague: 00:00 CET (23:00Z the day before) to 00:00 CEST (22:00Z).
    let (a, b) = (at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z"));
    assert_eq!(c.working_secs_between(a, b), 23 * 3600);
    let (a, b) = (at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z"));
    assert_eq!(c.working_secs_between(a, b), 25 * 3600);
    // 24 working hours from Saturday noon are 24 real hours.
    let sat = at("2026-03-28T11:00:00Z");
    assert_eq!(
        c.add_business(sat, BH(24)).unwrap(),
        at("2026-03-29T11:00:00Z")
    );
    // A business day there is the same clock time the next day: 23 real hours.
    assert_eq!(
        c.add_business(sat, BD(1)).unwrap(),
        at("2026-03-29T10:00:00Z")
    );
}

#[test]
fn split_days_skip_the_break() {
    let c = cal(
        "UTC",
        vec![(t(8, 0), t(12, 0)), (t(13, 0), t(17, 0))],
        vec![],
    );
    c.validate().unwrap();
    let mon = at("2026-11-30T11:00:00Z");
    assert_eq!(
        c.add_business(mon, BH(2)).unwrap(),
        at("2026-11-30T14:00:00Z")
    );
    assert_eq!(
        c.add_business(mon, BH(1)).unwrap(),
        at("2026-11-30T12:00:00Z")
    );
    assert_eq!(
        c.working_secs_between(mon, at("2026-12-01T09:00:00Z")),
        6 * 3600
    );
    // At lunch, a business day counts from the morning's close.
    let lunch = at("2026-11-30T12:30:00Z");
    assert_eq!(
        c.add_business(lunch, BD(1)).unwrap(),
        at("2026-12-01T12:00:00Z")
    );
}

#[test]
fn a_day_reached_with_other_hours_is_clamped_into_them() {
    let mut c = office();
    c.week[4] = vec![(t(8, 0), t(14, 0))];
    let thu = at("2026-11-26T16:00:00Z");
    assert_eq!(
        c.add_business(thu, BD(1)).unwrap(),
        at("2026-11-27T14:00:00Z")
    );
    c.week[4] = vec![(t(13, 0), t(17, 0))];
    let thu = at("2026-11-26T09:00:00Z");
    assert_eq!(
        c.add_business(thu, BD(1)).unwrap(),
        at("2026-11-27T13:00:00Z")
    );
}

#[test]
fn bad_calendars_are_refused_naming_the_day() {
    let check = |c: Calendar| c.validate().unwrap_err().to_string();
    let c = cal("UTC", vec![(t(12, 0), t(11, 0))], vec![]);
    assert_eq!(
        check(c),
        "calendar \"office\": mon: hours 12:00-11:00 end before they start"
    );
    let c = cal(
        "UTC",
        vec![(t(8, 0), t(12, 0)), (t(11, 0), t(17, 0))],
        vec![],
    );
    assert_eq!(
        check(c),
        "calendar \"office\": mon: hours 11:00-17:00 overlap 08:00-12:00"
    );
    assert_eq!(
        check(cal("UTC", vec![], vec![])),
        "calendar \"office\": no working hours in the week"
    );
    assert!(check(cal("Mars/Olympus", vec![(t(8, 0), t(9, 0))], vec![]))
        .starts_with("calendar \"office\": unknown time zone \"Mars/Olympus\""));
    let c = cal(
        "UTC",
        vec![(t(8, 0), t(9, 0))],
        vec![Holiday::Yearly { month: 2, day: 30 }],
    );
    assert_eq!(check(c), "calendar \"office\": holiday 02-30 is not a date");
    // Every day of the year off: no working time to be found.
    let mut c = office();
    c.holidays = (1..=12)
        .flat_map(|month| (1..=31).map(move |day| Holiday::Yearly { month, day }))
        .collect();
    let e = c
        .add_business(at("2026-11-27T16:00:00Z"), BH(1))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "calendar \"office\": no working time within 400 days"
    );
    assert!(c.add_business(at("2026-11-27T16:00:00Z"), BD(1)).is_err());
}

#[test]
fn a_working_span_needs_a_calendar() {
    let fri = at("2026-11-27T16:00:00Z");
    let span = crate::domain::duration::parse_work_duration("3bd").unwrap();
    let e = span.after(fri, None).unwrap_err().to_string();
    assert!(
        e.starts_with("3bd is in working time, but no working-time calendar applies"),
        "{e}"
    );
    assert_eq!(
        span.after(fri, Some(&office())).unwrap(),
        at("2026-12-02T16:00:00Z")
    );
    assert_eq!(
        Span::Wall(86_400).after(fri, None).unwrap(),
        at("2026-11-28T16:00:00Z")
    );
}

proptest! {
    #[test]
    fn business_hours_come_back_as_working_time(
        start in 1_700_000_000i64..1_900_000_000,
        hours in 0u32..200,
        prague: bool,
    ) {
        let zone = if prague { "Europe/Prague" } else { "UTC" };
        let mut c = cal(zone, vec![(t(8, 0), t(12, 0)), (t(13, 0), t(17, 30))], vec![
            Holiday::Yearly { month: 12, day: 25 },
            Holiday::Date(date("2026-04-06")),
        ]);
        c.week[5] = vec![(t(1, 30), t(3, 0))];
        c.validate().unwrap();
        let start = DateTime::from_timestamp(start, 0).unwrap();
        let due = c.add_business(start, BH(hours)).unwrap();
        prop_assert!(due >= start);
        prop_assert_eq!(c.working_secs_between(start, due), i64::from(hours) * 3600);
        let day = c.add_business(start, BD(1)).unwrap();
        prop_assert!(day > start);
        prop_assert!(c.working_at(day).is_some(), "{day} is not working time");
    }
}
