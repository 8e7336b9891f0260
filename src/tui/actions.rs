//! Every action a key can be bound to: its context, its name in `keymap.toml` and what it
//! does. Help, the footer hints and the keymap parser all read this one table; the case verbs'
//! names and descriptions come from the verb catalogue ([`crate::verbs::case`]).

use std::fmt;

/// Where a binding applies; one table of `keymap.toml` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Inbox,
    Case,
    Cert,
    Reports,
    Filter,
    Prompt,
    Form,
    Picker,
    Choice,
    Confirm,
    Help,
}

impl Context {
    pub const ALL: [Context; 13] = [
        Context::Global,
        Context::List,
        Context::Inbox,
        Context::Case,
        Context::Cert,
        Context::Reports,
        Context::Filter,
        Context::Prompt,
        Context::Form,
        Context::Picker,
        Context::Choice,
        Context::Confirm,
        Context::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Inbox => "inbox",
            Context::Case => "case",
            Context::Cert => "cert",
            Context::Reports => "reports",
            Context::Filter => "filter",
            Context::Prompt => "prompt",
            Context::Form => "form",
            Context::Picker => "picker",
            Context::Choice => "choice",
            Context::Confirm => "confirm",
            Context::Help => "help",
        }
    }

    /// A heading for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Lists and scrolling",
            Context::Inbox => "Inbox",
            Context::Case => "The selected case (or the marked ones)",
            Context::Cert => {
                "Certification view (flags: O orphan, D divergent, L owner left; \
                 ✓ accept, ✗ revoke, ~ reduce, ? not-decided, blank: none yet)"
            }
            Context::Reports => "Reports view (KPIs of a period; the worst cases)",
            Context::Filter => "Typing a filter",
            Context::Prompt => "The : prompt",
            Context::Form => "Dialogs (comment, delegate, complete, …)",
            Context::Picker => "Choosing a user or group",
            Context::Choice => "Choosing an option",
            Context::Confirm => "Confirmations",
            Context::Help => "This help",
        }
    }

    pub fn from_name(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An action a key resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAction {
    // global
    Quit,
    ForceQuit,
    Back,
    Help,
    CommandPrompt,
    Refresh,
    NextPane,
    PrevPane,
    // lists
    Down,
    Up,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Top,
    Bottom,
    // inbox
    Open,
    Filter,
    Sort,
    ReverseSort,
    Mark,
    MarkAll,
    NextQueue,
    PrevQueue,
    /// Index into [`crate::tui::panes::inbox::QUEUES`].
    Queue(usize),
    // case
    Comment,
    Complete,
    Reject,
    Delegate,
    Claim,
    Reassign,
    Escalate,
    Close,
    CancelCase,
    CopyId,
    // certification view
    CertAccept,
    CertRevoke,
    CertUndecided,
    CertReduce,
    // reports view
    Reports,
    LaterPeriod,
    EarlierPeriod,
    PeriodLength,
    // text fields and dialogs
    Accept,
    ClearFilter,
    Submit,
    Cancel,
    HistoryPrev,
    HistoryNext,
    TabComplete,
    NextField,
    PrevField,
    Pick,
    NextChoice,
    PrevChoice,
    Yes,
    No,
    CloseHelp,
}

/// One bindable action: `(context, name in keymap.toml, action, what it does)`.
pub struct ActionDef {
    pub context: Context,
    pub name: &'static str,
    pub action: KeyAction,
    pub about: &'static str,
}

const fn def(
    context: Context,
    name: &'static str,
    action: KeyAction,
    about: &'static str,
) -> ActionDef {
    ActionDef {
        context,
        name,
        action,
        about,
    }
}

/// A case verb's key: named and described by the verb catalogue.
const fn case(verb: Verb, action: KeyAction) -> ActionDef {
    def(Context::Case, verb.label, action, verb.key_about)
}

use crate::verbs::case as V;
use crate::verbs::Verb;
use Context as C;
use KeyAction as A;

/// The registry, in help order.
pub const ACTIONS: &[ActionDef] = &[
    def(C::Global, "quit", A::Quit, "back; quit from the inbox"),
    def(C::Global, "force-quit", A::ForceQuit, "quit at once"),
    def(
        C::Global,
        "back",
        A::Back,
        "back; clear the filter, then the marks",
    ),
    def(C::Global, "help", A::Help, "show this help"),
    def(
        C::Global,
        "command",
        A::CommandPrompt,
        "type a command (:delegate @db-admins)",
    ),
    def(
        C::Global,
        "refresh",
        A::Refresh,
        "reload queues and the case; run due timers",
    ),
    def(
        C::Global,
        "next-pane",
        A::NextPane,
        "next pane (inbox, case, comments)",
    ),
    def(C::Global, "prev-pane", A::PrevPane, "previous pane"),
    def(C::List, "down", A::Down, "down one line"),
    def(C::List, "up", A::Up, "up one line"),
    def(C::List, "page-down", A::PageDown, "down one page"),
    def(C::List, "page-up", A::PageUp, "up one page"),
    def(
        C::List,
        "half-page-down",
        A::HalfPageDown,
        "down half a page",
    ),
    def(C::List, "half-page-up", A::HalfPageUp, "up half a page"),
    def(C::List, "top", A::Top, "first line"),
    def(C::List, "bottom", A::Bottom, "last line"),
    def(C::Inbox, "open", A::Open, "open the case"),
    def(
        C::Inbox,
        "filter",
        A::Filter,
        "filter as you type (id, title, people, resource)",
    ),
    def(C::Inbox, "sort", A::Sort, "next sort order"),
    def(
        C::Inbox,
        "reverse-sort",
        A::ReverseSort,
        "reverse the sort order",
    ),
    def(
        C::Inbox,
        "mark",
        A::Mark,
        "mark or unmark for a bulk action",
    ),
    def(
        C::Inbox,
        "mark-all",
        A::MarkAll,
        "mark every case shown, or clear the marks",
    ),
    def(C::Inbox, "next-queue", A::NextQueue, "next queue"),
    def(C::Inbox, "prev-queue", A::PrevQueue, "previous queue"),
    def(C::Inbox, "queue-mine", A::Queue(0), "queue: assigned to me"),
    def(
        C::Inbox,
        "queue-claimable",
        A::Queue(1),
        "queue: offered to my groups",
    ),
    def(
        C::Inbox,
        "queue-delegated",
        A::Queue(2),
        "queue: delegated by me",
    ),
    def(
        C::Inbox,
        "queue-open",
        A::Queue(3),
        "queue: every open case",
    ),
    def(
        C::Inbox,
        "queue-overdue",
        A::Queue(4),
        "queue: past the deadline",
    ),
    def(
        C::Inbox,
        "queue-closed",
        A::Queue(5),
        "queue: closed and cancelled",
    ),
    def(
        C::Inbox,
        "reports",
        A::Reports,
        "the Reports view: SLA breaches, lead times, worst cases",
    ),
    case(V::comment::VERB, A::Comment),
    case(V::complete::VERB, A::Complete),
    def(
        C::Case,
        "reject",
        A::Reject,
        "deny a request (says why) / reject / fail my work item",
    ),
    case(V::delegate::VERB, A::Delegate),
    case(V::claim::VERB, A::Claim),
    case(V::assign::VERB, A::Reassign),
    case(V::escalate::VERB, A::Escalate),
    case(V::close::VERB, A::Close),
    case(V::cancel::VERB, A::CancelCase),
    def(C::Case, "copy-id", A::CopyId, "copy the case id (OSC 52)"),
    def(
        C::Cert,
        "accept",
        A::CertAccept,
        "accept the item, next; with marks: every marked item (asks)",
    ),
    def(
        C::Cert,
        "revoke",
        A::CertRevoke,
        "revoke the item, next; with marks: every marked item (asks)",
    ),
    def(
        C::Cert,
        "undecided",
        A::CertUndecided,
        "not-decided, next; with marks: every marked item (asks)",
    ),
    def(
        C::Cert,
        "reduce",
        A::CertReduce,
        "reduce: take away ATTR=VALUE (a group of several), with a comment",
    ),
    def(C::Cert, "mark", A::Mark, "mark or unmark the item, next"),
    def(
        C::Cert,
        "mark-all",
        A::MarkAll,
        "mark every item shown, or clear the marks",
    ),
    def(
        C::Cert,
        "filter",
        A::Filter,
        "filter as you type (owner, account, resource, attributes)",
    ),
    def(C::Cert, "sort", A::Sort, "next sort column"),
    def(C::Cert, "reverse-sort", A::ReverseSort, "reverse the sort"),
    def(C::Reports, "open", A::Open, "open the selected worst case"),
    def(
        C::Reports,
        "later",
        A::LaterPeriod,
        "the next period (up to now)",
    ),
    def(C::Reports, "earlier", A::EarlierPeriod, "the period before"),
    def(
        C::Reports,
        "period",
        A::PeriodLength,
        "period length: 7, 30, 90 days",
    ),
    def(
        C::Filter,
        "accept",
        A::Accept,
        "keep the filter, back to the list",
    ),
    def(C::Filter, "clear", A::ClearFilter, "drop the filter"),
    def(C::Prompt, "run", A::Submit, "run the command"),
    def(C::Prompt, "cancel", A::Cancel, "close the prompt"),
    def(C::Prompt, "previous", A::HistoryPrev, "previous command"),
    def(C::Prompt, "next", A::HistoryNext, "next command"),
    def(C::Prompt, "complete", A::TabComplete, "complete the verb"),
    def(
        C::Form,
        "submit",
        A::Submit,
        "send (asks first when it cannot be undone)",
    ),
    def(C::Form, "cancel", A::Cancel, "close without sending"),
    def(C::Form, "next-field", A::NextField, "next field"),
    def(C::Form, "prev-field", A::PrevField, "previous field"),
    def(C::Picker, "down", A::Down, "next match"),
    def(C::Picker, "up", A::Up, "previous match"),
    def(C::Picker, "pick", A::Pick, "take the highlighted match"),
    def(C::Choice, "next", A::NextChoice, "next option"),
    def(C::Choice, "previous", A::PrevChoice, "previous option"),
    def(C::Choice, "accept", A::Accept, "keep it, next field"),
    def(C::Confirm, "yes", A::Yes, "do it"),
    def(C::Confirm, "no", A::No, "do not"),
    def(C::Help, "close", A::CloseHelp, "close the help"),
];

/// The definition of `name` in `context`.
pub fn find(context: Context, name: &str) -> Option<&'static ActionDef> {
    ACTIONS
        .iter()
        .find(|d| d.context == context && d.name == name)
}

