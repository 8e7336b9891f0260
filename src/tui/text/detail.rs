//! The case detail pane's text: fields, work items, operations, correlation, history (local
//! time).

use ratatui::text::{Line, Span};

use super::Look;
use crate::api::{CaseDetail, CaseHistory};
use crate::domain::resource::Correlation;
use crate::domain::{EventKind, Execution, OpResult, TicketEvent, WorkItem};
use crate::tui::format::{self, fit, wrap};
use crate::tui::panes::case::CaseView;

fn field(app: &Look, name: &str, value: String) -> Line<'static> {
    let t = app.theme;
    Line::from(vec![
        Span::styled(format!("{name:<10} "), t.dim()),
        Span::raw(format::neutralise(&value).into_owned()),
    ])
}

fn people(list: &[String], prefix: &str) -> String {
    list.iter()
        .map(|p| format!("{prefix}{p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn work_item(
    app: &Look,
    w: &WorkItem,
    kind: Option<&str>,
    width: usize,
    out: &mut Vec<Line<'static>>,
) {
    let t = app.theme;
    let z = app.zone;
    let mut head = vec![
        Span::styled(w.id.to_string(), t.id()),
        Span::raw(format!(" {} ", w.state)),
    ];
    if !w.name.is_empty() && Some(w.name.as_str()) != kind {
        head.push(Span::styled(format!("“{}” ", fit(&w.name, 30)), t.dim()));
    }
    if w.escalation_level > 0 {
        head.push(Span::styled(
            format!("↑ level {} ", w.escalation_level),
            t.escalation(),
        ));
    }
    if let (Some(d), true) = (w.deadline, w.is_open()) {
        let (rel, urgency) = format::deadline(Some(d), app.now);
        head.push(Span::styled(
            format!("due {} ({rel})", z.date_time(d)),
            t.urgency(urgency),
        ));
    }
    out.push(Line::from(head));
    let indent = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("  {name:<13}"), t.dim()),
            Span::raw(fit(&value, width.saturating_sub(15))),
        ])
    };
    if w.is_open() {
        if !w.assignees.is_empty() {
            out.push(indent("assignees", people(&w.assignees, "")));
        }
        if !w.candidates.is_empty() {
            out.push(indent("candidates", people(&w.candidates, "@")));
        }
        if w.assignees.is_empty() && w.candidates.is_empty() {
            out.push(indent("assignees", "nobody".into()));
        }
    }
    if let Some(o) = &w.original_assignee {
        if !w.is_assignee(o) || !w.is_open() {
            out.push(indent("original", o.clone()));
        }
    }
    if !w.delegated_by.is_empty() {
        out.push(indent("delegated by", people(&w.delegated_by, "")));
    }
    if let (Some(p), Some(o)) = (&w.performer, w.outcome) {
        let when = w
            .closed
            .map(|c| format!(" {}", z.date_time(c)))
            .unwrap_or_default();
        out.push(indent("done", format!("{o} by {p}{when}")));
    }
    if let Some(c) = &w.comment {
        out.push(indent("said", c.clone()));
    }
}

/// The pane's lines for an inner width (also counted to bound scrolling).
pub fn lines(app: &Look, cv: &CaseView, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(d) = cv.current() else {
        let text = match (cv.error(), cv.id()) {
            (Some(e), _) => return vec![Line::styled(e.to_string(), t.error())],
            (None, Some(id)) => format!("loading {id}…"),
            (None, None) => "No case selected.".into(),
        };
        return vec![Line::styled(text, t.dim())];
    };
    let mut out = vec![];
    case_fields(app, d, width, &mut out);
    super::request::block(app, d, width, &mut out);
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Work items ({})", d.work_items.len()),
        t.heading(),
    ));
    for w in &d.work_items {
        work_item(app, w, Some(d.case.kind.name()), width, &mut out);
    }
    operations(app, d, width, &mut out);
    if let Some(corr) = &d.case.correlation {
        correlation(app, corr, width, &mut out);
    }
    if let Some(h) = cv.history() {
        history(app, h, width, &mut out);
    }
    out
}

/// The head line, the title and description, and the case's fields (with its ticket in a
/// ticket system, when outsourced).
fn case_fields(app: &Look, d: &CaseDetail, width: usize, out: &mut Vec<Line<'static>>) {
    let c = &d.case;
    let t = app.theme;
    let z = app.zone;
    let state = match c.outcome {
        Some(o) => format!("{} · {o}", c.state),
        None => c.state.to_string(),
    };
    out.push(Line::from(vec![
        Span::styled(c.id.to_string(), t.id()),
        Span::styled(format!(" · {} · ", c.kind), t.dim()),
        Span::styled(state, t.title()),
    ]));
    for l in wrap(&c.title, width) {
        out.push(Line::styled(l, t.heading()));
    }
    if let Some(desc) = &c.description {
        for l in wrap(desc, width) {
            out.push(Line::raw(l));
        }
    }
    out.push(Line::raw(""));
    out.push(field(app, "requester", c.requester.clone()));
    let optional = [
        ("resource", c.resource.clone()),
        ("object", c.object.clone()),
        ("parent", c.parent.map(|p| p.to_string())),
        ("policy", c.policy.clone()),
        // The outsourced case's ticket is the block below.
        (
            "ticket",
            c.external_ticket.clone().filter(|_| d.ticket.is_none()),
        ),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            out.push(field(app, name, v));
        }
    }
    if let Some(o) = &d.ticket {
        super::ticket::block(app, o, width, out);
    }
    for (name, at) in [("created", c.created), ("modified", c.modified)] {
        let value = format!("{} ({})", z.date_time(at), format::ago(at, app.now));
        out.push(field(app, name, value));
    }
    if let Some(closed) = c.closed {
        out.push(field(app, "ended", z.date_time(closed)));
    }
}

