//! Request Tracker over REST 2.0 (as RT 5.0.3 answers it).
//!
//! - create: `POST /ticket` with the queue, subject, body as text/plain, and always the
//!   custom field `CasebenchCase` = the case id. RT ignores a custom field the queue does not
//!   have (201 all the same), so no fallback call is needed.
//! - find: TicketSQL `CF.{CasebenchCase} = 'C-12'` in the queue (exact); when that finds
//!   nothing (the queue has no such field, or the ticket predates it), `Subject LIKE` the
//!   marker, then an exact, case-sensitive check that the subject ends with it (LIKE ignores
//!   case and treats `_`/`%` as wildcards). Finished tickets count; deleted ones cannot
//!   be found: RT 5.0.3's REST search never returns them, even asked by `Status = 'deleted'`.
//! - status: `GET /ticket/N` with `If-None-Match`; RT answers 304 when the ETag still holds.
//!   For a final state, the last comment or reply that casebench did not write itself is the
//!   reason given (history newest first, then that transaction's text/plain attachment).
//! - comments: `POST /ticket/N/comment`; read back from the history, skipping the ones whose
//!   text starts with [`OWN_PREFIX`] (casebench's own).
//!
//! References are RT ticket numbers, digits only, refused otherwise before they reach a URL.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::http::Client;
use super::{bounded, Adapter, Draft, ItsmError, Kind, Poll, Status, Target, TicketComment};
use super::{TicketState, MAX_TEXT};

/// The ticket custom field holding the case id (exact lookup).
pub const CASE_FIELD: &str = "CasebenchCase";
/// How the comments casebench writes begin; they are not read back.
pub const OWN_PREFIX: &str = "[casebench]";
/// The most history pages read by one `comments_since` (100 transactions a page).
const MAX_PAGES: u64 = 10;
/// The most comments whose text is fetched by one `comments_since` (two calls each); the
/// rest come with the next call, `since` the last one returned.
const MAX_COMMENTS: usize = 20;
/// The most comment transactions looked at for a final state's reason.
const MAX_REASONS: usize = 5;

pub struct Rt {
    /// `{url}/REST/2.0`.
    base: String,
    queue: String,
    http: Client,
}

impl Rt {
    pub fn new(target: &Target) -> Result<Rt, ItsmError> {
        let Kind::Rt { url, queue, auth } = &target.kind else {
            return Err(ItsmError::Config {
                target: target.name.clone(),
                message: format!("a {} target is not an RT target", target.kind.name()),
            });
        };
        let authorization = auth.header(&target.name, "token")?;
        Ok(Rt {
            base: format!("{}/REST/2.0", url.trim_end_matches('/')),
            queue: queue.clone(),
            http: Client::new(&target.name, target.timeout, authorization),
        })
    }

    fn reply(&self, what: &str, message: &str) -> ItsmError {
        self.http.reply(what, message)
    }

