//! The certification view's keys: move, mark, filter, sort, and decide (the selected item,
//! or every marked one behind a question), the reduce form; and loading a certification
//! case's items when the case arrives.

use crossterm::event::KeyEvent;

use super::ops::run;
use super::state::App;
use super::types::{Confirm, Effect, Modal};
use crate::api::{Command, ItemPick};
use crate::domain::campaign::Decision;
use crate::domain::CaseId;
use crate::tui::actions::KeyAction as K;
use crate::tui::input::TextInput;
use crate::tui::layout::{self, Pane};
use crate::tui::panes::cert::{ReduceField, ReduceForm};

/// Lines of the table above its rows: the progress line and the column heads.
pub const TABLE_HEAD: usize = 2;

/// How many item rows the table shows in a pane of inner height `height`.
pub fn table_rows(height: u16, filter_line: bool) -> usize {
    (height as usize)
        .saturating_sub(TABLE_HEAD + usize::from(filter_line))
        .max(1)
}

impl App {
    /// How many item rows the certification table shows at once.
    pub fn cert_page(&self) -> usize {
        let a = layout::areas(self.size, Pane::Detail);
        let h = a.detail.map_or(10, |r| layout::inner(r).height);
        table_rows(h, self.cert.filter().is_some())
    }

    /// Whether the detail pane shows the certification table (the case shown is one).
    pub fn shows_cert(&self) -> bool {
        self.cert.shows(self.case.id())
    }
}

/// A case arrived: a certification case loads its items (again, after a decision).
pub(super) fn follow_case(app: &mut App, case: CaseId) -> Vec<Effect> {
    let Some((label, _)) = app.case.current().and_then(|d| d.campaign.clone()) else {
        return vec![];
    };
    app.cert.ask(case, &label);
    app.gens.cert += 1;
    vec![Effect::LoadCert {
        gen: app.gens.cert,
        case,
    }]
}

/// Keys of [cert] and of the list; `None` for the rest (as in any case pane).
pub(super) fn key(app: &mut App, k: K) -> Option<Vec<Effect>> {
    let page = app.cert_page();
    let half = (page / 2).max(1) as isize;
    match k {
        K::Down => app.cert.move_by(1, page),
        K::Up => app.cert.move_by(-1, page),
        K::PageDown => app.cert.move_by(page as isize, page),
        K::PageUp => app.cert.move_by(-(page as isize), page),
        K::HalfPageDown => app.cert.move_by(half, page),
        K::HalfPageUp => app.cert.move_by(-half, page),
        K::Top => app.cert.select(0, page),
        K::Bottom => app.cert.select(usize::MAX, page),
        K::Mark => {
            app.cert.toggle_mark();
            app.cert.move_by(1, page);
        }
        K::MarkAll => app.cert.mark_all(),
        K::Filter => {
            app.cert.start_filter();
            app.cert.scroll_into_view(app.cert_page());
        }
        K::Sort | K::ReverseSort => {
            if k == K::Sort {
                app.cert.next_sort();
            } else {
                app.cert.reverse_sort();
            }
            let (sort, rev) = app.cert.sort();
            let dir = if rev { " (reversed)" } else { "" };
            app.say(format!("sorted by {}{dir}", sort.name()));
            app.cert.scroll_into_view(page);
        }
        K::CertAccept => return Some(decide(app, Decision::Accept)),
        K::CertRevoke => return Some(decide(app, Decision::Revoke)),
        K::CertUndecided => return Some(decide(app, Decision::NotDecided)),
        K::CertReduce => open_reduce(app),
        K::Back if app.cert.clear_filter() => {}
        K::Back if !app.cert.marks().is_empty() => {
            let n = app.cert.clear_marks();
            app.say(format!("cleared {n} marks"));
        }
        _ => return None,
    }
    Some(vec![])
}