/// The pending operations: what to do on which account, old → new.
fn operations(app: &Look, d: &CaseDetail, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    if d.operations.is_empty() {
        return;
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Pending operations ({})", d.operations.len()),
        t.heading(),
    ));
    for o in &d.operations {
        let op = &o.operation;
        let (status, style) = match op.result {
            OpResult::Success if op.confirmed => ("done, confirmed".to_string(), t.dim()),
            OpResult::Success => ("done".to_string(), t.dim()),
            OpResult::Failure => (
                format!("failed: {}", op.reason.as_deref().unwrap_or("no reason")),
                t.error(),
            ),
            OpResult::InProgress => match op.execution {
                Execution::ExecutionPending => ("queued".to_string(), t.title()),
                _ => ("to do".to_string(), t.title()),
            },
        };
        out.push(Line::from(vec![
            Span::styled(format!("op {} ", op.id), t.id()),
            Span::styled(format!("{} ", op.kind), t.heading()),
            Span::raw(fit(&format!("{}@{} ", o.account, o.resource), width)),
            Span::styled(format!("[{status}]"), style),
        ]));
        for ch in &op.changes {
            let text = match (&ch.old, &ch.new) {
                (None, Some(n)) => format!("  {} = {n}", ch.name),
                (Some(old), Some(n)) => format!("  {}: {old} → {n}", ch.name),
                (Some(old), None) => format!("  {}: remove {old}", ch.name),
                (None, None) => format!("  {}", ch.name),
            };
            out.push(Line::raw(fit(&text, width)));
        }
    }
}

/// Who owns an account: its attributes and the ranked candidates.
fn correlation(app: &Look, corr: &Correlation, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    out.push(Line::raw(""));
    out.push(Line::styled(
        fit(
            &format!("Who owns {} on {}?", corr.account, corr.resource),
            width,
        ),
        t.heading(),
    ));
    for (k, v) in &corr.attributes {
        out.push(Line::raw(fit(&format!("  {k} = {v}"), width)));
    }
    if corr.candidates.is_empty() {
        out.push(Line::styled(
            "  no user matches: :correlate --owner LOGIN, or :correlate --orphan",
            t.dim(),
        ));
    }
    for cand in &corr.candidates {
        out.push(Line::from(vec![
            Span::styled(format!("  {:<12}", cand.login), t.user()),
            Span::raw(format!(" {:>3}  ", cand.score)),
            Span::styled(fit(&cand.why, width.saturating_sub(20)), t.dim()),
        ]));
    }
    if !corr.candidates.is_empty() {
        out.push(Line::styled(
            format!(
                "  :correlate --owner {} (or another login), or :correlate --orphan",
                corr.candidates[0].login
            ),
            t.dim(),
        ));
    }
}

fn history(app: &Look, h: &CaseHistory, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    let z = app.zone;
    out.push(Line::raw(""));
    let shown: Vec<&crate::domain::Event> = h
        .events
        .iter()
        .filter(|e| !e.what.is_supplement())
        .collect();
    out.push(Line::styled(
        format!("History ({})", shown.len()),
        t.heading(),
    ));
    // The verbs' column is as wide as the widest shown (`ticket-released`), at most 15.
    let verb_w = shown
        .iter()
        .map(|e| e.what.verb().len())
        .max()
        .unwrap_or(0)
        .clamp(10, 15);
    for e in shown {
        let mut detail = e.what.describe();
        if let Some(why) = &e.why {
            if !detail.is_empty() {
                detail.push_str(" — ");
            }
            detail.push_str(why);
        }
        let when = z.date_time(e.time);
        let actor = crate::tui::format::pad(&e.actor, 9);
        let verb = crate::tui::format::pad(e.what.verb(), verb_w);
        let head = format!("{when} {actor} {verb} ");
        let rest = width.saturating_sub(crate::tui::format::width(&head));
        // A ticket system's error is what one needs to read whole: on up to three lines.
        let failed = matches!(e.what, EventKind::Ticket(TicketEvent::Failed { .. }));
        let detail = detail.replace('\n', " ");
        let (style, lines) = match failed {
            true => (t.error(), format::wrap_at_most(&detail, rest, 3)),
            false => (t.text(), vec![fit(&detail, rest)]),
        };
        let mut lines = lines.into_iter();
        out.push(Line::from(vec![
            Span::styled(when, t.dim()),
            Span::styled(format!(" {actor} "), t.user()),
            Span::raw(format!("{verb} ")),
            Span::styled(lines.next().unwrap_or_default(), style),
        ]));
        let indent = " ".repeat(width.saturating_sub(rest));
        for l in lines {
            out.push(Line::from(vec![
                Span::raw(indent.clone()),
                Span::styled(l, style),
            ]));
        }
    }
}
