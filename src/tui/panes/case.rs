//! The case shown in the detail and comments panes: the last one asked for, as loaded, where
//! each pane is scrolled to, and how many lines each pane's text takes at its width.

use crate::api::{ApiError, CaseDetail, CaseHistory};
use crate::domain::CaseId;

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
    counts: LineCounts,
    /// The version and pane widths `counts` were measured for.
    measured: Option<(u64, (u16, u16))>,
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
        self.counts
    }

    /// Whether the counts are stale for the panes' inner `widths` (detail, comments).
    pub fn needs_measure(&self, widths: (u16, u16)) -> bool {
        self.measured != Some((self.version, widths))
    }

    pub fn set_line_counts(&mut self, counts: LineCounts, widths: (u16, u16)) {
        self.counts = counts;
        self.measured = Some((self.version, widths));
    }
}
