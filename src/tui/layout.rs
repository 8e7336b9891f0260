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
