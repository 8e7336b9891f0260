//! The whole-process figures again through `casebench serve`, which keeps the store open.

use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use super::{median, ms, open_engine, Report, Runner, Subject};
use crate::api::ApiError;

/// The same whole-process calls through `casebench serve`, which keeps the store open.
pub(super) fn through_serve(
    report: &mut Report,
    runner: &Runner,
    db: &Path,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
    s: &Subject,
) -> Result<(), ApiError> {
    let (actor, case_id) = (s.actor.as_str(), s.case_id);
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_engine(db, now).is_err() {
        if Instant::now() > deadline {
            return Err(ApiError::Busy("the store stays locked".into()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut server = Process::new(&runner.exe)
        .arg("--db")
        .arg(db)
        .args(["serve", "--sweep-interval", "1h", "--allow-root"])
        .env("CASEBENCH_NOW", &runner.now)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ApiError::Internal(format!("cannot start the server: {e}")))?;
    let started = Instant::now();
    while !crate::remote::server::running(db) {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = server.kill();
            return Err(ApiError::Internal("the server did not come up".into()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    report.add(
        "serve: start (open the store, listen)",
        ms(started.elapsed()),
        "ms",
        1,
        None,
    );
    let served = (|| -> Result<(), ApiError> {
        report.process(
            runner,
            runs,
            "first inbox page through serve (whole process)",
            &[
                "--as", actor, "case", "list", "--queue", "mine", "--limit", "50",
            ],
            Some(("< 50 ms", 50.0)),
        )?;
        report.process(
            runner,
            runs,
            "sweep with nothing due through serve (whole process)",
            &["--as", "admin", "sweep"],
            Some(("< 30 ms", 30.0)),
        )?;
        let mut xs = vec![];
        for i in 0..runs.max(5) {
            let text = format!("served comment {i}");
            xs.push(
                runner
                    .run(&[
                        "--as",
                        actor,
                        "case",
                        "comment",
                        &case_id.to_string(),
                        &text,
                    ])?
                    .0,
            );
        }
        report.add(
            "durable comment through serve (whole process)",
            ms(median(xs)),
            "ms",
            runs.max(5),
            None,
        );
        Ok(())
    })();
    // SAFETY: SIGTERM to our own child, which then removes its socket.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let _ = server.wait();
    served
}
