//! The one boundary between the front ends (CLI, TUI, the socket) and the engine: commands,
//! queries, their answers and errors, all serializable, and the [`Service`] that takes them.
//! Imports nothing of ours but `domain`.

mod archive;
pub mod asof;
mod calendar;
mod campaign;
mod feed;
pub mod itsm;
mod queue;
mod records;
mod report;
mod shop;
mod sweep;
mod views;

pub use archive::{ArchiveReport, ArchiveStatus, CompactReport};
pub use asof::CaseAsOf;
pub use calendar::CalendarList;
pub use itsm::{ItsmStatus, SyncReport};
pub use records::{NewCase, UserRecord};
pub use report::{KpiArgs, KpiFigure, KpiGroup, KpiGroupRow, KpiOffender, KpiReport, Percentiles};
pub use sweep::{Firing, SweepArgs, SweepReport};
pub use views::{CaseDetail, CaseHistory, CommentView, OperationView, RequestDetail};

pub use campaign::{
    CampaignDetail, CampaignRecord, CampaignReport, CampaignSummary, CertItemPage, DecisionRow,
    ItemFilter, ItemPick, RemediationRow, ReportRow, ReviewerProgress, Tally,
};

pub use feed::{FeedAttributes, FeedRow, FeedRows, MAX_FEED_COLUMNS};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use shop::{
    CatalogueImport, GroupSettings, OrgImport, OrgStructure, OrgUnitDetail, PendingApproval,
    ProductDetail,
};

use crate::domain::{
    CaseId, CaseKind, CaseState, DelegationMethod, DomainError, Notification, Outcome, Request,
    RequestId, Resource, Shadow, Target, User, WorkItemId,
};

