//! Text fields on top of ratatui-textarea: one-line fields (filter, prompt, picker query) and
//! the multi-line comment composer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui_textarea::TextArea;

#[derive(Debug, Clone)]
pub struct TextInput {
    area: TextArea<'static>,
    multi_line: bool,
}

impl TextInput {
    pub fn single_line() -> TextInput {
        let mut area = TextArea::default();
        area.set_cursor_line_style(Style::default());
        TextInput {
            area,
            multi_line: false,
        }
    }

    pub fn multi_line() -> TextInput {
        let mut area = TextArea::default();
        area.set_cursor_line_style(Style::default());
        TextInput {
            area,
            multi_line: true,
        }
    }

    pub fn with_placeholder(mut self, text: &str) -> TextInput {
        self.area.set_placeholder_text(text);
        self
    }

    /// Whether the field takes this key (typing, editing, moving inside the text). Keys it
    /// does not take go on to the keymap: arrows up/down and Enter in a one-line field.
    pub fn takes(&self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if !ctrl && !alt => !c.is_control(),
            KeyCode::Char(c) if ctrl && !alt => {
                matches!(c, 'a' | 'e' | 'b' | 'f' | 'h' | 'w' | 'k' | 'u')
                    || (self.multi_line && matches!(c, 'z' | 'y' | 'j' | 'm' | 'n' | 'p'))
            }
            KeyCode::Char(c) if alt => matches!(c, 'b' | 'f' | 'd'),
            KeyCode::Backspace | KeyCode::Delete | KeyCode::Left | KeyCode::Right => true,
            KeyCode::Home | KeyCode::End => true,
            KeyCode::Enter | KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                self.multi_line
            }
            _ => false,
        }
    }

    /// Applies a key the field takes; returns whether the text changed.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        if !self.takes(&key) {
            return false;
        }
        let before = self.area.lines().to_vec();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.area.delete_line_by_head();
            }
            KeyCode::Char('a') if ctrl => self.area.move_cursor(ratatui_textarea::CursorMove::Head),
            KeyCode::Char('e') if ctrl => self.area.move_cursor(ratatui_textarea::CursorMove::End),
            _ => {
                self.area.input(key);
            }
        }
        self.area.lines() != before.as_slice()
    }

    /// Pasted text; newlines become spaces in a one-line field.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = if self.multi_line {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text.replace(['\r', '\n'], " ")
        };
        self.area.insert_str(text)
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn is_blank(&self) -> bool {
        self.text().trim().is_empty()
    }

    pub fn set_text(&mut self, text: &str) {
        let lines: Vec<String> = if self.multi_line {
            text.lines().map(str::to_string).collect()
        } else {
            vec![text.replace('\n', " ")]
        };
        let placeholder = self.area.placeholder_text().to_string();
        self.area = TextArea::new(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        self.area.set_cursor_line_style(Style::default());
        self.area.set_placeholder_text(placeholder);
        self.area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        self.area.move_cursor(ratatui_textarea::CursorMove::End);
    }

    pub fn clear(&mut self) {
        self.set_text("");
    }

    /// The cursor as (row, column in chars).
    pub fn cursor(&self) -> (usize, usize) {
        self.area.cursor()
    }

    /// The widget, styled for drawing (`focused` shows the cursor).
    pub fn widget(&self, style: Style, cursor: Style, placeholder: Style) -> TextArea<'static> {
        let mut a = self.area.clone();
        a.set_style(style);
        a.set_cursor_style(cursor);
        a.set_placeholder_style(placeholder);
        a
    }
}