    /// `reference` when it is an RT ticket number.
    fn number<'a>(&self, reference: &'a str) -> Result<&'a str, ItsmError> {
        if is_number(reference) {
            Ok(reference)
        } else {
            Err(self.reply(
                "a ticket reference",
                &format!(
                    "{:?} is not an RT ticket number",
                    bounded(reference, 40).escape_debug().to_string()
                ),
            ))
        }
    }

    /// Tickets of the queue matching the TicketSQL `clause`: (id, subject), by id.
    fn search(&self, clause: &str) -> Result<Vec<(String, String)>, ItsmError> {
        let what = "a ticket search";
        let query = format!("Queue = '{}' AND ({clause})", sql_quote(&self.queue));
        let url = format!(
            "{}/tickets?query={}&fields=Subject&orderby=id&order=ASC&per_page=100",
            self.base,
            encode(&query)
        );
        let reply = self.http.get(what, &url, None)?;
        let items = reply
            .body
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| self.reply(what, "no `items` list"))?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let id = id_of(item.get("id")?)?;
                let subject = item.get("Subject").and_then(Value::as_str).unwrap_or("");
                Some((id, subject.to_string()))
            })
            .collect())
    }

    /// History transactions of ticket `n` (one page): (id, type, created, creator).
    fn history(&self, n: &str, order: &str, per_page: u64, page: u64) -> Result<Page, ItsmError> {
        let what = format!("ticket {n}'s history");
        let url = format!(
            "{}/ticket/{n}/history?fields=Type,Created,Creator&orderby=id&order={order}&per_page={per_page}&page={page}",
            self.base
        );
        let reply = self.http.get(&what, &url, None)?;
        let items = reply
            .body
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| self.reply(&what, "no `items` list"))?;
        let pages = reply
            .body
            .get("pages")
            .and_then(|p| p.as_u64().or_else(|| p.as_f64().map(|f| f as u64)))
            .unwrap_or(1);
        let transactions = items
            .iter()
            .filter_map(|t| {
                Some(Transaction {
                    id: id_of(t.get("id")?)?,
                    kind: bounded(t.get("Type")?.as_str()?, 40),
                    created: t.get("Created").and_then(Value::as_str).and_then(time),
                    creator: t
                        .get("Creator")
                        .and_then(|c| c.get("id"))
                        .and_then(Value::as_str)
                        .map(|s| bounded(s, 200))
                        .unwrap_or_default(),
                })
            })
            .collect();
        Ok(Page {
            transactions,
            pages,
        })
    }

    /// The text of transaction `id`: its first text/plain attachment, bounded.
    fn text(&self, id: &str) -> Result<String, ItsmError> {
        let what = format!("transaction {id}");
        let reply = self
            .http
            .get(&what, &format!("{}/transaction/{id}", self.base), None)?;
        let links = reply
            .body
            .get("_hyperlinks")
            .and_then(Value::as_array)
            .ok_or_else(|| self.reply(&what, "no `_hyperlinks` list"))?;
        let attachments = links
            .iter()
            .filter(|l| l.get("ref").and_then(Value::as_str) == Some("attachment"))
            .filter_map(|l| last_number(l.get("_url")?.as_str()?))
            .take(3);
        for a in attachments {
            let what = format!("attachment {a}");
            let reply = self
                .http
                .get(&what, &format!("{}/attachment/{a}", self.base), None)?;
            let kind = reply.body.get("ContentType").and_then(Value::as_str);
            if !kind.is_some_and(|k| k.to_ascii_lowercase().starts_with("text/plain")) {
                continue;
            }
            let content = reply
                .body
                .get("Content")
                .and_then(Value::as_str)
                .ok_or_else(|| self.reply(&what, "no `Content`"))?;
            let packed: String = content.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(packed)
                .map_err(|e| self.reply(&what, &format!("`Content` is not base64: {e}")))?;
            return Ok(bounded(String::from_utf8_lossy(&bytes).trim(), MAX_TEXT));
        }
        Ok(String::new())
    }

    /// The last comment or reply on ticket `n` that casebench did not write.
    fn reason(&self, n: &str) -> Result<Option<String>, ItsmError> {
        let page = self.history(n, "DESC", 50, 1)?;
        for t in page
            .transactions
            .iter()
            .filter(|t| is_comment(&t.kind))
            .take(MAX_REASONS)
        {
            let text = self.text(&t.id)?;
            if !text.is_empty() && !text.starts_with(OWN_PREFIX) {
                return Ok(Some(text));
            }
        }
        Ok(None)
    }
}

struct Transaction {
    id: String,
    kind: String,
    created: Option<DateTime<Utc>>,
    creator: String,
}

struct Page {
    transactions: Vec<Transaction>,
    pages: u64,
}

impl Adapter for Rt {
    fn create(&self, draft: &Draft) -> Result<String, ItsmError> {
        let what = "creating a ticket";
        let body = json!({
            "Queue": self.queue,
            "Subject": draft.subject,
            "Content": draft.body,
            "ContentType": "text/plain",
            "CustomFields": { CASE_FIELD: draft.case.to_string() },
        });
        let reply = self
            .http
            .post(what, &format!("{}/ticket", self.base), &body)?;
        reply
            .body
            .get("id")
            .and_then(id_of)
            .or_else(|| reply.location.as_deref().and_then(last_number))
            .ok_or_else(|| self.reply(what, "no ticket number in `id` or Location"))
    }

    fn find(&self, draft: &Draft) -> Result<Option<String>, ItsmError> {
        let case = sql_quote(&draft.case.to_string());
        let exact = self.search(&format!("CF.{{{CASE_FIELD}}} = '{case}'"))?;
        if let Some((id, _)) = exact.into_iter().next() {
            return Ok(Some(id));
        }
        let like = self.search(&format!("Subject LIKE '{}'", sql_quote(&draft.marker)))?;
        Ok(like
            .into_iter()
            .find(|(_, subject)| subject.trim_end().ends_with(&draft.marker))
            .map(|(id, _)| id))
    }