/// A change asked of the engine. `Engine::execute(actor, Command)` is the only write path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    CreateCase(NewCase),
    Claim {
        case: CaseId,
        work_item: Option<WorkItemId>,
    },
    Assign {
        case: CaseId,
        work_item: Option<WorkItemId>,
        to: String,
        comment: Option<String>,
    },
    Delegate {
        case: CaseId,
        work_item: Option<WorkItemId>,
        to: Target,
        method: DelegationMethod,
        comment: Option<String>,
    },
    Escalate {
        case: CaseId,
        work_item: Option<WorkItemId>,
        to: Option<Target>,
        comment: Option<String>,
    },
    Comment {
        case: CaseId,
        text: String,
    },
    Complete {
        case: CaseId,
        work_item: Option<WorkItemId>,
        outcome: Outcome,
        comment: Option<String>,
    },
    Close {
        case: CaseId,
        outcome: Option<Outcome>,
        comment: Option<String>,
    },
    Cancel {
        case: CaseId,
        comment: Option<String>,
    },
    ImportUsers {
        users: Vec<UserRecord>,
    },
    /// Requests access to a catalogue product for a user, valid from/until: the product's
    /// approval workflow starts (approved at once when it has none).
    RequestAccess {
        product: String,
        /// Who gets the access (default: the requester).
        recipient: Option<String>,
        #[serde(with = "crate::domain::time::ts_opt")]
        valid_from: Option<DateTime<Utc>>,
        #[serde(with = "crate::domain::time::ts_opt")]
        valid_until: Option<DateTime<Utc>>,
        /// How long before valid-until the recipient is told, in seconds.
        notice_secs: Option<i64>,
        reason: Option<String>,
    },
    /// Adds or replaces manual and semi-manual resources by id.
    ImportResources {
        resources: Vec<crate::domain::Resource>,
    },
    /// Records a pending operation on an account of a manual resource; a case (now, or when
    /// the propagation interval ends) asks the resource's owners to carry it out.
    Provision {
        resource: String,
        account: String,
        owner: Option<String>,
        kind: crate::domain::OpKind,
        /// Attributes to set (`None` removes one).
        set: Vec<(String, Option<String>)>,
    },
    /// Reads a semi-manual resource's export: confirm, diverge, correlate.
    ReadFeed {
        resource: String,
        /// The file, for messages.
        label: String,
        fingerprint: String,
        rows: FeedRows,
    },
    /// Resolves a correlation case: the account's owner, or none (an orphan).
    Correlate {
        case: CaseId,
        owner: Option<String>,
    },
    /// Adds or replaces escalation policies by name.
    ImportPolicies {
        policies: Vec<crate::domain::Policy>,
    },
    /// A consistent copy of the whole store in the new directory `dest`, taken while it is in
    /// use (administrators). Changes nothing in the store.
    Backup {
        dest: std::path::PathBuf,
    },
    /// Org units, workgroup managers and fallbacks, the chief approval team
    /// (administrators; all-or-nothing).
    ImportOrgs(OrgImport),
    /// Products and approval policies, added or replaced by id and name (administrators;
    /// all-or-nothing). A product may name a policy of the same import.
    ImportProducts {
        products: Vec<crate::domain::Product>,
        policies: Vec<crate::domain::ApprovalPolicy>,
    },
    /// `ImportProducts` with the store-wide shop settings of the products file (the local
    /// zone, the default gap rule); all-or-nothing.
    ImportCatalogue(CatalogueImport),
    /// Approves or denies an open approval step of a request: the actor's own (the only one
    /// they may decide, or `work_item`), or as the chief approval team any.
    Decide {
        request: RequestId,
        work_item: Option<WorkItemId>,
        approve: bool,
        comment: Option<String>,
    },
    Renew {
        request: RequestId,
        #[serde(with = "crate::domain::time::ts")]
        until: DateTime<Utc>,
    },
    CancelRequest {
        request: RequestId,
        #[serde(with = "crate::domain::time::ts_opt")]
        from: Option<DateTime<Utc>>,
    },
    /// Certification campaign definitions (administrators), all or nothing.
    ImportCampaigns {
        campaigns: Vec<CampaignRecord>,
    },
    /// Starts a run of a definition: its items snapshotted, stage 1 opened (deadline:
    /// `deadline`, else the stage's duration).
    StartCampaign {
        name: String,
        #[serde(with = "crate::domain::time::ts_opt")]
        deadline: Option<DateTime<Utc>>,
    },
    /// Decides items of a run (`NAME` = its latest run, or `NAME#N`); a decision may be
    /// changed until its stage ends.
    CertDecide {
        campaign: String,
        items: ItemPick,
        decision: crate::domain::campaign::Decision,
        comment: Option<String>,
    },
    /// Ends the running stage now, as its deadline would.
    AdvanceCampaign {
        campaign: String,
    },
    /// Ends the review (what is undecided stays so), carries out the revocations, and
    /// closes the run when nothing is left to carry out.
    CloseCampaign {
        campaign: String,
    },
    /// Reviews again, from stage 1, only the items nobody decided.
    ReiterateCampaign {
        campaign: String,
    },
    /// Working-time calendars, added or replaced by name, and the store-wide default
    /// (administrators; all-or-nothing).
    ImportCalendars {
        calendars: Vec<crate::domain::Calendar>,
        default: Option<String>,
    },
    /// Sends a case to a ticket system (`[itsm.NAME]`): its ticket is created at the next
    /// sync.
    Outsource {
        case: CaseId,
        target: String,
    },
    /// Pushes new outsourced cases and polls open tickets (administrators, and the sweep).
    SyncTickets {
        target: Option<String>,
        dry_run: bool,
    },
    /// Moves closed and cancelled cases closed before `before` to the archive (at most
    /// `max`; administrators), or counts them (`dry_run`).
    Archive {
        #[serde(with = "crate::domain::time::ts")]
        before: DateTime<Utc>,
        dry_run: bool,
        max: Option<u64>,
    },
}

