//! End to end, the certification view: a store prepared through the library (rita manages
//! 64 people, each with an account on sap; a campaign over sap reviewed by the managers),
//! then the real binary in tmux at 80×24 as rita: the certification case opens as a table
//! with its progress line, 30 single keys and one confirmed bulk of 20 marked items decide
//! 50 items, and the campaign report then shows exactly those 50 decisions.
//! Skipped (with a notice) when tmux is missing.

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};

use casebench::api::{Answer, CampaignRecord, Command, Query, Service, UserRecord};
use casebench::domain::{OpKind, Outcome};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_resources_toml;

mod tmux;

use tmux::{tmux, Server};

const BIN: &str = env!("CARGO_BIN_EXE_casebench");
const NOW: &str = "2026-12-01T10:00:00Z";
const PEOPLE: usize = 64;

fn engine(db: &Path) -> Engine {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    if db.exists() {
        // The store's lock outlives a dropped engine by a moment (sled's flusher thread):
        // wait for it rather than fail.
        let start = std::time::Instant::now();
        loop {
            match Engine::open(db, clock.clone()) {
                Err(casebench::api::ApiError::Busy(_))
                    if start.elapsed() < std::time::Duration::from_secs(10) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other.unwrap(),
            }
        }
    } else {
        Engine::init(db, clock, "root", &[]).unwrap()
    }
}

/// rita and the people she manages, an account each on sap, the campaign q4 started.
fn prepare(db: &Path, dir: &Path) {
    let e = engine(db);
    let mut users = vec![UserRecord {
        line: 1,
        login: "rita".into(),
        name: "Rita Reviewer".into(),
        email: "rita@example.org".into(),
        manager: None,
        groups: vec!["staff".into()],
        calendar: None,
    }];
    users.push(UserRecord {
        line: 2,
        login: "olga".into(),
        name: "Olga Ops".into(),
        email: "olga@example.org".into(),
        manager: None,
        groups: vec!["ops".into()],
        calendar: None,
    });
    users.extend((1..=PEOPLE).map(|i| UserRecord {
        line: i as u64 + 2,
        login: format!("u{i:02}"),
        name: format!("User {i:02}"),
        email: format!("u{i:02}@example.org"),
        manager: Some("rita".into()),
        groups: vec!["staff".into()],
        calendar: None,
    }));
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let resources = parse_resources_toml(
        "r.toml",
        "[[resource]]\nid = \"sap\"\nkind = \"manual\"\nowners = \"ops\"\n",
        dir,
    )
    .unwrap();
    e.execute("root", Command::ImportResources { resources })
        .unwrap();
    for i in 1..=PEOPLE {
        let login = format!("u{i:02}");
        let a = e
            .execute(
                "root",
                Command::Provision {
                    resource: "sap".into(),
                    account: login.clone(),
                    owner: Some(login),
                    kind: OpKind::Add,
                    set: vec![("groups".into(), Some("fin-ro;fin-rw".into()))],
                },
            )
            .unwrap();
        let complete = Command::Complete {
            case: a.case.unwrap(),
            work_item: None,
            outcome: Outcome::Success,
            comment: None,
        };
        e.execute("root", complete).unwrap();
    }
    let def = casebench::bench::cert_tui::managers_campaign("q4", "sap", 7);
    let campaigns = vec![CampaignRecord { line: 1, def }];
    e.execute("root", Command::ImportCampaigns { campaigns })
        .unwrap();
    let start = Command::StartCampaign {
        name: "q4".into(),
        deadline: None,
    };
    e.execute("root", start).unwrap();
}

/// The line of `screen` holding `text`.
fn line_of<'a>(screen: &'a str, text: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?}:\n{screen}"))
}

