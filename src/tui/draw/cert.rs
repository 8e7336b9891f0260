//! The certification table: the progress line, the column heads and the visible rows only
//! (10,000 items cost a frame what twenty do), the filter line, the reduce form.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::widgets::{centered, pad, pane_block};
use crate::domain::campaign::{CertItem, Decision, Subject};
use crate::tui::app::App;
use crate::tui::format::{self, Urgency};
use crate::tui::layout::Pane;
use crate::tui::panes::cert::{account, ReduceField, ReduceForm};
use crate::verbs::span;

/// Column widths for an inner width: mark, no, owner, account, resource, attributes, seen,
/// since, flags, decision (one space after each).
fn widths(total: usize) -> [usize; 10] {
    let fixed = 1 + 4 + 4 + 4 + 3 + 8 + 10;
    let flex = total.saturating_sub(fixed).max(16);
    let owner = flex * 28 / 100;
    let acct = flex * 22 / 100;
    let res = (flex * 16 / 100).max(8);
    let attrs = flex - owner - acct - res;
    [1, 4, owner, acct, res, attrs, 4, 4, 3, 8]
}

const HEADS: [&str; 10] = [
    "",
    "NO",
    "OWNER",
    "ACCOUNT",
    "RESOURCE",
    "ATTRIBUTES",
    "SEEN",
    "HELD",
    "RSK",
    "DECISION",
];

/// The owner's name when the account is named after them (the login would repeat the
/// account column), else login and name.
fn owner(i: &CertItem) -> String {
    let same = matches!(&i.subject, Subject::Account { key, .. } if Some(key) == i.owner.as_ref())
        || matches!(&i.subject, Subject::Request { .. });
    match (&i.owner, &i.owner_name) {
        (None, _) => "(nobody)".into(),
        (Some(_), Some(n)) if same => n.clone(),
        (Some(l), Some(n)) if n != l => format!("{l} {n}"),
        (Some(l), _) => l.clone(),
    }
}

/// Attributes that say what access is held come first (entitlements, groups, roles, …);
/// contact data (mail, names) last.
fn attributes(i: &CertItem) -> String {
    const ACCESS: [&str; 6] = [
        "entitlement",
        "entitlements",
        "groups",
        "roles",
        "profile",
        "access",
    ];
    const CONTACT: [&str; 5] = ["mail", "email", "name", "displayname", "phone"];
    let rank = |k: &str| {
        let k = k.to_ascii_lowercase();
        if ACCESS.contains(&k.as_str()) {
            0
        } else if CONTACT.contains(&k.as_str()) {
            2
        } else {
            1
        }
    };
    let mut parts: Vec<(&String, &String)> = i.attributes.iter().collect();
    parts.sort_by_key(|(k, _)| rank(k));
    let parts: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(" ")
}

fn flags(i: &CertItem) -> String {
    let f = i.flags;
    [(f.orphan, 'O'), (f.divergent, 'D'), (f.owner_left, 'L')]
        .iter()
        .map(|(on, c)| if *on { *c } else { '·' })
        .collect()
}

/// `✓ accept`, `✗ revoke`, `~ reduce`, `? undec.`, blank before any decision.
pub fn decision(i: &CertItem) -> &'static str {
    match i.current.as_ref().map(|v| &v.decision) {
        None => "",
        Some(Decision::Accept) => "✓ accept",
        Some(Decision::Revoke) => "✗ revoke",
        Some(Decision::Reduce(_)) => "~ reduce",
        Some(Decision::NotDecided) => "? undec.",
    }
}

fn row(app: &App, i: &CertItem, marked: bool, w: &[usize; 10]) -> String {
    let ago = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("-".to_string(), |t| span((app.now - t).num_seconds()))
    };
    let cells = [
        if marked { "●" } else { " " }.to_string(),
        format!("{:>4}", i.no),
        owner(i),
        account(i),
        i.resource.clone().unwrap_or_else(|| "-".into()),
        attributes(i),
        ago(i.last_seen),
        ago(i.since),
        flags(i),
        decision(i).to_string(),
    ];
    let mut s = String::new();
    for (c, wd) in cells.iter().zip(w) {
        s.push_str(&pad(c, *wd));
        s.push(' ');
    }
    s
}

