//! The IT Shop half of the front door: the org structure, the product catalogue, approval
//! policies and the answers about them.

use serde::{Deserialize, Serialize};

use crate::domain::{ApprovalPolicy, Group, OrgSettings, OrgUnit, Product, Request, ShopSettings};

/// What `import orgs` sends: org units (added or replaced by id), workgroup settings (a
/// manager and a fallback group for existing groups) and the store-wide chief approval team.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrgImport {
    /// The chief approval team (a group); `None` leaves the current one.
    pub chief_approvers: Option<String>,
    pub units: Vec<OrgUnit>,
    pub groups: Vec<GroupSettings>,
}

/// What `import products` sends: products and approval policies (added or replaced by id
/// and name) and the store-wide shop settings the file sets (a `None` leaves the stored one).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CatalogueImport {
    pub products: Vec<Product>,
    pub policies: Vec<ApprovalPolicy>,
    pub settings: ShopSettings,
}

/// A workgroup's manager and fallback group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSettings {
    pub name: String,
    pub manager: Option<String>,
    pub fallback: Option<String>,
    /// The group's working-time calendar (replaced like the manager and fallback).
    #[serde(default)]
    pub calendar: Option<String>,
}

/// The org structure as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgStructure {
    pub settings: OrgSettings,
    /// Every org unit, by id.
    pub units: Vec<OrgUnit>,
    /// Every workgroup, with its manager and fallback.
    pub groups: Vec<Group>,
}

/// One org unit with where it sits in the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnitDetail {
    pub unit: OrgUnit,
    /// Its ancestors, the root first.
    pub path: Vec<String>,
    /// The ids of the units directly under it.
    pub children: Vec<String>,
}

/// One product with the approval policy it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub product: Product,
    pub policy: Option<ApprovalPolicy>,
    /// The owners of the resource it grants on, if any.
    pub resource_owners: Option<String>,
}

/// A request waiting for a decision of the asking user: the request and the open steps
/// they may decide (`W-12 manager`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub request: Request,
    pub product: Option<Product>,
    /// (work item, step name) of each open step the user may decide.
    pub steps: Vec<(crate::domain::WorkItemId, String)>,
}