/// What a command changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Applied {
    pub case: Option<CaseId>,
    pub work_item: Option<WorkItemId>,
    pub request: Option<crate::domain::RequestId>,
    /// Sequence numbers of the events recorded.
    pub events: Vec<u64>,
    pub message: String,
    /// What a ticket sync did (`SyncTickets`).
    #[serde(default)]
    pub sync: Option<itsm::SyncReport>,
    /// What an archive run did (`Archive`).
    #[serde(default)]
    pub archive: Option<ArchiveReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Queue {
    /// Open work items assigned to me.
    #[default]
    Mine,
    /// Open work items offered to one of my groups.
    Claimable,
    /// Open work items I delegated away.
    Delegated,
    /// Every case not closed or cancelled.
    Open,
    /// Open work items past their deadline.
    Overdue,
    /// Closed and cancelled cases.
    Closed,
    All,
    /// Cases whose ticket in a ticket system is not settled yet.
    Outsourced,
}

impl Queue {
    pub const ALL: [Queue; 8] = [
        Queue::Mine,
        Queue::Claimable,
        Queue::Delegated,
        Queue::Open,
        Queue::Overdue,
        Queue::Closed,
        Queue::All,
        Queue::Outsourced,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Queue::Mine => "mine",
            Queue::Claimable => "claimable",
            Queue::Delegated => "delegated",
            Queue::Open => "open",
            Queue::Overdue => "overdue",
            Queue::Closed => "closed",
            Queue::All => "all",
            Queue::Outsourced => "outsourced",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CaseQuery {
    pub queue: Queue,
    pub state: Option<CaseState>,
    pub kind: Option<CaseKind>,
    pub filter: Option<String>,
    pub limit: Option<usize>,
}

/// One line of an inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: CaseId,
    pub kind: CaseKind,
    pub title: String,
    pub state: CaseState,
    pub outcome: Option<Outcome>,
    pub requester: String,
    pub resource: Option<String>,
    /// The open work item the row is about (the most urgent), if any.
    pub work_item: Option<WorkItemId>,
    pub assignees: Vec<String>,
    pub candidates: Vec<String>,
    #[serde(with = "crate::domain::time::ts_opt")]
    pub deadline: Option<DateTime<Utc>>,
    pub escalation_level: u32,
    #[serde(with = "crate::domain::time::ts")]
    pub created: DateTime<Utc>,
    #[serde(with = "crate::domain::time::ts")]
    pub modified: DateTime<Utc>,
    /// When the case closed or was cancelled (the Closed queue's order, newest first).
    #[serde(default, with = "crate::domain::time::ts_opt")]
    pub closed: Option<DateTime<Utc>>,
    /// When the case was archived (`case list --queue closed --archived`).
    #[serde(default, with = "crate::domain::time::ts_opt")]
    pub archived: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseList {
    pub queue: Queue,
    /// How many cases match, before `limit`.
    pub total: usize,
    pub cases: Vec<CaseRow>,
}

/// Why a command or query failed. Each kind maps to one exit code in `cli::exit`.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum ApiError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    IllegalState(String),
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Internal(String),
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::CaseTransition { .. } | DomainError::WorkItemTransition { .. } => {
                ApiError::IllegalState(e.to_string())
            }
            _ => ApiError::BadInput(e.to_string()),
        }
    }
}

/// The organisation, for pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub users: Vec<crate::domain::User>,
    pub groups: Vec<GroupView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub name: String,
    pub manager: Option<String>,
    pub members: Vec<String>,
}

