//! `keymap.toml`: the default bindings (compiled in) merged with the user's file, checked, and
//! turned into one lookup table. Errors name the file and line (`keymap.toml:14: …`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use toml::Spanned;

use super::actions::{self, ActionDef, Context, KeyAction};

pub const DEFAULTS: &str = include_str!("../../keymap.toml");

/// A key with its modifiers, normalised so that what the terminal sends and what a user writes
/// compare equal: `G` is `Char('G')` without shift, `shift-tab` is `BackTab`, `ctrl-D` is
/// `ctrl-d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.is_empty() {
                    KeyCode::Char(c)
                } else {
                    KeyCode::Char(c.to_ascii_lowercase())
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key::new(e.code, e.modifiers)
    }

    pub fn event(self) -> KeyEvent {
        KeyEvent::new(self.code, self.mods)
    }

    /// Parses `j`, `G`, `ctrl-d`, `shift-tab`, `f5`, `space`, `alt-enter`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = || format!("cannot read key {text:?}");
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) && c.is_alphabetic() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else if c.is_control() {
                    return Err(bad());
                } else {
                    KeyCode::Char(c)
                }
            }
            (None, _) => return Err(bad()),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n) if (1..=24).contains(&n) => KeyCode::F(n),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            },
        };
        Ok(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A keymap file that cannot be used: `file:line: problem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for KeymapError {}

pub use crate::import::line_of;

/// One `action = [keys]` entry, where it was written.
#[derive(Debug, Clone)]
struct Entry {
    keys: Vec<Key>,
    file: String,
    line: usize,
    /// From the user's file (not the defaults).
    user: bool,
}

/// Parses one keymap file into `(context, action) → entry`.
fn parse_file(
    file: &str,
    text: &str,
    user: bool,
) -> Result<Vec<(&'static ActionDef, Entry)>, KeymapError> {
    type Raw = BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>;
    let err = |pos: usize, message: String| KeymapError {
        file: file.to_string(),
        line: line_of(text, pos),
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let pos = e.span().map(|s| s.start).unwrap_or(0);
        let msg = e.message().trim().replace('\n', " ");
        err(
            pos,
            format!("{msg} (expected tables of action = [\"key\", …])"),
        )
    })?;
    let mut out = vec![];
    for (ctx_name, table) in raw {
        let context = Context::from_name(ctx_name.get_ref()).ok_or_else(|| {
            let all: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
            err(
                ctx_name.span().start,
                format!(
                    "unknown table [{}] (expected one of {})",
                    ctx_name.get_ref(),
                    all.join(", ")
                ),
            )
        })?;
        for (name, value) in table {
            let at = name.span().start;
            let def = actions::find(context, name.get_ref()).ok_or_else(|| {
                err(
                    at,
                    format!(
                        "[{context}] unknown action {:?} (expected one of {})",
                        name.get_ref(),
                        actions::names(context).join(", ")
                    ),
                )
            })?;
            let list = value.get_ref().as_array().ok_or_else(|| {
                err(
                    at,
                    format!(
                        "[{context}] {}: expected a list of keys, e.g. {} = [\"x\"]",
                        def.name, def.name
                    ),
                )
            })?;
            let mut keys = vec![];
            for item in list {
                let s = item.as_str().ok_or_else(|| {
                    err(
                        at,
                        format!("[{context}] {}: keys are strings, got {item}", def.name),
                    )
                })?;
                let key =
                    Key::parse(s).map_err(|e| err(at, format!("[{context}] {}: {e}", def.name)))?;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            out.push((
                def,
                Entry {
                    keys,
                    file: file.to_string(),
                    line: line_of(text, at),
                    user,
                },
            ));
        }
    }
    Ok(out)
}

/// The bindings in force.
#[derive(Debug, Clone)]
pub struct Keymap {
    lookup: HashMap<(Context, Key), KeyAction>,
    /// `(context, action name)` → its keys, in the order written.
    keys: HashMap<(Context, &'static str), Vec<Key>>,
    /// Where the user's file was read from, if there was one.
    pub user_file: Option<PathBuf>,
}

impl Keymap {
    /// The compiled-in defaults.
    pub fn defaults() -> Result<Keymap, KeymapError> {
        Keymap::from_sources(DEFAULTS, None)
    }

    /// The defaults merged with `user` = `(file name for messages, its text)`.
    pub fn from_sources(defaults: &str, user: Option<(&str, &str)>) -> Result<Keymap, KeymapError> {
        let mut entries: BTreeMap<(Context, &'static str), Entry> = BTreeMap::new();
        for (def, entry) in parse_file("keymap.toml", defaults, false)? {
            entries.insert((def.context, def.name), entry);
        }
        if let Some((file, text)) = user {
            for (def, entry) in parse_file(file, text, true)? {
                entries.insert((def.context, def.name), entry);
            }
        }
        // Check per context, defaults first, then the user's lines in order, so that a clash
        // is reported at the line that made it.
        let mut ordered: Vec<(&(Context, &'static str), &Entry)> = entries.iter().collect();
        ordered.sort_by_key(|((ctx, _), e)| (*ctx, e.user, e.line));
        let mut lookup = HashMap::new();
        let mut owner: HashMap<(Context, Key), (&'static str, &Entry)> = HashMap::new();
        for ((ctx, name), entry) in ordered {
            let def = actions::find(*ctx, name).expect("parsed names are registered");
            for key in &entry.keys {
                if let Some((other, other_entry)) = owner.get(&(*ctx, *key)) {
                    let hint = if entry.user && !other_entry.user {
                        format!(" (a default; unbind it with {other} = [])")
                    } else {
                        String::new()
                    };
                    return Err(KeymapError {
                        file: entry.file.clone(),
                        line: entry.line,
                        message: format!(
                            "[{ctx}] \"{key}\" is bound to both {other} and {name}{hint}"
                        ),
                    });
                }
                owner.insert((*ctx, *key), (name, entry));
                lookup.insert((*ctx, *key), def.action);
            }
        }
        let keys = entries.into_iter().map(|(k, e)| (k, e.keys)).collect();
        Ok(Keymap {
            lookup,
            keys,
            user_file: None,
        })
    }

    /// The defaults merged with the user's file at `path`, if it exists.
    pub fn load(path: Option<&Path>) -> Result<Keymap, KeymapError> {
        let Some(path) = path.filter(|p| p.exists()) else {
            return Keymap::defaults();
        };
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeymapError {
            file: name.clone(),
            line: 1,
            message: format!("cannot read: {e}"),
        })?;
        let mut map = Keymap::from_sources(DEFAULTS, Some((&name, &text)))?;
        map.user_file = Some(path.to_path_buf());
        Ok(map)
    }

    pub fn lookup(&self, context: Context, key: Key) -> Option<KeyAction> {
        self.lookup.get(&(context, key)).copied()
    }

    /// The keys bound to an action, as written.
    pub fn keys(&self, context: Context, name: &str) -> &[Key] {
        self.keys
            .iter()
            .find(|((c, n), _)| *c == context && *n == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The first key of `action` in `context`, for hints: `c`, `ctrl-s`.
    pub fn hint(&self, context: Context, action: KeyAction) -> Option<Key> {
        actions::ACTIONS
            .iter()
            .filter(|d| d.context == context && d.action == action)
            .find_map(|d| self.keys(context, d.name).first().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        for (text, shown) in [
            ("j", "j"),
            ("G", "G"),
            ("shift-g", "G"),
            ("ctrl-d", "ctrl-d"),
            ("ctrl-D", "ctrl-d"),
            ("shift-tab", "shift-tab"),
            ("backtab", "shift-tab"),
            ("F5", "f5"),
            ("space", "space"),
            (" ", "space"),
            ("-", "-"),
            ("ctrl--", "ctrl--"),
            ("alt-enter", "alt-enter"),
            ("PageDown", "pagedown"),
        ] {
            let k = Key::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(k.to_string(), shown, "{text}");
            assert_eq!(Key::parse(&k.to_string()).unwrap(), k, "{text} round trip");
        }
        for bad in ["", "ctrl-", "f0", "f99", "hyper-x", "enterr"] {
            assert!(Key::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn events_normalise_like_written_keys() {
        let ev = |c, m| Key::from_event(&KeyEvent::new(c, m));
        assert_eq!(
            ev(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Key::parse("G").unwrap()
        );
        assert_eq!(
            ev(KeyCode::BackTab, KeyModifiers::SHIFT),
            Key::parse("shift-tab").unwrap()
        );
        assert_eq!(
            ev(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Key::parse("ctrl-d").unwrap()
        );
        assert_eq!(
            ev(KeyCode::Char('?'), KeyModifiers::SHIFT),
            Key::parse("?").unwrap()
        );
    }

    #[test]
    fn default_keymap_has_no_clash_and_binds_every_action() {
        let map = Keymap::defaults().unwrap_or_else(|e| panic!("{e}"));
        for d in actions::ACTIONS {
            assert!(
                !map.keys(d.context, d.name).is_empty(),
                "[{}] {} has no default key",
                d.context,
                d.name
            );
        }
    }

    #[test]
    fn a_clash_in_one_context_names_file_and_line() {
        let text = "[case]\ncomment = [\"c\"]\ndelegate = [\"c\"]\n";
        let err = Keymap::from_sources(DEFAULTS, Some(("keymap.toml", text))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "keymap.toml:3: [case] \"c\" is bound to both comment and delegate"
        );
    }

    #[test]
    fn a_clash_with_a_default_says_how_to_unbind() {
        let text = "\n[case]\ncomment = [\"d\"]\n";
        let err = Keymap::from_sources(DEFAULTS, Some(("u.toml", text))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "u.toml:3: [case] \"d\" is bound to both delegate and comment (a default; unbind it with delegate = [])"
        );
        let ok = "[case]\ncomment = [\"d\"]\ndelegate = [\"D\"]\n";
        let map = Keymap::from_sources(DEFAULTS, Some(("u.toml", ok))).unwrap();
        assert_eq!(
            map.lookup(Context::Case, Key::parse("d").unwrap()),
            Some(KeyAction::Comment)
        );
        assert_eq!(map.lookup(Context::Case, Key::parse("c").unwrap()), None);
    }

    #[test]
    fn empty_list_unbinds() {
        let map = Keymap::from_sources(DEFAULTS, Some(("u", "[list]\ntop = []\n"))).unwrap();
        assert_eq!(map.lookup(Context::List, Key::parse("g").unwrap()), None);
        assert!(map.keys(Context::List, "top").is_empty());
    }

    #[test]
    fn bad_files_give_one_line() {
        for (text, want) in [
            (
                "[list]\n\nbogus = [\"x\"]\n",
                "u:3: [list] unknown action \"bogus\"",
            ),
            ("[nope]\nx = []\n", "u:1: unknown table [nope]"),
            (
                "[list]\ndown = [\"ctrl-\"]\n",
                "u:2: [list] down: cannot read key \"ctrl-\"",
            ),
            (
                "[list]\ndown = \"j\"\n",
                "u:2: [list] down: expected a list of keys",
            ),
            ("[list]\ndown = [\"j\"\n", "u:2: "),
        ] {
            let err = Keymap::from_sources(DEFAULTS, Some(("u", text))).unwrap_err();
            let s = err.to_string();
            assert!(s.starts_with(want), "{text:?}: got {s:?}");
            assert!(!s.contains('\n'), "one line: {s:?}");
        }
    }
}
