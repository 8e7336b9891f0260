//! The TUI without a terminal: state tests (keys in, state and effects out), snapshots of
//! every pane at 80×24 and 120×40 (insta, ratatui's TestBackend), the keymap override, and
//! the binary refusing a broken keymap. One small store, the clock pinned, times in UTC.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tempfile::TempDir;

use casebench::api::{Command, NewCase, Service, ServiceExt, UserRecord};
use casebench::domain::{CaseId, CaseKind, DelegationMethod, Outcome, Target};
use casebench::engine::{Engine, ManualClock};
use casebench::tui::app::{self, Action, Effect, Modal};
use casebench::tui::driver::Driver;
use casebench::tui::keymap::{Keymap, DEFAULTS};
use casebench::tui::layout::Pane;
use casebench::tui::panes::inbox::Sort;

mod vpn_store;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn user(line: u64, login: &str, name: &str, manager: Option<&str>, groups: &[&str]) -> UserRecord {
    UserRecord {
        line,
        login: login.into(),
        name: name.into(),
        email: format!("{login}@example.org"),
        manager: manager.map(str::to_string),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        calendar: None,
    }
}

/// A store with users and seven cases around `now()`:
/// alice has C-1 (overdue), C-2 (approval, due soon), C-5 (escalated to her) in Mine; C-3 and
/// C-7 are offered to her groups; she delegated C-4 to carol; C-6 she completed.
struct Store {
    _dir: TempDir,
    engine: Arc<Engine>,
    clock: Arc<ManualClock>,
}

fn store() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now() - Duration::days(12)));
    let e = Engine::init(&dir.path().join("store"), clock.clone(), "admin", &[]).unwrap();
    let run = |actor: &str, c: Command| {
        e.execute(actor, c)
            .unwrap_or_else(|err| panic!("{actor}: {err}"))
    };
    run(
        "admin",
        Command::ImportUsers {
            users: vec![
                user(2, "boss", "Bea Boss", None, &[]),
                user(3, "alice", "Alice Martin", Some("boss"), &["ops", "db"]),
                user(4, "bob", "Bob Stone", Some("boss"), &["ops"]),
                user(5, "carol", "Carol Diaz", None, &["db"]),
                user(6, "dave", "Dave Lee", None, &[]),
            ],
        },
    );
    let at = |d: Duration| clock.set(now() + d);
    let new = |actor: &str, kind: CaseKind, title: &str, to: &str, deadline: Option<Duration>| {
        let applied = run(
            actor,
            Command::CreateCase(NewCase {
                kind,
                title: title.into(),
                description: None,
                resource: None,
                object: None,
                target: to.parse().unwrap(),
                deadline: deadline.map(|d| now() + d),
                deadline_in: None,
                policy: None,
            }),
        );
        applied.case.unwrap()
    };
    at(-Duration::days(5));
    let c1 = new(
        "bob",
        CaseKind::ManualProvisioning,
        "Create account jdoe on SAP-HR (no connector)",
        "alice",
        Some(-Duration::days(2)),
    );
    at(-Duration::days(3));
    run(
        "alice",
        Command::Comment {
            case: c1,
            text: "Waiting for the cost centre from HR".into(),
        },
    );
    at(-Duration::days(1));
    new(
        "boss",
        CaseKind::Approval,
        "Approve access: db-prod write for carol",
        "alice",
        Some(Duration::hours(5)),
    );
    at(-Duration::days(2));
    new(
        "carol",
        CaseKind::Remediation,
        "Divergence: account xavier on LDAP has extra groups",
        "@ops",
        Some(Duration::days(3)),
    );
    at(-Duration::days(10));
    let c4 = new(
        "bob",
        CaseKind::Correlation,
        "Who owns svc_backup on Oracle-DWH?",
        "alice",
        None,
    );
    at(-Duration::days(9));
    run(
        "alice",
        Command::Delegate {
            case: c4,
            work_item: None,
            to: Target::User("carol".into()),
            method: DelegationMethod::Replace,
            comment: Some("carol knows Oracle".into()),
        },
    );
    at(-Duration::days(4));
    let c5 = new(
        "boss",
        CaseKind::Generic,
        "Rotate the admin password of Postgres-Billing",
        "bob",
        Some(Duration::days(10)),
    );
    at(-Duration::days(2));
    run(
        "admin",
        Command::Escalate {
            case: c5,
            work_item: None,
            to: Some(Target::User("alice".into())),
            comment: Some("bob is away".into()),
        },
    );
    at(-Duration::days(3));
    let c6 = new(
        "bob",
        CaseKind::ManualProvisioning,
        "Create badge for mlee",
        "alice",
        Some(Duration::days(1)),
    );
    at(-Duration::days(1));
    run(
        "alice",
        Command::Complete {
            case: c6,
            work_item: None,
            outcome: Outcome::Success,
            comment: Some("badge printed".into()),
        },
    );
    at(-Duration::hours(6));
    new(
        "carol",
        CaseKind::ManualProvisioning,
        "Disable account old_vpn on VPN (leaver)",
        "@db",
        Some(Duration::days(6)),
    );
    clock.set(now());
    Store {
        _dir: dir,
        engine: Arc::new(e),
        clock,
    }
}

impl Store {
    fn service(&self) -> Arc<dyn Service + Send + Sync> {
        self.engine.clone()
    }

    fn driver(&self, actor: &str, size: (u16, u16)) -> Driver {
        Driver::new(self.service(), actor, Keymap::defaults().unwrap(), size)
    }

    /// The verbs of a case's history.
    fn history(&self, case: u64) -> Vec<String> {
        self.engine
            .case_history("admin", CaseId(case))
            .unwrap()
            .events
            .iter()
            .map(|e| e.what.verb().to_string())
            .collect()
    }
}

