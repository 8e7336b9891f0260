//! Jira over REST v2: `POST /rest/api/2/issue` opens an issue labelled `casebench-C-12`,
//! `GET /rest/api/2/search` finds it again by that label (JQL), `GET /rest/api/2/issue/KEY`
//! reads its status category and resolution, `POST …/comment` comments.
//!
//! A done issue's resolution decides its outcome ([`outcome`]): none, or a resolution that is
//! not a refusal, is a success; Won't Do, Won't Fix, Rejected, Declined, Cannot Reproduce,
//! Duplicate, Incomplete (and any name casebench does not know) are failures.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::http::{Client, Reply};
use super::{bounded, Adapter, Draft, ItsmError, Kind, Poll, Status, Target, TicketComment};
use super::{TicketState, MAX_TEXT};

/// Resolutions that finish an issue with its work done (compared case-insensitively).
const SUCCESS: &[&str] = &["done", "fixed", "resolved", "complete", "completed"];
/// Resolutions that finish an issue without its work done.
const FAILURE: &[&str] = &[
    "won't do",
    "won't fix",
    "rejected",
    "declined",
    "cannot reproduce",
    "duplicate",
    "incomplete",
];

/// One Jira project.
pub struct Jira {
    target: String,
    url: String,
    project: String,
    issue_type: String,
    http: Client,
}

impl std::fmt::Debug for Jira {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jira")
            .field("target", &self.target)
            .field("url", &self.url)
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

impl Jira {
    /// Reads the target's secret now: a personal access token (`Bearer`) or an e-mail and an
    /// API token (`Basic`).
    pub fn new(target: &Target) -> Result<Jira, ItsmError> {
        let Kind::Jira {
            url,
            project,
            issue_type,
            auth,
        } = &target.kind
        else {
            return Err(ItsmError::Config {
                target: target.name.clone(),
                message: format!("a {} target is not a Jira target", target.kind.name()),
            });
        };
        let authorization = auth.header(&target.name, "Bearer")?;
        Ok(Jira {
            target: target.name.clone(),
            url: url.clone(),
            project: project.clone(),
            issue_type: issue_type.clone(),
            http: Client::new(&target.name, target.timeout, authorization),
        })
    }

