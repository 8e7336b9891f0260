//! One entry per case verb: its name and aliases, its help, the TUI's word and key help for it,
//! and how the `:` prompt reads its line. The clap arguments are in [`super::args`], the
//! commands and messages in [`super::build`].

/// A case verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verb {
    /// `casebench case NAME`, `:NAME`.
    pub name: &'static str,
    /// Other names clap accepts for it.
    pub aliases: &'static [&'static str],
    /// One line of help (CLI `--help`, the TUI's `?` and completion).
    pub about: &'static str,
    /// The TUI's word for it: the action's name in keymap.toml, the footer hint.
    pub label: &'static str,
    /// What its key does, for the TUI's help ("" when no key runs it).
    pub key_about: &'static str,
    pub shape: Shape,
}

/// How the `:` prompt reads the rest of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// What the verb does with its case(s).
    pub role: Role,
    /// Whether it acts on the selected (or marked, or named) cases.
    pub on_cases: bool,
    /// The rest of the line is one text as typed (`:comment it's done`), not shell words.
    pub text: bool,
    /// A bare first word stands for this option (`:complete success` for `--outcome success`).
    pub bare: Option<&'static str>,
}

/// What a verb does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Changes cases: becomes engine commands.
    Write,
    /// Shows one case (the TUI opens it).
    ShowCase,
    /// Lists a queue (the TUI switches to it).
    ListQueue,
}

const fn shape(role: Role, on_cases: bool) -> Shape {
    Shape {
        role,
        on_cases,
        text: false,
        bare: None,
    }
}

const WRITE: Shape = shape(Role::Write, true);

const fn verb(name: &'static str, about: &'static str, shape: Shape) -> Verb {
    Verb {
        name,
        aliases: &[],
        about,
        label: name,
        key_about: "",
        shape,
    }
}

const fn keyed(mut v: Verb, label: &'static str, key_about: &'static str) -> Verb {
    v.label = label;
    v.key_about = key_about;
    v
}

pub const NEW: Verb = verb(
    "new",
    "Open a case with one work item, assigned to a user or offered to a group",
    shape(Role::Write, false),
);
pub const LIST: Verb = verb(
    "list",
    "List a queue of cases",
    shape(Role::ListQueue, false),
);
pub const SHOW: Verb = verb(
    "show",
    "Fields, work items and comments of a case",
    shape(Role::ShowCase, true),
);
pub const HISTORY: Verb = verb(
    "history",
    "The audit events of a case, oldest first",
    shape(Role::ShowCase, true),
);
pub const COMMENT: Verb = keyed(
    verb(
        "comment",
        "Add a comment (allowed on closed cases too)",
        Shape {
            text: true,
            ..WRITE
        },
    ),
    "comment",
    "write a comment",
);
pub const CLAIM: Verb = keyed(
    verb(
        "claim",
        "Take a work item offered to one of your groups",
        WRITE,
    ),
    "claim",
    "claim a work item offered to my group",
);
pub const ASSIGN: Verb = keyed(
    verb("assign", "Replace the assignees (reassign)", WRITE),
    "reassign",
    "reassign to a user",
);
pub const DELEGATE: Verb = keyed(
    verb(
        "delegate",
        "Delegate to a user or @group (replacing the assignees unless --add)",
        WRITE,
    ),
    "delegate",
    "delegate to a user or group",
);
pub const ESCALATE: Verb = keyed(
    verb(
        "escalate",
        "Escalate by hand: to the assignee's manager, or --to a user or @group",
        WRITE,
    ),
    "escalate",
    "escalate (to the manager, or a target)",
);
const OUTCOME: Shape = Shape {
    bare: Some("--outcome"),
    ..WRITE
};
pub const COMPLETE: Verb = keyed(
    verb(
        "complete",
        "Finish your work item with an outcome (success, failure, approve, reject)",
        OUTCOME,
    ),
    "complete",
    "approve / complete my work item",
);
pub const CLOSE: Verb = keyed(
    verb(
        "close",
        "Close a case early (requester or administrator); open work items are cancelled",
        OUTCOME,
    ),
    "close",
    "close the case early",
);
pub const CANCEL: Verb = keyed(
    verb(
        "cancel",
        "Cancel a case (requester or administrator)",
        WRITE,
    ),
    "cancel",
    "cancel the case",
);
pub const CORRELATE: Verb = verb(
    "correlate",
    "Resolve a correlation case: name the account's owner, or mark it an orphan",
    WRITE,
);

/// Every case verb, in help order.
pub const VERBS: &[Verb] = &[
    NEW, LIST, SHOW, HISTORY, COMMENT, CLAIM, ASSIGN, DELEGATE, ESCALATE, COMPLETE, CLOSE, CANCEL,
    CORRELATE,
];

/// The verb called `name` (or one of its aliases).
pub fn find(name: &str) -> Option<&'static Verb> {
    VERBS
        .iter()
        .find(|v| v.name == name || v.aliases.contains(&name))
}
