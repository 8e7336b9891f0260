//! The action dialogs: comment, delegate, reassign, escalate, complete, close, cancel. Each is a
//! few fields (a people picker, a choice, a comment) that become engine commands, one per case.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use crate::domain::{CaseId, DelegationMethod, Outcome, Target};
use crate::tui::actions::KeyAction;
use crate::tui::input::TextInput;
use crate::tui::panes::picker::{PickEntry, Picker};
use crate::verbs::case as verb;
use crate::verbs::{names, Built, Cases, Naming};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Comment,
    Delegate,
    Reassign,
    Escalate,
    Complete,
    Close,
    Cancel,
    /// An approver's decision on approval cases: the dialog is the question.
    Approve,
    Deny,
}

impl FormKind {
    pub fn verb(self) -> &'static str {
        match self {
            FormKind::Comment => "Comment on",
            FormKind::Delegate => "Delegate",
            FormKind::Reassign => "Reassign",
            FormKind::Escalate => "Escalate",
            FormKind::Complete => "Complete",
            FormKind::Close => "Close",
            FormKind::Cancel => "Cancel",
            FormKind::Approve => "Approve",
            FormKind::Deny => "Deny",
        }
    }

    fn fields(self) -> Vec<Field> {
        match self {
            FormKind::Comment | FormKind::Cancel | FormKind::Approve | FormKind::Deny => {
                vec![Field::Comment]
            }
            FormKind::Delegate => vec![Field::Target, Field::Method, Field::Comment],
            FormKind::Reassign | FormKind::Escalate => vec![Field::Target, Field::Comment],
            FormKind::Complete | FormKind::Close => vec![Field::Outcome, Field::Comment],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Target,
    Method,
    Outcome,
    Comment,
}

impl Field {
    pub fn is_text(self) -> bool {
        matches!(self, Field::Target | Field::Comment)
    }
}

/// The outcomes offered when completing a work item, with their labels.
pub const COMPLETE_OUTCOMES: [(&str, Outcome); 4] = [
    ("approve", Outcome::Approved),
    ("reject", Outcome::Rejected),
    ("success", Outcome::Success),
    ("failure", Outcome::Failure),
];

/// The outcomes offered when closing a case early (`None`: leave it to the work items).
pub const CLOSE_OUTCOMES: [(&str, Option<Outcome>); 5] = [
    ("none", None),
    ("success", Some(Outcome::Success)),
    ("failure", Some(Outcome::Failure)),
    ("approved", Some(Outcome::Approved)),
    ("rejected", Some(Outcome::Rejected)),
];

pub const METHODS: [(&str, DelegationMethod); 2] = [
    ("replace the assignees", DelegationMethod::Replace),
    ("add to the assignees", DelegationMethod::Add),
];

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub cases: Vec<CaseId>,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub picker: Picker,
    /// Index into [`METHODS`].
    pub method: usize,
    /// Index into [`COMPLETE_OUTCOMES`] or [`CLOSE_OUTCOMES`].
    pub outcome: usize,
    pub comment: TextInput,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// The requests the cases decide (`R-1, R-2`), for approve and deny.
    pub requests: Option<String>,
}

/// What a dialog key led to.
#[derive(Debug, Clone, PartialEq)]
pub enum FormStep {
    Stay,
    Cancel,
    Submit,
}

impl Form {
    pub fn new(kind: FormKind, cases: Vec<CaseId>, people: Arc<Vec<PickEntry>>) -> Form {
        let users_only = kind == FormKind::Reassign;
        let mut picker = Picker::new(people, users_only);
        match kind {
            FormKind::Escalate => {
                picker.query = picker
                    .query
                    .with_placeholder("empty: the assignee's manager; or a name, login, @group")
            }
            FormKind::Reassign => {
                picker.query = picker.query.with_placeholder("type a name or login")
            }
            _ => {}
        }
        Form {
            kind,
            cases,
            fields: kind.fields(),
            focus: 0,
            picker,
            method: 0,
            outcome: 0,
            comment: TextInput::multi_line().with_placeholder(match kind {
                FormKind::Comment => "write a comment",
                FormKind::Deny => "why (required)",
                _ => "a comment (optional)",
            }),
            error: None,
            requests: None,
        }
    }

    pub fn with_requests(mut self, requests: Option<String>) -> Form {
        self.requests = requests;
        self
    }

    pub fn with_outcome(mut self, outcome: usize) -> Form {
        self.outcome = outcome;
        self
    }

    pub fn field(&self) -> Field {
        self.fields[self.focus]
    }

    pub fn title(&self) -> String {
        let cases = names(&self.cases, Naming::Listed);
        match (self.kind, &self.requests) {
            (FormKind::Approve | FormKind::Deny, Some(r)) => {
                format!("{} {r} on {cases}?", self.kind.verb())
            }
            (FormKind::Approve | FormKind::Deny, None) => {
                format!("{} the request of {cases}?", self.kind.verb())
            }
            _ => format!("{} {cases}", self.kind.verb()),
        }
    }

