//! `case show` and `case history` of an archived case answer from the archive alone once
//! the actor read one the long way (the readers' card, `store::readers`): the same output,
//! while the hot store cannot even be opened (its lock held here). Any change to the store
//! sends the next read the long way again; a hot case, an unknown actor and `--as-of`
//! always go to the store.

use std::fs::File;
use std::path::Path;
use std::process::{Command as Process, Stdio};

fn casebench(db: &Path, actor: &str, args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_casebench"))
        .arg("--db")
        .arg(db)
        .args(["--as", actor])
        .args(args)
        .env("CASEBENCH_NOW", "2026-12-01T09:00:00Z")
        .env("XDG_CONFIG_HOME", db.with_extension("config"))
        .env_remove("CASEBENCH_USER")
        .env_remove("CASEBENCH_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = casebench(db, "admin", args);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

/// The store's lock, as sled takes it: while held, nothing can open the hot store.
fn hold(db: &Path) -> File {
    let f = File::open(db.join("db")).unwrap();
    f.try_lock().expect("the store is not in use");
    f
}

fn busy(db: &Path, actor: &str, args: &[&str]) {
    let (code, out, err) = casebench(db, actor, args);
    assert_ne!(code, 0, "{args:?} answered without the store: {out}");
    assert!(err.contains("busy"), "{args:?}: {err}");
}

fn first_id(json: &str, list: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["cases"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no case in the {list} list: {json}"))
        .to_string()
}

#[test]
fn an_archived_case_is_read_without_the_hot_store_until_the_store_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let db = db.as_path();
    ok(
        db,
        &[
            "gen",
            "--cases",
            "400",
            "--span-days",
            "400",
            "--archive-before",
            "90d",
        ],
    );
    let archived = |limit: &str| {
        let out = ok(
            db,
            &[
                "--json",
                "case",
                "list",
                "--queue",
                "closed",
                "--archived",
                "--limit",
                limit,
            ],
        );
        first_id(&out, "archived")
    };
    let id = archived("1");
    let hot = first_id(
        &ok(db, &["--json", "case", "list", "--queue", "open"]),
        "open",
    );
    let show = ["case", "show", id.as_str()];
    let show_json = ["--json", "case", "show", id.as_str()];
    let history = ["case", "history", id.as_str()];

    // The long way: the store is opened, and the card notes the reader.
    let long = (ok(db, &show), ok(db, &show_json), ok(db, &history));
    assert!(long.0.contains("archived"), "{}", long.0);
    assert!(db.join("casebench.readers").exists());

    // With the store held, the archived case still reads, exactly as the long way.
    let lock = hold(db);
    assert_eq!(ok(db, &show), long.0);
    assert_eq!(ok(db, &show_json), long.1);
    assert_eq!(ok(db, &history), long.2);
    // Only archived cases, for a known reader, without --as-of.
    busy(db, "admin", &["case", "show", hot.as_str()]);
    busy(db, "nobody", &show);
    busy(
        db,
        "admin",
        &["case", "show", id.as_str(), "--as-of", "2026-11-30"],
    );
    busy(db, "admin", &["case", "show", "C-999999"]);
    drop(lock);

    // A change (a comment on a hot case): the card no longer vouches.
    ok(db, &["case", "comment", hot.as_str(), "still on it"]);
    let lock = hold(db);
    busy(db, "admin", &show);
    drop(lock);
    // The long way again notes the reader for the store as it is now.
    assert_eq!(ok(db, &history), long.2);
    let lock = hold(db);
    assert_eq!(ok(db, &show), long.0);
    drop(lock);

    // A damaged card vouches for nobody and is written anew the long way.
    std::fs::write(
        db.join("casebench.readers"),
        "casebench readers 1\nevents x\n",
    )
    .unwrap();
    let lock = hold(db);
    busy(db, "admin", &show);
    drop(lock);
    assert_eq!(ok(db, &show), long.0);
    let lock = hold(db);
    assert_eq!(ok(db, &show), long.0);
    drop(lock);
}
