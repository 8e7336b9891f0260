//! Dialogs over the panes: the action forms (with the people picker and the comment
//! composer) and the confirmation.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::widgets::{centered, hint_spans, pad};
use crate::tui::actions::{Context as C, KeyAction as K};
use crate::tui::app::{App, Confirm};
use crate::tui::panes::form::{Field, Form, FormKind, CLOSE_OUTCOMES, COMPLETE_OUTCOMES, METHODS};

/// Matches shown under the picker's query.
const PICKS: usize = 6;

fn field_height(form: &Form, f: Field, room: u16) -> u16 {
    match f {
        Field::Target => 1 + PICKS as u16,
        Field::Method | Field::Outcome => 1,
        Field::Comment if form.kind == FormKind::Comment => room.clamp(4, 12),
        Field::Comment => 5,
    }
}

fn key(app: &App, ctx: C, a: K) -> String {
    app.keymap
        .hint(ctx, a)
        .map(|k| k.to_string())
        .unwrap_or_else(|| "?".into())
}

pub fn form(app: &App, form: &Form, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let width = area.width.saturating_sub(4).min(76);
    let room = area.height.saturating_sub(6);
    let body: u16 = form
        .fields
        .iter()
        .map(|f| field_height(form, *f, room.saturating_sub(8)))
        .sum();
    let height = (body + 4 + form.fields.len() as u16 - 1).min(area.height);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.border_focused())
        .title(Span::styled(format!(" {} ", form.title()), t.title()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);

    let mut constraints: Vec<Constraint> = vec![];
    for (i, f) in form.fields.iter().enumerate() {
        if i > 0 {
            constraints.push(Constraint::Length(1));
        }
        constraints.push(Constraint::Length(field_height(
            form,
            *f,
            room.saturating_sub(8),
        )));
    }
    constraints.push(Constraint::Fill(1));
    constraints.push(Constraint::Length(1));
    let rows = Layout::vertical(constraints).split(inner);
    let mut r = 0;
    for (i, f) in form.fields.iter().enumerate() {
        if i > 0 {
            r += 1;
        }
        let focused = i == form.focus;
        draw_field(app, form, *f, focused, frame, rows[r]);
        r += 1;
    }
    let footer = rows[rows.len() - 1];
    let err_area = rows[rows.len() - 2];
    if let Some(e) = &form.error {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("! {e}"), t.error())),
            err_area,
        );
    }
    let pairs = vec![
        (key(app, C::Form, K::Submit), "send"),
        (key(app, C::Form, K::NextField), "next field"),
        (key(app, C::Form, K::Cancel), "cancel"),
    ];
    frame.render_widget(Paragraph::new(Line::from(hint_spans(app, &pairs))), footer);
}

fn label(app: &App, text: &str, focused: bool) -> Span<'static> {
    let t = app.session.theme;
    let mark = if focused { "› " } else { "  " };
    Span::styled(
        format!("{mark}{text:<8} "),
        if focused { t.key() } else { t.dim() },
    )
}

fn draw_field(app: &App, form: &Form, f: Field, focused: bool, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let cursor = if focused {
        t.cursor()
    } else {
        Style::default()
    };
    match f {
        Field::Target => {
            let [top, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
            let [lab, input] =
                Layout::horizontal([Constraint::Length(11), Constraint::Fill(1)]).areas(top);
            frame.render_widget(label(app, "To", focused), lab);
            let widget = form.picker.query.widget(Style::default(), cursor, t.dim());
            frame.render_widget(&widget, input);
            draw_matches(app, form, frame, list);
        }
        Field::Method | Field::Outcome => {
            let (name, options, chosen): (&str, Vec<&str>, usize) = match (f, form.kind) {
                (Field::Method, _) => ("How", METHODS.iter().map(|m| m.0).collect(), form.method),
                (_, FormKind::Close) => (
                    "Outcome",
                    CLOSE_OUTCOMES.iter().map(|o| o.0).collect(),
                    form.outcome,
                ),
                _ => (
                    "Outcome",
                    COMPLETE_OUTCOMES.iter().map(|o| o.0).collect(),
                    form.outcome,
                ),
            };
            let mut spans = vec![label(app, name, focused)];
            for (i, o) in options.iter().enumerate() {
                let on = i == chosen;
                spans.push(Span::styled(
                    format!("{} {o}  ", if on { "(•)" } else { "( )" }),
                    if on { t.key() } else { Style::default() },
                ));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), area);
        }
        Field::Comment => {
            let [lab, boxed] =
                Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
            frame.render_widget(label(app, "Comment", focused), lab);
            let inner = Block::default()
                .borders(Borders::ALL)
                .border_style(if focused {
                    t.border_focused()
                } else {
                    t.border()
                });
            let text_area = inner.inner(boxed);
            frame.render_widget(inner, boxed);
            let widget = form.comment.widget(Style::default(), cursor, t.dim());
            frame.render_widget(&widget, text_area);
        }
    }
}

fn draw_matches(app: &App, form: &Form, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let p = &form.picker;
    if p.entries.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("    loading users and groups…", t.dim())),
            area,
        );
        return;
    }
    if p.matches.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("    nobody matches", t.dim())),
            area,
        );
        return;
    }
    let h = area.height as usize;
    let start = p.selected.saturating_sub(h.saturating_sub(1));
    let name_w = 22usize;
    let mut lines = vec![];
    for (i, idx) in p.matches.iter().enumerate().skip(start).take(h) {
        let e = &p.entries[*idx];
        let detail = if e.is_group() {
            let mut d = format!("group · {} members", e.members.unwrap_or(0));
            if let Some(m) = &e.manager {
                d.push_str(&format!(" · manager {m}"));
            }
            d
        } else {
            let mut d = e.login.clone();
            if !e.groups.is_empty() {
                d.push_str(&format!(" · {}", e.groups.join(", ")));
            }
            if let Some(m) = &e.manager {
                d.push_str(&format!(" · manager {m}"));
            }
            d
        };
        // Marked only when it would be taken: an empty query picks nobody.
        let selected = i == p.selected && (p.chosen || !p.query.is_blank());
        let marker = if selected { "  ▸ " } else { "    " };
        let mut line = Line::from(vec![
            Span::raw(marker),
            Span::styled(
                pad(&e.label, name_w),
                if e.is_group() { t.group() } else { t.user() },
            ),
            Span::raw(" "),
            Span::styled(
                crate::tui::format::fit(&detail, (area.width as usize).saturating_sub(name_w + 5)),
                t.dim(),
            ),
        ]);
        if selected {
            line = line.patch_style(t.selected());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn confirm(app: &App, c: &Confirm, frame: &mut Frame, area: Rect) {
    let t = app.session.theme;
    let width = area.width.saturating_sub(8).clamp(20, 60);
    let text_lines = crate::tui::format::wrap(&c.question, width.saturating_sub(4) as usize);
    let height = text_lines.len() as u16 + 4;
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.heading())
        .title(Span::styled(" Confirm ", t.heading()));
    let mut lines: Vec<Line> = text_lines.into_iter().map(Line::raw).collect();
    lines.push(Line::raw(""));
    let pairs = vec![
        (key(app, C::Confirm, K::Yes), "yes"),
        (key(app, C::Confirm, K::No), "no"),
    ];
    lines.push(Line::from(hint_spans(app, &pairs)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}
