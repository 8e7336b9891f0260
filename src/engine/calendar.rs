//! Working-time calendars: their import (all or nothing) and the reads of them.

use std::collections::BTreeSet;

use super::{authz, Engine, Tx};
use crate::api::{ApiError, CalendarList};
use crate::domain::{Calendar, EventKind, User};

impl Engine {
    /// Adds or replaces `calendars` by name and, with `default`, sets the store's default
    /// (a calendar of the file or one the store has).
    pub(super) fn import_calendars(
        &self,
        tx: &mut Tx,
        user: &User,
        calendars: Vec<Calendar>,
        default: Option<String>,
    ) -> Result<String, ApiError> {
        authz::may_administer(user, "import calendars")?;
        if calendars.is_empty() && default.is_none() {
            return Err(ApiError::BadInput("no calendars to import".into()));
        }
        let mut names = BTreeSet::new();
        for c in &calendars {
            c.validate()?;
            if !names.insert(c.name.as_str()) {
                return Err(ApiError::BadInput(format!(
                    "calendar {:?}: defined twice",
                    c.name
                )));
            }
        }
        if let Some(d) = &default {
            if !names.contains(d.as_str()) && self.store.calendar(d)?.is_none() {
                return Err(ApiError::BadInput(format!("default: no calendar {d:?}")));
            }
            tx.ws.put_default_calendar(d);
        }
        for c in &calendars {
            tx.ws.put_calendar(c);
            let is_default = default.as_deref() == Some(c.name.as_str());
            let what = EventKind::CalendarImported {
                name: c.name.clone(),
                default: is_default,
            };
            tx.event(None, what, None);
        }
        if let Some(d) = default.as_ref().filter(|d| !names.contains(d.as_str())) {
            let what = EventKind::CalendarImported {
                name: d.clone(),
                default: true,
            };
            tx.event(None, what, None);
        }
        Ok(format!(
            "imported {} calendars{}",
            calendars.len(),
            default.map_or(String::new(), |d| format!("; default {d}"))
        ))
    }

    pub(super) fn calendar_list(&self) -> Result<CalendarList, ApiError> {
        Ok(CalendarList {
            calendars: self.store.calendars()?,
            default: self.store.default_calendar()?,
        })
    }

    /// A calendar by name, or (none named) the store's default.
    pub(super) fn calendar_named(&self, name: Option<&str>) -> Result<Calendar, ApiError> {
        let name = match name {
            Some(n) => n.to_string(),
            None => self.store.default_calendar()?.ok_or_else(|| {
                ApiError::NotFound(
                    "no default calendar: import one (casebench import calendars FILE.toml, with default = NAME)".into(),
                )
            })?,
        };
        self.store
            .calendar(&name)?
            .ok_or_else(|| ApiError::NotFound(format!("no calendar {name:?}")))
    }
}
