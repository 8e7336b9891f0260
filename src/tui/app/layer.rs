//! Where the keyboard is: one value, computed once from the state, decides which keymap
//! tables resolve a key (`keys.rs`), which handler takes it (`handle.rs`) and the footer's
//! hints (`draw/status.rs`).

use super::state::App;
use super::types::Modal;
use crate::tui::actions::{self, Context as C, KeyAction as K};
use crate::tui::layout::Pane;
use crate::tui::panes::cert::ReduceField;
use crate::tui::panes::form::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Help,
    Confirm,
    Prompt,
    /// A dialog, by its focused field.
    Form(Field),
    /// The inbox's filter field has the keyboard.
    Filter,
    Inbox,
    /// The detail or comments pane.
    Case,
    /// The certification table (the detail pane of a certification case).
    Cert,
    /// Its filter field has the keyboard.
    CertFilter,
    /// Its reduce form, by field.
    CertReduce(ReduceField),
    /// The Reports view (over the inbox).
    Reports,
}

/// What resolves a key once the layer's own tables and its text field did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    Nothing,
    /// Ctrl keys of [global] (quit, refresh) still work in a text field or a question.
    GlobalCtrl,
    Tables(&'static [C]),
}

/// A key hint in the footer: the key bound to `action` in `context`, with the action's
/// short label, or `label` where this place names it otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub context: C,
    pub action: K,
    pub label: Option<&'static str>,
}

impl Hint {
    const fn new(context: C, action: K) -> Hint {
        Hint {
            context,
            action,
            label: None,
        }
    }

    const fn named(context: C, action: K, label: &'static str) -> Hint {
        Hint {
            context,
            action,
            label: Some(label),
        }
    }

    /// The word shown after the key.
    pub fn text(&self) -> &'static str {
        self.label
            .or_else(|| actions::def_of(self.context, self.action).map(|d| d.short()))
            .unwrap_or("")
    }
}

const HELP: &[Hint] = &[
    Hint::named(C::List, K::Down, "scroll"),
    Hint::new(C::Help, K::CloseHelp),
];
const CONFIRM: &[Hint] = &[Hint::new(C::Confirm, K::Yes), Hint::new(C::Confirm, K::No)];
const PICKER: &[Hint] = &[
    Hint::new(C::Picker, K::Down),
    Hint::new(C::Picker, K::Up),
    Hint::new(C::Picker, K::Pick),
    Hint::new(C::Form, K::Submit),
    Hint::new(C::Form, K::Cancel),
];
const CHOICE: &[Hint] = &[
    Hint::new(C::Choice, K::NextChoice),
    Hint::new(C::Choice, K::Accept),
    Hint::new(C::Form, K::Submit),
    Hint::new(C::Form, K::Cancel),
];
const COMMENT: &[Hint] = &[
    Hint::new(C::Form, K::Submit),
    Hint::new(C::Form, K::NextField),
    Hint::new(C::Form, K::Cancel),
];
const FILTER: &[Hint] = &[
    Hint::new(C::Filter, K::Accept),
    Hint::new(C::Filter, K::ClearFilter),
    // The arrows: `j` and `k` type into the field.
    Hint::named(C::List, K::Down, "next"),
    Hint::named(C::List, K::Up, "previous"),
];
const INBOX: &[Hint] = &[
    Hint::new(C::Inbox, K::Open),
    Hint::new(C::Inbox, K::Filter),
    Hint::new(C::Inbox, K::NextQueue),
    Hint::new(C::Case, K::Comment),
    Hint::new(C::Case, K::Complete),
    Hint::new(C::Case, K::Delegate),
    Hint::new(C::Case, K::Claim),
    Hint::new(C::Inbox, K::Mark),
    Hint::new(C::Inbox, K::Sort),
    Hint::new(C::Global, K::CommandPrompt),
    Hint::new(C::Global, K::Help),
    Hint::new(C::Global, K::Quit),
    Hint::new(C::Inbox, K::Reports),
];
const CASE: &[Hint] = &[
    Hint::new(C::Case, K::Comment),
    Hint::new(C::Case, K::Complete),
    Hint::new(C::Case, K::Reject),
    Hint::new(C::Case, K::Delegate),
    Hint::new(C::Case, K::Claim),
    Hint::new(C::Global, K::NextPane),
    Hint::new(C::Global, K::Help),
    // Out of a case pane, quit goes back to the inbox.
    Hint::named(C::Global, K::Quit, "back"),
];

