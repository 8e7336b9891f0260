//! The Reports view: the headline figures of the period, SLA breaches per resource and the
//! approval lead time per product as bar charts, breaches and case lead time per week as
//! sparklines, and the worst cases as a table to move in. Lower panels give way on a small
//! screen: at 80×24 the headline, one bar chart, one line of sparklines and the worst cases.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, Block, Borders, Paragraph, Row, Sparkline, Table, TableState,
};
use ratatui::Frame;

use super::widgets::pane_block;
use crate::api::{KpiFigure, KpiReport, Percentiles};
use crate::tui::actions::{Context, KeyAction as K};
use crate::tui::app::App;
use crate::tui::format::fit;
use crate::tui::layout::Pane;
use crate::tui::panes::reports::{self as rp, Loaded, ReportSet};
use crate::verbs::span;
use crate::verbs::text::work_span;

/// From this inner size on, the panels get frames and both charts show.
const LARGE: (u16, u16) = (100, 30);

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let v = &app.reports;
    let (since, until) = match v.report() {
        Some(s) => (s.all.since, s.all.until),
        None => v.period(app.now),
    };
    let zone = app.session.zone;
    let calendar = v
        .report()
        .map(|s| match &s.all.calendar {
            Some(c) => format!(" · working time: {c}"),
            None => " · no working-time calendar".into(),
        })
        .unwrap_or_default();
    let title = format!(
        " Reports · {} days {} – {}{calendar} ",
        v.days(),
        zone.date_time(since),
        zone.date_time(until)
    );
    let width = area.width.saturating_sub(2) as usize;
    let block = pane_block(
        app,
        Pane::Inbox,
        Line::styled(fit(&title, width), t.title()),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &v.loaded {
        Loaded::Nothing | Loaded::Loading => frame.render_widget(
            Paragraph::new(Line::styled("loading the reports…", t.dim())),
            inner,
        ),
        Loaded::Failed(e) => frame.render_widget(
            Paragraph::new(Line::styled(fit(e, width), t.error())),
            inner,
        ),
        Loaded::Report(set) => body(app, frame, inner, set),
    }
}

fn body(app: &App, frame: &mut Frame, area: Rect, set: &ReportSet) {
    let figures: &[KpiFigure] = set.all.groups.first().map_or(&[], |g| &g.figures);
    let large = area.width >= LARGE.0 && area.height >= LARGE.1;
    let head_h = (figures.len() as u16 + 1).max(if large { 8 } else { 3 });
    // The worst cases keep at least a few rows; the sparklines go first, then the headline
    // shrinks.
    // On a large screen the sparklines take what the worst cases leave (at most 10 rows).
    let worst_need = app.reports.worst().len().max(1) as u16 + 2;
    let spark_h: u16 = if large {
        area.height.saturating_sub(head_h + worst_need).clamp(5, 10)
    } else {
        1
    };
    let worst_min = 4;
    let spark_h = if area.height >= head_h + spark_h + worst_min {
        spark_h
    } else {
        0
    };
    let head_h = head_h.min(area.height.saturating_sub(spark_h + worst_min).max(2));
    let [top, sparks, worst] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Length(spark_h),
        Constraint::Fill(1),
    ])
    .areas(area);
    let name_w = figures
        .iter()
        .map(|f| f.figure.len())
        .max()
        .unwrap_or(6)
        .clamp(6, 23) as u16;
    let table_w = name_w + 1 + 5 + 4 * 6;
    let [headline, charts] =
        Layout::horizontal([Constraint::Length(table_w), Constraint::Fill(1)]).areas(top);
    frame.render_widget(headline_table(app, figures, name_w), headline);
    if charts.width >= 18 {
        bar_charts(app, frame, charts, set, large);
    }
    if spark_h > 0 {
        sparklines(app, frame, sparks, set, large);
    }
    worst_table(app, frame, worst);
}

fn cells(p: Option<Percentiles>, f: fn(i64) -> String) -> [String; 2] {
    p.map_or([String::new(), String::new()], |p| [f(p.p50), f(p.p90)])
}

/// The headline: each figure's count and p50/p90, wall-clock and working time.
fn headline_table<'a>(app: &App, figures: &'a [KpiFigure], name_w: u16) -> Table<'a> {
    let t = app.session.theme;
    let rows = figures.iter().map(|f| {
        let [w50, w90] = cells(f.wall, span);
        let [k50, k90] = cells(f.working, work_span);
        Row::new(vec![
            fit(&f.figure, name_w as usize),
            f.count.to_string(),
            w50,
            w90,
            k50,
            k90,
        ])
    });
    let widths = [
        Constraint::Length(name_w),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
    ];
    Table::new(rows, widths)
        .header(Row::new(["FIGURE", "COUNT", "WALL", "p90", "WORK", "p90"]).style(t.heading()))
}

/// Bars of `values` (largest first), as many as fit, each labelled with its group and its
/// value as `show` writes it.
fn bars<'a>(
    app: &App,
    title: &'a str,
    values: &[(String, i64)],
    rows: u16,
    show: fn(i64) -> String,
    framed: bool,
) -> BarChart<'a> {
    let t = app.session.theme;
    let label_w = values
        .iter()
        .map(|(g, _)| g.chars().count())
        .max()
        .unwrap_or(1)
        .min(12);
    let bars: Vec<Bar> = values
        .iter()
        .take(rows as usize)
        .map(|(g, v)| {
            Bar::with_label(fit(g, label_w), (*v).max(0) as u64)
                .text_value(show(*v))
                .style(t.key())
        })
        .collect();
    let block = if framed {
        Block::bordered().title(Line::styled(title, t.heading()))
    } else {
        Block::new().title(Line::styled(title, t.heading()))
    };
    BarChart::horizontal(bars)
        .block(block)
        .bar_width(1)
        .bar_gap(0)
        .value_style(t.selected())
}