/// A read asked of the engine, with the actor's permission checked there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Query {
    ListCases(CaseQuery),
    ShowCase(CaseId),
    CaseHistory(CaseId),
    /// Users and groups with their members.
    Org,
    /// The case a work item (`W-45`) belongs to.
    CaseOfWorkItem(WorkItemId),
    /// The actor's requests (or every request, with `all`), newest first.
    ListRequests {
        all: bool,
        limit: usize,
    },
    RequestDetail(RequestId),
    Resources,
    /// The accounts of a resource.
    Shadows(String),
    /// One account: resource, account key.
    Shadow(String, String),
    /// The notification outbox, newest first (only the unsent, with `unsent`).
    Notifications {
        unsent: bool,
        limit: usize,
    },
    /// The acting user as the store knows them.
    WhoAmI,
    /// Every invariant of the store, checked (administrators): the findings, none when
    /// consistent.
    Check,
    /// The engine's clock: the time its sweeps fire at (what a workbench shows).
    Now,
    /// The product catalogue.
    Products,
    Product(String),
    ApprovalPolicies,
    /// Org units, workgroups and the chief approval team.
    OrgStructure,
    OrgUnit(String),
    /// Requests with an open step the actor may decide, oldest first.
    PendingApprovals {
        limit: usize,
    },
    /// Approved requests whose valid-from lies ahead, on resources the actor owns (a
    /// member of the owners group), soonest first.
    Upcoming {
        limit: usize,
    },
    /// Campaign definitions with their latest runs.
    Campaigns,
    /// A run (`NAME` = the latest, or `NAME#N`) with its progress.
    Campaign(String),
    /// Items of a run (or of the run of a certification case, with `filter.case`), in
    /// number order from `from`, at most `limit`.
    CertItems {
        campaign: Option<String>,
        filter: ItemFilter,
        from: u32,
        limit: usize,
    },
    CampaignReport(String),
    Calendars,
    /// A calendar by name, or the store's default.
    Calendar(Option<String>),
    /// A case as it stood at `at`, rebuilt from its events (not later than the clock).
    CaseAsOf {
        case: CaseId,
        #[serde(with = "crate::domain::time::ts")]
        at: DateTime<Utc>,
    },
    KpiReport(KpiArgs),
    /// An inbox queue (with its filters and limit) as it stood at `at`, rebuilt from the
    /// events of the cases alive then (not later than the clock): answered as `Cases`.
    QueueAsOf {
        query: CaseQuery,
        #[serde(with = "crate::domain::time::ts")]
        at: DateTime<Utc>,
    },
    /// The configured ticket systems, with counts, and the outsourced cases not settled.
    ItsmStatus,
    /// Archived cases, the last closed first (`queue` must be `closed`): answered as `Cases`.
    ArchivedCases(CaseQuery),
    /// Where the archive is and how many cases it holds.
    ArchiveStatus,
}

/// What a query answers: one variant per [`Query`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // one at a time, moved once
pub enum Answer {
    Cases(CaseList),
    Case(CaseDetail),
    History(CaseHistory),
    Org(Org),
    CaseId(CaseId),
    Requests(Vec<Request>),
    Request(RequestDetail),
    Resources(Vec<Resource>),
    Shadows(Vec<Shadow>),
    Shadow(Option<Shadow>),
    Notifications(Vec<Notification>),
    User(User),
    #[serde(with = "crate::domain::time::ts")]
    Now(DateTime<Utc>),
    Findings(Vec<String>),
    Products(Vec<crate::domain::Product>),
    Product(ProductDetail),
    ApprovalPolicies(Vec<crate::domain::ApprovalPolicy>),
    OrgStructure(OrgStructure),
    OrgUnit(OrgUnitDetail),
    PendingApprovals(Vec<PendingApproval>),
    Campaigns(Vec<CampaignSummary>),
    Campaign(CampaignDetail),
    CertItems(CertItemPage),
    CampaignReport(CampaignReport),
    Calendars(CalendarList),
    Calendar(crate::domain::Calendar),
    CaseAsOf(CaseAsOf),
    KpiReport(KpiReport),
    ItsmStatus(ItsmStatus),
    Archive(ArchiveStatus),
}

/// The one front door to a casebench store: implemented by the engine (a store held by this
/// process) and by the socket client (a store held by `casebench serve`). The CLI, the TUI and
/// the server speak nothing else.
pub trait Service {
    /// Applies a change (the only write path), recorded with its audit events.
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError>;
    /// Answers a read.
    fn query(&self, actor: &str, query: Query) -> Result<Answer, ApiError>;
    /// Fires every timer due (or lists them, in a dry run), asked by `actor`, who must be an
    /// administrator. A sweep that fires may not say it runs later than the engine's clock
    /// (its `now`); only a dry run may look ahead. Timers act as the system.
    fn sweep(&self, actor: &str, args: SweepArgs) -> Result<SweepReport, ApiError>;
}

