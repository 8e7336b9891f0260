//! Command plugins: each call runs the target's program (no shell) in a process group of its
//! own, writes ONE JSON request on its stdin and closes it, and reads ONE JSON reply from its
//! stdout (at most [`MAX_REPLY`] bytes) within the target's timeout; after that the group is
//! killed and the child reaped. The protocol (docs/itsm.md, "Ticket systems (ITSM)"):
//!
//! | request                                                       | reply                      |
//! |---------------------------------------------------------------|----------------------------|
//! | `{"op":"create","case","subject","body","marker","label"}`    | `{"ref":"…"}`              |
//! | `{"op":"find","case","marker","label"}`                       | `{"ref":"…"}` / `{"ref":null}` |
//! | `{"op":"status","ref"}`  | `{"state":"open|done|rejected","outcome":"success|failure","status","changed","comment"}` |
//! | `{"op":"comment","ref","text"}`                               | `{}`                       |
//!
//! Every request also carries `"version":1` and `"target":NAME`; any reply may be
//! `{"error":"…"}` instead.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{bounded, Adapter, Draft, ItsmError, Kind, Poll, Status, Target, TicketState};
use super::{MAX_REPLY, MAX_TEXT};

/// The protocol's version, sent with every request.
pub const VERSION: u64 = 1;
/// The most bytes of a plugin's stderr kept (for the first line of an error).
const MAX_STDERR: u64 = 64 * 1024;
/// The longest reference a plugin may give.
const MAX_REF: usize = 200;

/// One plugin program.
#[derive(Debug)]
pub struct Plugin {
    target: String,
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
}

impl Plugin {
    pub fn new(target: &Target) -> Result<Plugin, ItsmError> {
        let Kind::Command { program, args } = &target.kind else {
            return Err(ItsmError::Config {
                target: target.name.clone(),
                message: format!("a {} target is not a command target", target.kind.name()),
            });
        };
        Ok(Plugin {
            target: target.name.clone(),
            program: program.clone(),
            args: args.clone(),
            timeout: target.timeout,
        })
    }

    fn plugin(&self, message: String) -> ItsmError {
        ItsmError::Plugin {
            target: self.target.clone(),
            message,
        }
    }

    fn reply(&self, what: &str, message: &str) -> ItsmError {
        ItsmError::Reply {
            target: self.target.clone(),
            what: what.to_string(),
            message: bounded(message, 300),
        }
    }

    /// Runs the program for `op` with `fields`; the reply's object (never an `error` one).
    fn call(&self, op: &str, fields: Value) -> Result<Map<String, Value>, ItsmError> {
        let mut request = json!({"version": VERSION, "target": self.target, "op": op});
        if let (Some(r), Value::Object(f)) = (request.as_object_mut(), fields) {
            r.extend(f);
        }
        let mut line = request.to_string();
        line.push('\n');
        let out = self.run(line.into_bytes())?;
        let value: Value = serde_json::from_slice(&out)
            .map_err(|e| self.reply(op, &format!("not one JSON value: {e}")))?;
        let Value::Object(map) = value else {
            return Err(self.reply(op, "the reply is not a JSON object"));
        };
        if let Some(e) = map.get("error") {
            let said = e
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| e.to_string());
            let first = said.lines().next().unwrap_or("").trim();
            return Err(self.plugin(format!("reported an error: {}", bounded(first, 300))));
        }
        Ok(map)
    }

    /// Spawns the program, feeds it `input`, and answers its stdout once it exited 0.
    fn run(&self, input: Vec<u8>) -> Result<Vec<u8>, ItsmError> {
        use std::os::unix::process::CommandExt;
        let deadline = Instant::now() + self.timeout;
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                self.plugin(format!(
                    "{} could not start: {e}",
                    bounded(&self.program.display().to_string(), 200)
                ))
            })?;
        let pid = child.id();
        if let Some(stdin) = child.stdin.take() {
            // A plugin that does not read its request gets EPIPE here, not a hang.
            feed_stdin(stdin, input);
        }
        let stdout = reader(child.stdout.take(), MAX_REPLY + 1, false);
        let stderr = reader(child.stderr.take(), MAX_STDERR, true);
        let status = match wait(child, deadline) {
            Some(Ok(status)) => status,
            Some(Err(e)) => return Err(self.plugin(format!("could not be waited for: {e}"))),
            None => return Err(self.timeout()),
        };
        // An exit just at the deadline still has a moment to hand over what it wrote.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        let Ok(out) = stdout.recv_timeout(left) else {
            // It exited but something it started still holds its stdout.
            kill_group(pid);
            return Err(self.timeout());
        };
        if out.len() as u64 > MAX_REPLY {
            kill_group(pid);
            return Err(self.reply("a call", &format!("more than {MAX_REPLY} bytes of output")));
        }
        if !status.success() {
            let err = stderr
                .recv_timeout(Duration::from_millis(200))
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&err);
            let first = text.lines().map(str::trim).find(|l| !l.is_empty());
            return Err(self.plugin(match first {
                Some(l) => format!("{}: {}", exited(status), bounded(l, 200)),
                None => exited(status),
            }));
        }
        Ok(out)
    }

    fn timeout(&self) -> ItsmError {
        ItsmError::Timeout {
            target: self.target.clone(),
            secs: self.timeout.as_secs().max(1),
        }
    }
}

