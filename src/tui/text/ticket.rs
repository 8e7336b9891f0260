//! The case detail's ticket block: where an outsourced case's ticket stands in its ticket
//! system (target, reference, state), when it was last synced, and the sync's error.
//! Everything here came from a ticket system or a plugin: shown neutralised and cut to fit.

use ratatui::text::{Line, Span};

use super::Look;
use crate::domain::itsm::Phase;
use crate::domain::Outsourcing;
use crate::tui::format::{self, fit, wrap};

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
    let mut lines = wrap(&e.replace(['\n', '\r'], " "), rest);
    if lines.len() > MAX_ERROR_LINES {
        lines.truncate(MAX_ERROR_LINES);
        if let Some(last) = lines.last_mut() {
            *last = fit(&format!("{last} …"), rest);
            if !last.ends_with('…') {
                last.push('…');
            }
        }
    }
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
