//! The case shown in the detail and comments panes: the last one asked for, as loaded.

use crate::api::{CaseDetail, CaseHistory};
use crate::domain::CaseId;

#[derive(Debug, Clone, Default)]
pub struct CaseView {
    /// The case asked for (the selection, or one opened from the prompt).
    pub id: Option<CaseId>,
    pub detail: Option<CaseDetail>,
    pub history: Option<CaseHistory>,
    pub loading: bool,
    pub error: Option<String>,
    /// First line shown in the detail pane.
    pub scroll: usize,
    /// First line shown in the comments pane.
    pub comments_scroll: usize,
    /// Stick to the end of the comment thread (the newest) until scrolled up.
    pub comments_follow: bool,
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
    }

    pub fn clear(&mut self) {
        *self = CaseView::default();
    }

    /// The loaded detail, if it is of the case asked for.
    pub fn current(&self) -> Option<&CaseDetail> {
        self.detail.as_ref().filter(|d| Some(d.case.id) == self.id)
    }
}