    /// The focused text field, if the focus is on one.
    pub fn text_field(&self) -> Option<&TextInput> {
        match self.field() {
            Field::Target => Some(&self.picker.query),
            Field::Comment => Some(&self.comment),
            _ => None,
        }
    }

    /// A key the keymap resolved for the dialog.
    pub fn key(&mut self, action: KeyAction) -> FormStep {
        let n = self.fields.len();
        match action {
            KeyAction::Submit => return FormStep::Submit,
            KeyAction::Cancel => return FormStep::Cancel,
            KeyAction::NextField | KeyAction::Accept => self.focus = (self.focus + 1) % n,
            KeyAction::PrevField => self.focus = (self.focus + n - 1) % n,
            KeyAction::Down => self.picker.move_by(1),
            KeyAction::Up => self.picker.move_by(-1),
            KeyAction::Pick => match self.picker.matches.get(self.picker.selected) {
                None => self.error = Some("nobody matches: change the search".into()),
                Some(i) => {
                    // Show what was taken; typing again starts a new search.
                    let label = self.picker.entries[*i].label.clone();
                    self.picker.query.set_text(&label);
                    self.picker.chosen = true;
                    self.error = None;
                    self.focus = (self.focus + 1) % n;
                }
            },
            KeyAction::NextChoice | KeyAction::PrevChoice => {
                let step = if action == KeyAction::NextChoice {
                    1
                } else {
                    -1
                };
                let (index, count) = match self.field() {
                    Field::Method => (&mut self.method, METHODS.len()),
                    Field::Outcome if self.kind == FormKind::Close => {
                        (&mut self.outcome, CLOSE_OUTCOMES.len())
                    }
                    Field::Outcome => (&mut self.outcome, COMPLETE_OUTCOMES.len()),
                    _ => return FormStep::Stay,
                };
                *index = (*index as isize + step).rem_euclid(count as isize) as usize;
            }
            _ => {}
        }
        FormStep::Stay
    }

    /// Typing into the focused text field.
    pub fn text(&mut self, ev: KeyEvent) {
        match self.field() {
            Field::Target => {
                // Typing after a pick starts a new search.
                if self.picker.chosen {
                    let picked = self.picker.current().map(|e| e.label.clone());
                    if picked.as_deref() == Some(self.picker.query.text().as_str()) {
                        self.picker.query.clear();
                    }
                    self.picker.chosen = false;
                }
                if self.picker.query.key(ev) {
                    self.picker.refilter();
                }
            }
            Field::Comment => {
                self.comment.key(ev);
            }
            _ => {}
        }
        self.error = None;
    }

    pub fn paste(&mut self, text: &str) {
        match self.field() {
            Field::Target => {
                self.picker.query.paste(text);
                self.picker.refilter();
            }
            Field::Comment => {
                self.comment.paste(text);
            }
            _ => {}
        }
    }

    fn target(&self) -> Option<&PickEntry> {
        if !self.picker.chosen && self.picker.query.is_blank() {
            return None;
        }
        self.picker
            .matches
            .get(self.picker.selected)
            .map(|i| &self.picker.entries[*i])
    }

    /// The commands the dialog stands for, or why it cannot be sent yet.
    pub fn build(&self) -> Result<Built, String> {
        let text = self.comment.text().trim().to_string();
        let comment = (!text.is_empty()).then(|| text.clone());
        let on = Cases::of(&self.cases, Naming::Listed);
        let need_target = || -> Result<&PickEntry, String> {
            if self.picker.entries.is_empty() {
                return Err("the organisation is still loading: try again in a moment".into());
            }
            self.target()
                .ok_or_else(|| "choose someone: type a name, login or @group".into())
        };
        Ok(match self.kind {
            FormKind::Comment => {
                if text.is_empty() {
                    return Err("empty comment: write something, or Esc to cancel".into());
                }
                verb::comment::build(&on, &text)
            }
            FormKind::Delegate => {
                let to = need_target()?.target.clone();
                let (label, method) = METHODS[self.method];
                verb::delegate::build(&on, to, method, comment, Some(label))
            }
            FormKind::Reassign => match &need_target()?.target {
                Target::User(to) => verb::assign::build(&on, to, comment),
                Target::Group(_) => {
                    return Err("reassign to a user; delegate to reach a group".into())
                }
            },
            FormKind::Escalate => {
                verb::escalate::build(&on, self.target().map(|e| e.target.clone()), comment)
            }
            FormKind::Complete => {
                let (label, outcome) = COMPLETE_OUTCOMES[self.outcome];
                verb::complete::build(&on, outcome, comment, Some(label))
            }
            FormKind::Close => {
                let (label, outcome) = CLOSE_OUTCOMES[self.outcome];
                verb::close::build(&on, outcome, comment, Some(label))
            }
            FormKind::Cancel => verb::cancel::build(&on, comment),
            // The dialog asked already: no second question.
            FormKind::Approve => Built {
                confirm: None,
                ..verb::approve::build(&on, comment, self.requests.as_deref())
            },
            FormKind::Deny => Built {
                confirm: None,
                ..verb::deny::build(&on, &text, self.requests.as_deref())
                    .map_err(|_| "a denial says why: write a comment, or Esc to cancel")?
            },
        })
    }
}
