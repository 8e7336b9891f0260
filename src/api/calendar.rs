//! Working-time calendars as the front ends see them.

use serde::{Deserialize, Serialize};

use crate::domain::Calendar;

/// Every calendar of the store and which is the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarList {
    pub calendars: Vec<Calendar>,
    /// The store-wide default's name (none until a file names one).
    pub default: Option<String>,
}