/// The table and its progress line fit 80 columns, each on one line.
fn check_table(screen: &str, row: &str) {
    let head = line_of(screen, "OWNER");
    for col in ["NO", "ACCOUNT", "RESOURCE", "ATTRIBUTES", "DECISION"] {
        assert!(head.contains(col), "{col} not on the head line:\n{screen}");
    }
    let progress = line_of(screen, "of 64 decided");
    assert!(progress.contains("left (until 2026-12-08"), "{screen}");
    let first = line_of(screen, row);
    assert!(
        first.contains("sap") && first.contains("groups=fin"),
        "{screen}"
    );
    for l in screen.lines() {
        assert!(l.chars().count() <= 80, "wider than 80: {l:?}");
    }
}

#[test]
fn rita_decides_fifty_items_from_the_keyboard() {
    if !tmux::available() {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI certification test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    prepare(&db, dir.path());
    drop(engine(&db)); // free before the binary opens it
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let q = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let shell = format!(
        "env -u CASEBENCH_USER CASEBENCH_NOW={NOW} TZ=UTC XDG_CONFIG_HOME={} TERM=xterm-256color {} --db {} --as rita; echo CASEBENCH-EXITED $?; sleep 60",
        q(&config),
        q(Path::new(BIN)),
        q(&db)
    );
    let server = Server(format!("casebench-cert-{}", std::process::id()));
    let args = [
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        &shell,
    ];
    assert!(tmux(&server.0, &args).status.success(), "tmux new-session");

    server.until("Certify 64 items", 10);
    server.send(&["Enter"]);
    let screen = server.until("0 of 64 decided", 10);
    check_table(&screen, "User 01  ");

    // Single keys: items 1–20 accepted, 21–30 revoked, each moving on to the next.
    for _ in 0..20 {
        server.send(&["a"]);
    }
    for _ in 0..10 {
        server.send(&["r"]);
    }
    server.until("30 of 64 decided", 10);
    // Items 31–50 marked, then accepted at once behind the question.
    for _ in 0..20 {
        server.send(&["v"]);
    }
    server.until("20 marked", 10);
    server.send(&["a"]);
    server.until("Accept 20 marked items?", 5);
    server.send(&["y"]);
    let screen = server.until("50 of 64 decided", 10);
    check_table(&screen, "User 50  ");
    println!("{screen}");
    server.send(&["Escape"]);
    server.until("Certify 64 items", 5);
    server.send(&["q"]);
    server.until("CASEBENCH-EXITED 0", 10);

    // The evidence as an auditor reads it: `campaign report --json` through the binary.
    let out = std::process::Command::new(BIN)
        .args(["--db"])
        .arg(&db)
        .args(["--as", "root", "campaign", "report", "q4", "--json"])
        .env("CASEBENCH_NOW", NOW)
        .env_remove("CASEBENCH_USER")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: casebench::api::CampaignReport = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(u32, String, String)> = report
        .decisions
        .iter()
        .map(|d| (d.item, d.by.clone(), d.decision.clone()))
        .collect();
    got.sort();
    let want: Vec<(u32, String, String)> = (1..=50)
        .map(|n| {
            let d = if (21..=30).contains(&n) {
                "revoke"
            } else {
                "accept"
            };
            (n, "rita".to_string(), d.to_string())
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(report.total.accepted, 40);
    assert_eq!(report.total.revoked, 10);
}

/// The benchmark's certification figures run headless on the same store: the table holds
/// every item, each key is timed, and its decisions reach the engine.
#[test]
fn the_certification_benchmark_opens_the_table_and_decides() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    prepare(&db, dir.path());
    let service: Arc<dyn Service + Send + Sync> = Arc::new(engine(&db));
    let figures = casebench::tui::bench::cert(service.clone(), "rita", (80, 24), 1);
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"certification view key-to-frame at 64 items"),
        "{names:?}"
    );
    assert!(figures.iter().all(|f| !f.samples.is_empty()), "{names:?}");
    let report = match service
        .query("root", Query::CampaignReport("q4".into()))
        .unwrap()
    {
        Answer::CampaignReport(r) => r,
        a => panic!("{a:?}"),
    };
    assert_eq!(report.decisions.len(), 2, "{:?}", report.decisions);
    assert!(report.decisions.iter().all(|d| d.by == "rita"));
}