    fn status(&self, reference: &str, etag: Option<&str>) -> Result<Poll, ItsmError> {
        let n = self.number(reference)?;
        let what = format!("ticket {n}");
        let reply = self
            .http
            .get(&what, &format!("{}/ticket/{n}", self.base), etag)?;
        if reply.status == 304 {
            return Ok(Poll::Unchanged);
        }
        let raw = reply
            .body
            .get("Status")
            .and_then(Value::as_str)
            .ok_or_else(|| self.reply(&what, "no `Status`"))?;
        let state = match raw {
            "new" | "open" | "stalled" => TicketState::Open,
            "resolved" => TicketState::Succeeded,
            "rejected" => TicketState::Failed,
            "deleted" => TicketState::Rejected,
            other => {
                return Err(self.reply(
                    &what,
                    &format!(
                        "unknown status {:?}",
                        bounded(other, 40).escape_debug().to_string()
                    ),
                ))
            }
        };
        let changed = reply
            .body
            .get("LastUpdated")
            .and_then(Value::as_str)
            .and_then(time);
        let last_comment = if state.is_final() {
            self.reason(n)?
        } else {
            None
        };
        Ok(Poll::Now(Status {
            state,
            raw: raw.to_string(),
            changed,
            last_comment,
            etag: reply.etag,
        }))
    }

    fn comment(&self, reference: &str, text: &str) -> Result<(), ItsmError> {
        let n = self.number(reference)?;
        let body = json!({ "Content": text, "ContentType": "text/plain" });
        self.http.post(
            &format!("commenting on ticket {n}"),
            &format!("{}/ticket/{n}/comment", self.base),
            &body,
        )?;
        Ok(())
    }

    fn comments_since(
        &self,
        reference: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<TicketComment>, ItsmError> {
        let n = self.number(reference)?;
        let mut found = vec![];
        let mut page = 1;
        'pages: loop {
            let p = self.history(n, "ASC", 100, page)?;
            for t in p.transactions.iter().filter(|t| is_comment(&t.kind)) {
                if since.is_some_and(|s| t.created.is_none_or(|c| c <= s)) {
                    continue;
                }
                let text = self.text(&t.id)?;
                if text.starts_with(OWN_PREFIX) {
                    continue;
                }
                found.push(TicketComment {
                    author: t.creator.clone(),
                    at: t.created,
                    text,
                });
                if found.len() >= MAX_COMMENTS {
                    break 'pages;
                }
            }
            if page >= p.pages || page >= MAX_PAGES {
                break;
            }
            page += 1;
        }
        Ok(found)
    }
}

fn is_comment(kind: &str) -> bool {
    kind == "Comment" || kind == "Correspond"
}

/// 1 to 12 ASCII digits.
fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A ticket or transaction number given as a string or a number.
fn id_of(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_u64()?.to_string(),
        _ => return None,
    };
    is_number(&s).then_some(s)
}

/// The number ending a URL or path (`…/ticket/12`).
fn last_number(url: &str) -> Option<String> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    is_number(last).then(|| last.to_string())
}

/// An RT time; RT's "not set" (1970-01-01) is none.
fn time(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    (t.timestamp() > 0).then_some(t)
}

/// `s` inside single quotes of TicketSQL.
fn sql_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

/// `s` percent-encoded for a query string.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_references() {
        assert!(is_number("12"));
        for bad in ["", "1/../2", "12a", "-1", "1234567890123", "١٢"] {
            assert!(!is_number(bad), "{bad}");
        }
        assert_eq!(id_of(&json!("7")), Some("7".into()));
        assert_eq!(id_of(&json!(7)), Some("7".into()));
        assert_eq!(id_of(&json!(-7)), None);
        assert_eq!(id_of(&json!("7?x")), None);
        assert_eq!(id_of(&json!(null)), None);
        assert_eq!(last_number("/REST/2.0/ticket/31"), Some("31".into()));
        assert_eq!(last_number("/REST/2.0/ticket/x"), None);
    }

    #[test]
    fn quoting_and_encoding() {
        assert_eq!(sql_quote("a'b\\c"), "a\\'b\\\\c");
        assert_eq!(encode("Queue = 'G'&x"), "Queue%20%3D%20%27G%27%26x");
        assert_eq!(time("1970-01-01T00:00:00Z"), None);
        assert!(time("2026-12-01T18:46:31Z").is_some());
        assert_eq!(time("yesterday"), None);
    }
}
