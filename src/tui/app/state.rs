//! The app's state and the loads it asks for.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::types::{Approvals, Effect, Message, Modal, Session, Status, FIRST_PAGE};
use crate::domain::CaseId;
use crate::tui::keymap::Keymap;
use crate::tui::layout::{self, Areas, Pane};
use crate::tui::panes::case::{CaseLines, CaseView};
use crate::tui::panes::cert::CertView;
use crate::tui::panes::inbox::Inbox;
use crate::tui::panes::picker::PickEntry;
use crate::tui::panes::reports::ReportsView;
use crate::tui::text::{self, Look};

/// The newest request of each kind; older replies are dropped.
#[derive(Debug, Clone, Default)]
pub(super) struct Gens {
    pub(super) inbox: u64,
    pub(super) counts: u64,
    pub(super) case: u64,
    pub(super) view: u64,
    pub(super) cert: u64,
    pub(super) reports: u64,
}

#[derive(Debug, Clone)]
pub struct App {
    pub session: Session,
    pub keymap: Arc<Keymap>,
    pub now: DateTime<Utc>,
    pub size: Rect,
    pub focus: Pane,
    pub inbox: Inbox,
    pub case: CaseView,
    /// The certification view of the case shown, when it is a certification case.
    pub cert: CertView,
    /// The Reports view, over the inbox while open.
    pub reports: ReportsView,
    pub modals: Vec<Modal>,
    pub status: Status,
    /// Users and groups for the picker, once loaded.
    pub people: Option<Arc<Vec<PickEntry>>>,
    pub prompt_history: Vec<String>,
    /// The approvals waiting for the user (loaded with the counts).
    pub approvals: Approvals,
    pub ticks: u64,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub(super) gens: Gens,
    /// The past time the workbench shows, read-only (`:asof`); `None`: now.
    pub as_of: Option<DateTime<Utc>>,
}

impl App {
    pub fn new(session: Session, keymap: Arc<Keymap>, now: DateTime<Utc>, size: (u16, u16)) -> App {
        App {
            session,
            keymap,
            now,
            size: Rect::new(0, 0, size.0, size.1),
            focus: Pane::Inbox,
            inbox: Inbox::default(),
            case: CaseView::default(),
            cert: CertView::default(),
            reports: ReportsView::default(),
            modals: vec![],
            status: Status::default(),
            people: None,
            prompt_history: vec![],
            approvals: Approvals::default(),
            ticks: 0,
            quit: false,
            dirty: true,
            gens: Gens::default(),
            as_of: None,
        }
    }

