//! The pure domain: types, state machines and rules. No IO, no clock reads:
//! every function that needs the time takes `now` as an argument.

pub mod approval;
pub mod archive;
pub mod calendar;
pub mod campaign;
pub mod case;
pub mod duration;
pub mod error;
pub mod event;
mod event_meta;
pub mod ids;
pub mod itsm;
pub mod kpi;
pub mod notification;
pub mod org;
pub mod policy;
pub mod product;
pub mod request;
pub mod resource;
pub mod shop;
pub mod text;
pub mod time;
pub mod work_item;

pub use approval::{Approval, ApprovalPolicy, ApprovalTimer, StepRun, StepState};
pub use archive::ArchivedCase;
pub use calendar::Calendar;
pub use campaign::{CampaignDef, CampaignRun, CertItem};
pub use case::{Case, CaseKind, CaseState, OpRef, Outcome};
pub use duration::parse_duration;
pub use error::DomainError;
pub use event::{Event, EventKind};
pub use ids::{CaseId, RequestId, WorkItemId};
pub use itsm::{Outsourcing, TicketEvent, TicketState};
pub use notification::Notification;
pub use org::{Group, OrgSettings, OrgUnit, User};
pub use policy::{Policy, TimerRef};
pub use product::{GapCount, GapFitting, GapRule, Product};
pub use request::{Request, RequestState, ValidityKind, ValidityTimer};
pub use resource::{
    AttrChange, Candidate, Correlation, Execution, OpKind, OpResult, PendingOperation,
    ProvisioningMode, Resource, ResourceKind, Shadow, ShadowState,
};
pub use shop::ShopSettings;
pub use text::neutralise;
pub use work_item::{DelegationMethod, Target, WorkItem, WorkItemState};
