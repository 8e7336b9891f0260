//! `casebench calendar list|show`: the working-time calendars, and "when is that due".

use chrono::{DateTime, NaiveTime, Utc};
use clap::Subcommand;
use serde::Serialize;

use crate::api::{Answer, ApiError, CalendarList, Query, Service};
use crate::cli::output::{self, say, Table};
use crate::cli::{timearg, Ctx};
use crate::domain::calendar::{Calendar, Span, DAYS};
use crate::domain::duration::parse_work_duration;

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// Every calendar: its zone, its week and how many holidays; the default marked.
    List,
    /// One calendar (default: the store's default); with --add, when a duration from
    /// --from (default: now) is due in it.
    Show {
        name: Option<String>,
        /// The start (RFC 3339, a date, now+3d …); needs --add.
        #[arg(long, value_name = "TIME", requires = "add")]
        from: Option<String>,
        /// A duration: 3bd (business days), 6bh (business hours) or wall-clock 2d, 12h.
        #[arg(long, value_name = "DURATION")]
        add: Option<String>,
    },
}

/// The answer to `show --add`, as `--json` prints it.
#[derive(Serialize)]
struct Due {
    calendar: String,
    zone: String,
    add: String,
    #[serde(with = "crate::domain::time::ts")]
    from: DateTime<Utc>,
    #[serde(with = "crate::domain::time::ts")]
    due: DateTime<Utc>,
    /// The due time in the calendar's zone, `2026-11-30T16:00:00+01:00`.
    due_local: String,
    working_secs: i64,
    /// Working days after the start's date up to the due time's date.
    working_days: u32,
}

pub fn run(ctx: &Ctx, cmd: CalendarCmd) -> Result<(), ApiError> {
    let service = ctx.backend()?;
    match cmd {
        CalendarCmd::List => {
            let list = match service.query(&ctx.actor, Query::Calendars)? {
                Answer::Calendars(l) => l,
                other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
            };
            list_calendars(ctx, &list)
        }
        CalendarCmd::Show { name, from, add } => {
            let span = add
                .as_deref()
                .map(|a| parse_work_duration(a).map_err(ApiError::from))
                .transpose()?;
            let from = match from {
                Some(f) => timearg::parse_time(&f, ctx.clock.now()).map_err(ApiError::BadInput)?,
                None => ctx.clock.now(),
            };
            let cal = match service.query(&ctx.actor, Query::Calendar(name.clone())) {
                Ok(Answer::Calendar(c)) => c,
                Ok(other) => {
                    return Err(ApiError::Internal(format!("unexpected answer: {other:?}")))
                }
                // A working span needs a calendar; say so rather than "no default".
                Err(ApiError::NotFound(m)) => match (span, name) {
                    (Some(s @ Span::Work(_)), None) => {
                        return Err(ApiError::BadInput(format!(
                            "{s} is in working time, but no calendar applies: {m}"
                        )))
                    }
                    _ => return Err(ApiError::NotFound(m)),
                },
                Err(e) => return Err(e),
            };
            match span {
                Some(s) => show_due(ctx, &cal, s, from),
                None => show_calendar(ctx, &cal),
            }
        }
    }
}

fn list_calendars(ctx: &Ctx, list: &CalendarList) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(list);
    }
    if list.calendars.is_empty() {
        say!("no calendars: casebench import calendars FILE.toml");
        return Ok(());
    }
    let mut t = Table::new(vec!["NAME", "ZONE", "HOLIDAYS", "DEFAULT", "WEEK"]);
    for c in &list.calendars {
        let default = list.default.as_deref() == Some(c.name.as_str());
        t.row(vec![
            c.name.clone(),
            c.zone.clone(),
            c.holidays.len().to_string(),
            if default { "yes" } else { "" }.into(),
            week_summary(c),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

fn periods(c: &Calendar, day: usize) -> String {
    let hhmm = |t: NaiveTime, end: bool| match (end, t == NaiveTime::MIN) {
        (true, true) => "24:00".to_string(),
        _ => t.format("%H:%M").to_string(),
    };
    c.week[day]
        .iter()
        .map(|&(s, e)| format!("{}-{}", hhmm(s, false), hhmm(e, true)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `mon-fri 08:00-17:00; sat 09:00-12:00`: runs of days with the same hours.
fn week_summary(c: &Calendar) -> String {
    let mut out: Vec<String> = vec![];
    let mut d = 0;
    while d < 7 {
        let mut e = d;
        while e + 1 < 7 && c.week[e + 1] == c.week[d] {
            e += 1;
        }
        if !c.week[d].is_empty() {
            let days = match d == e {
                true => DAYS[d].to_string(),
                false => format!("{}-{}", DAYS[d], DAYS[e]),
            };
            out.push(format!("{days} {}", periods(c, d)));
        }
        d = e + 1;
    }
    out.join("; ")
}

fn show_calendar(ctx: &Ctx, c: &Calendar) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(c);
    }
    say!("{}  ({})", c.name, c.zone);
    for (d, day) in DAYS.iter().enumerate() {
        let p = periods(c, d);
        say!("{day}  {}", if p.is_empty() { "-" } else { &p });
    }
    let holidays: Vec<String> = c.holidays.iter().map(|h| h.to_string()).collect();
    say!(
        "holidays  {}",
        if holidays.is_empty() {
            "-".into()
        } else {
            holidays.join(", ")
        }
    );
    Ok(())
}

fn show_due(ctx: &Ctx, c: &Calendar, span: Span, from: DateTime<Utc>) -> Result<(), ApiError> {
    let due = span.after(from, Some(c))?;
    let tz = c.tz();
    let local = |t: DateTime<Utc>| t.with_timezone(&tz);
    let (first, last) = (local(from).date_naive(), local(due).date_naive());
    let working_days = first
        .iter_days()
        .skip(1)
        .take_while(|d| *d <= last)
        .filter(|d| c.is_working_day(*d))
        .count() as u32;
    let d = Due {
        calendar: c.name.clone(),
        zone: c.zone.clone(),
        add: span.to_string(),
        from,
        due,
        due_local: local(due).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        working_secs: c.working_secs_between(from, due),
        working_days,
    };
    if ctx.json {
        return output::json(&d);
    }
    let shown = |t: DateTime<Utc>| {
        format!(
            "{} {}  ({} UTC)",
            local(t).format("%a %Y-%m-%d %H:%M"),
            c.zone,
            t.format("%Y-%m-%d %H:%M")
        )
    };
    say!("calendar      {}", c.name);
    say!("from          {}", shown(from));
    say!("+ {:<11} {}", d.add, shown(due));
    say!(
        "working time  {}h{:02}m over {} working day(s) after the start",
        d.working_secs / 3600,
        d.working_secs % 3600 / 60,
        d.working_days
    );
    Ok(())
}