    /// What to do first: load everything and run the timers once.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut fx = self.refresh();
        fx.push(Effect::LoadOrg);
        fx.push(Effect::LoadItsm);
        fx.push(Effect::Sweep);
        fx
    }

    /// How to show things now.
    pub fn look(&self) -> Look<'_> {
        Look {
            theme: self.session.theme,
            zone: self.session.zone,
            // As of a past time, "in 2d" and "3h ago" count from that time.
            now: self.as_of.unwrap_or(self.now),
            keymap: &self.keymap,
        }
    }

    /// Sets the time shown (the test driver's, from the engine's first sweep).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.measure();
        self.dirty = true;
    }

    /// Lays the case panes' text out again when the case, the panes' widths or the minute
    /// (relative times) changed; says whether it did.
    pub(super) fn measure(&mut self) -> bool {
        let width = |pane| {
            layout::areas(self.size, pane)
                .of(pane)
                .map_or(0, |r| layout::inner(r).width)
        };
        let widths = (width(Pane::Detail), width(Pane::Comments));
        let minute = self.now.timestamp().div_euclid(60);
        if !self.case.needs_layout(widths, minute) {
            return false;
        }
        let look = self.look();
        let lines = CaseLines {
            detail: text::detail::lines(&look, &self.case, widths.0 as usize),
            comments: text::comments::lines(&look, &self.case, widths.1 as usize),
        };
        self.case.set_lines(lines, widths, minute);
        true
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size, self.focus)
    }

    /// How many lines the inbox shows at once.
    pub fn inbox_page(&self) -> usize {
        let a = layout::areas(self.size, Pane::Inbox);
        a.inbox
            .map(|r| layout::inbox_rows(r, self.filter_line()))
            .unwrap_or(10)
            .max(1)
    }

    /// Whether the inbox shows its filter line.
    pub fn filter_line(&self) -> bool {
        self.inbox.filter_line()
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.status.message = Some(Message {
            text: text.into(),
            error: false,
            tick: self.ticks,
        });
    }

    pub fn fail(&mut self, text: impl Into<String>) {
        self.status.message = Some(Message {
            text: text.into(),
            error: true,
            tick: self.ticks,
        });
    }

    /// Reload the queue, the counts and the case shown.
    pub fn refresh(&mut self) -> Vec<Effect> {
        let mut fx = self.load_inbox();
        fx.push(self.load_counts());
        fx.extend(self.load_case());
        fx
    }

    /// Loads the current queue. A big (or not yet counted) queue is asked for twice at once: a
    /// first page, which the engine answers from its index in a few milliseconds, and every
    /// row, which takes longer; the page shows until the rest arrives.
    pub(super) fn load_inbox(&mut self) -> Vec<Effect> {
        self.gens.inbox += 1;
        self.inbox.load_started();
        let gen = self.gens.inbox;
        let queue = self.inbox.current_queue();
        // A capped queue keeps asking the engine for its filter.
        let filter = self.inbox.server_filter().map(str::to_string);
        let all = Effect::LoadInbox {
            gen,
            queue,
            limit: Some(self.inbox.max_rows()),
            filter: filter.clone(),
        };
        match self.inbox.counts()[self.inbox.queue()] {
            Some(n) if n <= FIRST_PAGE && filter.is_none() => vec![all],
            _ => vec![
                Effect::LoadInbox {
                    gen,
                    queue,
                    limit: Some(FIRST_PAGE),
                    filter,
                },
                all,
            ],
        }
    }

    pub(super) fn load_counts(&mut self) -> Effect {
        self.gens.counts += 1;
        Effect::LoadCounts {
            gen: self.gens.counts,
            queues: self.inbox.queues().to_vec(),
        }
    }

    /// Loads the case asked for, if any.
    fn load_case(&mut self) -> Option<Effect> {
        let case = self.case.id()?;
        self.gens.case += 1;
        self.case.reload();
        Some(Effect::LoadCase {
            gen: self.gens.case,
            case,
        })
    }

    /// Shows `id` in the case panes.
    pub(super) fn open_case(&mut self, id: CaseId) -> Vec<Effect> {
        self.case.ask(id);
        self.load_case().into_iter().collect()
    }

    /// After the selection moved: follow it with the case panes, unless the keyboard is in
    /// them (a refresh must not swap the case someone is working on).
    pub(super) fn follow_selection(&mut self) -> Vec<Effect> {
        if self.focus != Pane::Inbox {
            return vec![];
        }
        match self.inbox.selected_id() {
            Some(id) if self.case.id() != Some(id) => self.open_case(id),
            Some(_) => vec![],
            None => {
                self.case.clear();
                vec![]
            }
        }
    }

    /// Recomputes the inbox view of the current rows (after a filter or sort change). A
    /// capped queue also asks the engine for the rows matching the new filter (latest wins).
    pub(super) fn review(&mut self) -> Vec<Effect> {
        let mut fx = vec![];
        if self.inbox.server_filter_change().is_some() {
            fx.extend(self.load_inbox());
        }
        if self.inbox.has_rows() {
            self.gens.view += 1;
            fx.extend(self.inbox.review_job(self.gens.view).map(Effect::View));
        }
        fx
    }

    /// The cases a case action applies to, by focus: the marks or selection in the inbox,
    /// the case shown elsewhere.
    /// The requests `cases` decide (`R-1, R-2`), as far as known (the approvals waiting
    /// for the user, the case shown); `None` when none is.
    pub fn request_names(&self, cases: &[CaseId]) -> Option<String> {
        let shown = self
            .case
            .current()
            .and_then(|d| Some((d.case.id, d.request.as_ref()?.id)));
        let found: Vec<String> = cases
            .iter()
            .filter_map(|c| {
                self.approvals
                    .request_of(*c)
                    .or_else(|| shown.filter(|(s, _)| s == c).map(|(_, r)| r))
            })
            .map(|r| r.to_string())
            .collect();
        match found.len() {
            0 => None,
            1..=3 => Some(found.join(", ")),
            n => Some(format!("{n} requests")),
        }
    }

    /// Whether the selected case decides an access request (an approval case of the
    /// catalogue): one waiting for the user, or the one shown with its request. `a` and `r`
    /// approve and deny it.
    pub fn decides_request(&self) -> bool {
        let id = match self.focus {
            Pane::Inbox => self.inbox.selected_id(),
            _ => self.case.id(),
        };
        let Some(id) = id else { return false };
        let shown = self
            .case
            .current()
            .is_some_and(|d| d.case.id == id && d.case.request.is_some());
        shown || self.approvals.request_of(id).is_some()
    }

    pub fn targets(&self) -> Vec<CaseId> {
        match self.focus {
            Pane::Inbox => self.inbox.targets(),
            _ => self.case.id().into_iter().collect(),
        }
    }
}
