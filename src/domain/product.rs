//! The IT Shop's catalogue: products a user may request, each with what it grants, who
//! owns it, how it is approved and how long it lasts.

use serde::{Deserialize, Serialize};

use super::RequestState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// What `request new` names (`vpn`, `sap-hr-clerk`).
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The resource whose entitlement the product grants; none = nothing provisionable.
    pub resource: Option<String>,
    /// The entitlement on that resource (a group, a role, a profile).
    pub entitlement: Option<String>,
    /// The group that owns the product (approver source `product-owners`).
    pub owners: Option<String>,
    /// The approval policy; none = approved when requested.
    pub policy: Option<String>,
    /// How long an approved request lasts (seconds); none = until removed.
    pub validity_secs: Option<i64>,
    /// Requestable many times: an approved request is recorded and never becomes a
    /// standing assignment.
    pub multi_request: bool,
    pub unsubscribable: bool,
    pub renewable: bool,
    /// How many times a request may be renewed; none = without limit (when renewable).
    pub max_renewals: Option<u32>,
    /// The approval policy of an unsubscription; none = unsubscribed when asked.
    pub unsubscription_policy: Option<String>,
    /// This product's gap rule; none = the store-wide one (`ShopSettings::gap`).
    pub gap: Option<GapRule>,
    /// The org units whose members (their sub-units' included) may request it; empty =
    /// anyone (One Identity's shelves assigned to org units).
    pub units: Vec<String>,
    /// The working-time calendar of its approval steps when the approver has none; none =
    /// the approval policy's, else the resource's, else the store default.
    pub calendar: Option<String>,
}

/// Which existing requests of a product for the same recipient a new one is checked
/// against (One Identity's GapDefinition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GapCount {
    /// In approval.
    Pending,
    /// Approved, the access not started (valid-from ahead) or recorded (multi-request).
    Approved,
    /// Holding the access (also while a renewal or unsubscription is in approval).
    Assigned,
}

impl GapCount {
    pub const ALL: [GapCount; 3] = [GapCount::Pending, GapCount::Approved, GapCount::Assigned];

    pub fn name(self) -> &'static str {
        match self {
            GapCount::Pending => "pending",
            GapCount::Approved => "approved",
            GapCount::Assigned => "assigned",
        }
    }

    pub fn covers(self, state: RequestState) -> bool {
        match self {
            GapCount::Pending => state == RequestState::Request,
            GapCount::Approved => matches!(state, RequestState::Approved | RequestState::Pending),
            GapCount::Assigned => state.holds_access(),
        }
    }
}

/// How the validity period of a new request may lie against the counted ones (One
/// Identity's GapFitting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GapFitting {
    /// It may overlap them: accepted when some part of it lies in a free slot.
    Overlap,
    /// It must lie wholly in one free slot.
    NoOverlap,
    /// Periods are not compared: any counted request is a collision.
    Unchecked,
}

impl GapFitting {
    pub fn name(self) -> &'static str {
        match self {
            GapFitting::Overlap => "overlap",
            GapFitting::NoOverlap => "no-overlap",
            GapFitting::Unchecked => "unchecked",
        }
    }
}

/// Which requests count and how a new one must fit between them. The default is one live
/// request per product: every pending, approved and assigned request counts, unchecked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GapRule {
    pub counts: Vec<GapCount>,
    pub fitting: GapFitting,
}

impl Default for GapRule {
    fn default() -> Self {
        GapRule {
            counts: GapCount::ALL.to_vec(),
            fitting: GapFitting::Unchecked,
        }
    }
}

impl GapRule {
    /// Whether a request in `state` counts.
    pub fn counts(&self, state: RequestState) -> bool {
        self.counts.iter().any(|c| c.covers(state))
    }
}

impl std::fmt::Display for GapRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts: Vec<&str> = self.counts.iter().map(|c| c.name()).collect();
        write!(f, "{} ({})", counts.join("|"), self.fitting.name())
    }
}

impl Product {
    /// A product that only records requests (tests, ad-hoc catalogues): no resource, no
    /// approval, unlimited.
    pub fn plain(id: &str) -> Product {
        Product {
            id: id.to_string(),
            name: id.to_string(),
            description: None,
            resource: None,
            entitlement: None,
            owners: None,
            policy: None,
            validity_secs: None,
            multi_request: false,
            unsubscribable: true,
            renewable: true,
            max_renewals: None,
            unsubscription_policy: None,
            gap: None,
            units: vec![],
            calendar: None,
        }
    }
}

/// The catalogue entries closest to `wanted`, best first (for "no product X; did you mean").
pub fn closest<'a>(wanted: &str, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = ids
        .into_iter()
        .map(|id| {
            let l = id.to_lowercase();
            let mut d = distance(&w, &l);
            if l.contains(&w) || w.contains(&l) {
                d = d.min(2);
            }
            (d, id)
        })
        .filter(|(d, id)| *d <= (id.chars().count().max(w.chars().count()) / 2).max(2))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| id.to_string())
        .collect()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_typos_and_parts() {
        let ids = ["vpn", "vpn-admin", "sap-hr-clerk", "badge-hq", "dwh-read"];
        assert_eq!(closest("vnp", ids), vec!["vpn"]);
        assert_eq!(closest("sap", ids), vec!["sap-hr-clerk"]);
        assert_eq!(closest("vpn-admn", ids)[0], "vpn-admin");
        assert!(closest("zzzzzz", ids).is_empty());
    }
}