fn selected(d: &Driver) -> Option<String> {
    d.app.inbox.selected_id().map(|c| c.to_string())
}

fn shown_ids(d: &Driver) -> Vec<String> {
    (0..d.app.inbox.len())
        .map(|i| d.app.inbox.row(i).unwrap().id.to_string())
        .collect()
}

fn message(d: &Driver) -> String {
    d.app
        .status
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn runs(d: &Driver) -> Vec<Vec<Command>> {
    d.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Run { commands, .. } => Some(commands.clone()),
            _ => None,
        })
        .collect()
}

// State ─────────────────────────────────────────────────────────────────────────────────────

#[test]
fn starts_on_mine_with_counts_and_the_first_case_open_beside() {
    let s = store();
    let d = s.driver("alice", (120, 40));
    assert_eq!(shown_ids(&d), ["C-1", "C-2", "C-5"], "by deadline");
    assert_eq!(
        d.app.inbox.counts(),
        [Some(3), Some(2), Some(1), Some(6), Some(1), Some(1)]
    );
    assert_eq!(selected(&d).as_deref(), Some("C-1"));
    assert_eq!(d.app.case.current().unwrap().case.id, CaseId(1));
    let sweep = d.app.status.sweep.as_ref().expect("swept at start");
    assert_eq!(sweep.at, now());
}

#[test]
fn big_counts_fit_the_tabs_and_a_cut_tab_says_so() {
    let s = store();
    let mut d = s.driver("u00060", (80, 24));
    // As a 1,000,000-case store has them: in full, the tabs need 83 columns.
    for (i, n) in [112, 3492, 11, 100_000, 41_824, 116_767]
        .into_iter()
        .enumerate()
    {
        d.app.inbox.set_count(i, n);
    }
    let screen = d.screen(80, 24);
    let top = screen.lines().next().unwrap();
    assert!(
        top.contains("Open 100k") && top.contains("Late 42k"),
        "{top}"
    );
    assert!(top.contains("Closed 117k"), "{top}");
    // Narrower still: the last tab is cut with `…`, never to a shorter number.
    let top = d.screen(70, 24).lines().next().unwrap().to_string();
    assert!(top.trim_end_matches('"').trim_end().ends_with('…'), "{top}");
    assert!(!top.contains("Closed 11 "), "{top}");
}

#[test]
fn navigation_keys_move_and_load_the_case() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("j");
    assert_eq!(selected(&d).as_deref(), Some("C-2"));
    assert!(matches!(
        d.effects.last(),
        Some(Effect::LoadCase {
            case: CaseId(2),
            ..
        })
    ));
    d.press("G");
    assert_eq!(selected(&d).as_deref(), Some("C-5"));
    d.press("g");
    assert_eq!(selected(&d).as_deref(), Some("C-1"));
    d.press("down ctrl-d");
    assert_eq!(selected(&d).as_deref(), Some("C-5"), "half a page, clamped");
    d.press("pageup");
    assert_eq!(selected(&d).as_deref(), Some("C-1"));
    d.press("k");
    assert_eq!(selected(&d).as_deref(), Some("C-1"), "stays at the top");
    d.press("l");
    assert_eq!(d.app.inbox.queue(), 1);
    assert_eq!(shown_ids(&d), ["C-3", "C-7"]);
    d.press("4");
    assert_eq!(shown_ids(&d).len(), 6);
}

#[test]
fn the_selection_survives_a_refresh_that_adds_rows() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("j");
    assert_eq!(selected(&d).as_deref(), Some("C-2"));
    // Somebody gave alice a case due before all of hers (a month ago, overdue now).
    s.clock.set(now() - Duration::days(31));
    s.engine
        .execute(
            "bob",
            Command::CreateCase(NewCase {
                kind: CaseKind::Generic,
                title: "Urgent".into(),
                description: None,
                resource: None,
                object: None,
                target: Target::User("alice".into()),
                deadline: Some(now() - Duration::days(30)),
                deadline_in: None,
                policy: None,
            }),
        )
        .unwrap();
    s.clock.set(now());
    d.press("ctrl-r");
    assert_eq!(shown_ids(&d), ["C-8", "C-1", "C-2", "C-5"]);
    assert_eq!(selected(&d).as_deref(), Some("C-2"), "same case, new line");
    assert_eq!(d.app.inbox.selected(), 2);
}

#[test]
fn filter_is_incremental_fuzzy_and_esc_clears_it() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("4 /");
    assert!(d.app.inbox.filtering());
    d.type_text("sap");
    assert_eq!(shown_ids(&d), ["C-1"]);
    assert!(!d.app.inbox.view_fuzzy());
    // Fuzzy when nothing matches as written: p-o-s-t-g in "Postgres-Billing".
    d.press("ctrl-u");
    d.type_text("pgbill");
    assert_eq!(shown_ids(&d), ["C-5"]);
    assert!(d.app.inbox.view_fuzzy());
    // By person and group too.
    d.press("ctrl-u");
    d.type_text("@db");
    assert_eq!(shown_ids(&d), ["C-7"]);
    d.press("enter");
    assert!(
        !d.app.inbox.filtering(),
        "enter keeps the filter and leaves the field"
    );
    d.press("j");
    assert_eq!(selected(&d).as_deref(), Some("C-7"));
    d.press("esc");
    assert_eq!(shown_ids(&d).len(), 6);
    assert_eq!(selected(&d).as_deref(), Some("C-7"), "selection kept");
}

