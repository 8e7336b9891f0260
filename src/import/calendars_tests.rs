use super::*;

const FILE: &str = r#"default = "office"

[[calendar]]
name = "office"
zone = "Europe/Prague"
hours = { mon-thu = ["08:00-12:00", "13:00-17:00"], fri = ["08:00-14:00"] }
holidays = ["2026-12-24", "12-25"]

[[calendar]]
name = "ops"
hours = { mon-sun = ["00:00-24:00"] }
"#;

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn refused(text: &str) -> String {
    parse_calendars_toml("c.toml", text)
        .unwrap_err()
        .to_string()
}

#[test]
fn parses_days_ranges_and_holidays() {
    let f = parse_calendars_toml("c.toml", FILE).unwrap();
    assert_eq!(f.default.as_deref(), Some("office"));
    let office = &f.calendars[0];
    assert_eq!(office.zone, "Europe/Prague");
    assert_eq!(
        office.week[0],
        vec![(t(8, 0), t(12, 0)), (t(13, 0), t(17, 0))]
    );
    assert_eq!(office.week[3], office.week[0]);
    assert_eq!(office.week[4], vec![(t(8, 0), t(14, 0))]);
    assert!(office.week[5].is_empty() && office.week[6].is_empty());
    assert_eq!(
        office.holidays,
        vec![
            Holiday::Date(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()),
            Holiday::Yearly { month: 12, day: 25 }
        ]
    );
    let ops = &f.calendars[1];
    assert_eq!(ops.zone, "UTC");
    assert!(ops
        .week
        .iter()
        .all(|d| d == &vec![(t(0, 0), NaiveTime::MIN)]));
    assert_eq!(f.lines.line_of("calendar \"ops\": x"), Some(9));
    assert_eq!(f.lines.line_of("default: no calendar \"x\""), Some(1));
}

#[test]
fn refuses_at_the_line_of_the_value() {
    let cal = |body: &str| format!("[[calendar]]\nname = \"c\"\n{body}\n");
    let cases = [
        (
            cal("hours = { mon = [\"12:00-11:00\"] }"),
            "c.toml:3: calendar \"c\": mon: hours 12:00-11:00 end before they start",
        ),
        (
            cal("hours = { mon-fri = [\"08:00-12:00\"] }\nzone = \"Mars/Base\""),
            "c.toml:4: calendar \"c\": unknown time zone \"Mars/Base\": expected e.g. Europe/Prague or UTC",
        ),
        (
            cal("hours = { mon-fri = [\"08:00-12:00\", \"11:00-13:00\"] }"),
            "c.toml:3: calendar \"c\": mon: hours 11:00-13:00 overlap 08:00-12:00",
        ),
        (
            cal("hours = { }"),
            "c.toml:3: calendar \"c\": no working hours in the week",
        ),
        (
            cal("hours = { mon = [\"8-17\"] }"),
            "c.toml:3: calendar \"c\": invalid hours \"8-17\": expected HH:MM-HH:MM, e.g. 08:00-17:00 (24:00 for midnight)",
        ),
        (
            cal("hours = { mon = [\"08:00-00:00\"] }"),
            "c.toml:3: calendar \"c\": invalid hours \"08:00-00:00\": expected HH:MM-HH:MM, e.g. 08:00-17:00 (24:00 for midnight)",
        ),
        (
            cal("hours = { fri-mon = [] }"),
            "c.toml:3: calendar \"c\": unknown day \"fri-mon\": expected mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri",
        ),
        (
            cal("hours = { mon-fri = [\"08:00-17:00\"], fri = [] }"),
            "c.toml:3: calendar \"c\": fri given twice",
        ),
        (
            cal("hours = { mon = [\"08:00-17:00\"] }\nholidays = [\n  \"12-25\",\n  \"2026-02-30\",\n]"),
            "c.toml:6: calendar \"c\": holiday \"2026-02-30\" is not a date: expected YYYY-MM-DD, or MM-DD for every year",
        ),
        (
            format!("{}{}", cal("hours = { mon = [] , tue = [\"08:00-09:00\"] }"), cal("hours = { mon = [\"08:00-09:00\"] }")),
            "c.toml:5: calendar \"c\": defined twice",
        ),
        ("".to_string(), "c.toml:1: no [[calendar]] and no default in the file"),
        (cal("hours = { mon = [\"08:00-09:00\"] }\ncolour = \"red\""), "c.toml:4: unknown field `colour`, expected one of `name`, `zone`, `hours`, `holidays`"),
    ];
    for (text, want) in cases {
        assert_eq!(refused(&text), want, "{text}");
    }
}
