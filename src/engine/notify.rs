//! The outbox: notifications are queued inside the transaction of the change that caused
//! them, and delivered afterwards by a configured command. A message is marked sent once,
//! after its command succeeded; a failed delivery stays queued with its error and is tried
//! again on the next sweep.

use std::process::{Command as Process, Stdio};

use super::{Engine, Tx, SYSTEM_ACTOR};
use crate::api::ApiError;
use crate::domain::policy::Recipient;
use crate::domain::{Case, CaseId, EventKind, Notification, WorkItem};

/// At most this many messages are delivered per sweep.
const DELIVERY_BATCH: usize = 500;

impl Engine {
    /// The logins a notification to `recipients` about `item` goes to, without repeats.
    pub(crate) fn recipients(
        &self,
        recipients: &[Recipient],
        case: &Case,
        item: &WorkItem,
    ) -> Result<Vec<String>, ApiError> {
        let mut out: Vec<String> = vec![];
        let mut add = |l: String| {
            if !out.contains(&l) {
                out.push(l);
            }
        };
        let holders = || -> Result<Vec<String>, ApiError> {
            if !item.assignees.is_empty() {
                return Ok(item.assignees.clone());
            }
            let mut all = vec![];
            for g in &item.candidates {
                all.extend(self.store.group_members(g)?);
            }
            Ok(all)
        };
        for r in recipients {
            match r {
                Recipient::Assignees => holders()?.into_iter().for_each(&mut add),
                // The holders' managers; for an item offered to groups, the groups' managers.
                Recipient::Managers if item.assignees.is_empty() => {
                    for g in &item.candidates {
                        if let Some(m) = self.store.group(g)?.and_then(|g| g.manager) {
                            add(m);
                        }
                    }
                }
                Recipient::Managers => {
                    for h in holders()? {
                        if let Some(m) = self.store.user(&h)?.and_then(|u| u.manager) {
                            add(m);
                        }
                    }
                }
                Recipient::Requester => add(case.requester.clone()),
                Recipient::Group(g) => self.store.group_members(g)?.into_iter().for_each(&mut add),
                Recipient::User(u) => add(u.clone()),
            }
        }
        Ok(out)
    }

    /// Queues one message per recipient in `tx`, about `case`.
    pub(crate) fn queue_notifications(
        &self,
        tx: &mut Tx,
        to: &[String],
        case: &Case,
        subject: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        self.queue_messages(tx, to, Some(case.id), subject, body)
    }

    /// Queues one message per recipient in `tx`.
    pub(crate) fn queue_messages(
        &self,
        tx: &mut Tx,
        to: &[String],
        case: Option<CaseId>,
        subject: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        for login in to {
            let email = self.store.user(login)?.map(|u| u.email).unwrap_or_default();
            let n = Notification {
                seq: tx.new_notification_seq()?,
                to: login.clone(),
                email,
                subject: subject.to_string(),
                body: body.to_string(),
                case,
                created: tx.now,
                sent: None,
                attempts: 0,
                last_error: None,
            };
            tx.ws.put_notification(&n);
        }
        Ok(())
    }

    /// Delivers queued messages through the configured command; returns (sent, failed).
    /// Without a command, messages stay queued for `casebench notify list`.
    pub(crate) fn deliver(&self) -> Result<(usize, usize), ApiError> {
        let Some(command) = self.notify_command.clone() else {
            return Ok((0, 0));
        };
        let (mut sent, mut failed) = (0, 0);
        for mut n in self.store.notifications(true, DELIVERY_BATCH)? {
            let result = run_delivery(&command, &n);
            let mut tx = self.begin(SYSTEM_ACTOR)?;
            n.attempts += 1;
            match result {
                Ok(()) => {
                    n.sent = Some(tx.now);
                    n.last_error = None;
                    tx.event(
                        n.case,
                        EventKind::NotificationSent {
                            notification: n.seq,
                            to: n.to.clone(),
                        },
                        None,
                    );
                    sent += 1;
                }
                Err(e) => {
                    n.last_error = Some(e);
                    failed += 1;
                }
            }
            tx.ws.put_notification(&n);
            // Marked sent at once, durably: a crash after this point must not resend it.
            self.commit(tx, "")?;
        }
        Ok((sent, failed))
    }
}

fn run_delivery(command: &str, n: &Notification) -> Result<(), String> {
    let message = format!(
        "To: {}\nSubject: {}\nX-Casebench-Case: {}\n\n{}\n",
        if n.email.is_empty() { &n.to } else { &n.email },
        n.subject,
        n.case.map(|c| c.to_string()).unwrap_or_default(),
        n.body
    );
    let mut child = Process::new("sh")
        .arg("-c")
        .arg(command)
        .env("CASEBENCH_TO", &n.to)
        .env("CASEBENCH_EMAIL", &n.email)
        .env("CASEBENCH_SUBJECT", &n.subject)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    // A command that does not read the message must not take this process with it.
    let writer = child
        .stdin
        .take()
        .map(|stdin| crate::itsm::command::feed_stdin(stdin, message.into_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{command:?} failed: {e}"))?;
    if let Some(w) = writer {
        let _ = w.join();
    }
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("").trim();
        Err(format!("{command:?} exited with {}: {first}", out.status))
    }
}
