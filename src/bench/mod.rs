//! `casebench bench`: every performance figure of the project in one command, printed with
//! N and the machine's core count. A layer of its own above the CLI and the TUI (it measures
//! both); the binary runs it when the CLI asks. Whole-process figures run the real binary; in-process
//! ones call the engine. Medians of several runs; nothing here asserts a time.

mod archive;
mod campaign;
pub mod cert_tui;
mod export;
mod kpi;
pub mod peak;
mod serve;
mod sqlite;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::api::{ApiError, CaseQuery, Command, Queue, Service, ServiceExt};
use crate::cli::commands::bench::BenchArgs;
use crate::cli::Ctx;
use crate::domain::{CaseId, DelegationMethod, Target};
use crate::engine::generate::{user_login, GenSpec};
use crate::engine::{Engine, ManualClock};

#[derive(Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    pub runs: usize,
    pub target: String,
    pub met: Option<bool>,
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set of this process, in MB.
fn self_peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn dir_size(p: &Path) -> u64 {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                n += dir_size(&path);
            } else if let Ok(m) = e.metadata() {
                n += m.len();
            }
        }
    }
    n
}

struct Runner {
    exe: PathBuf,
    db: PathBuf,
    now: String,
}

impl Runner {
    fn run(&self, args: &[&str]) -> Result<(Duration, String), ApiError> {
        let started = Instant::now();
        let out = Process::new(&self.exe)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("CASEBENCH_NOW", &self.now)
            .env(peak::ENV, peak::path("children"))
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ApiError::Internal(format!("cannot run {}: {e}", self.exe.display())))?;
        let took = started.elapsed();
        if !out.status.success() {
            return Err(ApiError::Internal(format!(
                "{args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok((took, String::from_utf8_lossy(&out.stdout).into_owned()))
    }

    fn median(&self, runs: usize, args: &[&str]) -> Result<Duration, ApiError> {
        let mut xs = vec![];
        for _ in 0..runs {
            xs.push(self.run(args)?.0);
        }
        Ok(median(xs))
    }
}

#[derive(Default)]
struct Report {
    figures: Vec<Figure>,
    /// Cases and open cases in the store (the survey), for the SQLite comparison.
    shape: (usize, usize),
    /// The whole-process sweep: timers fired and its time.
    sweep: Option<(usize, Duration)>,
}

impl Report {
    /// The median of `runs` whole-process runs of `args`, recorded as `name`, against a target
    /// in milliseconds when one is given.
    fn process(
        &mut self,
        runner: &Runner,
        runs: usize,
        name: &str,
        args: &[&str],
        target: Option<(&str, f64)>,
    ) -> Result<(), ApiError> {
        let took = ms(runner.median(runs, args)?);
        let target = target.map(|(label, limit)| (label, took < limit));
        self.add(name, took, "ms", runs, target);
        Ok(())
    }

    fn add(
        &mut self,
        name: impl Into<String>,
        value: f64,
        unit: &'static str,
        runs: usize,
        target: Option<(&str, bool)>,
    ) {
        let name = name.into();
        let (target, met) = match target {
            Some((t, ok)) => (t.to_string(), Some(ok)),
            None => (String::new(), None),
        };
        eprintln!("  {name}: {value:.2} {unit}");
        self.figures.push(Figure {
            name,
            value,
            unit,
            runs,
            target,
            met,
        });
    }
}

pub fn run(ctx: &Ctx, args: BenchArgs) -> Result<(), ApiError> {
    // The bench runs casebench on stores it has just closed: their locks must go with them.
    crate::store::free_on_close();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let runs = args.runs.max(1);
    let now = ctx.clock.now();
    let mut report = Report::default();
    peak::fresh("children");
    let generated;
    let db = match &args.store {
        Some(p) => {
            generated = false;
            p.clone()
        }
        None => {
            generated = true;
            let p = std::env::temp_dir().join(format!("casebench-bench-{}", std::process::id()));
            let spec = GenSpec {
                cases: args.cases,
                open_ratio: args.open_ratio,
                users: 1_000,
                groups: 20,
                due_now: args.due_now,
                seed: 1,
                span_days: args.span_days,
                // As the store stands under a 90-day archive retention.
                archive_before: Some(now - chrono::Duration::days(90)),
            };
            eprintln!("generating {} cases at {} …", args.cases, p.display());
            let started = Instant::now();
            let made = Engine::generate(&p, now, &spec)?;
            let took = started.elapsed();
            report.add(
                format!(
                    "gen {} cases ({} closed > 90 d ago straight to the archive)",
                    args.cases, made.archived
                ),
                took.as_secs_f64(),
                "s",
                1,
                Some((
                    "< 120 s at 1M",
                    took.as_secs_f64() * 1_000_000.0 / args.cases as f64 <= 120.0,
                )),
            );
            p
        }
    };
    let result = measure(&mut report, &db, now, runs);
    let peak_children = peak::max_mb(&peak::path("children"));
    // Last, with a peak of its own: archiving changes the store.
    let result = result.and_then(|()| {
        peak::fresh("children");
        let exe = std::env::current_exe().map_err(|e| ApiError::Internal(e.to_string()))?;
        archive::figures(&mut report, &exe, &db, generated && !args.keep, now, runs)
    });
    if generated && !args.keep {
        let _ = std::fs::remove_dir_all(&db);
    } else if generated {
        eprintln!("kept the store at {}", db.display());
    }
    result?;
    let peak_archive = peak::max_mb(&peak::path("children"));
    let _ = std::fs::remove_file(peak::path("children"));
    peaks(&mut report, peak_children, peak_archive);
    // After the peaks above: its processes have a figure of their own.
    // SQLite holds every case the generator made (it has no archive), as the issue's
    // comparison did.
    let (hot, open) = report.shape;
    let cases = if generated { hot.max(args.cases) } else { hot };
    let shape = sqlite::Shape {
        cases,
        open,
        firings: report.sweep.map_or(args.due_now, |(n, _)| n).min(open),
        users: 1_000,
        groups: 20,
    };
    let sweep = report.sweep;
    sqlite::comparison(&mut report, &shape, now, sweep, runs)?;
    export::large_export(&mut report, args.cases)?;
    campaign::campaign(&mut report, campaign::items_for(args.cases), now)?;
    cert_tui::figures(&mut report, now, runs)?;

    if ctx.json {
        return crate::cli::output::json(&serde_json::json!({
            "cores": cores,
            "cases": args.cases,
            "figures": report.figures,
        }));
    }
    println!(
        "casebench bench — {cores} cores, store {} ({} runs each, median)",
        db.display(),
        runs
    );
    let mut t = crate::cli::output::Table::new(vec!["FIGURE", "VALUE", "RUNS", "TARGET"]);
    for f in &report.figures {
        let verdict = match f.met {
            Some(true) => format!("{} met", f.target),
            Some(false) => format!("{} MISSED", f.target),
            None => String::new(),
        };
        t.row(vec![
            f.name.clone(),
            format!("{:.2} {}", f.value, f.unit),
            f.runs.to_string(),
            verdict,
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

/// The peak memory figures: of the processes run, of the archive run, of this process.
fn peaks(report: &mut Report, children: f64, archive: f64) {
    for (name, mb) in [
        ("peak RSS of the archive run and its case show", archive),
        ("peak RSS of any casebench process above", children),
        ("peak RSS of the in-process benchmarks", self_peak_mb()),
    ] {
        report.add(name, mb, "MB", 1, Some(("< 200 MB", mb < 200.0)));
    }
}

/// Who has work in the store: the assignee of the most urgent open item, on its case.
struct Subject {
    actor: String,
    case_id: CaseId,
}

fn open_engine(db: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<Engine, ApiError> {
    Engine::open(db, std::sync::Arc::new(ManualClock::new(now)))
}

/// The median time of `runs` calls of `f`.
fn timed(
    runs: usize,
    mut f: impl FnMut(usize) -> Result<(), ApiError>,
) -> Result<Duration, ApiError> {
    let mut xs = vec![];
    for i in 0..runs {
        let started = Instant::now();
        f(i)?;
        xs.push(started.elapsed());
    }
    Ok(median(xs))
}

fn measure(
    report: &mut Report,
    db: &Path,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<(), ApiError> {
    let exe = std::env::current_exe().map_err(|e| ApiError::Internal(e.to_string()))?;
    let runner = Runner {
        exe,
        db: db.to_path_buf(),
        now: now.to_rfc3339(),
    };
    let subject = survey(report, db, now)?;
    whole_process(report, &runner, runs, &subject)?;
    let engine = in_process(report, db, now, runs, &subject)?;
    kpi::figures(report, &engine, now, runs)?;
    // The TUI, headless (TestBackend), on the Open queue of every open case.
    let service: std::sync::Arc<dyn Service + Send + Sync> = std::sync::Arc::new(engine);
    for f in crate::tui::bench::run(service, "admin", 3, (120, 40), runs.max(3)) {
        let median = ms(f.median());
        let target = if f.name.starts_with("startup") {
            Some(("first frame < 150 ms", median < 150.0))
        } else if f.name.starts_with("navigate j/k") || f.name.starts_with("filter: key → frame")
        {
            Some(("< 16 ms", median < 16.0))
        } else {
            None
        };
        report.add(
            format!("TUI {}", f.name),
            median,
            "ms",
            f.samples.len(),
            target,
        );
    }
    serve::through_serve(report, &runner, db, now, runs, &subject)
}

/// The store's size and who has work in it.
fn survey(
    report: &mut Report,
    db: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Subject, ApiError> {
    let engine = open_engine(db, now)?;
    let mut first = None;
    engine.store().open_by_deadline(None, |w, c| {
        first = Some((w, c));
        false
    })?;
    let (w, case_id) =
        first.ok_or_else(|| ApiError::BadInput("the store has no open case".into()))?;
    let item = engine.store().work_item(w)?.expect("indexed item");
    let actor = item
        .assignees
        .first()
        .cloned()
        .unwrap_or_else(|| user_login(1));
    let count = |queue| {
        let q = CaseQuery {
            queue,
            limit: Some(0),
            ..Default::default()
        };
        Ok::<_, ApiError>(engine.list_cases("admin", &q)?.total)
    };
    let (cases, open) = (count(Queue::All)?, count(Queue::Open)?);
    let raw = engine.store().raw_size()?;
    let disk = dir_size(db);
    report.add(
        format!("store size on disk ({cases} cases)"),
        disk as f64 / 1e6,
        "MB",
        1,
        Some(("≤ 3× raw", disk <= raw * 3)),
    );
    report.add(
        "raw encoded keys and values",
        raw as f64 / 1e6,
        "MB",
        1,
        None,
    );
    eprintln!("{cases} cases, {open} open; acting as {actor}");
    report.shape = (cases, open);
    Ok(Subject { actor, case_id })
}

/// Whole processes, as a user at the prompt and cron would run them.
fn whole_process(
    report: &mut Report,
    runner: &Runner,
    runs: usize,
    s: &Subject,
) -> Result<(), ApiError> {
    let actor = s.actor.as_str();
    let list = |queue| {
        [
            "--as", actor, "case", "list", "--queue", queue, "--limit", "50",
        ]
    };
    report.process(
        runner,
        runs,
        "open store + first inbox page (whole process)",
        &list("mine"),
        Some(("< 50 ms", 50.0)),
    )?;
    report.process(
        runner,
        runs,
        "case list --queue open, first 50 + count (whole process)",
        &list("open"),
        None,
    )?;

    // The sweep: first the due timers, then nothing due.
    let (took, out) = runner.run(&["--as", "admin", "--json", "sweep"])?;
    let fired = serde_json::from_str::<serde_json::Value>(&out)
        .ok()
        .and_then(|v| v["fired"].as_array().map(|a| a.len()))
        .unwrap_or(0);
    let rate = fired as f64 / took.as_secs_f64();
    report.sweep = Some((fired, took));
    report.add(
        format!("sweep firing {fired} timers (whole process)"),
        ms(took),
        "ms",
        1,
        None,
    );
    report.add(
        "  firings per second",
        rate,
        "/s",
        1,
        Some(("≥ 50,000/s", rate >= 50_000.0)),
    );
    // Without the idle card the last sweep left, a sweep opens the store to find nothing
    // due; with it (the sweep above wrote it), it reads the card alone (`store::idle`).
    let _ = std::fs::remove_file(runner.db.join("casebench.idle"));
    let (long, _) = runner.run(&["--as", "admin", "sweep"])?;
    report.add(
        "sweep with nothing due, without the idle card (opens the store)",
        ms(long),
        "ms",
        1,
        None,
    );
    report.process(
        runner,
        runs,
        "sweep with nothing due (whole process)",
        &["--as", "admin", "sweep"],
        Some(("< 30 ms", 30.0)),
    )
}

/// Opening, queries and commands in this process; returns the engine, out of batch mode.
fn in_process(
    report: &mut Report,
    db: &Path,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
    s: &Subject,
) -> Result<Engine, ApiError> {
    let mut xs = vec![];
    for _ in 0..runs {
        let started = Instant::now();
        let e = open_engine(db, now)?;
        xs.push(started.elapsed());
        drop(e);
        std::thread::sleep(Duration::from_millis(20)); // sled lets go of its lock
    }
    report.add("open store (in process)", ms(median(xs)), "ms", runs, None);
    let mut engine = open_engine(db, now)?;
    for (queue, filter) in [
        (Queue::Mine, None),
        (Queue::Claimable, None),
        (Queue::Overdue, None),
        (Queue::Open, None),
        (Queue::Open, Some("sap")),
    ] {
        let q = CaseQuery {
            queue,
            filter: filter.map(String::from),
            limit: Some(50),
            ..Default::default()
        };
        let mut total = 0;
        let took = timed(runs, |_| {
            total = engine.list_cases(&s.actor, &q)?.total;
            Ok(())
        })?;
        let (label, target) = match filter {
            Some(f) => (
                format!("list {queue} --filter {f}: first 50 + count of {total}"),
                Some(("≤ 30 ms", ms(took) <= 30.0)),
            ),
            None => (format!("list {queue}: first 50 + count of {total}"), None),
        };
        report.add(label, ms(took), "ms", runs, target);
    }
    let show = timed(runs, |_| engine.show_case(&s.actor, s.case_id).map(drop))?;
    report.add("case show", ms(show), "ms", runs, None);
    commands(report, &mut engine, runs, s)?;
    engine.set_batch_mode(false);
    Ok(engine)
}

/// Commands: single durable ones, then batches flushed once.
fn commands(
    report: &mut Report,
    engine: &mut Engine,
    runs: usize,
    s: &Subject,
) -> Result<(), ApiError> {
    let comment = |i: usize| Command::Comment {
        case: s.case_id,
        text: format!("bench comment {i}"),
    };
    let single = timed(runs.max(20), |i| {
        engine.execute(&s.actor, comment(i)).map(drop)
    })?;
    report.add(
        "single command, durable (comment)",
        ms(single),
        "ms",
        runs.max(20),
        Some(("< 5 ms", ms(single) < 5.0)),
    );
    let n = 5_000;
    engine.set_batch_mode(true);
    let rate = batch_rate(engine, &s.actor, n, comment)?;
    report.add(
        format!("comments in a batch of {n}, one flush"),
        rate,
        "/s",
        1,
        Some(("≥ 5,000/s", rate >= 5_000.0)),
    );
    let targets = [Target::Group("g000".into()), Target::User(s.actor.clone())];
    let rate = batch_rate(engine, "admin", n, |i| Command::Delegate {
        case: s.case_id,
        work_item: None,
        to: targets[i % 2].clone(),
        method: DelegationMethod::Add,
        comment: None,
    })?;
    report.add(
        format!("delegations in a batch of {n}, one flush"),
        rate,
        "/s",
        1,
        Some(("≥ 5,000/s", rate >= 5_000.0)),
    );
    Ok(())
}

/// Runs `n` commands as `actor` in batch mode with one flush: commands per second.
fn batch_rate(
    engine: &Engine,
    actor: &str,
    n: usize,
    command: impl Fn(usize) -> Command,
) -> Result<f64, ApiError> {
    let started = Instant::now();
    for i in 0..n {
        engine.execute(actor, command(i))?;
    }
    engine.flush()?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}