/// Reads `pipe` to its end in a thread, keeping at most `limit` bytes; with `drain`, reads
/// on past the limit (so a chatty stderr cannot block the plugin), else stops there (closing
/// the pipe: a plugin writing on gets EPIPE).
fn reader<R: Read + Send + 'static>(
    pipe: Option<R>,
    limit: u64,
    drain: bool,
) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = vec![];
        if let Some(mut pipe) = pipe {
            let _ = (&mut pipe).take(limit).read_to_end(&mut kept);
            if drain {
                let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            }
        }
        let _ = tx.send(kept);
    });
    rx
}

/// Waits for `child` until `deadline`; `None` when it is still running then (it is killed
/// and reaped before this returns: no zombie is left).
fn wait(mut child: Child, deadline: Instant) -> Option<std::io::Result<ExitStatus>> {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let left = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(status) => Some(status),
        Err(_) => {
            kill_group(pid);
            let _ = waiter.join();
            None
        }
    }
}

/// SIGKILL to the process group `pid` leads (the plugin and whatever it started).
fn kill_group(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

fn exited(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        (None, None) => "failed".into(),
    }
}

/// A reference as a plugin gave it: a non-empty string of at most 200 characters without
/// control characters.
fn reference(v: &Value) -> Result<String, String> {
    let s = v.as_str().ok_or("`ref` is not a string")?;
    if s.is_empty() {
        return Err("`ref` is empty".into());
    }
    if s.chars().count() > MAX_REF {
        return Err(format!("`ref` is longer than {MAX_REF} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("`ref` has control characters".into());
    }
    Ok(s.to_string())
}

/// A status reply's fields as a [`Status`].
fn status(map: &Map<String, Value>) -> Result<Status, String> {
    let word = |field: &str| match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("`{field}` is not a string")),
    };
    let state = match (word("state")?, word("outcome")?) {
        (Some("open"), _) => TicketState::Open,
        (Some("done"), Some("success")) => TicketState::Succeeded,
        (Some("done"), Some("failure")) => TicketState::Failed,
        (Some("done"), Some(o)) => return Err(format!("unknown outcome {:?}", bounded(o, 40))),
        (Some("done"), None) => return Err("`done` without an `outcome`".into()),
        (Some("rejected"), _) => TicketState::Rejected,
        (Some(s), _) => return Err(format!("unknown state {:?}", bounded(s, 40))),
        (None, _) => return Err("no `state`".into()),
    };
    let changed = match word("changed")? {
        None => None,
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|_| format!("`changed` {:?} is not an RFC 3339 time", bounded(t, 40)))?
                .with_timezone(&Utc),
        ),
    };
    let raw = word("status")?.unwrap_or(state.name());
    let last_comment = match word("comment")? {
        Some(c) if state.is_final() => Some(bounded(c, MAX_TEXT)),
        _ => None,
    };
    Ok(Status {
        state,
        raw: bounded(raw, 200),
        changed,
        last_comment,
        etag: None,
    })
}

impl Adapter for Plugin {
    fn create(&self, draft: &Draft) -> Result<String, ItsmError> {
        let reply = self.call(
            "create",
            json!({"case": draft.case.to_string(), "subject": draft.subject,
                   "body": draft.body, "marker": draft.marker, "label": draft.label}),
        )?;
        let r = reply.get("ref").ok_or("no `ref`".to_string());
        r.and_then(reference).map_err(|m| self.reply("create", &m))
    }

    fn find(&self, draft: &Draft) -> Result<Option<String>, ItsmError> {
        let reply = self.call(
            "find",
            json!({"case": draft.case.to_string(), "marker": draft.marker, "label": draft.label}),
        )?;
        match reply.get("ref") {
            None => Err(self.reply("find", "no `ref` (null when there is no ticket)")),
            Some(Value::Null) => Ok(None),
            Some(v) => reference(v).map(Some).map_err(|m| self.reply("find", &m)),
        }
    }

    fn status(&self, reference: &str, _etag: Option<&str>) -> Result<Poll, ItsmError> {
        let reply = self.call("status", json!({ "ref": reference }))?;
        status(&reply)
            .map(Poll::Now)
            .map_err(|m| self.reply("status", &m))
    }

    fn comment(&self, reference: &str, text: &str) -> Result<(), ItsmError> {
        self.call("comment", json!({"ref": reference, "text": text}))?;
        Ok(())
    }
}

/// Writes `input` to a child's stdin on a thread of its own that blocks SIGPIPE: a child that
/// exits without reading it makes the write fail with EPIPE (ignored) instead of killing this
/// process (the binary restores SIGPIPE's default, so that `casebench … | head` ends quietly,
/// and the signal goes to the thread that wrote). The thread ends when the write does.
pub fn feed_stdin(
    mut stdin: std::process::ChildStdin,
    input: Vec<u8>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        // SAFETY: a signal mask of this thread only, built from an emptied set.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGPIPE);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        }
        let _ = stdin.write_all(&input);
    })
}