/// `212 of 340 decided · 3d left (until 2026-12-08 09:00) · 12 marked`, and its urgency.
pub fn progress(app: &App) -> (String, Urgency) {
    let (decided, total) = app.cert.progress();
    let mut s = format!("{decided} of {total} decided");
    let mut urgency = Urgency::None;
    if let Some(run) = app.cert.page().map(|p| &p.run) {
        match run.stage_deadline {
            Some(d) if d > app.now => {
                let (_, u) = format::deadline(Some(d), app.now);
                urgency = u;
                let left = span((d - app.now).num_seconds());
                let until = app.session.zone.date_time(d);
                s.push_str(&format!(" · {left} left (until {until})"));
            }
            Some(d) => {
                urgency = Urgency::Overdue;
                let at = app.session.zone.date_time(d);
                s.push_str(&format!(" · stage ended {at}: no more decisions"));
            }
            None => s.push_str(&format!(" · {}", run.describe_state())),
        }
    }
    let marks = app.cert.marks().len();
    if marks > 0 {
        s.push_str(&format!(" · {marks} marked"));
    }
    (s, urgency)
}

fn title(app: &App) -> Line<'static> {
    let t = app.session.theme;
    let case = app.cert.case().map(|c| c.to_string()).unwrap_or_default();
    let stage = app
        .cert
        .page()
        .map(|p| format!(" stage {}", p.run.stage))
        .unwrap_or_default();
    let mut spans = vec![Span::styled(
        format!(" Certification {case} · {}{stage} ", app.cert.label()),
        t.title(),
    )];
    if app.cert.is_loading() && app.cert.page().is_some() {
        spans.push(Span::styled("refreshing… ", t.dim()));
    }
    Line::from(spans)
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let block = pane_block(app, Pane::Detail, title(app));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let filter_line = app.cert.filter().is_some();
    let [top, head_area, list_area, filter_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(u16::from(filter_line)),
    ])
    .areas(inner);
    let (text, urgency) = progress(app);
    let text = format::fit(&text, inner.width as usize);
    frame.render_widget(Span::styled(text, t.urgency(urgency)), top);
    let w = widths(inner.width as usize);
    let mut head = String::new();
    for (h, wd) in HEADS.iter().zip(w) {
        head.push_str(&pad(h, wd));
        head.push(' ');
    }
    frame.render_widget(Span::styled(head, t.header()), head_area);
    if filter_line {
        draw_filter(app, frame, filter_area);
    }
    let lines: Vec<Line> = app
        .cert
        .rows(list_area.height as usize)
        .map(|(item, selected, marked)| {
            let style = match (selected, marked) {
                (true, _) => t.selected(),
                (false, true) => t.marked(),
                _ => Style::default(),
            };
            Line::styled(row(app, item, marked, &w), style)
        })
        .collect();
    if lines.is_empty() {
        let say = match app.cert.error() {
            Some(e) => e.to_string(),
            None if app.cert.page().is_none() => "loading the items…".into(),
            None => "no item matches the filter".into(),
        };
        frame.render_widget(
            Paragraph::new(format::fit(&say, inner.width as usize)),
            list_area,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), list_area);
    }
    if let Some(form) = &app.cert.reduce {
        draw_reduce(app, form, frame, area);
    }
}

fn draw_filter(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let n = app.cert.len();
    let count = format!(" {n} match{} ", if n == 1 { "" } else { "es" });
    let [slash, field, right] = Layout::horizontal([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(format::width(&count) as u16),
    ])
    .areas(area);
    frame.render_widget(Span::styled("/ ", t.key()), slash);
    let cursor = if app.cert.filtering() && app.modals.is_empty() {
        t.cursor()
    } else {
        Style::default()
    };
    if let Some(input) = app.cert.filter() {
        let widget = input.widget(Style::default(), cursor, t.dim());
        frame.render_widget(&widget, field);
    }
    frame.render_widget(Span::styled(count, t.dim()), right);
}

fn draw_reduce(app: &App, form: &ReduceForm, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let popup = centered(area, area.width.saturating_sub(6).clamp(30, 64), 8);
    frame.render_widget(Clear, popup);
    let n = form.nos.len();
    let about = match n {
        1 => format!(" Reduce item {} ", form.nos[0]),
        n => format!(" Reduce {n} items "),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.heading())
        .title(Span::styled(about, t.heading()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [l1, f1, l2, f2, note] = Layout::vertical([Constraint::Length(1); 5]).areas(inner);
    let field = |f: ReduceField| {
        if form.field == f {
            t.cursor()
        } else {
            Style::default()
        }
    };
    frame.render_widget(Span::styled("Take away (ATTR=VALUE, …)", t.dim()), l1);
    let values = form
        .values
        .widget(Style::default(), field(ReduceField::Values), t.dim());
    frame.render_widget(&values, f1);
    frame.render_widget(Span::styled("Comment", t.dim()), l2);
    let comment = form
        .comment
        .widget(Style::default(), field(ReduceField::Comment), t.dim());
    frame.render_widget(&comment, f2);
    let (text, style) = match &form.error {
        Some(e) => (e.clone(), t.error()),
        None => (String::new(), t.dim()),
    };
    let text = format::fit(&text, inner.width as usize);
    frame.render_widget(Span::styled(text, style), note);
}
