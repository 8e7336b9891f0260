//! `casebench sweep` on a store with nothing due answers from the idle card the last sweep
//! left (`store::idle`), without opening the hot store: the same report while the store's
//! lock is held here. A timer falling due, a change to the store, a delivery command for
//! waiting notifications, another retention, another actor or a dry run: the long way.

use std::fs::File;
use std::path::Path;
use std::process::{Command as Process, Stdio};

fn casebench(db: &Path, now: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_casebench"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CASEBENCH_NOW", now)
        .env("XDG_CONFIG_HOME", db.with_extension("config"))
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .env_remove("CASEBENCH_NOTIFY_COMMAND")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const NOW: &str = "2026-12-01T09:00:00Z";

fn ok(db: &Path, args: &[&str]) -> String {
    ok_at(db, NOW, args)
}

fn ok_at(db: &Path, now: &str, args: &[&str]) -> String {
    let (code, out, err) = casebench(db, now, &[], args);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

fn hold(db: &Path) -> File {
    let f = File::open(db.join("db")).unwrap();
    f.try_lock().expect("the store is not in use");
    f
}

fn busy(db: &Path, now: &str, env: &[(&str, &str)], args: &[&str]) {
    let (code, out, err) = casebench(db, now, env, args);
    assert_ne!(
        code, 0,
        "{args:?} at {now} answered without the store: {out}"
    );
    assert!(err.contains("busy"), "{args:?}: {err}");
}

#[test]
fn an_idle_sweep_answers_without_the_hot_store_until_something_can_be_due() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let db = db.as_path();
    ok(
        db,
        &[
            "gen",
            "--cases",
            "300",
            "--due-now",
            "20",
            "--span-days",
            "200",
        ],
    );
    let sweep = ["--as", "admin", "--json", "sweep"];
    let fired: serde_json::Value = serde_json::from_str(&ok(db, &sweep)).unwrap();
    assert!(fired["fired"].as_array().unwrap().len() >= 20, "{fired}");
    let card = db.join("casebench.idle");
    assert!(card.exists(), "the sweep that fired left the card");
    // The long way once more, for the report to compare with.
    std::fs::remove_file(&card).unwrap();
    let long = (ok(db, &sweep), ok(db, &["--as", "admin", "sweep"]));
    assert!(long.1.contains("fired 0 timers"), "{}", long.1);

    let lock = hold(db);
    assert_eq!(ok(db, &sweep), long.0);
    assert_eq!(ok(db, &["--as", "admin", "sweep"]), long.1);
    // Whatever the card cannot vouch for goes to the store.
    busy(db, "2027-12-01T09:00:00Z", &[], &sweep);
    busy(db, NOW, &[], &["--as", "admin", "sweep", "--dry-run"]);
    busy(db, NOW, &[], &["--as", "u00001", "sweep"]);
    let config = db.with_extension("config").join("casebench");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[archive]\nretention = \"90d\"\n",
    )
    .unwrap();
    busy(db, NOW, &[], &sweep);
    std::fs::remove_file(config.join("config.toml")).unwrap();
    assert_eq!(ok(db, &sweep), long.0);
    drop(lock);

    // A change to the store: the next sweep takes the long way, and leaves a card again.
    let open: serde_json::Value = serde_json::from_str(&ok(
        db,
        &["--as", "admin", "--json", "case", "list", "--queue", "open"],
    ))
    .unwrap();
    let hot = open["cases"][0]["id"].as_str().unwrap().to_string();
    ok(
        db,
        &["--as", "admin", "case", "comment", &hot, "looked at it"],
    );
    let lock = hold(db);
    busy(db, NOW, &[], &sweep);
    drop(lock);
    assert_eq!(ok(db, &sweep), long.0);
    let lock = hold(db);
    assert_eq!(ok(db, &sweep), long.0);
    drop(lock);

    // 21 hours later the escalated items' reminders have fired: notifications wait, with
    // no delivery command. Idle while none is configured; the long way once one is.
    let later = "2026-12-02T06:00:00Z";
    let lock = hold(db);
    busy(db, later, &[], &sweep);
    drop(lock);
    ok_at(db, later, &sweep);
    let unsent = ok_at(db, later, &["--as", "admin", "notify", "list", "--unsent"]);
    assert!(!unsent.contains("no notifications"), "{unsent}");
    let lock = hold(db);
    let idle: serde_json::Value = serde_json::from_str(&ok_at(db, later, &sweep)).unwrap();
    assert!(idle["fired"].as_array().unwrap().is_empty(), "{idle}");
    busy(db, later, &[("CASEBENCH_NOTIFY_COMMAND", "true")], &sweep);
    drop(lock);
}