/// A shared service is a service (the TUI's jobs and the CLI hold it in an `Arc`).
impl<S: Service + ?Sized> Service for std::sync::Arc<S> {
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        (**self).execute(actor, command)
    }
    fn query(&self, actor: &str, query: Query) -> Result<Answer, ApiError> {
        (**self).query(actor, query)
    }
    fn sweep(&self, actor: &str, args: SweepArgs) -> Result<SweepReport, ApiError> {
        (**self).sweep(actor, args)
    }
}

fn unexpected(a: Answer) -> ApiError {
    ApiError::Internal(format!("unexpected answer: {a:?}"))
}

macro_rules! typed {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $out:ty, $query:expr, $variant:ident) => {
        $(#[$doc])*
        fn $name(&self, actor: &str, $($arg: $ty),*) -> Result<$out, ApiError> {
            match self.query(actor, $query)? {
                Answer::$variant(x) => Ok(x),
                other => Err(unexpected(other)),
            }
        }
    };
}

/// Typed forms of [`Service::query`], for every service.
pub trait ServiceExt: Service {
    typed!(list_cases(q: &CaseQuery) -> CaseList, Query::ListCases(q.clone()), Cases);
    typed!(show_case(c: CaseId) -> CaseDetail, Query::ShowCase(c), Case);
    typed!(case_history(c: CaseId) -> CaseHistory, Query::CaseHistory(c), History);
    typed!(org() -> Org, Query::Org, Org);
    typed!(case_of_work_item(w: WorkItemId) -> CaseId, Query::CaseOfWorkItem(w), CaseId);
    typed!(list_requests(all: bool, limit: usize) -> Vec<Request>, Query::ListRequests { all, limit }, Requests);
    typed!(request_detail(r: RequestId) -> RequestDetail, Query::RequestDetail(r), Request);
    typed!(resources() -> Vec<Resource>, Query::Resources, Resources);
    typed!(shadows(r: &str) -> Vec<Shadow>, Query::Shadows(r.to_string()), Shadows);
    typed!(upcoming(limit: usize) -> Vec<Request>, Query::Upcoming { limit }, Requests);
    typed!(shadow(r: &str, a: &str) -> Option<Shadow>, Query::Shadow(r.to_string(), a.to_string()), Shadow);
    typed!(notifications(unsent: bool, limit: usize) -> Vec<Notification>, Query::Notifications { unsent, limit }, Notifications);
    typed!(who_am_i() -> User, Query::WhoAmI, User);
    typed!(check() -> Vec<String>, Query::Check, Findings);
    typed!(products() -> Vec<crate::domain::Product>, Query::Products, Products);
    typed!(product(p: &str) -> ProductDetail, Query::Product(p.to_string()), Product);
    typed!(approval_policies() -> Vec<crate::domain::ApprovalPolicy>, Query::ApprovalPolicies, ApprovalPolicies);
    typed!(org_structure() -> OrgStructure, Query::OrgStructure, OrgStructure);
    typed!(org_unit(u: &str) -> OrgUnitDetail, Query::OrgUnit(u.to_string()), OrgUnit);
    typed!(pending_approvals(limit: usize) -> Vec<PendingApproval>, Query::PendingApprovals { limit }, PendingApprovals);
    typed!(
        /// `list_cases` as the queue stood at `at`.
        list_cases_as_of(q: &CaseQuery, at: DateTime<Utc>) -> CaseList, Query::QueueAsOf { query: q.clone(), at }, Cases
    );
    typed!(
        /// The engine's clock.
        now() -> DateTime<Utc>, Query::Now, Now
    );
}

impl<S: Service + ?Sized> ServiceExt for S {}
