//! The people picker: users and groups of the organisation, narrowed by a fuzzy query.

use std::sync::Arc;

use crate::api::Org;
use crate::domain::Target;
use crate::tui::fuzzy;
use crate::tui::input::TextInput;

/// A user or a group one can delegate to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickEntry {
    pub target: Target,
    /// The display name, or `@group`.
    pub label: String,
    /// The login, or the group name.
    pub login: String,
    pub groups: Vec<String>,
    pub manager: Option<String>,
    /// For a group: how many members it has.
    pub members: Option<usize>,
    hay: String,
}

impl PickEntry {
    pub fn is_group(&self) -> bool {
        matches!(self.target, Target::Group(_))
    }
}

/// The picker's entries: groups first, then users by name.
pub fn entries(org: &Org) -> Vec<PickEntry> {
    let mut groups: Vec<PickEntry> = org
        .groups
        .iter()
        .map(|g| {
            let label = format!("@{}", g.name);
            PickEntry {
                hay: fuzzy::haystack([label.as_str(), g.name.as_str()]),
                target: Target::Group(g.name.clone()),
                label,
                login: g.name.clone(),
                groups: vec![],
                manager: g.manager.clone(),
                members: Some(g.members.len()),
            }
        })
        .collect();
    groups.sort_by(|a, b| a.login.cmp(&b.login));
    let mut users: Vec<PickEntry> = org
        .users
        .iter()
        .map(|u| {
            let mut fields = vec![u.name.as_str(), u.login.as_str()];
            fields.extend(u.groups.iter().map(String::as_str));
            PickEntry {
                hay: fuzzy::haystack(fields),
                target: Target::User(u.login.clone()),
                label: u.name.clone(),
                login: u.login.clone(),
                groups: u.groups.clone(),
                manager: u.manager.clone(),
                members: None,
            }
        })
        .collect();
    users.sort_by_key(|u| u.label.to_lowercase());
    groups.extend(users);
    groups
}

#[derive(Debug, Clone)]
pub struct Picker {
    pub query: TextInput,
    pub entries: Arc<Vec<PickEntry>>,
    pub users_only: bool,
    /// Indices into `entries`, best first.
    pub matches: Vec<usize>,
    pub selected: usize,
    /// Whether the user moved to or picked an entry (an empty query picks nobody otherwise).
    pub chosen: bool,
}

impl Picker {
    pub fn new(entries: Arc<Vec<PickEntry>>, users_only: bool) -> Picker {
        let mut p = Picker {
            query: TextInput::single_line().with_placeholder("type a name, login or @group"),
            entries,
            users_only,
            matches: vec![],
            selected: 0,
            chosen: false,
        };
        p.refilter();
        p
    }

    pub fn set_entries(&mut self, entries: Arc<Vec<PickEntry>>) {
        self.entries = entries;
        self.refilter();
    }

    pub fn refilter(&mut self) {
        let terms = fuzzy::terms(&self.query.text());
        let mut scored: Vec<(i64, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !self.users_only || !e.is_group())
            .filter_map(|(i, e)| fuzzy::score(&terms, &e.hay).map(|s| (s, i)))
            .collect();
        if !terms.is_empty() {
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        self.matches = scored.into_iter().map(|(_, i)| i).collect();
        self.selected = 0;
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.matches.is_empty() {
            return;
        }
        let last = self.matches.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        self.chosen = true;
    }

    /// The entry that would be taken now.
    pub fn current(&self) -> Option<&PickEntry> {
        if !self.chosen && self.query.is_blank() {
            return None;
        }
        self.matches.get(self.selected).map(|i| &self.entries[*i])
    }
}
