//! The case shown in the detail and comments panes: the last one asked for, as loaded, where
//! each pane is scrolled to, and how many lines each pane's text takes at its width.

use std::sync::Arc;

use ratatui::text::Line;

use crate::api::{ApiError, CaseDetail, CaseHistory};
use crate::domain::CaseId;

/// The detail and comments text, laid out at the widths they are shown at: built when a case
/// arrives, the panes change width or the minute turns (relative times), not on every frame.
#[derive(Debug, Clone, Default)]
pub struct CaseLines {
    pub detail: Vec<Line<'static>>,
    pub comments: Vec<Line<'static>>,
}

/// What the text was laid out for: the case's version, the panes' inner widths, the minute.
pub type LayoutKey = (u64, (u16, u16), i64);

/// Lines of the detail and comments text at the widths they are shown at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCounts {
    pub detail: usize,
    pub comments: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CaseView {
    /// The case asked for (the selection, or one opened from the prompt).
    id: Option<CaseId>,
    detail: Option<CaseDetail>,
    history: Option<CaseHistory>,
    loading: bool,
    error: Option<String>,
    /// First line shown in the detail pane.
    scroll: usize,
    /// First line shown in the comments pane.
    comments_scroll: usize,
    /// Stick to the end of the comment thread (the newest) until scrolled up.
    comments_follow: bool,
    /// Bumped whenever what the panes show changes.
    version: u64,
    lines: Arc<CaseLines>,
    /// What `lines` were laid out for.
    measured: Option<LayoutKey>,
}

impl CaseView {
    /// Shows `id` next; keeps what is shown until it arrives when it is the same case.
    pub fn ask(&mut self, id: CaseId) {
        if self.id != Some(id) {
            self.detail = None;
            self.history = None;
            self.scroll = 0;
            self.comments_scroll = 0;
            self.comments_follow = true;
        }
        self.id = Some(id);
        self.loading = true;
        self.error = None;
        self.version += 1;
    }

    pub fn clear(&mut self) {
        let version = self.version + 1;
        *self = CaseView {
            version,
            ..CaseView::default()
        };
    }

    /// A load of `case` came back.
    pub fn loaded(&mut self, case: CaseId, result: Result<(CaseDetail, CaseHistory), ApiError>) {
        self.loading = false;
        match result {
            Ok((detail, history)) => {
                self.detail = Some(detail);
                self.history = Some(history);
                self.error = None;
            }
            Err(e) => {
                self.detail = None;
                self.history = None;
                self.error = Some(format!("cannot show {case}: {e}"));
            }
        }
        self.version += 1;
    }

    /// Loads the case again (a refresh): what is shown stays until it arrives.
    pub fn reload(&mut self) {
        self.loading = true;
    }

    /// The loaded detail, if it is of the case asked for.
    pub fn current(&self) -> Option<&CaseDetail> {
        self.detail.as_ref().filter(|d| Some(d.case.id) == self.id)
    }

    pub fn id(&self) -> Option<CaseId> {
        self.id
    }

    pub fn history(&self) -> Option<&CaseHistory> {
        self.history.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// The first line shown in the detail pane, for `max` the last first line.
    pub fn scroll(&self, max: usize) -> usize {
        self.scroll.min(max)
    }

    /// The first line shown in the comments pane: the end while it follows the thread.
    pub fn comments_scroll(&self, max: usize) -> usize {
        if self.comments_follow {
            max
        } else {
            self.comments_scroll.min(max)
        }
    }

    pub fn scroll_to(&mut self, line: usize) {
        self.scroll = line;
    }

    /// Scrolls the comments to `line` of at most `max`; at the end it follows the thread.
    pub fn scroll_comments_to(&mut self, line: usize, max: usize) {
        self.comments_scroll = line;
        self.comments_follow = line >= max;
    }

    pub fn line_counts(&self) -> LineCounts {
        LineCounts {
            detail: self.lines.detail.len(),
            comments: self.lines.comments.len(),
        }
    }

    /// The text as laid out last, and the pane widths it was laid out for.
    pub fn lines(&self) -> (&CaseLines, Option<(u16, u16)>) {
        (&self.lines, self.measured.map(|(_, w, _)| w))
    }

    /// Whether the text must be laid out again for the panes' inner `widths` (detail,
    /// comments) at `minute`.
    pub fn needs_layout(&self, widths: (u16, u16), minute: i64) -> bool {
        self.measured != Some((self.version, widths, minute))
    }

    pub fn set_lines(&mut self, lines: CaseLines, widths: (u16, u16), minute: i64) {
        self.lines = Arc::new(lines);
        self.measured = Some((self.version, widths, minute));
    }
}
