//! Keystroke-to-frame times of the TUI at 100k open cases (not a timed test: it prints).
//!
//! ```sh
//! cargo bench --bench tui                         # 100,000 open cases, 120×40
//! cargo bench --bench tui -- --cases 20000 --reps 5 --size 80x24
//! ```
//!
//! The store is built through the engine in batch mode (one flush at the end). The figures
//! come from `casebench::tui::bench`: key → resolver → `update` → frame on a TestBackend, and
//! the work the event loop runs off the UI thread (loading rows, filtering) separately.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};

use casebench::api::{CaseQuery, Command, NewCase, Queue, Service, ServiceExt, UserRecord};
use casebench::domain::{CaseKind, Target};
use casebench::engine::{Engine, ManualClock};

const RESOURCES: [&str; 8] = [
    "SAP-HR",
    "Oracle-DWH",
    "Mainframe-RACF",
    "FileServer-02",
    "Postgres-Billing",
    "LDAP",
    "Badge-Access",
    "VPN",
];
const VERBS: [&str; 5] = [
    "Create account",
    "Disable account",
    "Rename account",
    "Review access of",
    "Remove group from",
];

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cases: usize = arg(&args, "--cases").map_or(100_000, |v| v.parse().expect("--cases N"));
    let reps: usize = arg(&args, "--reps").map_or(20, |v| v.parse().expect("--reps N"));
    let size = arg(&args, "--size").map_or((120, 40), |v| {
        let (w, h) = v.split_once('x').expect("--size WxH");
        (w.parse().expect("width"), h.parse().expect("height"))
    });

    let dir = tempfile::tempdir().expect("a temporary directory");
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(now - Duration::days(30)));
    let started = Instant::now();
    let mut engine =
        Engine::init(&dir.path().join("store"), clock.clone(), "admin", &[]).expect("init");
    engine.set_batch_mode(true);
    let mut users = vec![UserRecord {
        line: 2,
        login: "alice".into(),
        name: "Alice Martin".into(),
        email: "alice@example.org".into(),
        manager: None,
        calendar: None,
        groups: vec!["ops".into()],
    }];
    for i in 0..200 {
        users.push(UserRecord {
            line: i + 3,
            login: format!("u{i:03}"),
            name: format!("User {i:03}"),
            email: format!("u{i:03}@example.org"),
            manager: Some("alice".into()),
            groups: vec![format!("g{}", i % 10), "ops".into()],
            calendar: None,
        });
    }
    engine
        .execute("admin", Command::ImportUsers { users })
        .expect("users");
    for i in 0..cases {
        let target: Target = match i % 50 {
            0 => Target::User("alice".into()),
            1..=5 => Target::Group("ops".into()),
            _ => Target::User(format!("u{:03}", i % 200)),
        };
        let hours = (i as i64 * 7919) % 1440 - 720;
        engine
            .execute(
                "admin",
                Command::CreateCase(NewCase {
                    kind: CaseKind::ALL[i % CaseKind::ALL.len()],
                    title: format!(
                        "{} u{:05} on {}",
                        VERBS[i % VERBS.len()],
                        i,
                        RESOURCES[(i / 7) % RESOURCES.len()]
                    ),
                    description: None,
                    resource: Some(RESOURCES[(i / 7) % RESOURCES.len()].into()),
                    object: None,
                    target,
                    deadline: Some(now + Duration::hours(hours)),
                    deadline_in: None,
                    policy: None,
                }),
            )
            .expect("case");
    }
    engine.flush().expect("flush");
    clock.set(now);
    let build = started.elapsed();
    let service: Arc<dyn Service + Send + Sync> = Arc::new(engine);

    let (open, t_open) = {
        let t = Instant::now();
        let q = CaseQuery {
            queue: Queue::Open,
            ..Default::default()
        };
        (
            service.list_cases("alice", &q).expect("open").total,
            t.elapsed(),
        )
    };
    println!(
        "casebench TUI benchmark: {cases} cases built in {:.1} s; {open} open",
        build.as_secs_f64()
    );
    println!(
        "{} cores; terminal {}x{}; {reps} reps; Service::list_cases(open, all rows) took {:.0} ms",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        size.0,
        size.1,
        t_open.as_secs_f64() * 1000.0
    );
    println!();
    // Queue index 3 is Open: every open case.
    for f in casebench::tui::bench::run(service, "alice", 3, size, reps) {
        println!("{}", f.line());
    }
}
