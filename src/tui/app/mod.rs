//! The TUI's state and its one transition function, [`update`]: an action in, the state
//! changed, effects out. No I/O here: the event loop (or the test driver) carries the effects
//! out and feeds their replies back as actions.

mod handle;
mod keys;
mod modals;
mod replies;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use crate::api::{ApiError, Applied, CaseDetail, CaseHistory, Command, Org, Queue, SweepReport};
use crate::domain::CaseId;
use crate::tui::actions::KeyAction;
use crate::tui::format::Zone;
use crate::tui::keymap::Keymap;
use crate::tui::layout::{self, Areas, Pane};
use crate::tui::panes::case::CaseView;
use crate::tui::panes::form::Form;
use crate::tui::panes::inbox::{Inbox, Rows, Sort, View, ViewJob};
use crate::tui::panes::picker::PickEntry;
use crate::tui::panes::prompt::Prompt;
use crate::tui::theme::Theme;

pub use keys::resolve;

/// What happened: a key the keymap resolved, text for the focused field, a reply, a tick.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one at a time, moved once
pub enum Action {
    Key(KeyAction),
    /// A key for the focused text field.
    Text(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A second passed; the engine's clock says `now`.
    Tick(DateTime<Utc>),
    Reply(Reply),
    /// A signal asks us to stop.
    Quit,
}

/// Work for the event loop; replies come back as [`Action::Reply`].
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one at a time, moved once
pub enum Effect {
    /// The rows of a queue: the first `limit` (a quick first page, or at most `MAX_ROWS`),
    /// narrowed by the engine to `filter` when given.
    LoadInbox {
        gen: u64,
        queue: Queue,
        limit: Option<usize>,
        filter: Option<String>,
    },
    LoadCounts {
        gen: u64,
    },
    LoadCase {
        gen: u64,
        case: CaseId,
    },
    LoadOrg,
    /// Filter and sort rows (off the UI thread: 100k rows take a while).
    View(ViewJob),
    /// Run commands in order, then sweep.
    Run {
        what: String,
        commands: Vec<Command>,
    },
    Sweep,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    Quit,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one at a time, moved once
pub enum Reply {
    Inbox {
        gen: u64,
        /// The rows and how many the queue holds (with `filter`, how many match).
        result: Result<(Rows, usize), ApiError>,
        filter: Option<String>,
    },
    Counts {
        gen: u64,
        counts: Vec<(Queue, Result<usize, ApiError>)>,
    },
    Case {
        gen: u64,
        case: CaseId,
        result: Result<(CaseDetail, CaseHistory), ApiError>,
    },
    Org(Result<Org, ApiError>),
    View {
        gen: u64,
        rows: Rows,
        view: View,
        query: String,
        sort: (Sort, bool),
    },
    Ran {
        what: String,
        results: Vec<Result<Applied, ApiError>>,
        sweep: Result<SweepReport, ApiError>,
    },
    Swept(Result<SweepReport, ApiError>),
}

/// A modal on the stack; the top one gets the keys.
#[derive(Debug, Clone)]
pub enum Modal {
    Help { scroll: usize },
    Prompt(Box<Prompt>),
    Form(Box<Form>),
    Confirm(Confirm),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub what: String,
    pub commands: Vec<Command>,
    /// The dialog below came with it: close it too once answered yes.
    pub closes_form: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
    /// The tick it was shown at; it fades after a while.
    pub tick: u64,
}

/// The last sweep, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepInfo {
    pub at: DateTime<Utc>,
    pub fired: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    pub message: Option<Message>,
    pub sweep: Option<SweepInfo>,
    /// Commands in flight.
    pub busy: usize,
}

/// Who and where, shown in the status bar; how to show things.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: String,
    pub store: String,
    pub zone: Zone,
    pub theme: Theme,
}

/// The newest request of each kind; older replies are dropped.
#[derive(Debug, Clone, Default)]
struct Gens {
    inbox: u64,
    counts: u64,
    case: u64,
    view: u64,
}

/// Rows asked for first when a queue is big.
pub const FIRST_PAGE: usize = 500;

/// The most rows the TUI holds for one queue: beyond, it shows the first part (in the
/// engine's order) and filters through the engine instead of over loaded rows.
pub const MAX_ROWS: usize = 100_000;

/// Seconds a message stays in the status bar.
pub const MESSAGE_TICKS: u64 = 8;