/// Breaches per resource; on a large screen also approval lead time (p50) per product.
fn bar_charts(app: &App, frame: &mut Frame, area: Rect, set: &ReportSet, large: bool) {
    let breaches = rp::ranked(&set.by_resource, "sla-breaches", |f| Some(f.count as i64));
    let approval = rp::ranked(&set.by_product, "approval-lead", |f| f.wall.map(|p| p.p50));
    let framed = large;
    let rows = area.height.saturating_sub(if framed { 2 } else { 1 });
    let none = |title: &str| {
        Paragraph::new(vec![
            Line::styled(title.to_string(), app.session.theme.heading()),
            Line::styled("none in the period", app.session.theme.dim()),
        ])
    };
    let draw = |frame: &mut Frame, r: Rect, title: &'static str, v: &[(String, i64)], show| {
        if v.is_empty() {
            frame.render_widget(none(title), r);
        } else {
            frame.render_widget(bars(app, title, v, rows, show, framed), r);
        }
    };
    let count = |v: i64| v.to_string();
    if large {
        let [left, right] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
        draw(frame, left, "SLA breaches by resource", &breaches, count);
        draw(
            frame,
            right,
            "approval lead p50 by product",
            &approval,
            span,
        );
    } else {
        let [_, r] = Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        draw(frame, r, "breaches by resource", &breaches, count);
    }
}

/// `values` stretched over `width` columns (each week as wide as fits).
fn stretched(values: &[u64], width: u16) -> Vec<u64> {
    let k = (width as usize / values.len().max(1)).max(1);
    values
        .iter()
        .flat_map(|v| std::iter::repeat_n(*v, k))
        .collect()
}

/// Breaches per week and the most common kind's case lead time (p50) per week.
fn sparklines(app: &App, frame: &mut Frame, area: Rect, set: &ReportSet, large: bool) {
    let t = app.session.theme;
    let week: &KpiReport = &set.by_week;
    let breaches = rp::per_week(week, "sla-breaches", |f| Some(f.count as i64));
    let lead = rp::main_case_lead(&set.all);
    let leads = lead.as_deref().map_or_else(Vec::new, |name| {
        rp::per_week(week, name, |f| f.wall.map(|p| p.p50))
    });
    let kind = lead
        .as_deref()
        .and_then(|l| l.strip_prefix("case-lead/"))
        .unwrap_or("-");
    let max_b = breaches.iter().copied().max().unwrap_or(0);
    let max_l = leads.iter().copied().max().unwrap_or(0);
    let titles = [
        format!("breaches/week (max {max_b})"),
        format!("{kind} lead p50/week (max {})", span(max_l as i64)),
    ];
    let halves = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas::<2>(area);
    for ((r, title), data) in halves.into_iter().zip(titles).zip([breaches, leads]) {
        let max = data.iter().copied().max().unwrap_or(0).max(1);
        if large {
            let block = Block::new()
                .borders(Borders::TOP)
                .title(Line::styled(title, t.heading()));
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let data = stretched(&data, inner.width.saturating_sub(1));
            frame.render_widget(
                Sparkline::default().data(&data).max(max).style(t.key()),
                inner,
            );
        } else {
            let label = format!(" {title} ");
            let w = (label.chars().count() as u16).min(r.width);
            let [l, s] = Layout::horizontal([Constraint::Length(w), Constraint::Fill(1)]).areas(r);
            frame.render_widget(Line::from(Span::styled(label, t.dim())), l);
            let data = stretched(&data, s.width.saturating_sub(1).min(24));
            frame.render_widget(Sparkline::default().data(&data).max(max).style(t.key()), s);
        }
    }
}

/// The worst cases: the most breaches, then the slowest; the selected one opens with Enter.
fn worst_table(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let worst = app.reports.worst();
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let n = worst.len();
    let heading = format!(
        "worst cases ({n}) · {} opens · {}/{} move",
        hint(app, Context::Reports, K::Open),
        hint(app, Context::List, K::Down),
        hint(app, Context::List, K::Up)
    );
    frame.render_widget(Line::styled(heading, t.heading()), title);
    if worst.is_empty() {
        frame.render_widget(Line::styled("none in the period", t.dim()), rest);
        return;
    }
    let title_w = rest.width.saturating_sub(6 + 13 + 4 + 10 + 6 + 5) as usize;
    let rows = worst.iter().map(|o| {
        let lead = format!("{}{}", span(o.lead_secs), if o.open { " open" } else { "" });
        Row::new(vec![
            o.case.to_string(),
            fit(o.kind.name(), 12),
            o.breaches.to_string(),
            lead,
            o.working_secs.map(work_span).unwrap_or_default(),
            fit(&o.title, title_w),
        ])
    });
    let widths = [
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(3),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(Row::new(["CASE", "KIND", "BR", "LEAD", "WORK", "TITLE"]).style(t.heading()))
        .row_highlight_style(t.selected());
    let mut state = TableState::default().with_selected(Some(app.reports.selected()));
    frame.render_stateful_widget(table, rest, &mut state);
}

/// The key bound to `action` in `context`, as the footer writes it.
fn hint(app: &App, context: Context, action: K) -> String {
    app.keymap
        .hint(context, action)
        .map_or_else(|| "-".into(), |k| k.to_string())
}