#[test]
fn stale_filter_results_are_dropped() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("/");
    // Type two letters without carrying out the effects.
    let key = |c| Action::Text(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let first = app::update(&mut d.app, key('s'));
    let second = app::update(&mut d.app, key('x'));
    let job = |fx: Vec<Effect>| match fx.into_iter().next() {
        Some(Effect::View(job)) => job,
        other => panic!("expected a view job, got {other:?}"),
    };
    let (first, second) = (job(first), job(second));
    assert!(second.gen > first.gen);
    let reply = |job: casebench::tui::panes::inbox::ViewJob| {
        casebench::tui::jobs::perform(&*s.service(), "alice", Effect::View(job)).unwrap()
    };
    // The newer reply lands first; the older one must not overwrite it.
    let newer = reply(second);
    let older = reply(first);
    d.act(Action::Reply(newer));
    let after_newer = shown_ids(&d);
    d.act(Action::Reply(older));
    assert_eq!(shown_ids(&d), after_newer);
    assert_eq!(d.app.inbox.view_query(), "sx");
}

#[test]
fn a_big_queue_shows_a_first_page_then_every_row() {
    use casebench::tui::actions::KeyAction;
    use casebench::tui::jobs::perform;
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.app.inbox.forget_counts();
    let fx = app::update(&mut d.app, Action::Key(KeyAction::Queue(3)));
    let loads: Vec<(u64, Option<usize>)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadInbox { gen, limit, .. } => Some((*gen, *limit)),
            _ => None,
        })
        .collect();
    assert_eq!(loads.len(), 2, "a page and every row: {fx:?}");
    assert_eq!(loads[0].1, Some(app::FIRST_PAGE));
    assert_eq!(loads[1].1, Some(app::MAX_ROWS));
    let gen = loads[0].0;
    let load = |limit| {
        let e = Effect::LoadInbox {
            gen,
            queue: casebench::api::Queue::Open,
            limit,
            filter: None,
        };
        perform(&*s.service(), "alice", e).unwrap()
    };
    d.act(Action::Reply(load(Some(2))));
    assert_eq!(shown_ids(&d).len(), 2);
    assert!(d.app.inbox.partial());
    let screen = d.screen(80, 24);
    assert!(screen.contains("Open first 2 of 6, loading…"), "{screen}");
    // The status bar says what is happening.
    assert!(screen.contains("loading 6 rows…"), "{screen}");
    d.act(Action::Reply(load(None)));
    assert_eq!(shown_ids(&d).len(), 6);
    assert!(!d.app.inbox.partial());
    // A page arriving after every row changes nothing.
    d.act(Action::Reply(load(Some(2))));
    assert_eq!(shown_ids(&d).len(), 6);
}

#[test]
fn a_queue_bigger_than_the_tui_holds_filters_through_the_engine() {
    let s = store();
    let mut d = s.driver("alice", (120, 40));
    d.app.inbox.set_max_rows(3);
    d.press("4");
    // Open holds 6 cases: the first 3 show, the title says so, nothing keeps loading.
    assert_eq!(shown_ids(&d).len(), 3);
    assert!(d.app.inbox.capped());
    assert!(!d.app.inbox.loading());
    let screen = d.screen(120, 40);
    assert!(screen.contains("first 3 of 6 (/ searches all)"), "{screen}");
    // A filter goes to the engine, which finds a case beyond the first 3.
    let beyond: Vec<String> = s
        .engine
        .list_cases(
            "alice",
            &casebench::api::CaseQuery {
                queue: casebench::api::Queue::Open,
                ..Default::default()
            },
        )
        .unwrap()
        .cases
        .iter()
        .skip(3)
        .map(|r| r.id.to_string())
        .collect();
    let target = beyond[0].clone();
    d.press("/");
    d.type_text(&target);
    assert_eq!(d.app.inbox.server_filter(), Some(target.as_str()));
    assert!(shown_ids(&d).contains(&target), "{:?}", shown_ids(&d));
    // Clearing the filter goes back to the first 3.
    d.press("esc");
    assert_eq!(d.app.inbox.server_filter(), None);
    assert_eq!(shown_ids(&d).len(), 3);
}

#[test]
fn sort_cycles_and_reverses() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    assert_eq!(d.app.inbox.sort(), Sort::Deadline);
    d.press("s");
    assert_eq!(d.app.inbox.sort(), Sort::Updated);
    assert_eq!(shown_ids(&d), ["C-2", "C-5", "C-1"], "latest change first");
    d.press("S");
    assert_eq!(shown_ids(&d), ["C-1", "C-5", "C-2"]);
    assert!(message(&d).contains("sorted by updated (reversed)"));
    for _ in 0..5 {
        d.press("s");
    }
    assert_eq!(d.app.inbox.sort(), Sort::Deadline);
}

#[test]
fn marks_make_bulk_actions() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("2 space space");
    assert_eq!(d.app.inbox.marks().len(), 2);
    d.press("C");
    assert_eq!(
        runs(&d).last().unwrap(),
        &vec![
            Command::Claim {
                case: CaseId(3),
                work_item: None
            },
            Command::Claim {
                case: CaseId(7),
                work_item: None
            },
        ]
    );
    assert!(d.app.inbox.marks().is_empty(), "cleared after success");
    assert!(message(&d).contains("claimed 2 cases"), "{}", message(&d));
    assert_eq!(shown_ids(&d), Vec::<String>::new(), "nothing left to claim");
    assert_eq!(d.app.inbox.counts()[0], Some(5));
}

