//! The organisation: users (login = OS user name), workgroups, and the org structure (org
//! units in a tree, each with a manager and members).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub login: String,
    pub name: String,
    pub email: String,
    pub manager: Option<String>,
    pub groups: Vec<String>,
    pub admin: bool,
    /// The user's working-time calendar; none = the store default.
    pub calendar: Option<String>,
}

impl User {
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub manager: Option<String>,
    /// Where work offered to the group goes when it has nobody (no members, or only the
    /// one who may not decide): approvers from a group with no one resolve to this one.
    pub fallback: Option<String>,
    /// The working-time calendar of work the group holds (no single holder yet); none = the
    /// resource's, else the store default.
    pub calendar: Option<String>,
}

impl Group {
    pub fn new(name: &str) -> Group {
        Group {
            name: name.to_string(),
            manager: None,
            fallback: None,
            calendar: None,
        }
    }
}

/// An org unit (department, cost centre): a node of the org tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    /// What files and commands name it (`finance`, `it-ops`).
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub manager: Option<String>,
    pub members: Vec<String>,
}

/// Store-wide settings of the org structure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrgSettings {
    /// The chief approval team: a group whose members may decide any open approval step,
    /// and where steps go that find no approver or time out to it.
    pub chief_approvers: Option<String>,
}

/// Logins and group names: letters, digits, `-`, `_`, `.`; nothing that needs quoting.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
