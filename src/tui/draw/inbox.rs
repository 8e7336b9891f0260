//! The inbox pane: the filter line, column heads and the visible rows only (a page of a
//! 100k-row queue costs the same as a page of ten).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};
use ratatui::Frame;

use super::widgets::{pad, pane_block};
use crate::api::{CaseRow, Queue};
use crate::tui::actions::{Context, KeyAction};
use crate::tui::app::App;
use crate::tui::format::{self, Urgency};
use crate::tui::layout::{self, Pane};
use crate::tui::panes::inbox::{queue_label, Sort};

/// Column widths for an inner width: (id, kind, title, state, who, due, esc).
fn widths(total: usize, id: usize) -> [usize; 7] {
    let kind = 9;
    let state = 9;
    let who = if total >= 110 { 18 } else { 12 };
    let due = 8;
    let esc = 3;
    let fixed = 2 + id + 1 + kind + 1 + 1 + state + 1 + who + 1 + due + 1 + esc;
    let title = total.saturating_sub(fixed).max(8);
    [id, kind, title, state, who, due, esc]
}

fn who(r: &CaseRow) -> String {
    let all = crate::domain::work_item::holders(&r.assignees, &r.candidates);
    if all.is_empty() {
        "-".into()
    } else {
        all.join(",")
    }
}

fn state(r: &CaseRow) -> String {
    match r.outcome {
        Some(o) if !r.state.is_active() => o.to_string(),
        _ => r.state.to_string(),
    }
}

/// The pane's title: the queue, how many rows, the sort, the marks.
fn title(app: &App) -> Line<'static> {
    let t = app.session.theme;
    let inbox = &app.inbox;
    let q = inbox.current_queue();
    let mut title = vec![
        Span::styled(format!(" {} ", queue_label(q)), t.title()),
        Span::styled(
            match (
                inbox.loading() && !inbox.has_rows(),
                inbox.counts()[inbox.queue()],
            ) {
                (true, _) => "loading… ".to_string(),
                (_, Some(n)) if inbox.partial() => {
                    format!("first {} of {n}, loading… ", inbox.len())
                }
                (_, Some(n)) if inbox.capped() && inbox.server_filter().is_none() => {
                    format!("first {} of {n} (/ searches all) ", inbox.len())
                }
                (_, Some(n)) if inbox.len() != n => format!("{} of {n} ", inbox.len()),
                _ => format!("{} ", inbox.len()),
            },
            t.dim(),
        ),
        Span::styled(
            format!(
                "· sort {}{} ",
                match inbox.sort() {
                    // Closed cases have no deadline: that order is by close time.
                    Sort::Deadline if q == Queue::Closed => "closed",
                    sort => sort.name(),
                },
                if inbox.reverse() { " ↓" } else { "" }
            ),
            t.dim(),
        ),
    ];
    if !inbox.marks().is_empty() {
        title.push(Span::styled(
            format!("· {} marked ", inbox.marks().len()),
            t.marked(),
        ));
    }
    Line::from(title)
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let inbox = &app.inbox;
    let block = pane_block(app, Pane::Inbox, title(app));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let filter_line = app.filter_line();
    let [filter_area, head_area, list_area] = Layout::vertical([
        Constraint::Length(u16::from(filter_line)),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if filter_line {
        draw_filter(app, frame, filter_area);
    }

    let page = layout::inbox_rows(area, filter_line);
    let start = inbox.offset().min(inbox.len().saturating_sub(1));
    let end = (start + page).min(inbox.len());
    let id_w = (start..end)
        .filter_map(|i| inbox.row(i))
        .map(|r| r.id.to_string().len())
        .max()
        .unwrap_or(5)
        .max(5);
    // A long list keeps its last column for the scrollbar, inside the frame.
    let scrolls = inbox.len() > page;
    let w = widths(
        (inner.width as usize).saturating_sub(usize::from(scrolls)),
        id_w,
    );
    // The Closed queue has no deadlines: it says when each case closed.
    let due_head = if inbox.current_queue() == Queue::Closed {
        "CLOSED"
    } else {
        "DUE"
    };
    let heads = ["ID", "KIND", "TITLE", "STATE", "WHO", due_head, "ESC"];
    let mut head = String::from("  ");
    for (h, wd) in heads.iter().zip(w) {
        head.push_str(&pad(h, wd));
        head.push(' ');
    }
    frame.render_widget(Paragraph::new(Span::styled(head, t.header())), head_area);

    if inbox.is_empty() {
        draw_empty(app, frame, list_area);
        return;
    }
    let focused = app.focus == Pane::Inbox && app.modals.is_empty();
    let mut lines = Vec::with_capacity(end - start);
    for i in start..end {
        let Some(r) = inbox.row(i) else { break };
        let selected = i == inbox.selected();
        lines.push(row_line(app, r, &w, selected, focused));
    }
    frame.render_widget(Paragraph::new(lines), list_area);
    if scrolls {
        let mut state =
            ScrollbarState::new(inbox.len().saturating_sub(page)).position(inbox.offset());
        let bar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some(" "))
            .thumb_style(t.border_focused());
        frame.render_stateful_widget(bar, list_area, &mut state);
    }
}