#[test]
fn comment_composer_refuses_empty_and_sends_multi_line() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("c");
    assert!(matches!(d.app.modals.last(), Some(Modal::Form(_))));
    d.press("ctrl-s");
    assert!(message(&d).starts_with("empty comment"), "{}", message(&d));
    assert!(runs(&d).is_empty());
    assert!(
        matches!(d.app.modals.last(), Some(Modal::Form(_))),
        "still open"
    );
    d.type_text("Called HR.\nThey send it today.");
    d.press("ctrl-s");
    assert!(d.app.modals.is_empty());
    assert_eq!(
        runs(&d),
        vec![vec![Command::Comment {
            case: CaseId(1),
            text: "Called HR.\nThey send it today.".into()
        }]]
    );
    assert_eq!(s.history(1).last().unwrap(), "commented");
    let thread = &d.app.case.current().unwrap().comments;
    assert_eq!(
        thread.last().unwrap().text,
        "Called HR.\nThey send it today."
    );
    // Esc cancels a draft.
    d.press("c");
    d.type_text("never mind");
    d.press("esc");
    assert!(d.app.modals.is_empty());
    assert_eq!(message(&d), "comment discarded");
    assert_eq!(runs(&d).len(), 1);
}

#[test]
fn delegate_to_a_group_through_the_picker_with_confirmation() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("d");
    d.type_text("db");
    let Some(Modal::Form(f)) = d.app.modals.last() else {
        panic!("no form")
    };
    let first = &f.picker.entries[f.picker.matches[0]];
    assert_eq!(first.label, "@db", "the group ranks first");
    d.press("enter");
    // Method: add instead of replace.
    d.press("right");
    d.press("tab");
    d.type_text("Oracle people");
    d.press("ctrl-s");
    assert!(matches!(d.app.modals.last(), Some(Modal::Confirm(_))));
    d.press("n");
    assert!(
        matches!(d.app.modals.last(), Some(Modal::Form(_))),
        "back to the form"
    );
    assert!(runs(&d).is_empty());
    d.press("ctrl-s y");
    assert!(d.app.modals.is_empty());
    assert_eq!(
        runs(&d),
        vec![vec![Command::Delegate {
            case: CaseId(1),
            work_item: None,
            to: Target::Group("db".into()),
            method: DelegationMethod::Add,
            comment: Some("Oracle people".into()),
        }]]
    );
    assert_eq!(s.history(1).last().unwrap(), "delegated");
}

#[test]
fn complete_offers_approve_on_approvals_and_reject_with_r() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("j a");
    let Some(Modal::Form(f)) = d.app.modals.last() else {
        panic!("no form")
    };
    assert_eq!(f.outcome, 0, "approve");
    d.press("esc r");
    let Some(Modal::Form(f)) = d.app.modals.last() else {
        panic!("no form")
    };
    assert_eq!(f.outcome, 1, "reject");
    d.press("ctrl-s y");
    assert_eq!(
        runs(&d),
        vec![vec![Command::Complete {
            case: CaseId(2),
            work_item: None,
            outcome: Outcome::Rejected,
            comment: None
        }]]
    );
    assert!(s.history(2).contains(&"completed".to_string()));
    assert_eq!(d.app.inbox.counts()[0], Some(2));
}

#[test]
fn engine_errors_are_one_line_in_the_status_bar() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    // C-4 is carol's now: alice cannot complete it.
    d.press("3 a ctrl-s y");
    let m = d.app.status.message.clone().unwrap();
    assert!(m.error);
    assert!(!m.text.contains('\n'));
    assert!(!m.text.is_empty());
    assert!(!d.app.quit);
}

#[test]
fn the_prompt_takes_cli_verbs() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press(":");
    d.type_text("comment from the prompt");
    d.press("enter");
    assert_eq!(
        runs(&d),
        vec![vec![Command::Comment {
            case: CaseId(1),
            text: "from the prompt".into()
        }]]
    );
    d.press(":");
    d.type_text("delegate @ops --add");
    d.press("enter y");
    assert_eq!(
        runs(&d)[1],
        vec![Command::Delegate {
            case: CaseId(1),
            work_item: None,
            to: Target::Group("ops".into()),
            method: DelegationMethod::Add,
            comment: None,
        }]
    );
    d.press(":");
    d.type_text("frobnicate");
    d.press("enter");
    assert!(message(&d).starts_with("unknown command"));
    d.press(": up");
    let Some(Modal::Prompt(p)) = d.app.modals.last() else {
        panic!("no prompt")
    };
    assert_eq!(p.input.text(), "frobnicate", "history");
    d.press("esc");
    d.press(":");
    d.type_text("queue claimable");
    d.press("enter");
    assert_eq!(shown_ids(&d), ["C-3", "C-7"]);
    d.press(":");
    d.type_text("open C-6");
    d.press("enter");
    assert_eq!(d.app.focus, Pane::Detail);
    assert_eq!(d.app.case.current().unwrap().case.id, CaseId(6));
}

#[test]
fn a_refresh_never_swaps_the_case_being_worked_on() {
    let s = store();
    let mut d = s.driver("alice", (120, 40));
    d.press("enter");
    assert_eq!(d.app.focus, Pane::Detail);
    // Delegating C-1 away removes it from Mine; the pane keeps showing C-1.
    d.press(":");
    d.type_text("delegate bob");
    d.press("enter y");
    assert_eq!(d.app.case.current().unwrap().case.id, CaseId(1));
    assert_eq!(d.app.targets(), vec![CaseId(1)]);
    d.press("q");
    assert_eq!(d.app.focus, Pane::Inbox);
    d.press("j k");
    assert_eq!(d.app.case.id(), d.app.inbox.selected_id());
}

