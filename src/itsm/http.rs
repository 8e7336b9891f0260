//! The HTTP calls of the built-in adapters: one agent per target with the target's timeout,
//! no proxy from the environment (casebench talks to the address configured, nothing else),
//! every body read bounded by [`MAX_REPLY`](super::MAX_REPLY), errors as [`ItsmError`].

use std::time::Duration;

use serde_json::Value;

use super::{bounded, ItsmError};

/// A JSON HTTP client for one target.
pub struct Client {
    agent: ureq::Agent,
    target: String,
    timeout: Duration,
    /// The `Authorization` header's value.
    authorization: String,
}

/// An answer: its status, its `ETag`, and its body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: Value,
}

impl Client {
    pub fn new(target: &str, timeout: Duration, authorization: String) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .proxy(None)
            .max_redirects(0)
            .build()
            .into();
        Client {
            agent,
            target: target.to_string(),
            timeout,
            authorization,
        }
    }

    /// `GET url`, with `If-None-Match: etag` when one is given (a 304 answers `Null`).
    pub fn get(&self, what: &str, url: &str, etag: Option<&str>) -> Result<Reply, ItsmError> {
        let mut req = self
            .agent
            .get(url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json");
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        self.answer(what, req.call())
    }

    /// `POST url` with a JSON body.
    pub fn post(&self, what: &str, url: &str, body: &Value) -> Result<Reply, ItsmError> {
        let req = self
            .agent
            .post(url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json");
        self.answer(what, req.send_json(body))
    }

    /// `PUT url` with a JSON body.
    pub fn put(&self, what: &str, url: &str, body: &Value) -> Result<Reply, ItsmError> {
        let req = self
            .agent
            .put(url)
            .header("Authorization", &self.authorization)
            .header("Accept", "application/json");
        self.answer(what, req.send_json(body))
    }

    fn answer(
        &self,
        what: &str,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Reply, ItsmError> {
        let mut resp = sent.map_err(|e| self.transport(e))?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| bounded(v, 500))
        };
        let (etag, location) = (header("ETag"), header("Location"));
        let text = resp
            .body_mut()
            .with_config()
            .limit(super::MAX_REPLY)
            .read_to_string()
            .map_err(|e| self.reply(what, &e.to_string()))?;
        if !(200..300).contains(&status) && status != 304 {
            return Err(ItsmError::Http {
                target: self.target.clone(),
                status,
                what: what.to_string(),
                body: bounded(
                    &self.redacted(text.lines().next().unwrap_or("").trim()),
                    200,
                ),
            });
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| self.reply(what, &e.to_string()))?
        };
        Ok(Reply {
            status,
            etag,
            location,
            body,
        })
    }

    /// `text` without our credential, should a system echo it back in an error.
    fn redacted(&self, text: &str) -> String {
        match self.authorization.split_once(' ') {
            Some((_, secret)) if secret.len() >= 4 => text.replace(secret, "[redacted]"),
            _ => text.to_string(),
        }
    }

    /// An error about the reply to `what`.
    pub fn reply(&self, what: &str, message: &str) -> ItsmError {
        ItsmError::Reply {
            target: self.target.clone(),
            what: what.to_string(),
            message: bounded(message, 300),
        }
    }

    fn transport(&self, e: ureq::Error) -> ItsmError {
        match e {
            ureq::Error::Timeout(_) => ItsmError::Timeout {
                target: self.target.clone(),
                secs: self.timeout.as_secs().max(1),
            },
            other => ItsmError::Transport {
                target: self.target.clone(),
                message: bounded(&other.to_string(), 300),
            },
        }
    }
}
