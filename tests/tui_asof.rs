//! `:asof T` in the TUI: the inbox and the case as they stood at T, under a read-only
//! banner; a change is refused until `:asof` returns to the present.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use casebench::api::{Command, NewCase};
use casebench::domain::{CaseId, CaseKind, DelegationMethod, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::import::parse_users_csv;
use casebench::tui::driver::Driver;
use casebench::tui::keymap::Keymap;

const USERS_CSV: &str = "\
login,name,email,manager,groups
alice,Alice,alice@example.org,,ops
bob,Bob,bob@example.org,alice,ops
";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

/// C-1 assigned to alice at 09:00, delegated to bob at 15:00; now is the next morning.
fn store(dir: &std::path::Path) -> Arc<Engine> {
    let clock = Arc::new(ManualClock::new(t0()));
    let e = Engine::init(&dir.join("store"), clock.clone(), "root", &[]).unwrap();
    let users = parse_users_csv("users.csv", USERS_CSV.as_bytes()).unwrap();
    e.execute("root", Command::ImportUsers { users }).unwrap();
    let new = NewCase {
        kind: CaseKind::ManualProvisioning,
        title: "Rename the account".into(),
        description: None,
        resource: None,
        object: None,
        target: Target::User("alice".into()),
        deadline: Some(t0() + Duration::days(3)),
        deadline_in: None,
        policy: None,
    };
    e.execute("alice", Command::CreateCase(new)).unwrap();
    clock.set(t0() + Duration::hours(6));
    let delegate = Command::Delegate {
        case: CaseId(1),
        work_item: None,
        to: Target::User("bob".into()),
        method: DelegationMethod::Replace,
        comment: None,
    };
    e.execute("alice", delegate).unwrap();
    clock.set(t0() + Duration::days(1));
    Arc::new(e)
}

fn status(d: &Driver) -> String {
    d.app
        .status
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn asof_shows_the_old_holders_inbox_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let engine = store(dir.path());
    let mut d = Driver::new(
        engine.clone(),
        "alice",
        Keymap::defaults().unwrap(),
        (80, 24),
    );
    assert_eq!(d.app.inbox.len(), 0, "C-1 is bob's now");

    d.type_text(":asof 2026-11-20T14:00:00Z\n");
    let screen = d.screen(80, 24);
    // At 80 columns the banner is short and stands in for the title; the line above the
    // status bar says read-only. Wider, it says it all.
    assert!(screen.contains("\" AS OF 11-20 14:00  Mine 1"), "{screen}");
    assert!(screen.contains("Closed 0"), "every queue fits: {screen}");
    assert!(screen.contains("read-only: :asof now returns"), "{screen}");
    let wide = d.screen(120, 40);
    assert!(
        wide.contains("AS OF 2026-11-20 14:00 — read-only"),
        "{wide}"
    );
    assert_eq!(d.app.inbox.len(), 1, "C-1 was alice's then");
    assert!(screen.contains("Rename the account"), "{screen}");
    // Its deadline counts from the time looked at ("in 2d" from now).
    assert!(screen.contains("alice        in 3d"), "{screen}");
    insta::assert_snapshot!("asof_80x24", screen);

    let events = engine.inspect().event_count();
    d.type_text(":comment too late\n");
    assert!(status(&d).contains("read-only"), "{}", status(&d));
    d.type_text(":claim\n");
    assert!(status(&d).contains("read-only"), "{}", status(&d));
    assert_eq!(engine.inspect().event_count(), events, "nothing changed");

    d.type_text(":asof 2026-11-22T09:00:00Z\n");
    assert!(status(&d).contains("future"), "{}", status(&d));

    d.type_text(":asof\n");
    let screen = d.screen(80, 24);
    assert!(!screen.contains("AS OF"), "{screen}");
    assert_eq!(d.app.inbox.len(), 0);
    d.type_text(":queue delegated\n");
    assert_eq!(d.app.inbox.len(), 1, "alice delegated C-1 since");
    d.type_text(":comment now it goes\n");
    assert!(engine.inspect().event_count() > events, "{}", status(&d));
}