#[test]
fn panes_help_copy_and_quit() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("enter");
    assert_eq!(d.app.focus, Pane::Detail);
    d.press("tab");
    assert_eq!(d.app.focus, Pane::Comments);
    d.press("tab");
    assert_eq!(d.app.focus, Pane::Inbox);
    d.press("?");
    assert!(matches!(d.app.modals.last(), Some(Modal::Help { .. })));
    d.press("j j q");
    assert!(d.app.modals.is_empty());
    assert!(!d.app.quit);
    d.press("y");
    assert_eq!(d.copied, vec!["C-1"]);
    d.press("enter q");
    assert!(!d.app.quit, "q goes back first");
    d.press("q");
    assert!(d.app.quit);
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("c");
    d.type_text("half a thought");
    d.press("ctrl-c");
    assert!(d.app.quit);
    assert!(matches!(d.effects.last(), Some(Effect::Quit)));
}

#[test]
fn mouse_scrolls_and_clicks_when_enabled() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let s = store();
    let mut d = s.driver("alice", (120, 40));
    let mouse = |kind, row| MouseEvent {
        kind,
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Header line, border, column heads: the first case is on row 3.
    d.mouse(mouse(MouseEventKind::Down(MouseButton::Left), 5));
    assert_eq!(selected(&d).as_deref(), Some("C-5"));
    d.mouse(mouse(MouseEventKind::ScrollUp, 5));
    assert_eq!(selected(&d).as_deref(), Some("C-2"));
    assert_eq!(d.app.case.id(), Some(CaseId(2)));
}

#[test]
fn sweep_results_show_in_the_status_bar() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.sweep();
    let sweep = d.app.status.sweep.clone().unwrap();
    assert_eq!(sweep.at, now());
    assert!(sweep.error.is_none());
    let screen = d.screen(80, 24);
    assert!(
        screen.contains("alice · test-store · swept 09:00:00"),
        "{screen}"
    );
}

// Keymap ────────────────────────────────────────────────────────────────────────────────────

#[test]
fn a_user_keymap_rebinds_and_help_follows() {
    let s = store();
    let user = "[case]\ncomment = [\"m\"]\n\n[list]\ndown = [\"n\", \"down\"]\n";
    let keymap = Keymap::from_sources(DEFAULTS, Some(("keymap.toml", user))).unwrap();
    let mut d = Driver::new(s.service(), "alice", keymap, (120, 40));
    d.press("n");
    assert_eq!(selected(&d).as_deref(), Some("C-2"), "n moves down");
    d.press("j");
    assert_eq!(selected(&d).as_deref(), Some("C-2"), "j no longer does");
    d.press("c");
    assert!(d.app.modals.is_empty(), "c is unbound");
    d.press("m");
    assert!(matches!(d.app.modals.last(), Some(Modal::Form(_))));
    use casebench::tui::panes::help::{lines, HelpLine};
    let help = lines(&d.app.keymap);
    let binding = |keys: &str, about: &str, name: &str| HelpLine::Binding {
        keys: keys.into(),
        about: about.into(),
        name: name.into(),
    };
    assert!(help.contains(&binding("m", "write a comment", "comment")));
    assert!(help.contains(&binding("n down", "down one line", "down")));
    d.press("esc ?");
    let screen = d.screen(120, 40);
    assert!(screen.contains("n down"), "{screen}");
}

#[test]
fn a_broken_user_keymap_is_one_line_with_file_and_line() {
    let bad = "[case]\ncomment = [\"c\"]\n\n[inbox]\nfilter = [\"/\"]\nsort = [\"/\"]\n";
    let e = Keymap::from_sources(DEFAULTS, Some(("keymap.toml", bad))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "keymap.toml:6: [inbox] \"/\" is bound to both filter and sort"
    );
}

fn write_config(dir: &Path, keymap: &str) {
    let conf = dir.join("casebench");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("keymap.toml"), keymap).unwrap();
}

#[test]
fn the_binary_refuses_a_broken_keymap_at_start() {
    let s = store();
    let _ = &s;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert_cmd::Command::cargo_bin("casebench")
        .unwrap()
        .args(["--db"])
        .arg(&db)
        .args(["--as", "alice", "init"])
        .assert()
        .success();
    let config = dir.path().join("config");
    write_config(&config, "[list]\ndown = [\"j\"]\n\nup = [\"ctrl-\"]\n");
    let out = assert_cmd::Command::cargo_bin("casebench")
        .unwrap()
        .env("XDG_CONFIG_HOME", &config)
        .env_remove("CASEBENCH_NOW")
        .arg("--db")
        .arg(&db)
        .args(["--as", "alice"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("keymap.toml:4: [list] up: cannot read key \"ctrl-\""),
        "{stderr}"
    );
    // A bad config.toml likewise.
    write_config(&config, "[list]\ndown = [\"n\"]\n");
    std::fs::write(
        config.join("casebench").join("config.toml"),
        "[tui]\nsweep_interval = \"often\"\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("casebench")
        .unwrap()
        .env("XDG_CONFIG_HOME", &config)
        .arg("--db")
        .arg(&db)
        .args(["--as", "alice"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("config.toml:2: [tui] sweep_interval: "),
        "{stderr}"
    );
    std::fs::remove_file(config.join("casebench").join("config.toml")).unwrap();
    // A good one is accepted (and, without a terminal, the inbox is printed).
    write_config(&config, "[list]\ndown = [\"n\"]\n");
    assert_cmd::Command::cargo_bin("casebench")
        .unwrap()
        .env("XDG_CONFIG_HOME", &config)
        .arg("--db")
        .arg(&db)
        .args(["--as", "alice"])
        .assert()
        .success()
        .stdout(predicates::str::contains("casebench — alice"));
}

// Snapshots ─────────────────────────────────────────────────────────────────────────────────

fn snap(name: &str, d: &mut Driver, size: (u16, u16)) {
    let screen = d.screen(size.0, size.1);
    insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen);
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

#[test]
fn snapshot_inbox() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        snap("inbox", &mut d, size);
    }
}

#[test]
fn snapshot_inbox_filtered_and_marked() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("4 space /");
        d.type_text("acc");
        snap("inbox_filter", &mut d, size);
    }
}

