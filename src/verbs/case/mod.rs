//! Every case verb, one file each: its catalogue entry (`VERB`), its clap arguments (`Args`,
//! which implements [`CaseVerb`]), its builder (`build`: the commands for the selected cases,
//! what to say once they ran, what to ask first) and a line it accepts (`EXAMPLE`).
//!
//! `case_verbs!` registers them from the one list at the bottom of this file: it generates
//! [`CaseCmd`] (one variant per verb, named, described and aliased by its `VERB`), [`VERBS`]
//! and the [`build`] dispatch. A new verb is a new file here, its `mod` line and one line in
//! that list (plus its engine command); a test fails when a file is missing from either.

pub mod approve;
pub mod assign;
pub mod cancel;
pub mod claim;
pub mod close;
pub mod comment;
pub mod complete;
pub mod correlate;
pub mod delegate;
pub mod deny;
pub mod escalate;
pub mod history;
pub mod list;
pub mod new;
pub mod outsource;
pub mod show;

use chrono::{DateTime, Utc};

use super::build::{Built, Cases};
use super::catalogue::Verb;
use crate::api::ApiError;

/// The engine's time, asked for only by the verbs that need it (`new`, for its deadline).
pub trait Now: FnOnce() -> Result<DateTime<Utc>, ApiError> {}

impl<F: FnOnce() -> Result<DateTime<Utc>, ApiError>> Now for F {}

/// What a verb's parsed arguments stand for.
pub trait CaseVerb: Sized {
    /// The case (`C-12`, `12` or `W-45`) the line names, for the verbs that take one.
    fn case_arg(&self) -> Option<&str>;

    /// The commands for `on`, with their messages; `None` for the read verbs (list, show,
    /// history). `me` takes a new case's work item when the line names nobody; `now` is the
    /// engine's time.
    fn build(self, on: &Cases, me: Option<&str>, now: impl Now) -> Result<Option<Built>, ApiError>;
}

// The arguments of a verb that acts on a case: the case (`C-12`, `12` or `W-45`; the `:` prompt
// puts the selected one there), then the verb's own. No doc comment: the variant's `about` is
// the help.
#[derive(Debug, clap::Args)]
pub struct OnCase<A: ActsOnCases> {
    pub id: String,
    #[command(flatten)]
    pub args: A,
}

/// What a verb that acts on cases does with them: the rest of its arguments.
pub trait ActsOnCases: clap::Args + std::fmt::Debug {
    /// The commands for `on`, with their messages; `None` for the read verbs (show, history).
    fn commands(self, on: &Cases) -> Result<Option<Built>, ApiError>;
}

impl<A: ActsOnCases> CaseVerb for OnCase<A> {
    fn case_arg(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn build(
        self,
        on: &Cases,
        _me: Option<&str>,
        _now: impl Now,
    ) -> Result<Option<Built>, ApiError> {
        self.args.commands(on)
    }
}

// A read verb's arguments: its case only.
#[derive(Debug, clap::Args)]
pub struct Read {}

impl ActsOnCases for Read {
    fn commands(self, _on: &Cases) -> Result<Option<Built>, ApiError> {
        Ok(None)
    }
}

/// Registers the verbs `Variant => module`, in help order.
macro_rules! case_verbs {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        // `casebench case VERB …` and the TUI's `:VERB …`: one variant per verb.
        #[derive(Debug, clap::Subcommand)]
        pub enum CaseCmd {
            $(
                #[command(name = $module::VERB.name)]
                #[command(about = $module::VERB.about, aliases = $module::VERB.aliases)]
                $variant($module::Args),
            )+
        }

        impl CaseCmd {
            /// The case (`C-12`, `12` or `W-45`) the line names, for the verbs that take one.
            pub fn case_arg(&self) -> Option<&str> {
                match self {
                    $(CaseCmd::$variant(args) => args.case_arg(),)+
                }
            }

            /// The verb's catalogue entry.
            pub fn verb(&self) -> &'static Verb {
                match self {
                    $(CaseCmd::$variant(_) => &$module::VERB,)+
                }
            }
        }

        /// Every case verb, in help order.
        pub const VERBS: &[Verb] = &[$($module::VERB),+];

        /// Each verb's name and a line it accepts (its arguments after the name).
        pub const EXAMPLES: &[(&str, &str)] = &[$(($module::VERB.name, $module::EXAMPLE)),+];

        /// The commands a parsed write verb stands for on `on`; `None` for the read verbs
        /// (list, show, history). `me` takes a new case's work item when the line names
        /// nobody; `now` is asked for only by `new` (for its deadline).
        pub fn build(
            cmd: CaseCmd,
            on: &Cases,
            me: Option<&str>,
            now: impl Now,
        ) -> Result<Option<Built>, ApiError> {
            match cmd {
                $(CaseCmd::$variant(args) => args.build(on, me, now),)+
            }
        }
    };
}

case_verbs! {
    New => new,
    List => list,
    Show => show,
    History => history,
    Comment => comment,
    Claim => claim,
    Assign => assign,
    Delegate => delegate,
    Escalate => escalate,
    Complete => complete,
    Approve => approve,
    Deny => deny,
    Close => close,
    Cancel => cancel,
    Correlate => correlate,
    Outsource => outsource,
}

/// The verb called `name` (or one of its aliases).
pub fn find(name: &str) -> Option<&'static Verb> {
    VERBS
        .iter()
        .find(|v| v.name == name || v.aliases.contains(&name))
}