/// The items a decision is about: the marked ones, else the selected one.
fn picked(app: &mut App) -> Option<(Vec<u32>, bool)> {
    if !app.cert.marks().is_empty() {
        return Some((app.cert.marks().iter().copied().collect(), true));
    }
    match app.cert.selected_item() {
        Some(i) => Some((vec![i.no], false)),
        None => {
            app.fail("no item selected");
            None
        }
    }
}

fn command(app: &App, nos: Vec<u32>, decision: Decision, comment: Option<String>) -> Command {
    Command::CertDecide {
        campaign: app.cert.label().to_string(),
        items: ItemPick::Items(nos),
        decision,
        comment,
    }
}

/// `a` / `r` / `u`: the selected item, shown decided at once, and on to the next; with
/// marks, every marked item after a question.
fn decide(app: &mut App, decision: Decision) -> Vec<Effect> {
    let Some((nos, bulk)) = picked(app) else {
        return vec![];
    };
    let verb = match decision {
        Decision::Accept => "Accept",
        Decision::Revoke => "Revoke",
        _ => "Leave undecided",
    };
    if bulk {
        let n = nos.len();
        let s = if n == 1 { "" } else { "s" };
        let what = format!("{} {n} item{s}", decision.describe());
        let commands = vec![command(app, nos, decision, None)];
        app.modals.push(Modal::Confirm(Confirm {
            question: format!("{verb} {n} marked item{s}?"),
            what,
            commands,
            closes_form: false,
            clears_cert_marks: true,
        }));
        return vec![];
    }
    let (by, at) = (app.session.actor.clone(), app.now);
    app.cert.apply(&nos, &decision, &by, at);
    let what = format!("{} item {}", decision.describe(), nos[0]);
    let cmd = command(app, nos, decision, None);
    let page = app.cert_page();
    app.cert.move_by(1, page);
    run(app, what, vec![cmd])
}

fn open_reduce(app: &mut App) {
    let Some((nos, _)) = picked(app) else { return };
    app.cert.reduce = Some(ReduceForm {
        nos,
        values: TextInput::single_line().with_placeholder("groups=finance-rw"),
        comment: TextInput::single_line().with_placeholder("why (optional)"),
        field: ReduceField::Values,
        error: None,
    });
}

/// Keys of the reduce form ([form]): send, cancel, next field.
pub(super) fn reduce_key(app: &mut App, k: K) -> Vec<Effect> {
    let Some(form) = app.cert.reduce.as_mut() else {
        return vec![];
    };
    match k {
        K::Cancel => app.cert.reduce = None,
        K::NextField | K::PrevField => form.next_field(),
        K::Submit => match form.parse() {
            Err(e) => form.error = Some(e),
            Ok(values) => {
                let form = app.cert.reduce.take().expect("the form is open");
                let n = form.nos.len();
                let what = format!("reduce {n} item{}", if n == 1 { "" } else { "s" });
                let comment = form.comment_text();
                let cmd = command(app, form.nos, Decision::Reduce(values), comment);
                app.cert.clear_marks();
                return run(app, what, vec![cmd]);
            }
        },
        _ => {}
    }
    vec![]
}

/// Keys of [filter] while the table's filter has the keyboard; others go on to the table.
pub(super) fn filter_key(app: &mut App, k: K) -> Option<Vec<Effect>> {
    match k {
        K::Accept => app.cert.keep_filter(),
        K::ClearFilter => {
            app.cert.clear_filter();
        }
        _ => return key(app, k),
    }
    Some(vec![])
}

/// Typing (or pasting) into the filter or the reduce form.
pub(super) fn typed(app: &mut App, ev: Option<KeyEvent>, paste: Option<&str>) {
    let field = match app.cert.reduce.as_mut() {
        Some(form) => {
            form.error = None;
            Some(form.input_mut())
        }
        None => app.cert.filter_mut(),
    };
    let Some(field) = field else { return };
    if let Some(ev) = ev {
        field.key(ev);
    }
    if let Some(text) = paste {
        field.paste(text);
    }
    if app.cert.reduce.is_none() {
        app.cert.filter_changed();
        let page = app.cert_page();
        app.cert.scroll_into_view(page);
    }
}