#[derive(Debug, Clone)]
pub struct App {
    pub session: Session,
    pub keymap: Arc<Keymap>,
    pub now: DateTime<Utc>,
    pub size: Rect,
    pub focus: Pane,
    pub inbox: Inbox,
    pub case: CaseView,
    pub modals: Vec<Modal>,
    pub status: Status,
    /// Users and groups for the picker, once loaded.
    pub people: Option<Arc<Vec<PickEntry>>>,
    pub prompt_history: Vec<String>,
    pub ticks: u64,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    gens: Gens,
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
            modals: vec![],
            status: Status::default(),
            people: None,
            prompt_history: vec![],
            ticks: 0,
            quit: false,
            dirty: true,
            gens: Gens::default(),
        }
    }

    /// What to do first: load everything and run the timers once.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut fx = self.refresh();
        fx.push(Effect::LoadOrg);
        fx.push(Effect::Sweep);
        fx
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
        self.inbox.filtering || !self.inbox.filter.is_blank()
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
    fn load_inbox(&mut self) -> Vec<Effect> {
        self.gens.inbox += 1;
        self.inbox.loading = true;
        self.inbox.complete_gen = None;
        let gen = self.gens.inbox;
        let queue = self.inbox.current_queue();
        // A capped queue keeps asking the engine for its filter.
        let filter = self.inbox.server_filter.clone();
        let all = Effect::LoadInbox {
            gen,
            queue,
            limit: Some(self.inbox.max_rows),
            filter: filter.clone(),
        };
        match self.inbox.counts[self.inbox.queue] {
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

    fn load_counts(&mut self) -> Effect {
        self.gens.counts += 1;
        Effect::LoadCounts {
            gen: self.gens.counts,
        }
    }

    /// Loads the case asked for, if any.
    fn load_case(&mut self) -> Option<Effect> {
        let case = self.case.id?;
        self.gens.case += 1;
        self.case.loading = true;
        Some(Effect::LoadCase {
            gen: self.gens.case,
            case,
        })
    }

    /// Shows `id` in the case panes.
    fn open_case(&mut self, id: CaseId) -> Vec<Effect> {
        self.case.ask(id);
        self.load_case().into_iter().collect()
    }

    /// After the selection moved: follow it with the case panes, unless the keyboard is in
    /// them (a refresh must not swap the case someone is working on).
    fn follow_selection(&mut self) -> Vec<Effect> {
        if self.focus != Pane::Inbox {
            return vec![];
        }
        match self.inbox.selected_id {
            Some(id) if self.case.id != Some(id) => self.open_case(id),
            Some(_) => vec![],
            None => {
                self.case.clear();
                vec![]
            }
        }
    }

    /// Recomputes the inbox view of the current rows (after a filter or sort change). A
    /// capped queue also asks the engine for the rows matching the new filter (latest wins).
    fn review(&mut self) -> Vec<Effect> {
        let mut fx = vec![];
        if self.inbox.capped || self.inbox.server_filter.is_some() {
            let text = self.inbox.filter.text().trim().to_string();
            let wanted = Some(text).filter(|t| !t.is_empty());
            if wanted != self.inbox.server_filter {
                self.inbox.server_filter = wanted;
                fx.extend(self.load_inbox());
            }
        }
        let Some(rows) = self.inbox.rows.clone() else {
            return fx;
        };
        self.gens.view += 1;
        self.inbox.view_pending = true;
        fx.push(Effect::View(self.inbox.view_job(self.gens.view, rows)));
        fx
    }

    /// The cases a case action applies to, by focus: the marks or selection in the inbox,
    /// the case shown elsewhere.
    pub fn targets(&self) -> Vec<CaseId> {
        match self.focus {
            Pane::Inbox => self.inbox.targets(),
            _ => self.case.id.into_iter().collect(),
        }
    }
}

/// The transition function.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let fx = match action {
        Action::Tick(now) => return handle::tick(app, now),
        Action::Key(k) => handle::key(app, k),
        Action::Text(ev) => handle::text(app, ev),
        Action::Paste(s) => handle::paste(app, &s),
        Action::Mouse(m) => handle::mouse(app, m),
        Action::Resize(w, h) => {
            app.size = Rect::new(0, 0, w, h);
            let page = app.inbox_page();
            app.inbox.scroll_into_view(page);
            vec![]
        }
        Action::Reply(r) => return replies::reply(app, r),
        Action::Quit => {
            app.quit = true;
            vec![Effect::Quit]
        }
    };
    app.dirty = true;
    fx
}
