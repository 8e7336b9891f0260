//! The client side of the socket: one short connection per call.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Answer, Call, Envelope};
use crate::api::{
    ApiError, Applied, CaseDetail, CaseHistory, CaseList, CaseQuery, Command, Org, Service,
    SweepReport,
};
use crate::domain::{CaseId, WorkItemId};

pub struct Client {
    path: PathBuf,
}

impl Client {
    /// A client of the server at `path`, if one answers there.
    pub fn connect(path: &Path) -> Option<Client> {
        UnixStream::connect(path).ok()?;
        Some(Client {
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn call(&self, actor: &str, call: Call) -> Result<Answer, ApiError> {
        let gone = |e: std::io::Error| {
            ApiError::Busy(format!(
                "the casebench server at {} does not answer ({e}); try again",
                self.path.display()
            ))
        };
        let mut stream = UnixStream::connect(&self.path).map_err(gone)?;
        let mut line = serde_json::to_string(&Envelope {
            actor: actor.to_string(),
            call,
        })
        .map_err(|e| ApiError::Internal(format!("cannot encode a call: {e}")))?;
        line.push('\n');
        stream.write_all(line.as_bytes()).map_err(gone)?;
        let mut reply = String::new();
        BufReader::new(stream).read_line(&mut reply).map_err(gone)?;
        if reply.is_empty() {
            return Err(ApiError::Busy(format!(
                "the casebench server at {} closed the connection; try again",
                self.path.display()
            )));
        }
        serde_json::from_str::<Result<Answer, ApiError>>(&reply)
            .map_err(|e| ApiError::Internal(format!("bad answer from the server: {e}")))?
    }

    fn typed<T>(
        &self,
        actor: &str,
        call: Call,
        pick: impl FnOnce(Answer) -> Option<T>,
    ) -> Result<T, ApiError> {
        let a = self.call(actor, call)?;
        let text = format!("{a:?}");
        pick(a)
            .ok_or_else(|| ApiError::Internal(format!("unexpected answer from the server: {text}")))
    }
}

impl Service for Client {
    fn execute(&self, actor: &str, command: Command) -> Result<Applied, ApiError> {
        self.typed(actor, Call::Execute(command), |a| match a {
            Answer::Applied(x) => Some(x),
            _ => None,
        })
    }

    fn list_cases(&self, actor: &str, query: &CaseQuery) -> Result<CaseList, ApiError> {
        self.typed(actor, Call::ListCases(query.clone()), |a| match a {
            Answer::Cases(x) => Some(x),
            _ => None,
        })
    }

    fn show_case(&self, actor: &str, case: CaseId) -> Result<CaseDetail, ApiError> {
        self.typed(actor, Call::ShowCase(case), |a| match a {
            Answer::Case(x) => Some(x),
            _ => None,
        })
    }

    fn case_history(&self, actor: &str, case: CaseId) -> Result<CaseHistory, ApiError> {
        self.typed(actor, Call::CaseHistory(case), |a| match a {
            Answer::History(x) => Some(x),
            _ => None,
        })
    }

    fn org(&self, actor: &str) -> Result<Org, ApiError> {
        self.typed(actor, Call::Org, |a| match a {
            Answer::Org(x) => Some(x),
            _ => None,
        })
    }

    fn case_of_work_item(&self, actor: &str, work_item: WorkItemId) -> Result<CaseId, ApiError> {
        self.typed(actor, Call::CaseOfWorkItem(work_item), |a| match a {
            Answer::CaseId(x) => Some(x),
            _ => None,
        })
    }

    fn now(&self) -> DateTime<Utc> {
        match self.call("", Call::Now) {
            Ok(Answer::Now(t)) => t,
            // The server's clock is the system's unless pinned; a failed call is reported by
            // the next real call.
            _ => crate::engine::Clock::now(&crate::engine::SystemClock),
        }
    }

    fn sweep(&self, now: DateTime<Utc>, dry_run: bool) -> Result<SweepReport, ApiError> {
        self.typed(
            "",
            Call::Sweep {
                now: Some(now),
                until: Some(now),
                dry_run,
            },
            |a| match a {
                Answer::Sweep(x) => Some(x),
                _ => None,
            },
        )
    }
}
