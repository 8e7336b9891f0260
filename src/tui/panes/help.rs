//! The help screen's content, generated from the keymap in force and the action registry, plus
//! the `:` verbs read from the verb catalogue.

use crate::tui::actions::{Context, ACTIONS};
use crate::tui::keymap::Keymap;
use crate::tui::panes::prompt;
use crate::verbs::VERBS;

/// One line of help: a heading, or keys with what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(String),
    /// Keys, what they do, and the action's name in keymap.toml (empty for `:` verbs).
    Binding {
        keys: String,
        about: String,
        name: String,
    },
    Blank,
}

pub fn lines(keymap: &Keymap) -> Vec<HelpLine> {
    let mut out = vec![];
    for ctx in Context::ALL {
        out.push(HelpLine::Heading(format!(
            "{} [{}]",
            ctx.describe(),
            ctx.name()
        )));
        for d in ACTIONS.iter().filter(|d| d.context == ctx) {
            let keys: Vec<String> = keymap
                .keys(ctx, d.name)
                .iter()
                .map(|k| k.to_string())
                .collect();
            out.push(HelpLine::Binding {
                keys: if keys.is_empty() {
                    "(unbound)".into()
                } else {
                    keys.join(" ")
                },
                about: d.about.to_string(),
                name: d.name.to_string(),
            });
        }
        out.push(HelpLine::Blank);
    }
    out.push(HelpLine::Heading(
        "The : prompt (case verbs as in `casebench case …`; the case is the selected one)".into(),
    ));
    let case_verbs = VERBS.iter().map(|v| (v.name, v.about));
    for (verb, about) in case_verbs.chain(prompt::TUI_VERBS.iter().copied()) {
        out.push(HelpLine::Binding {
            keys: format!(":{verb}"),
            about: about.to_string(),
            name: String::new(),
        });
    }
    out.push(HelpLine::Blank);
    out.push(HelpLine::Heading("Your keymap".into()));
    out.push(HelpLine::Binding {
        keys: "file".into(),
        about: match &keymap.user_file {
            Some(p) => p.display().to_string(),
            None => "none: write $XDG_CONFIG_HOME/casebench/keymap.toml to rebind".into(),
        },
        name: String::new(),
    });
    out
}
