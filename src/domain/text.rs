//! Text from outside (titles, comments, account names from an export) made safe for a
//! terminal: control characters, escape sequences and bidi overrides become visible escapes.
//! The store and `--json` keep the text as it came; every human output shows it through
//! [`neutralise`].

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` would act on a terminal instead of being shown: C0 and C1 controls, DEL,
/// bidi embeddings, overrides, isolates and marks.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
        )
}

/// `s` with every character that would act on a terminal (ESC and so every ANSI/OSC sequence,
/// CR, backspace, newline, tab, C1 controls, DEL, bidi overrides and isolates) written as a
/// visible escape: `\x1b`, `\r`, `\n`, `\t`, `\u{9b}`, `\u{202e}`. Unchanged (borrowed) when
/// there is nothing to escape; other text, backslashes included, stays as it is.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(acts) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if !acts(c) => out.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Like [`neutralise`], but newlines stay: text of several lines (a description, a comment)
/// keeps its lines, each of them neutralised.
pub fn neutralise_lines(s: &str) -> Cow<'_, str> {
    if !s.contains(|c: char| c != '\n' && acts(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(neutralise).collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        for s in [
            "",
            "Access for bob",
            "日本語 e\u{301}",
            r"DOMAIN\bob",
            "a→b",
        ] {
            assert!(matches!(neutralise(s), Cow::Borrowed(_)), "{s:?}");
            assert_eq!(neutralise(s), s);
        }
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(neutralise("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
        assert_eq!(
            neutralise("\x1b]0;owned\x07title"),
            "\\x1b]0;owned\\x07title"
        );
        assert_eq!(
            neutralise("\x1b]52;c;ZXZpbA==\x1b\\"),
            "\\x1b]52;c;ZXZpbA==\\x1b\\"
        );
        assert_eq!(neutralise("ok\rFAKE"), "ok\\rFAKE");
        assert_eq!(neutralise("abc\x08\x08x"), "abc\\x08\\x08x");
        assert_eq!(neutralise("a\nb\tc\0"), "a\\nb\\tc\\x00");
        assert_eq!(neutralise("del\x7f"), "del\\x7f");
        assert_eq!(neutralise("c1\u{9b}31m"), "c1\\u{9b}31m");
    }

    #[test]
    fn bidi_controls_become_visible() {
        assert_eq!(neutralise("alice\u{202e}nimda"), "alice\\u{202e}nimda");
        assert_eq!(neutralise("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(neutralise("\u{202a}\u{202d}"), "\\u{202a}\\u{202d}");
    }

    #[test]
    fn lines_keep_their_newlines() {
        assert_eq!(neutralise_lines("one\ntwo"), "one\ntwo");
        assert!(matches!(neutralise_lines("one\ntwo"), Cow::Borrowed(_)));
        assert_eq!(neutralise_lines("a\x1b[2J\nb\r"), "a\\x1b[2J\nb\\r");
    }
}
