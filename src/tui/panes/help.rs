//! The help screen's content, generated from the keymap in force and the action registry, plus
//! the `:` verbs read from the verb catalogue.

use crate::domain::CaseKind;
use crate::tui::actions::{Context, ACTIONS};
use crate::tui::format::wrap;
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
    out.push(HelpLine::Heading(
        "Case kinds (the KIND column's short forms; JSON and the detail say the full name)".into(),
    ));
    for kind in CaseKind::ALL {
        out.push(HelpLine::Binding {
            keys: kind.short().to_string(),
            about: kind.name().to_string(),
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

/// Columns of a binding's keys and of its action name.
pub const KEYS_W: usize = 16;
pub const NAME_W: usize = 16;
/// Below this many columns for the description, it goes on lines of its own.
const MIN_ABOUT_W: usize = 24;

/// The help popup's width on a screen `screen_w` columns wide.
pub fn popup_width(screen_w: u16) -> u16 {
    screen_w.saturating_sub(4).min(100)
}

/// A screen line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpRow {
    Heading(String),
    /// Keys, the action's name, and the first line of what it does.
    Binding {
        keys: String,
        name: String,
        about: String,
    },
    /// More of a description, `indent` columns in.
    More {
        indent: usize,
        text: String,
    },
    Blank,
}

/// The help laid out for `inner_w` columns, one row a screen line: long descriptions wrap
/// under their column; when that column would be too narrow, the description goes on lines
/// of its own under the keys.
pub fn rows(keymap: &Keymap, inner_w: usize) -> Vec<HelpRow> {
    let mut out = vec![];
    for line in lines(keymap) {
        match line {
            HelpLine::Heading(h) => out.extend(wrap(&h, inner_w).into_iter().map(HelpRow::Heading)),
            HelpLine::Binding { keys, about, name } => {
                let beside = inner_w.saturating_sub(2 + KEYS_W + NAME_W);
                let (indent, mut chunks) = if beside >= MIN_ABOUT_W {
                    (2 + KEYS_W + NAME_W, wrap(&about, beside))
                } else {
                    (6, wrap(&about, inner_w.saturating_sub(6)))
                };
                let first = if beside >= MIN_ABOUT_W {
                    chunks.remove(0)
                } else {
                    String::new()
                };
                out.push(HelpRow::Binding {
                    keys,
                    name,
                    about: first,
                });
                out.extend(
                    chunks
                        .into_iter()
                        .map(|text| HelpRow::More { indent, text }),
                );
            }
            HelpLine::Blank => out.push(HelpRow::Blank),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_wrap_and_go_under_when_narrow() {
        let keymap = Keymap::defaults().unwrap();
        let wide = rows(&keymap, 200);
        assert_eq!(wide.len(), lines(&keymap).len());
        for w in [74, 40] {
            let rows = rows(&keymap, w);
            assert!(rows.len() > wide.len());
            for r in &rows {
                let text = match r {
                    HelpRow::Heading(h) => h.clone(),
                    HelpRow::Binding { about, .. } => format!("{:34}{about}", ""),
                    HelpRow::More { indent, text } => format!("{:indent$}{text}", ""),
                    HelpRow::Blank => String::new(),
                };
                assert!(crate::tui::format::width(&text) <= w.max(34), "{w}: {text}");
            }
        }
    }
}