#[test]
fn snapshot_case_detail() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("G enter");
        snap("detail", &mut d, size);
    }
}

#[test]
fn snapshot_comments() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("enter tab");
        snap("comments", &mut d, size);
    }
}

#[test]
fn snapshot_composer() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("c");
        d.type_text("Called HR about the cost centre.\nWaiting for their answer.");
        snap("composer", &mut d, size);
    }
}

#[test]
fn snapshot_delegate() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("d");
        d.type_text("o");
        snap("delegate", &mut d, size);
    }
}

#[test]
fn snapshot_complete_and_confirm() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("a tab");
        d.type_text("account created");
        snap("complete", &mut d, size);
        d.press("ctrl-s");
        snap("confirm", &mut d, size);
    }
}

#[test]
fn snapshot_help() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("?");
        snap("help", &mut d, size);
    }
}

#[test]
fn snapshot_help_end_and_narrow() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press("? G");
    snap("help_end", &mut d, (80, 24));
    let mut d = s.driver("alice", (50, 24));
    d.press("?");
    snap("help_narrow", &mut d, (50, 24));
}

#[test]
fn snapshot_error_message() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("3 a ctrl-s y");
        snap("error", &mut d, size);
    }
}

#[test]
fn snapshot_empty_inbox() {
    let s = store();
    for size in SIZES {
        let mut d = s.driver("dave", size);
        snap("empty", &mut d, size);
    }
}

#[test]
fn snapshot_prompt() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.press(":");
    d.type_text("delegate @db --comment \"for the DBAs\"");
    snap("prompt", &mut d, (80, 24));
}

#[test]
fn no_color_draws_without_colours() {
    use ratatui::style::Color;
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    d.draw(80, 24);
    let coloured = |d: &Driver| {
        d.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    };
    assert!(coloured(&d));
    d.app.session.theme = casebench::tui::theme::Theme::plain();
    d.app.dirty = true;
    d.draw(80, 24);
    assert!(!coloured(&d), "NO_COLOR: no colour at all");
}

// The event loop ────────────────────────────────────────────────────────────────────────────

/// The engine, counting sweeps and commands.
struct Counting {
    inner: Arc<Engine>,
    sweeps: std::sync::atomic::AtomicUsize,
}

impl Service for Counting {
    fn execute(
        &self,
        actor: &str,
        c: Command,
    ) -> Result<casebench::api::Applied, casebench::api::ApiError> {
        self.inner.execute(actor, c)
    }
    fn query(
        &self,
        actor: &str,
        q: casebench::api::Query,
    ) -> Result<casebench::api::Answer, casebench::api::ApiError> {
        self.inner.query(actor, q)
    }
    fn sweep(
        &self,
        actor: &str,
        args: casebench::api::SweepArgs,
    ) -> Result<casebench::api::SweepReport, casebench::api::ApiError> {
        self.sweeps
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.sweep(actor, args)
    }
}

#[tokio::test(start_paused = true)]
async fn the_loop_sweeps_on_its_interval_and_after_each_command() {
    use casebench::tui::{config::Config, event::run_on, format::Zone, theme::Theme, Options};
    use crossterm::event::Event;
    use ratatui::{backend::TestBackend, Terminal};
    use std::sync::atomic::Ordering::SeqCst;

    let s = store();
    let counting = Arc::new(Counting {
        inner: s.engine.clone(),
        sweeps: Default::default(),
    });
    let (keys, events) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let options = Options {
        service: counting.clone(),
        clock: Arc::new(ManualClock::new(now())),
        actor: "alice".into(),
        store: "test-store".into(),
        config: Config {
            sweep_interval: std::time::Duration::from_secs(30),
            mouse: false,
        },
        keymap: Keymap::defaults().unwrap(),
        message: Some("demo store built in 1 ms".into()),
    };
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let r = run_on(
            &mut terminal,
            events,
            options,
            (Zone::utc(), Theme::default()),
            std::future::pending(),
        )
        .await;
        (r, terminal)
    });
    // Blocking jobs run on real threads: wait for them without moving the paused clock.
    let settle = |want: usize| {
        let counting = counting.clone();
        async move {
            for _ in 0..5000 {
                if counting.sweeps.load(SeqCst) >= want {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
                tokio::task::yield_now().await;
            }
            for _ in 0..50 {
                std::thread::sleep(std::time::Duration::from_millis(1));
                tokio::task::yield_now().await;
            }
            counting.sweeps.load(SeqCst)
        }
    };
    assert_eq!(settle(1).await, 1, "one sweep at start");
    tokio::time::advance(std::time::Duration::from_secs(29)).await;
    assert_eq!(settle(1).await, 1, "not before the interval");
    for n in 2..=4 {
        tokio::time::advance(std::time::Duration::from_secs(30)).await;
        assert_eq!(settle(n).await, n, "one sweep per interval");
    }
    let key = |c: KeyCode| Ok(Event::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    for c in ":comment from the loop".chars() {
        keys.unbounded_send(key(KeyCode::Char(c))).unwrap();
    }
    keys.unbounded_send(key(KeyCode::Enter)).unwrap();
    assert_eq!(settle(5).await, 5, "a command is followed by a sweep");
    assert_eq!(s.history(1).last().unwrap(), "commented");
    keys.unbounded_send(key(KeyCode::Char('q'))).unwrap();
    let (result, terminal) = task.await.unwrap();
    result.unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("commented on C-1"), "{screen}");
}