/// The names of a context's actions, for error messages.
pub fn names(context: Context) -> Vec<&'static str> {
    ACTIONS
        .iter()
        .filter(|d| d.context == context)
        .map(|d| d.name)
        .collect()
}

/// Short names for the footer, where an action's keymap name is not one.
const SHORT: &[(Context, &str, &str)] = &[
    (C::Global, "next-pane", "pane"),
    (C::Inbox, "next-queue", "queue"),
    (C::Filter, "accept", "keep"),
    (C::Form, "submit", "send"),
    (C::Form, "next-field", "next field"),
    (C::Picker, "down", "next match"),
    (C::Picker, "up", "previous"),
    (C::Picker, "pick", "take it"),
    (C::Choice, "next", "change"),
    (C::Choice, "accept", "keep"),
];

impl ActionDef {
    /// The footer's word for it: a short name, else its name in `keymap.toml`.
    pub fn short(&self) -> &'static str {
        SHORT
            .iter()
            .find(|(c, n, _)| *c == self.context && *n == self.name)
            .map_or(self.name, |(_, _, s)| s)
    }
}

/// The definition of `action` in `context`.
pub fn def_of(context: Context, action: KeyAction) -> Option<&'static ActionDef> {
    ACTIONS
        .iter()
        .find(|d| d.context == context && d.action == action)
}