/// One case line: mark, id, kind, title, state, who, due, escalation.
fn row_line(
    app: &App,
    r: &CaseRow,
    w: &[usize; 7],
    selected: bool,
    focused: bool,
) -> Line<'static> {
    let t = app.session.theme;
    let marked = app.inbox.marks().contains(&r.id);
    let now = app.as_of.unwrap_or(app.now);
    let (due, urgency) = match r.closed {
        Some(t) if !r.state.is_active() => (format::ago(t, now), Urgency::None),
        _ => format::deadline(r.deadline, now),
    };
    let mut spans = vec![
        Span::styled(if marked { "● " } else { "  " }, t.marked()),
        Span::styled(pad(&r.id.to_string(), w[0]), t.id()),
        Span::raw(" "),
        Span::styled(pad(r.kind.short(), w[1]), t.dim()),
        Span::raw(" "),
        Span::styled(pad(&r.title, w[2]), Style::default()),
        Span::raw(" "),
        Span::raw(pad(&state(r), w[3])),
        Span::raw(" "),
        Span::styled(
            pad(&who(r), w[4]),
            if r.assignees.is_empty() {
                t.group()
            } else {
                t.user()
            },
        ),
        Span::raw(" "),
        Span::styled(pad(&due, w[5]), t.urgency(urgency)),
        Span::raw(" "),
        Span::styled(
            pad(
                &if r.escalation_level > 0 {
                    format!("↑{}", r.escalation_level)
                } else {
                    String::new()
                },
                w[6],
            ),
            t.escalation(),
        ),
    ];
    if urgency == Urgency::Overdue && !selected {
        spans[1] = Span::styled(pad(&r.id.to_string(), w[0]), t.urgency(urgency));
    }
    let mut line = Line::from(spans);
    if selected {
        line = line.patch_style(if focused {
            t.selected()
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        });
    }
    line
}

fn draw_filter(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let inbox = &app.inbox;
    let count = format!(
        " {} match{} ",
        inbox.len(),
        if inbox.len() == 1 { "" } else { "es" }
    );
    let [slash, field, right] = Layout::horizontal([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(format::width(&count) as u16),
    ])
    .areas(area);
    frame.render_widget(Span::styled("/ ", t.key()), slash);
    let cursor = if inbox.filtering() && app.modals.is_empty() {
        t.cursor()
    } else {
        Style::default()
    };
    let widget = inbox.filter().widget(Style::default(), cursor, t.dim());
    frame.render_widget(&widget, field);
    frame.render_widget(Span::styled(count, t.dim()), right);
}

fn draw_empty(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let inbox = &app.inbox;
    let key = |ctx: Context, a: KeyAction| match (app.keymap.hint(ctx, a), a) {
        (Some(k), _) => k.to_string(),
        // A tab the keymap does not name takes its number.
        (None, KeyAction::Queue(i)) => (i + 1).to_string(),
        (None, _) => "?".into(),
    };
    let mut lines = vec![Line::raw("")];
    if let Some(e) = inbox.error() {
        lines.push(Line::styled(format!("  {e}"), t.error()));
    } else if inbox.loading() || inbox.view_pending() {
        lines.push(Line::styled("  loading…", t.dim()));
    } else if !inbox.filter().is_blank() {
        lines.push(Line::raw(format!(
            "  Nothing in {} matches “{}”.",
            queue_label(inbox.current_queue()),
            inbox.filter().text().trim()
        )));
        lines.push(Line::styled(
            format!(
                "  {} clears the filter.",
                key(Context::Global, KeyAction::Back)
            ),
            t.dim(),
        ));
    } else {
        lines.push(Line::raw(format!(
            "  No cases in {}.",
            queue_label(inbox.current_queue())
        )));
        let others: Vec<String> = inbox
            .queues()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != inbox.queue())
            .filter_map(|(i, q)| {
                let n = inbox.counts()[i].filter(|n| *n > 0)?;
                Some(format!(
                    "{} {} ({n})",
                    key(Context::Inbox, KeyAction::Queue(i)),
                    queue_label(*q)
                ))
            })
            .take(3)
            .collect();
        if !others.is_empty() {
            lines.push(Line::styled(
                format!("  Try {}.", others.join(" · ")),
                t.dim(),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}