/// A manual provisioning case shows what to do (old → new) and a correlation case its
/// ranked candidates (issue: manual and semi-manual resources).
#[test]
fn snapshot_pending_operations_and_correlation() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now() - Duration::hours(2)));
    let e = Engine::init(&dir.path().join("store"), clock.clone(), "admin", &[]).unwrap();
    e.execute(
        "admin",
        Command::ImportUsers {
            users: vec![
                user(2, "alice", "Alice Martin", None, &["ops"]),
                user(3, "jdoe", "John Doe", None, &[]),
                user(4, "jdoe2", "Jane Doe", None, &[]),
            ],
        },
    )
    .unwrap();
    let resources = casebench::import::parse_resources_toml(
        "r.toml",
        "[[resource]]\nid = \"sap\"\nname = \"SAP-HR\"\nkind = \"manual\"\nowners = \"ops\"\n\n[[resource]]\nid = \"badge\"\nname = \"Badge\"\nkind = \"semi-manual\"\nowners = \"ops\"\n[resource.feed]\npath = \"b.csv\"\nkey = \"account\"\nattributes = [\"zone\"]\n",
        dir.path(),
    )
    .unwrap();
    e.execute("admin", Command::ImportResources { resources })
        .unwrap();
    let set = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
    e.execute(
        "admin",
        Command::Provision {
            resource: "sap".into(),
            account: "jdoe".into(),
            owner: Some("jdoe".into()),
            kind: casebench::domain::OpKind::Add,
            set: vec![set("mail", "jdoe@example.org"), set("org", "HR-Payroll")],
        },
    )
    .unwrap();
    clock.set(now() - Duration::hours(1));
    let rows = vec![casebench::api::FeedRow {
        line: 2,
        key: "doe".into(),
        attributes: [("zone".to_string(), "B1".to_string())].into(),
    }];
    e.execute(
        "admin",
        Command::ReadFeed {
            resource: "badge".into(),
            label: "b.csv".into(),
            fingerprint: "x".into(),
            rows: rows.into(),
        },
    )
    .unwrap();
    clock.set(now());
    let s = Store {
        _dir: dir,
        engine: Arc::new(e),
        clock,
    };
    let size = (120, 40);
    let mut d = s.driver("alice", size);
    d.press("2 j enter");
    snap("operations", &mut d, size);
    let mut d = s.driver("alice", size);
    d.press("2 enter");
    snap("correlation", &mut d, size);
}

// Long lists and Unicode titles ─────────────────────────────────────────────────────────────

/// Adds generic cases for alice with these titles, due one hour apart from tomorrow on.
fn add_cases(s: &Store, titles: &[String]) {
    for (i, title) in titles.iter().enumerate() {
        s.engine
            .execute(
                "boss",
                Command::CreateCase(NewCase {
                    kind: CaseKind::Generic,
                    title: title.clone(),
                    description: None,
                    resource: None,
                    object: None,
                    target: Target::User("alice".into()),
                    deadline: Some(now() + Duration::days(1) + Duration::hours(i as i64)),
                    deadline_in: None,
                    policy: None,
                }),
            )
            .unwrap();
    }
}

#[test]
fn snapshot_scrollbar_inside_the_frame() {
    let s = store();
    let titles: Vec<String> = (1..=40)
        .map(|i| format!("Review access batch {i}"))
        .collect();
    add_cases(&s, &titles);
    let mut d = s.driver("alice", (80, 24));
    d.press("ctrl-d ctrl-d");
    snap("scrollbar", &mut d, (80, 24));
    let screen = d.screen(80, 24);
    // The right border is whole on every line of the list.
    assert_whole_right_border(&screen);
}

/// Every line of the inbox pane ends on its right border (the screen's lines are quoted;
/// wide characters add a note after the closing quote).
fn assert_whole_right_border(screen: &str) {
    let inside: Vec<&str> = screen
        .lines()
        .filter_map(|l| l.strip_prefix("\"┃"))
        .collect();
    assert!(inside.len() >= 8, "{screen}");
    for line in inside {
        assert!(line.contains("┃\""), "{line}");
    }
}

fn unicode_titles() -> Vec<String> {
    [
        "日本語のタイトル：人事システムのアカウント作成を依頼します",
        "Badge 🎉🚀 for the offsite — 👩‍💻 team",
        "Re\u{301}sume\u{301} cafe\u{301} na\u{308}ive co\u{308}operate accounts",
        "حساب جديد للموظف على نظام الرواتب",
    ]
    .map(str::to_string)
    .to_vec()
}

#[test]
fn snapshot_unicode_titles() {
    let s = store();
    add_cases(&s, &unicode_titles());
    for size in SIZES {
        let mut d = s.driver("alice", size);
        snap("unicode", &mut d, size);
        assert_whole_right_border(&d.screen(size.0, size.1));
    }
}