    /// `KEY` as a path segment, or why it is not an issue key.
    fn key<'a>(&self, what: &str, key: &'a str) -> Result<&'a str, ItsmError> {
        if is_key(key) {
            Ok(key)
        } else {
            Err(ItsmError::Config {
                target: self.target.clone(),
                message: format!("{what}: {:?} is not a Jira issue key", bounded(key, 40)),
            })
        }
    }

    /// The issue's fields from a status reply.
    fn parse_status(&self, reply: &Reply) -> Result<Status, ItsmError> {
        let bad = |m: &str| self.http.reply("status", m);
        let fields = reply
            .body
            .get("fields")
            .filter(|f| f.is_object())
            .ok_or_else(|| bad("no `fields` object"))?;
        let status = fields
            .get("status")
            .filter(|s| s.is_object())
            .ok_or_else(|| bad("no `fields.status` object"))?;
        let name = text(status, "name").ok_or_else(|| bad("no `fields.status.name`"))?;
        let category = status
            .get("statusCategory")
            .and_then(|c| c.get("key"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no `fields.status.statusCategory.key`"))?;
        let resolution = match fields.get("resolution") {
            None | Some(Value::Null) => None,
            Some(r) => Some(text(r, "name").ok_or_else(|| bad("a resolution without a name"))?),
        };
        let state = match category {
            "new" | "indeterminate" => TicketState::Open,
            "done" => outcome(resolution.as_deref()),
            other => {
                return Err(bad(&format!(
                    "unknown status category {:?}",
                    bounded(other, 40)
                )))
            }
        };
        let changed = match fields.get("updated") {
            None | Some(Value::Null) => None,
            Some(v) => Some(time(v).ok_or_else(|| bad("`fields.updated` is not a time"))?),
        };
        let raw = match &resolution {
            Some(r) => format!("{name} ({r})"),
            None => name,
        };
        let last_comment = if state.is_final() {
            comments(fields.get("comment"))
                .map_err(|m| bad(&m))?
                .pop()
                .map(|c| c.text)
        } else {
            None
        };
        Ok(Status {
            state,
            raw: bounded(&raw, 200),
            changed,
            last_comment,
            etag: reply.etag.clone(),
        })
    }
}

/// A Jira issue key: `[A-Z][A-Z0-9_]+-[0-9]+`, at most 64 characters.
pub fn is_key(key: &str) -> bool {
    let Some((project, number)) = key.split_once('-') else {
        return false;
    };
    let mut p = project.chars();
    key.len() <= 64
        && p.next().is_some_and(|c| c.is_ascii_uppercase())
        && project.len() >= 2
        && p.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// What a done issue's resolution means ([`SUCCESS`], [`FAILURE`]); `None` is a success (a
/// workflow that sets no resolution), an unknown name a failure (never a success by guess).
pub fn outcome(resolution: Option<&str>) -> TicketState {
    let Some(name) = resolution else {
        return TicketState::Succeeded;
    };
    let name = name.trim().replace('\u{2019}', "'").to_lowercase();
    if SUCCESS.contains(&name.as_str()) && !FAILURE.contains(&name.as_str()) {
        TicketState::Succeeded
    } else {
        TicketState::Failed
    }
}

/// A string field of `v`, bounded.
fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(|s| bounded(s, MAX_TEXT))
}

/// Jira's `2026-12-01T10:03:00.000+0100`, or RFC 3339.
fn time(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The comments of a `comment` field (`{"comments":[…]}`) or of a comment page, in order.
fn comments(field: Option<&Value>) -> Result<Vec<TicketComment>, String> {
    let list = match field {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(v) => v
            .get("comments")
            .and_then(Value::as_array)
            .ok_or("`comments` is not a list")?,
    };
    let mut out = vec![];
    for c in list {
        let body = c
            .get("body")
            .and_then(Value::as_str)
            .ok_or("a comment without a `body` text")?;
        let at = match c.get("created") {
            None | Some(Value::Null) => None,
            Some(v) => Some(time(v).ok_or("a comment's `created` is not a time")?),
        };
        let author = c
            .get("author")
            .and_then(|a| text(a, "displayName").or_else(|| text(a, "name")))
            .unwrap_or_default();
        out.push(TicketComment {
            author: bounded(&author, 200),
            at,
            text: bounded(body, MAX_TEXT),
        });
    }
    Ok(out)
}

/// `s` percent-encoded for a query string (everything but unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Adapter for Jira {
    fn create(&self, draft: &Draft) -> Result<String, ItsmError> {
        let body = json!({"fields": {
            "project": {"key": self.project},
            "summary": draft.subject,
            "description": draft.body,
            "issuetype": {"name": self.issue_type},
            "labels": [draft.label],
        }});
        let reply = self
            .http
            .post("create", &format!("{}/rest/api/2/issue", self.url), &body)?;
        let key = reply
            .body
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| self.http.reply("create", "no `key` in the reply"))?;
        if !is_key(key) {
            return Err(self.http.reply(
                "create",
                &format!("{:?} is not an issue key", bounded(key, 40)),
            ));
        }
        Ok(key.to_string())
    }

    fn find(&self, draft: &Draft) -> Result<Option<String>, ItsmError> {
        let label = &draft.label;
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ItsmError::Config {
                target: self.target.clone(),
                message: format!("find: {:?} is not a label", bounded(label, 40)),
            });
        }
        let jql = format!("labels=\"{label}\" ORDER BY created ASC");
        let url = format!(
            "{}/rest/api/2/search?jql={}&fields=key&maxResults=2",
            self.url,
            encode(&jql)
        );
        let reply = self.http.get("find", &url, None)?;
        let issues = reply
            .body
            .get("issues")
            .and_then(Value::as_array)
            .ok_or_else(|| self.http.reply("find", "no `issues` list in the reply"))?;
        let Some(first) = issues.first() else {
            return Ok(None);
        };
        match first.get("key").and_then(Value::as_str) {
            Some(key) if is_key(key) => Ok(Some(key.to_string())),
            Some(key) => Err(self.http.reply(
                "find",
                &format!("{:?} is not an issue key", bounded(key, 40)),
            )),
            None => Err(self.http.reply("find", "an issue without a `key`")),
        }
    }

    fn status(&self, reference: &str, etag: Option<&str>) -> Result<Poll, ItsmError> {
        let key = self.key("status", reference)?;
        let url = format!(
            "{}/rest/api/2/issue/{key}?fields=status,resolution,updated,comment",
            self.url
        );
        let reply = match self.http.get("status", &url, etag) {
            Err(ItsmError::Http { status: 404, .. }) => {
                return Ok(Poll::Now(Status {
                    state: TicketState::Rejected,
                    raw: "deleted".into(),
                    changed: None,
                    last_comment: Some(format!("the Jira issue {key} no longer exists")),
                    etag: None,
                }))
            }
            other => other?,
        };
        if reply.status == 304 {
            return Ok(Poll::Unchanged);
        }
        self.parse_status(&reply).map(Poll::Now)
    }

    fn comment(&self, reference: &str, text: &str) -> Result<(), ItsmError> {
        let key = self.key("comment", reference)?;
        let url = format!("{}/rest/api/2/issue/{key}/comment", self.url);
        self.http.post("comment", &url, &json!({ "body": text }))?;
        Ok(())
    }

    /// The newest 100 comments, those after `since`, oldest first.
    fn comments_since(
        &self,
        reference: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<TicketComment>, ItsmError> {
        let key = self.key("comments", reference)?;
        let url = format!(
            "{}/rest/api/2/issue/{key}/comment?orderBy=-created&maxResults=100",
            self.url
        );
        let reply = self.http.get("comments", &url, None)?;
        let mut list = comments(Some(&reply.body)).map_err(|m| self.http.reply("comments", &m))?;
        list.retain(|c| match (since, c.at) {
            (None, _) => true,
            (Some(s), Some(at)) => at > s,
            (Some(_), None) => false,
        });
        list.sort_by_key(|c| c.at);
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_keys() {
        for good in ["OPS-1", "AB_2-123", "X9-0"] {
            assert!(is_key(good), "{good}");
        }
        for bad in [
            "",
            "O-1",
            "ops-1",
            "OPS-",
            "OPS-1/../x",
            "OPS-1?x",
            "OPS 1",
            "-1",
        ] {
            assert!(!is_key(bad), "{bad}");
        }
    }

    #[test]
    fn resolutions() {
        assert_eq!(outcome(None), TicketState::Succeeded);
        assert_eq!(outcome(Some("FIXED")), TicketState::Succeeded);
        assert_eq!(outcome(Some("Won\u{2019}t Do")), TicketState::Failed);
        assert_eq!(outcome(Some("Duplicate")), TicketState::Failed);
        assert_eq!(outcome(Some("Granted?")), TicketState::Failed);
    }

    /// docs/itsm.md's resolution table is the one in the code.
    #[test]
    fn the_documented_resolutions_are_the_code() {
        let docs = include_str!("../../docs/itsm.md");
        let mut rows = 0;
        for line in docs.lines().filter(|l| l.starts_with("| `done`")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (names, want) = (cells[2], cells[3]);
            if names == "any other name" {
                assert_eq!(outcome(Some("Granted")), TicketState::Failed);
                rows += 1;
                continue;
            }
            let want = match want {
                "done, success" => TicketState::Succeeded,
                "done, failure" => TicketState::Failed,
                other => panic!("{other}"),
            };
            for name in names.split(", ") {
                let name = if name == "none" { None } else { Some(name) };
                assert_eq!(outcome(name), want, "{name:?}");
            }
            rows += 1;
        }
        assert_eq!(rows, 3, "the table's done rows");
        for name in SUCCESS.iter().chain(FAILURE) {
            assert!(
                docs.to_lowercase().contains(name),
                "{name} is not documented"
            );
        }
    }

    #[test]
    fn jira_times() {
        let t = time(&json!("2026-12-01T10:03:00.000+0100")).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T09:03:00+00:00");
        assert!(time(&json!("yesterday")).is_none());
    }
}
