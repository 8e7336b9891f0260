//! One store, many clients: `casebench serve` owns the store (sled allows one process) and
//! answers the CLI and the TUI of every administrator on a Unix socket next to it, each
//! client authenticated by its OS user (peer credentials). The same [`dispatch`] answers a
//! local store and the socket, so both give the same results.
//!
//! Protocol: one JSON object per line each way — `{"actor": "...", "call": Call}` and then
//! `{"Ok": Answer}` or `{"Err": ApiError}`.

pub mod client;
pub mod server;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{
    ApiError, Applied, CaseDetail, CaseHistory, CaseList, CaseQuery, Command, Org, RequestDetail,
    Service, SweepReport,
};
use crate::domain::{CaseId, Notification, Request, RequestId, Resource, Shadow, User, WorkItemId};
use crate::engine::Engine;

/// What a client asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Call {
    Execute(Command),
    ListCases(CaseQuery),
    ShowCase(CaseId),
    CaseHistory(CaseId),
    Org,
    CaseOfWorkItem(WorkItemId),
    Now,
    Sweep {
        now: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        dry_run: bool,
    },
    ListRequests {
        all: bool,
        limit: usize,
    },
    RequestDetail(RequestId),
    Resources,
    Shadows(String),
    Shadow(String, String),
    Notifications {
        unsent: bool,
        limit: usize,
    },
    WhoAmI,
}

/// What the store answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum Answer {
    Applied(Applied),
    Cases(CaseList),
    Case(CaseDetail),
    History(CaseHistory),
    Org(Org),
    CaseId(CaseId),
    Now(DateTime<Utc>),
    Sweep(SweepReport),
    Requests(Vec<Request>),
    Request(RequestDetail),
    Resources(Vec<Resource>),
    Shadows(Vec<Shadow>),
    Shadow(Option<Shadow>),
    Notifications(Vec<Notification>),
    User(User),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub actor: String,
    pub call: Call,
}

/// Answers `call` as `actor` on a store held by this process.
pub fn dispatch(engine: &Engine, actor: &str, call: Call) -> Result<Answer, ApiError> {
    Ok(match call {
        Call::Execute(c) => Answer::Applied(engine.execute(actor, c)?),
        Call::ListCases(q) => Answer::Cases(engine.list_cases(actor, &q)?),
        Call::ShowCase(c) => Answer::Case(engine.show_case(actor, c)?),
        Call::CaseHistory(c) => Answer::History(engine.case_history(actor, c)?),
        Call::Org => Answer::Org(engine.org(actor)?),
        Call::CaseOfWorkItem(w) => Answer::CaseId(engine.case_of_work_item(actor, w)?),
        Call::Now => Answer::Now(engine.now()),
        Call::Sweep {
            now,
            until,
            dry_run,
        } => {
            let now = now.unwrap_or_else(|| engine.now());
            Answer::Sweep(engine.sweep_at(now, until.unwrap_or(now), dry_run)?)
        }
        Call::ListRequests { all, limit } => {
            Answer::Requests(engine.list_requests(actor, all, limit)?)
        }
        Call::RequestDetail(r) => Answer::Request(engine.request_detail(actor, r)?),
        Call::Resources => {
            engine.actor(actor)?;
            Answer::Resources(engine.store().resources()?)
        }
        Call::Shadows(r) => {
            engine.actor(actor)?;
            if engine.store().resource(&r)?.is_none() {
                return Err(ApiError::NotFound(format!("no resource {r:?}")));
            }
            Answer::Shadows(engine.store().shadows(&r)?)
        }
        Call::Shadow(r, a) => {
            engine.actor(actor)?;
            Answer::Shadow(engine.store().shadow(&r, &a)?)
        }
        Call::Notifications { unsent, limit } => {
            engine.actor(actor)?;
            Answer::Notifications(engine.store().notifications(unsent, limit)?)
        }
        Call::WhoAmI => Answer::User(engine.actor(actor)?),
    })
}

/// Where the server of the store at `db` listens: `<db>.sock` beside it.
pub fn socket_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".sock");
    PathBuf::from(name)
}

fn unexpected(a: Answer) -> ApiError {
    ApiError::Internal(format!("unexpected answer from the server: {a:?}"))
}

/// A store reached here (`Local`) or through its server (`Remote`): what the CLI and the
/// TUI use, so that neither cares which.
pub enum Backend {
    Local(Engine),
    Remote(client::Client),
}

