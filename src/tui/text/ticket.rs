//! The case detail's ticket block: where an outsourced case's ticket stands in its ticket
//! system (target, reference, state), when it was last synced, and the sync's error.
//! Everything here came from a ticket system or a plugin: shown neutralised and cut to fit.

use ratatui::text::{Line, Span};

use super::Look;
use crate::domain::itsm::Phase;
use crate::domain::Outsourcing;
use crate::tui::format::{self, fit};

/// The most lines a sync error takes (the rest is cut with `…`).
const MAX_ERROR_LINES: usize = 3;

/// The field names' column (as the case's fields).
const NAME_W: usize = 11;

fn field(app: &Look, name: &str, value: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{name:<10} "), app.theme.dim())];
    spans.extend(value);
    Line::from(spans)
}

/// `stalled (open)`, or the phase while the system has said nothing yet.
pub fn state_word(o: &Outsourcing) -> String {
    match (&o.status, o.state) {
        (Some(raw), Some(s)) => format!("{raw} ({})", s.name()),
        (None, Some(s)) => s.name().to_string(),
        _ => o.phase.name().to_string(),
    }
}

/// The block's lines, for an inner width.
pub fn block(app: &Look, o: &Outsourcing, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    let z = app.zone;
    let rest = width.saturating_sub(NAME_W).max(1);
    let target = fit(&o.target, rest / 3);
    let (reference, ref_style) = match &o.reference {
        Some(r) => (fit(r, rest / 3), t.id()),
        None => ("not created yet".to_string(), t.dim()),
    };
    let used = format::width(&target) + 1 + format::width(&reference) + 3;
    let state = fit(&state_word(o), rest.saturating_sub(used));
    let state_style = match (o.state, o.phase) {
        (Some(s), _) if s.is_final() => t.title(),
        (_, Phase::Settled) => t.dim(),
        _ => t.text(),
    };
    out.push(field(
        app,
        "ticket",
        vec![
            Span::styled(format!("{target} "), t.heading()),
            Span::styled(reference, ref_style),
            Span::styled(" · ", t.dim()),
            Span::styled(state, state_style),
        ],
    ));
    let synced = match o.last_sync {
        Some(l) => format!("{} ({})", z.date_time(l), format::ago(l, app.now)),
        None => "never".into(),
    };
    let since = format!(" · outsourced {}", z.date_time(o.since));
    out.push(field(
        app,
        "synced",
        vec![
            Span::raw(fit(&synced, rest)),
            Span::styled(
                fit(&since, rest.saturating_sub(format::width(&synced))),
                t.dim(),
            ),
        ],
    ));
    if let Some(e) = &o.error {
        error(app, o, e, rest, out);
    }
}

/// The sync error (wrapped, at most a few lines), the failures in a row and the next try.
fn error(app: &Look, o: &Outsourcing, e: &str, rest: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    let lines = format::wrap_at_most(&e.replace(['\n', '\r'], " "), rest, MAX_ERROR_LINES);
    for (i, l) in lines.into_iter().enumerate() {
        let name = if i == 0 { "sync error" } else { "" };
        out.push(field(app, name, vec![Span::styled(l, t.error())]));
    }
    let failures = match o.failures {
        1 => "1 failure".to_string(),
        n => format!("{n} failures in a row"),
    };
    let next = match o.next_try {
        Some(n) if n > app.now => format!(
            "; next try {} ({})",
            app.zone.time(n),
            format::ago(n, app.now)
        ),
        Some(_) => "; tried again at the next sync".to_string(),
        None => String::new(),
    };
    out.push(field(
        app,
        "",
        vec![Span::styled(
            fit(&format!("{failures}{next}"), rest),
            t.dim(),
        )],
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CaseId, TicketState};
    use crate::tui::format::Zone;
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;
    use chrono::{Duration, TimeZone, Utc};

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn what_a_ticket_system_sent_is_neutralised_and_fits() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let keymap = Keymap::defaults().unwrap();
        let look = Look {
            theme: Theme::plain(),
            zone: Zone::utc(),
            now,
            keymap: &keymap,
        };
        let mut o = Outsourcing::new(CaseId(4), "rt", now - Duration::hours(2));
        o.phase = Phase::Linked;
        o.reference = Some(format!("RT-\x1b]0;pwned\x07{}", "9".repeat(200)));
        o.status = Some("stalled\r\x1b[2J".repeat(20));
        o.state = Some(TicketState::Open);
        o.last_sync = Some(now - Duration::minutes(5));
        o.failed(
            format!("rt: 502 from the server: {}", "<html> ".repeat(100)),
            now,
        );
        let mut out = vec![];
        block(&look, &o, 70, &mut out);
        let lines: Vec<String> = out.iter().map(text).collect();
        for l in &lines {
            assert!(format::width(l) <= 70, "{l:?}");
            assert!(!l.contains(['\x1b', '\x07', '\r']), "{l:?}");
        }
        assert!(lines[0].starts_with("ticket     rt RT-"), "{lines:?}");
        assert!(lines[1].contains("2026-12-01 09:55 (5m ago)"), "{lines:?}");
        assert!(
            lines[1].contains("outsourced 2026-12-01 08:00"),
            "{lines:?}"
        );
        assert!(lines[2].starts_with("sync error rt: 502"), "{lines:?}");
        assert_eq!(lines.len(), 2 + MAX_ERROR_LINES + 1, "{lines:?}");
        assert!(lines[4].ends_with('…'), "{lines:?}");
        let last = lines.last().unwrap();
        assert!(
            last.contains("1 failure; next try 10:01:00 (in 1m)"),
            "{last:?}"
        );
    }

    #[test]
    fn a_ticket_not_created_yet_says_so_with_its_phase() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let keymap = Keymap::defaults().unwrap();
        let look = Look {
            theme: Theme::plain(),
            zone: Zone::utc(),
            now,
            keymap: &keymap,
        };
        let o = Outsourcing::new(CaseId(4), "helpdesk", now);
        let mut out = vec![];
        block(&look, &o, 78, &mut out);
        let lines: Vec<String> = out.iter().map(text).collect();
        assert_eq!(
            lines,
            [
                "ticket     helpdesk not created yet · queued",
                "synced     never · outsourced 2026-12-01 10:00",
            ]
        );
    }
}
