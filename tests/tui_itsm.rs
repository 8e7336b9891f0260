//! End to end, ticket systems in the workbench: a store prepared through the library (three
//! cases; C-1 outsourced to a command target whose sync failed), the same `[itsm.helpdesk]`
//! table in the binary's config file, then the real binary in tmux at 80×24 as the
//! administrator: the Outsourced tab is there with C-1, its detail shows the ticket block with
//! the sync error, and `:outsource --to helpdesk` sends C-2 there too (then it is in the tab).
//! Without a ticket system the tabs stay the six of before. The tmux tests are skipped (with
//! a notice) when tmux is missing; the same checks in-process (the test driver) always run.

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};

use casebench::api::{Command, NewCase, ServiceExt};
use casebench::domain::{CaseId, CaseKind, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::itsm::TargetSpec;
use casebench::tui::app::Effect;
use casebench::tui::driver::Driver;
use casebench::tui::keymap::Keymap;

mod tmux;

use tmux::{tmux, Server};

const BIN: &str = env!("CARGO_BIN_EXE_casebench");
const NOW: &str = "2026-12-01T10:03:00Z";

/// A command target whose program fails (placeholder adapter or not, the sync fails).
const TABLE: &str = "[itsm.helpdesk]\nkind = \"command\"\ncommand = \"/bin/false\"\n";

/// Short enough for the title column at 80 columns.
const TITLES: [&str; 3] = ["Old VPN account", "Lobby badge", "Audit share 2025"];

fn new_case(title: &str) -> Command {
    Command::CreateCase(NewCase {
        kind: CaseKind::Generic,
        title: title.into(),
        description: None,
        resource: None,
        object: None,
        target: Target::User("admin".into()),
        deadline: None,
        deadline_in: None,
        policy: None,
    })
}

/// Three cases for the administrator; with `itsm`, C-1 outsourced and synced (failing).
fn prepare(db: &Path, itsm: bool) -> Engine {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    let mut e = Engine::init(db, clock, "admin", &[]).unwrap();
    for t in TITLES {
        e.execute("admin", new_case(t)).unwrap();
    }
    if !itsm {
        return e;
    }
    let table: toml::Table = toml::from_str(TABLE).unwrap();
    let spec: TargetSpec = table["itsm"]["helpdesk"].clone().try_into().unwrap();
    e.set_itsm_targets(vec![spec.check("helpdesk").unwrap()]);
    let out = Command::Outsource {
        case: CaseId(1),
        target: "helpdesk".into(),
    };
    e.execute("admin", out).unwrap();
    let sync = Command::SyncTickets {
        target: None,
        dry_run: false,
    };
    e.execute("admin", sync).unwrap();
    let shown = e.show_case("admin", CaseId(1)).unwrap();
    let ticket = shown.ticket.expect("C-1 is outsourced");
    assert!(ticket.error.is_some(), "the sync failed: {ticket:?}");
    e
}

/// The binary in tmux at 80×24 as the administrator, with `table` as its config file.
fn start(dir: &Path, name: &str, table: &str) -> Server {
    if !tmux::available() {
        panic!("checked by the caller");
    }
    let db = dir.join("store");
    let config = dir.join("config");
    std::fs::create_dir_all(config.join("casebench")).unwrap();
    std::fs::write(config.join("casebench/config.toml"), table).unwrap();
    let q = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let shell = format!(
        "env -u CASEBENCH_USER CASEBENCH_NOW={NOW} XDG_CONFIG_HOME={} TERM=xterm-256color {} --db {} --as admin; echo CASEBENCH-EXITED $?; sleep 60",
        q(&config),
        q(Path::new(BIN)),
        q(&db)
    );
    let server = Server(format!("casebench-itsm-{name}-{}", std::process::id()));
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
    server
}

/// The header line (the tabs).
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

#[test]
fn outsourced_cases_have_their_tab_and_their_ticket_in_the_detail() {
    if !tmux::available() {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI ITSM test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    drop(prepare(&dir.path().join("store"), true));
    let server = start(dir.path(), "tab", TABLE);

    // The header's counts come before the rows: wait for a row, then for the tab's count.
    server.until(TITLES[0], 10);
    let screen = server.until("Outs 1", 10);
    let head = header(&screen);
    assert!(head.contains("Mine 3"), "{screen}");
    assert!(columns(head) <= 80, "{screen}");

    server.send(&["7"]);
    let screen = server.until("Outsourced", 5);
    let screen = match screen.contains(TITLES[1]) {
        true => server.until_gone(TITLES[1], 5),
        false => screen,
    };
    server.until(TITLES[0], 5);
    assert!(
        !screen.contains(TITLES[2]),
        "only C-1 is outsourced:\n{screen}"
    );

    server.send(&["Enter"]);
    let screen = server.until("sync error", 5);
    assert!(screen.contains("helpdesk not created yet"), "{screen}");
    assert!(screen.contains("failure"), "{screen}");
    assert!(screen.contains("outsourced 2026-12-01"), "{screen}");
    for line in screen.lines() {
        assert!(columns(line) <= 80, "{line:?}");
    }
    // The history, at its end: the ticket's events in their own column.
    server.send(&["G"]);
    let screen = server.until("ticket-error", 5);
    assert!(screen.contains("outsourced     to helpdesk"), "{screen}");

    // Back to the inbox: C-2 (in Mine, filtered to it) goes to helpdesk too.
    server.send(&["q"]);
    server.send(&["1"]);
    server.until(TITLES[2], 5);
    server.send(&["/"]);
    server.send(&["-l", "lobby"]);
    server.send(&["Enter"]);
    server.until_gone(TITLES[2], 5);
    server.send(&[":"]);
    server.send(&["-l", "outsource --to helpdesk"]);
    server.send(&["Enter"]);
    server.until("Outsource C-2 to helpdesk?", 5);
    server.send(&["y"]);
    server.until("outsourced to helpdesk", 5);
    server.until("Outs 2", 5);
    // Without the filter, in the Outsourced tab: both.
    server.send(&["Escape"]);
    server.until_gone("/ lobby", 5);
    server.send(&["7"]);
    let screen = server.until(TITLES[1], 5);
    assert!(screen.contains(TITLES[0]), "{screen}");
    server.send(&["q"]);
    server.until("CASEBENCH-EXITED 0", 10);
}

#[test]
fn without_ticket_systems_the_tabs_stay_as_they_were() {
    if !tmux::available() {
        eprintln!("NOTICE: tmux is not installed; skipping the TUI ITSM test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    drop(prepare(&dir.path().join("store"), false));
    let server = start(dir.path(), "none", "");
    server.until(TITLES[0], 10);
    let screen = server.until("Closed 0", 10);
    assert!(!screen.contains("Outs"), "{screen}");
    server.send(&["7"]);
    server.send(&[":"]);
    server.send(&["-l", "queue outsourced"]);
    server.send(&["Enter"]);
    let screen = server.until("no Outsourced tab", 5);
    assert!(!header(&screen).contains("Outs"), "{screen}");
    server.send(&["q"]);
    server.until("CASEBENCH-EXITED 0", 10);
}

/// The workbench in-process (no tmux) at 80×24 as the administrator.
fn driver(dir: &Path, itsm: bool) -> Driver {
    let e = prepare(&dir.join("store"), itsm);
    Driver::new(Arc::new(e), "admin", Keymap::defaults().unwrap(), (80, 24))
}

#[test]
fn the_outsourced_tab_follows_the_six_with_the_next_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = driver(dir.path(), true);
    assert_eq!(
        d.effects
            .iter()
            .filter(|e| matches!(e, Effect::LoadItsm))
            .count(),
        1,
        "asked once at the start"
    );
    assert_eq!(d.app.inbox.queues().len(), 7);
    assert_eq!(d.app.inbox.counts()[6], Some(1));
    let screen = d.screen(80, 24);
    let head = header(&screen);
    // The last tab whole: not cut at the 80th column.
    assert!(head.contains("Outs 1 "), "{screen}");
    // Narrower, the title goes first.
    let screen = d.screen(60, 24);
    assert!(
        header(&screen).starts_with("\" Mine 3  Claim 0"),
        "{screen}"
    );
    d.screen(80, 24);
    d.press("7");
    assert_eq!(
        d.app.inbox.current_queue(),
        casebench::api::Queue::Outsourced
    );
    assert_eq!(d.app.inbox.len(), 1);
    assert_eq!(d.app.inbox.selected_id(), Some(CaseId(1)));
    // Around: the next queue after it is the first one again.
    d.press("l");
    assert_eq!(d.app.inbox.queue(), 0);
    d.press("h");
    assert_eq!(d.app.inbox.queue(), 6);
    d.press("1");
    d.press(":");
    d.type_text("queue outsourced\n");
    assert_eq!(d.app.inbox.queue(), 6);
    // The detail, at 80 columns.
    d.press("enter");
    let screen = d.screen(80, 24);
    assert!(
        screen.contains("ticket     helpdesk not created yet"),
        "{screen}"
    );
    assert!(screen.contains("sync error helpdesk: "), "{screen}");
    assert!(
        screen.contains("1 failure; next try 09:01:00 (in 1m)"),
        "{screen}"
    );
}

#[test]
fn without_ticket_systems_there_are_six_tabs_and_no_seventh_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = driver(dir.path(), false);
    assert_eq!(d.app.inbox.queues().len(), 6);
    assert_eq!(
        d.app.inbox.counts(),
        [Some(3), Some(0), Some(0), Some(3), Some(0), Some(0)]
    );
    d.press("4");
    assert_eq!(d.app.inbox.queue(), 3);
    d.press("7");
    assert_eq!(d.app.inbox.queue(), 3, "no seventh tab");
    d.press("l l l");
    assert_eq!(d.app.inbox.queue(), 0, "around the six");
    let screen = d.screen(80, 24);
    assert!(!screen.contains("Outs"), "{screen}");
}

fn columns(s: &str) -> usize {
    s.chars().count()
}
