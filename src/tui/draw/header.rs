//! The top line: the queues with their counts (or, on a small screen with a case open, the
//! panes).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::layout::Pane;
use crate::tui::panes::inbox::queue_label;

pub fn draw(app: &App, frame: &mut Frame, area: Rect, wide: bool) {
    let t = app.session.theme;
    let banner = crate::tui::app::asof_banner(app, area.width);
    let narrow = area.width < 100;
    let mut spans = match banner.is_some() && narrow {
        true => vec![],
        false => vec![Span::styled(" casebench ", t.title())],
    };
    let title_w = if spans.is_empty() { 0 } else { 11 };
    let banner_w = banner
        .as_deref()
        .map_or(0, unicode_width::UnicodeWidthStr::width);
    if let Some(banner) = banner {
        spans.push(Span::styled(
            banner,
            t.urgency(crate::tui::format::Urgency::Overdue),
        ));
    }
    if !wide && app.focus != Pane::Inbox {
        for (i, p) in Pane::ALL.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" › ", t.dim()));
            }
            let label = match (p, app.case.id()) {
                (Pane::Detail, Some(id)) => format!(" {id} "),
                _ => format!(" {} ", p.label()),
            };
            let style = if *p == app.focus {
                t.tab_active()
            } else {
                t.tab()
            };
            spans.push(Span::styled(label, style));
        }
    } else {
        // Approvals waiting for the user come first: they are never cut off.
        let pending = app.approvals.count();
        let approvals = match pending {
            0 => 0,
            n => 12 + n.to_string().len(),
        };
        if pending > 0 {
            spans.push(Span::styled(format!(" Approvals {pending} "), t.title()));
        }
        // Drop the numbers first, then shorten labels, to fit small screens.
        let count = |i: usize| {
            app.inbox.counts()[i]
                .map(crate::tui::format::count)
                .unwrap_or_else(|| "…".into())
        };
        let width = |label: fn(crate::api::Queue) -> &'static str, extra: usize| {
            title_w
                + approvals
                + banner_w
                + app
                    .inbox
                    .queues()
                    .iter()
                    .enumerate()
                    .map(|(i, q)| label(*q).len() + count(i).len() + extra)
                    .sum::<usize>()
        };
        let numbered = width(queue_label, 6) <= area.width as usize;
        let short = width(queue_label, 3) > area.width as usize;
        // Seven tabs too wide even short (big counts): the title goes before the Outsourced
        // tab is cut off (with six, the last tabs are cut, as always).
        let seven = app.inbox.queues().len() > crate::tui::panes::inbox::QUEUES.len();
        if seven && short && title_w > 0 && width(short_label, 3) > area.width as usize {
            spans.remove(0);
        }
        for (i, q) in app.inbox.queues().iter().enumerate() {
            let n = count(i);
            let label = if numbered {
                format!(" {} {} {n} ", i + 1, queue_label(*q))
            } else if short {
                format!(" {} {n} ", short_label(*q))
            } else {
                format!(" {} {n} ", queue_label(*q))
            };
            let style = if i == app.inbox.queue() {
                t.tab_active()
            } else if *q == crate::api::Queue::Overdue && app.inbox.counts()[i].unwrap_or(0) > 0 {
                t.urgency(crate::tui::format::Urgency::Overdue)
            } else {
                t.tab()
            };
            spans.push(Span::styled(label, style));
        }
    }
    frame.render_widget(
        Paragraph::new(Line::from(cut(spans, area.width as usize))),
        area,
    );
}

/// The spans that fit in `width` columns; the first that does not is cut with `…`, so a
/// tab cut off at the edge never shows a label or a number that reads as another.
fn cut(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    let mut used = 0;
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let w = span.width();
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        let room = width - used;
        if room >= 2 {
            let style = span.style;
            out.push(Span::styled(
                crate::tui::format::fit(span.content.trim_end(), room),
                style,
            ));
        }
        break;
    }
    out
}

/// A queue's label on a screen too narrow for the full ones.
fn short_label(q: crate::api::Queue) -> &'static str {
    use crate::api::Queue;
    match q {
        Queue::Claimable => "Claim",
        Queue::Delegated => "Deleg",
        Queue::Overdue => "Late",
        Queue::Outsourced => "Outs",
        q => queue_label(q),
    }
}