const CERT: &[Hint] = &[
    Hint::new(C::Cert, K::CertAccept),
    Hint::new(C::Cert, K::CertRevoke),
    Hint::new(C::Cert, K::CertUndecided),
    Hint::new(C::Cert, K::Mark),
    Hint::new(C::Cert, K::CertReduce),
    Hint::new(C::Cert, K::Filter),
    Hint::new(C::Cert, K::Sort),
    Hint::new(C::Global, K::Help),
    Hint::named(C::Global, K::Back, "back"),
];

const REPORTS: &[Hint] = &[
    Hint::new(C::Reports, K::Open),
    Hint::named(C::Reports, K::EarlierPeriod, "earlier"),
    Hint::named(C::Reports, K::LaterPeriod, "later"),
    Hint::new(C::Reports, K::PeriodLength),
    Hint::named(C::List, K::Down, "next"),
    Hint::new(C::Global, K::Help),
    Hint::named(C::Global, K::Quit, "back"),
];

impl Layer {
    /// The layer of the app's current state: the top dialog, else the filter field, else
    /// the focused pane.
    pub fn of(app: &App) -> Layer {
        match app.modals.last() {
            Some(Modal::Help { .. }) => Layer::Help,
            Some(Modal::Confirm(_)) => Layer::Confirm,
            Some(Modal::Prompt(_)) => Layer::Prompt,
            Some(Modal::Form(f)) => Layer::Form(f.field()),
            None if app.focus == Pane::Detail && app.shows_cert() => match &app.cert.reduce {
                Some(f) => Layer::CertReduce(f.field),
                None if app.cert.filtering() => Layer::CertFilter,
                None => Layer::Cert,
            },
            None if app.reports.is_open() && app.focus == Pane::Inbox => Layer::Reports,
            None if app.inbox.filtering() && app.focus == Pane::Inbox => Layer::Filter,
            None if app.focus == Pane::Inbox => Layer::Inbox,
            None => Layer::Case,
        }
    }

    /// The keymap tables that resolve a key here, in order.
    pub fn contexts(self) -> &'static [C] {
        match self {
            Layer::Help => &[C::Help, C::List, C::Global],
            Layer::Confirm => &[C::Confirm],
            Layer::Prompt => &[C::Prompt],
            Layer::Form(Field::Target) => &[C::Form, C::Picker],
            Layer::Form(Field::Comment) => &[C::Form],
            Layer::Form(Field::Method | Field::Outcome) => &[C::Form, C::Choice],
            Layer::Filter => &[C::Filter],
            Layer::Inbox => &[C::Inbox, C::Case, C::List, C::Global],
            Layer::Case => &[C::Case, C::List, C::Global],
            Layer::Cert => &[C::Cert, C::Case, C::List, C::Global],
            Layer::CertFilter => &[C::Filter],
            Layer::CertReduce(_) => &[C::Form],
            Layer::Reports => &[C::Reports, C::List, C::Global],
        }
    }

    /// What resolves a key after the tables and the text field.
    pub fn fallback(self) -> Fallback {
        match self {
            Layer::Confirm | Layer::Prompt | Layer::Form(_) | Layer::CertReduce(_) => {
                Fallback::GlobalCtrl
            }
            Layer::Filter | Layer::CertFilter => Fallback::Tables(&[C::List, C::Global]),
            Layer::Help | Layer::Inbox | Layer::Case | Layer::Cert | Layer::Reports => {
                Fallback::Nothing
            }
        }
    }

    /// The footer's key hints, most useful first (cut at the screen's width).
    pub fn hints(self) -> &'static [Hint] {
        match self {
            Layer::Help => HELP,
            Layer::Confirm => CONFIRM,
            // The prompt line takes the footer.
            Layer::Prompt => &[],
            Layer::Form(Field::Target) => PICKER,
            Layer::Form(Field::Method | Field::Outcome) => CHOICE,
            Layer::Form(Field::Comment) => COMMENT,
            Layer::Filter | Layer::CertFilter => FILTER,
            Layer::Inbox => INBOX,
            Layer::Case => CASE,
            Layer::Cert => CERT,
            Layer::CertReduce(_) => COMMENT,
            Layer::Reports => REPORTS,
        }
    }
}

impl App {
    pub fn layer(&self) -> Layer {
        Layer::of(self)
    }
}