#[test]
fn case_list_measures_unicode_titles() {
    let s = store();
    add_cases(&s, &unicode_titles());
    let db = s._dir.path().join("store");
    drop(s.engine);
    let out = assert_cmd::Command::cargo_bin("casebench")
        .unwrap()
        .env("COLUMNS", "80")
        .env("CASEBENCH_NOW", "2026-11-20T09:00:00Z")
        .arg("--db")
        .arg(&db)
        .args(["--as", "alice", "case", "list", "--queue", "mine"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for line in stdout.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
    }
    insta::assert_snapshot!("case_list_unicode", stdout);
}

// The Closed queue ──────────────────────────────────────────────────────────────────────────

#[test]
fn snapshot_closed_queue_newest_closed_first() {
    let s = store();
    // C-3 is cancelled now; C-6 was completed a day ago: C-3 comes first although older.
    s.engine
        .execute(
            "admin",
            Command::Cancel {
                case: CaseId(3),
                comment: Some("duplicate".into()),
            },
        )
        .unwrap();
    let list = s
        .engine
        .list_cases(
            "alice",
            &casebench::api::CaseQuery {
                queue: casebench::api::Queue::Closed,
                ..Default::default()
            },
        )
        .unwrap();
    let ids: Vec<String> = list.cases.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(ids, ["C-3", "C-6"]);
    for size in SIZES {
        let mut d = s.driver("alice", size);
        d.press("6");
        assert_eq!(shown_ids(&d), ["C-3", "C-6"]);
        snap("closed", &mut d, size);
    }
}

#[test]
fn prompt_tab_completes_people_flags_values_and_cases() {
    let s = store();
    let mut d = s.driver("alice", (80, 24));
    let line = |d: &Driver| match d.app.modals.last() {
        Some(Modal::Prompt(p)) => p.input.text(),
        other => panic!("{other:?}"),
    };
    for (typed, completed) in [
        ("delegate @o", "delegate @ops "),
        ("delegate car", "delegate carol "),
        ("delegate @ops --a", "delegate @ops --add "),
        ("complete --outcome su", "complete --outcome success "),
        ("claim C-5", "claim C-5 "),
    ] {
        d.press(":");
        d.type_text(typed);
        d.press("tab");
        assert_eq!(line(&d), completed, "{typed}");
        d.press("esc");
    }
}

// Approvals ─────────────────────────────────────────────────────────────────────────────────

/// The VPN store (tests/vpn_store): R-1's approval case C-1 waits for ann.
fn approval_store() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let e = vpn_store::prepare(&dir.path().join("store"), clock.clone());
    Store {
        _dir: dir,
        engine: Arc::new(e),
        clock,
    }
}

fn request_level(s: &Store) -> (casebench::domain::RequestState, u32) {
    let r = s
        .engine
        .request_detail("admin", casebench::domain::RequestId(1))
        .unwrap()
        .request;
    (r.state, r.approval.unwrap().level)
}

fn form_title(d: &Driver) -> String {
    match d.app.modals.last() {
        Some(Modal::Form(f)) => f.title(),
        other => panic!("no form: {other:?}"),
    }
}

#[test]
fn an_approval_shows_its_request_and_a_approves_it() {
    let s = approval_store();
    let mut d = s.driver("ann", (120, 40));
    assert_eq!(shown_ids(&d), ["C-1"]);
    assert_eq!(d.app.approvals.count(), 1);
    let screen = d.screen(120, 40);
    assert!(
        screen.lines().next().unwrap().contains("Approvals 1"),
        "{screen}"
    );
    for shown in [
        "Request R-1",
        "Remote VPN (vpn)",
        "working from home",
        "90d from approval",
        "› level 1  manager",
    ] {
        assert!(screen.contains(shown), "{shown}: {screen}");
    }
    d.press("enter a");
    assert_eq!(form_title(&d), "Approve R-1 on C-1?");
    d.type_text("fine");
    d.press("ctrl-s");
    assert!(d.app.modals.is_empty(), "the dialog was the question");
    assert_eq!(
        runs(&d),
        vec![vec![Command::Complete {
            case: CaseId(1),
            work_item: None,
            outcome: Outcome::Approved,
            comment: Some("fine".into()),
        }]]
    );
    assert_eq!(
        request_level(&s),
        (casebench::domain::RequestState::Request, 1),
        "level 2 waits for the owners"
    );
    assert_eq!(d.app.approvals.count(), 0, "nothing left for ann");
    let screen = d.screen(120, 40);
    assert!(!screen.lines().next().unwrap().contains("Approvals"));
    assert!(screen.contains("approved by ann 2026-11-20"), "{screen}");
    assert!(screen.contains("“fine”"), "{screen}");
}

#[test]
fn r_denies_an_approval_only_with_a_reason() {
    let s = approval_store();
    let mut d = s.driver("ann", (80, 24));
    d.press("r");
    assert_eq!(form_title(&d), "Deny R-1 on C-1?");
    d.press("ctrl-s");
    assert!(message(&d).contains("says why"), "{}", message(&d));
    assert!(runs(&d).is_empty());
    d.type_text("not needed");
    d.press("ctrl-s");
    assert_eq!(request_level(&s).0, casebench::domain::RequestState::Denied);
}

#[test]
fn other_cases_keep_a_and_r_and_the_prompt_decides_marked_approvals() {
    // On a case that decides no request, `a` completes (the old store's C-1).
    let old = store();
    let mut d = old.driver("alice", (80, 24));
    d.press("a");
    let Some(Modal::Form(f)) = d.app.modals.last() else {
        panic!("no form")
    };
    assert_eq!(f.kind, casebench::tui::panes::form::FormKind::Complete);

    let s = approval_store();
    let mut d = s.driver("ann", (80, 24));
    d.press("space :");
    d.type_text("deny no VPN for now");
    d.press("enter");
    let Some(Modal::Confirm(c)) = d.app.modals.last() else {
        panic!("no question: {:?}", d.app.modals)
    };
    assert_eq!(c.question, "Deny R-1 on C-1?");
    d.press("n");
    assert_eq!(
        request_level(&s).0,
        casebench::domain::RequestState::Request
    );
    d.press(":");
    d.type_text("approve --comment ok");
    d.press("enter y");
    assert_eq!(request_level(&s).1, 1, "approved at level 1");
}

#[test]
fn snapshot_approval_detail() {
    let s = approval_store();
    for size in SIZES {
        let mut d = s.driver("ann", size);
        d.press("enter");
        snap("approval", &mut d, size);
    }
}