macro_rules! typed {
    ($name:ident($($arg:ident: $ty:ty),*) -> $out:ty, $call:expr, $variant:ident) => {
        pub fn $name(&self, actor: &str, $($arg: $ty),*) -> Result<$out, ApiError> {
            match self.call(actor, $call)? {
                Answer::$variant(x) => Ok(x),
                other => Err(unexpected(other)),
            }
        }
    };
}

impl Backend {
    pub fn call(&self, actor: &str, call: Call) -> Result<Answer, ApiError> {
        match self {
            Backend::Local(e) => dispatch(e, actor, call),
            Backend::Remote(c) => c.call(actor, call),
        }
    }

    typed!(execute(c: Command) -> Applied, Call::Execute(c), Applied);
    typed!(list_cases(q: &CaseQuery) -> CaseList, Call::ListCases(q.clone()), Cases);
    typed!(show_case(c: CaseId) -> CaseDetail, Call::ShowCase(c), Case);
    typed!(case_history(c: CaseId) -> CaseHistory, Call::CaseHistory(c), History);
    typed!(org() -> Org, Call::Org, Org);
    typed!(case_of_work_item(w: WorkItemId) -> CaseId, Call::CaseOfWorkItem(w), CaseId);
    typed!(list_requests(all: bool, limit: usize) -> Vec<Request>, Call::ListRequests { all, limit }, Requests);
    typed!(request_detail(r: RequestId) -> RequestDetail, Call::RequestDetail(r), Request);
    typed!(resources() -> Vec<Resource>, Call::Resources, Resources);
    typed!(shadows(r: &str) -> Vec<Shadow>, Call::Shadows(r.to_string()), Shadows);
    typed!(shadow(r: &str, a: &str) -> Option<Shadow>, Call::Shadow(r.to_string(), a.to_string()), Shadow);
    typed!(notifications(unsent: bool, limit: usize) -> Vec<Notification>, Call::Notifications { unsent, limit }, Notifications);
    typed!(who_am_i() -> User, Call::WhoAmI, User);

    pub fn now(&self) -> Result<DateTime<Utc>, ApiError> {
        match self {
            Backend::Local(e) => Ok(e.now()),
            Backend::Remote(c) => match c.call("", Call::Now)? {
                Answer::Now(t) => Ok(t),
                other => Err(unexpected(other)),
            },
        }
    }

    pub fn sweep(
        &self,
        now: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        dry_run: bool,
    ) -> Result<SweepReport, ApiError> {
        match self.call(
            "",
            Call::Sweep {
                now,
                until,
                dry_run,
            },
        )? {
            Answer::Sweep(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Backend::Remote(_))
    }

    /// The TUI's view of it.
    pub fn into_service(self) -> std::sync::Arc<dyn Service + Send + Sync> {
        match self {
            Backend::Local(e) => std::sync::Arc::new(e),
            remote => std::sync::Arc::new(remote),
        }
    }
}

/// The workbench's calls, locally or through the server alike.
impl Service for Backend {
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        Backend::execute(self, actor, command)
    }

    fn list_cases(&self, actor: &str, query: &CaseQuery) -> Result<CaseList, ApiError> {
        Backend::list_cases(self, actor, query)
    }

    fn show_case(&self, actor: &str, case: CaseId) -> Result<CaseDetail, ApiError> {
        Backend::show_case(self, actor, case)
    }

    fn case_history(&self, actor: &str, case: CaseId) -> Result<CaseHistory, ApiError> {
        Backend::case_history(self, actor, case)
    }

    fn org(&self, actor: &str) -> Result<Org, ApiError> {
        Backend::org(self, actor)
    }

    fn case_of_work_item(&self, actor: &str, work_item: WorkItemId) -> Result<CaseId, ApiError> {
        Backend::case_of_work_item(self, actor, work_item)
    }

    fn now(&self) -> DateTime<Utc> {
        // A failed call is reported by the next real one; meanwhile the system's time.
        Backend::now(self)
            .unwrap_or_else(|_| crate::engine::Clock::now(&crate::engine::SystemClock))
    }

    fn sweep(&self, now: DateTime<Utc>, dry_run: bool) -> Result<SweepReport, ApiError> {
        Backend::sweep(self, Some(now), Some(now), dry_run)
    }
}
