//! The values that cross the app's edge: actions in, effects out, replies back; the dialogs
//! on the stack and what the status bar shows.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::api::{ApiError, Applied, CaseDetail, CaseHistory, Command, Org, Queue, SweepReport};
use crate::domain::{CaseId, RequestId};
use crate::tui::actions::KeyAction;
use crate::tui::format::Zone;
use crate::tui::layout::Mouse;
use crate::tui::panes::form::Form;
use crate::tui::panes::inbox::{Rows, Sort, View, ViewJob};
use crate::tui::panes::prompt::Prompt;
use crate::tui::theme::Theme;

/// What happened: a key the keymap resolved, text for the focused field, a reply, a tick.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one at a time, moved once
pub enum Action {
    Key(KeyAction),
    /// A key for the focused text field.
    Text(KeyEvent),
    Paste(String),
    /// A mouse event, with what it landed on.
    Mouse(Mouse),
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
    /// How many cases each of `queues` (the tabs) holds.
    LoadCounts {
        gen: u64,
        queues: Vec<Queue>,
    },
    /// The ticket systems configured (asked once at the start: they add the Outsourced tab).
    LoadItsm,
    LoadCase {
        gen: u64,
        case: CaseId,
    },
    LoadOrg,
    /// The items of a certification case (all of them: the view filters and sorts).
    LoadCert {
        gen: u64,
        case: CaseId,
    },
    /// The Reports view's KPI reports of the period `[since, until)`.
    LoadReports {
        gen: u64,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    },
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
    /// A load (inbox, counts, case) as of a past time (`:asof`).
    AsOf {
        at: DateTime<Utc>,
        load: Box<Effect>,
    },
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
        /// The approval cases with a step the user may decide, and their requests.
        approvals: Result<Vec<(CaseId, RequestId)>, ApiError>,
    },
    Case {
        gen: u64,
        case: CaseId,
        result: Result<(CaseDetail, CaseHistory), ApiError>,
    },
    Org(Result<Org, ApiError>),
    Itsm(Result<crate::api::ItsmStatus, ApiError>),
    Cert {
        gen: u64,
        case: CaseId,
        result: Result<crate::api::CertItemPage, ApiError>,
    },
    Reports {
        gen: u64,
        result: Result<Box<crate::tui::panes::reports::ReportSet>, ApiError>,
    },
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
    /// It decides the certification view's marked items: the marks go once answered yes
    /// (not when a reply comes, which may follow marks made since).
    pub clears_cert_marks: bool,
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

/// The approvals waiting for the user, as the last count load found them: the top bar's
/// count, and the requests the approve and deny questions name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approvals {
    pub pending: Vec<(CaseId, RequestId)>,
}

impl Approvals {
    pub fn count(&self) -> usize {
        self.pending.len()
    }

    /// The request an approval case decides, if it waits for the user.
    pub fn request_of(&self, case: CaseId) -> Option<RequestId> {
        self.pending
            .iter()
            .find(|(c, _)| *c == case)
            .map(|(_, r)| *r)
    }
}

/// Approvals asked for at most with the counts.
pub const MAX_APPROVALS: usize = 10_000;

/// Rows asked for first when a queue is big.
pub const FIRST_PAGE: usize = 500;

/// Seconds a message stays in the status bar.
pub const MESSAGE_TICKS: u64 = 8;
