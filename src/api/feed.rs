//! What a semi-manual resource's export says about its accounts, as the engine reads it.

use serde::{Deserialize, Serialize};

/// One account of a semi-manual export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRow {
    pub line: u64,
    pub key: String,
    pub attributes: FeedAttributes,
}

/// An account's columns in an export, by name: a sorted vector, not a map (a map's node per
/// row made a 100,000-row export cost tens of MB more).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeedAttributes(Vec<(String, String)>);

impl FeedAttributes {
    /// The value of column `name`.
    pub fn get(&self, name: &str) -> Option<&String> {
        let at = self
            .0
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()?;
        Some(&self.0[at].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// As a map, for what keeps one (a correlation case, the ranking of candidates).
    pub fn to_map(&self) -> std::collections::BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl FromIterator<(String, String)> for FeedAttributes {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        // As a map's would: of two columns of one name, the later one counts.
        let mut v: Vec<(String, String)> = iter.into_iter().collect();
        v.reverse();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|later, first| later.0 == first.0);
        v.shrink_to_fit();
        FeedAttributes(v)
    }
}

impl<const N: usize> From<[(String, String); N]> for FeedAttributes {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl std::ops::Index<&str> for FeedAttributes {
    type Output = String;
    fn index(&self, name: &str) -> &String {
        self.get(name)
            .unwrap_or_else(|| panic!("no column {name:?} in the row"))
    }
}
