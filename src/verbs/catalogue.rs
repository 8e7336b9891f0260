//! What a catalogue entry is: a verb's name and aliases, its help, the TUI's word and key help
//! for it, and how the `:` prompt reads its line. Each verb's entry (`VERB`) is in its own file
//! under [`super::case`], with its clap arguments and its commands; `VERBS` lists them all.

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

/// A shape read as shell words, with no bare option.
pub const fn shape(role: Role, on_cases: bool) -> Shape {
    Shape {
        role,
        on_cases,
        text: false,
        bare: None,
    }
}

/// A verb that changes the selected cases.
pub const WRITE: Shape = shape(Role::Write, true);

/// A write verb whose bare first word is its outcome (`:complete success`).
pub const OUTCOME: Shape = Shape {
    bare: Some("--outcome"),
    ..WRITE
};

/// An entry without aliases, whose TUI word is its name and which no key runs.
pub const fn verb(name: &'static str, about: &'static str, shape: Shape) -> Verb {
    Verb {
        name,
        aliases: &[],
        about,
        label: name,
        key_about: "",
        shape,
    }
}

/// The entry of a verb a key runs: the TUI's word for it and what the key does.
pub const fn keyed(mut v: Verb, label: &'static str, key_about: &'static str) -> Verb {
    v.label = label;
    v.key_about = key_about;
    v
}
