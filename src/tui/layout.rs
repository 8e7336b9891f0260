//! Where the panes go for a terminal size: side by side on large screens, one at a time (the
//! focused one) on small ones such as 80×24. Drawing and paging both read it.

use ratatui::layout::{Constraint, Layout, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Inbox,
    Detail,
    Comments,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Inbox, Pane::Detail, Pane::Comments];

    pub fn label(self) -> &'static str {
        match self {
            Pane::Inbox => "Inbox",
            Pane::Detail => "Case",
            Pane::Comments => "Comments",
        }
    }

    pub fn next(self) -> Pane {
        match self {
            Pane::Inbox => Pane::Detail,
            Pane::Detail => Pane::Comments,
            Pane::Comments => Pane::Inbox,
        }
    }

    pub fn prev(self) -> Pane {
        self.next().next()
    }
}

/// The screen's regions. A pane not shown has no area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    pub inbox: Option<Rect>,
    pub detail: Option<Rect>,
    pub comments: Option<Rect>,
    pub hints: Rect,
    pub status: Rect,
    /// All panes shown at once.
    pub wide: bool,
}

impl Areas {
    /// The area of `pane`, when shown.
    pub fn of(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Inbox => self.inbox,
            Pane::Detail => self.detail,
            Pane::Comments => self.comments,
        }
    }
}

/// Panes side by side from this size on.
pub const WIDE: (u16, u16) = (100, 30);

pub fn areas(size: Rect, focus: Pane) -> Areas {
    let [header, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(size);
    let wide = size.width >= WIDE.0 && size.height >= WIDE.1;
    let mut a = Areas {
        header,
        hints,
        status,
        wide,
        ..Areas::default()
    };
    if wide {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(body);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(bottom);
        a.inbox = Some(top);
        a.detail = Some(left);
        a.comments = Some(right);
    } else {
        match focus {
            Pane::Inbox => a.inbox = Some(body),
            Pane::Detail => a.detail = Some(body),
            Pane::Comments => a.comments = Some(body),
        }
    }
    a
}

/// Inside a bordered pane.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x + 1,
        y: r.y + 1,
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// How many case lines the inbox shows (the border, the column heads and the filter line
/// take the rest).
pub fn inbox_rows(r: Rect, filter_line: bool) -> usize {
    (inner(r).height as usize).saturating_sub(1 + usize::from(filter_line))
}

/// What a mouse event did, of those the TUI answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    ScrollDown,
    ScrollUp,
    Click,
}

impl MouseKind {
    pub fn of(kind: crossterm::event::MouseEventKind) -> Option<MouseKind> {
        use crossterm::event::{MouseButton, MouseEventKind as M};
        match kind {
            M::ScrollDown => Some(MouseKind::ScrollDown),
            M::ScrollUp => Some(MouseKind::ScrollUp),
            M::Down(MouseButton::Left) => Some(MouseKind::Click),
            _ => None,
        }
    }
}

/// What a mouse event landed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A pane, not on one of the inbox's case lines.
    Pane(Pane),
    /// The inbox's case line of this index (it may be past the last case).
    InboxLine(usize),
}

impl Hit {
    pub fn pane(self) -> Pane {
        match self {
            Hit::Pane(p) => p,
            Hit::InboxLine(_) => Pane::Inbox,
        }
    }
}

/// A mouse event as the app sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    /// `None` outside the panes.
    pub hit: Option<Hit>,
}

/// How the inbox's lines sit in its area: whether the filter line shows, the first case shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxLines {
    pub filter_line: bool,
    pub offset: usize,
}

/// The pane (and inbox line) under the cell `(column, row)`.
pub fn hit(a: &Areas, inbox: InboxLines, (column, row): (u16, u16)) -> Option<Hit> {
    let at = |r: Option<Rect>| {
        r.filter(|r| column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height)
    };
    if let Some(r) = at(a.inbox) {
        // Border, column heads, then the filter line when shown.
        let first = r.y + 2 + u16::from(inbox.filter_line);
        if row < first {
            return Some(Hit::Pane(Pane::Inbox));
        }
        return Some(Hit::InboxLine(inbox.offset + (row - first) as usize));
    }
    if at(a.detail).is_some() {
        Some(Hit::Pane(Pane::Detail))
    } else if at(a.comments).is_some() {
        Some(Hit::Pane(Pane::Comments))
    } else {
        None
    }
}
