//! Issue 15, items 8–10: values that used to panic or slip through are refused through the
//! binary with one line naming what is wrong and where, and change nothing.

use std::path::PathBuf;

use casebench::store::Storage;

use assert_cmd::Command;
use tempfile::TempDir;

const NOW: &str = "2026-11-20T09:00:00Z";

/// A store in a temporary directory, created by root, with alice managing bob in `ops`.
struct Store {
    dir: TempDir,
}

impl Store {
    fn new() -> Store {
        let s = Store {
            dir: tempfile::tempdir().expect("a temporary directory"),
        };
        s.run("root", &["init"]).success();
        let users = s.file(
            "users.csv",
            "login,name,email,manager,groups\nalice,Alice,a@x.org,,ops\nbob,Bob,b@x.org,alice,ops\n",
        );
        s.run("root", &["import", "users", &users]).success();
        // `request new vpn` names a product of the catalogue.
        let products = s.file("products.toml", "[[product]]\nid = \"vpn\"\n");
        s.run("root", &["import", "products", &products]).success();
        s
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write a test file");
        p.display().to_string()
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn cmd(&self, user: &str, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casebench").expect("the binary");
        c.env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("CASEBENCH_NOW", NOW)
            .env("TZ", "UTC")
            .arg("--db")
            .arg(self.db())
            .args(["--as", user])
            .args(args);
        c
    }

    fn run(&self, user: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd(user, args).assert()
    }

    /// Expects exit `code` and one line on stderr, which it returns.
    fn refused(&self, user: &str, args: &[&str], code: i32) -> String {
        let out = self.run(user, args).code(code);
        let out = out.get_output();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("casebench: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        err
    }

    /// Opens the store in this process for `f`, then waits until sled has let go of it.
    fn with_store<T>(&self, f: impl FnOnce(&casebench::store::Store) -> T) -> T {
        let store = casebench::store::Store::open(&self.db()).expect("open the store");
        let out = f(&store);
        drop(store);
        for _ in 0..5000 {
            if casebench::store::Store::open(&self.db()).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        out
    }

    /// The number of events in the store, to show a refusal changed nothing.
    fn events(&self) -> usize {
        self.with_store(|s| s.event_count())
    }
}

// 8 ── durations and times ────────────────────────────────────────────────────────────────

#[test]
fn too_long_durations_on_the_command_line_are_refused() {
    let s = Store::new();
    let before = s.events();
    for args in [
        vec![
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            "x",
            "--deadline",
            "now+99999999d",
        ],
        vec![
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            "x",
            "--deadline",
            "99999999d",
        ],
        vec!["request", "new", "vpn", "--until", "now+99999999d"],
        vec![
            "request",
            "new",
            "vpn",
            "--until",
            "1d",
            "--notice",
            "99999999d",
        ],
        vec!["sweep", "--until", "now+99999999d"],
        vec!["sweep", "--now", "now-99999999d"],
    ] {
        let e = s.refused("alice", &args, 2);
        assert!(
            e.contains("\"99999999d\" is too long (at most 36500d)"),
            "{args:?}: {e}"
        );
    }
    let e = s.refused(
        "alice",
        &[
            "case",
            "new",
            "--kind",
            "manual",
            "--title",
            "x",
            "--deadline",
            "0001-01-01T00:00:00Z",
        ],
        2,
    );
    assert!(e.contains("out of range"), "{e}");
    assert_eq!(s.events(), before, "nothing changed");
}

#[test]
fn too_long_durations_in_files_name_the_file_and_line() {
    let s = Store::new();
    let before = s.events();
    let p = s.file(
        "p.toml",
        "[[policy]]\nname = \"p\"\n\n[[policy.rule]]\nafter = \"99999999d\"\nnotify = [\"assignees\"]\n",
    );
    let e = s.refused("root", &["import", "policies", &p], 2);
    assert!(e.contains("p.toml:5: "), "{e}");
    assert!(
        e.contains("\"99999999d\" is too long (at most 36500d)"),
        "{e}"
    );
    for key in ["propagation", "grace", "retention"] {
        let r = s.file(
            "r.toml",
            &format!("[[resource]]\nid = \"r\"\nkind = \"manual\"\nowners = \"ops\"\n{key} = \"99999999d\"\n"),
        );
        let e = s.refused("root", &["import", "resources", &r], 2);
        assert!(e.contains("r.toml:5: "), "{key}: {e}");
        assert!(e.contains("is too long (at most 36500d)"), "{key}: {e}");
    }
    assert_eq!(s.events(), before, "nothing changed");
}

// 9 ── names an import refers to ──────────────────────────────────────────────────────────

#[test]
fn policies_naming_unknown_users_or_groups_are_refused_at_their_line() {
    let s = Store::new();
    let before = s.events();
    for (rule, line) in [
        ("escalate = \"@nosuchgroup\"", 6),
        ("notify = [\"assignees\",\n  \"nosuchuser\"]", 7),
        ("delegate = \"nosuchuser\"", 6),
    ] {
        let p = s.file(
            "p.toml",
            &format!("[[policy]]\nname = \"p\"\n\n[[policy.rule]]\nafter = \"1d\"\n{rule}\n"),
        );
        let e = s.refused("root", &["import", "policies", &p], 2);
        assert!(e.contains(&format!("p.toml:{line}: no ")), "{rule}: {e}");
    }
    assert_eq!(s.events(), before, "nothing changed");
    // Known names pass.
    let p = s.file(
        "p.toml",
        "[[policy]]\nname = \"p\"\n\n[[policy.rule]]\nafter = \"1d\"\nnotify = [\"@ops\", \"bob\"]\n",
    );
    s.run("root", &["import", "policies", &p]).success();
}

#[test]
fn resources_naming_unknown_owners_or_policy_are_refused_at_their_line() {
    let s = Store::new();
    let before = s.events();
    let r = s.file(
        "r.toml",
        "[[resource]]\nid = \"r\"\nkind = \"manual\"\n\nowners = \"nosuch\"\n",
    );
    let e = s.refused("root", &["import", "resources", &r], 2);
    assert!(
        e.contains("r.toml:5: resource \"r\": no group @nosuch"),
        "{e}"
    );
    let r = s.file(
        "r.toml",
        "[[resource]]\nid = \"r\"\nkind = \"manual\"\nowners = \"ops\"\n\npolicy = \"nosuch\"\n",
    );
    let e = s.refused("root", &["import", "resources", &r], 2);
    assert!(e.contains("r.toml:6: no policy \"nosuch\""), "{e}");
    assert_eq!(s.events(), before, "nothing changed");
}

// 10 ── TOML value errors at the key's line ───────────────────────────────────────────────

#[test]
fn toml_value_errors_name_the_keys_line() {
    let s = Store::new();
    let p = s.file("p.toml", "[[policy]]\nname = \"p\"\n\ndeadline = \"3x\"\n");
    let e = s.refused("root", &["import", "policies", &p], 2);
    assert!(e.contains("p.toml:4: invalid duration \"3x\""), "{e}");
    let r = s.file(
        "r.toml",
        "[[resource]]\nid = \"r\"\nowners = \"ops\"\n\nkind = \"magic\"\n",
    );
    let e = s.refused("root", &["import", "resources", &r], 2);
    assert!(e.contains("r.toml:5: resource \"r\": invalid kind"), "{e}");
}

#[test]
fn manager_cycles_are_refused() {
    let s = Store::new();
    let before = s.events();
    // bob is managed by alice; alice managed by bob closes the loop.
    let u = s.file(
        "u.csv",
        "login,name,email,manager,groups\ncarol,Carol,c@x.org,,\nalice,Alice,a@x.org,bob,ops\n",
    );
    let e = s.refused("root", &["import", "users", &u], 2);
    assert!(
        e.contains("u.csv: line 3: manager cycle alice → bob → alice"),
        "{e}"
    );
    let u = s.file(
        "u.csv",
        "login,name,email,manager,groups\nx,X,x@x.org,y,\ny,Y,y@x.org,x,\n",
    );
    let e = s.refused("root", &["import", "users", &u], 2);
    assert!(e.contains("u.csv: line 2: manager cycle x → y → x"), "{e}");
    assert_eq!(s.events(), before, "nothing changed");
}

#[test]
fn unknown_csv_columns_and_nul_bytes_are_refused_with_the_line() {
    let s = Store::new();
    let before = s.events();
    let u = s.file(
        "u.csv",
        "login,name,email,manager,groups,shoe_size\ncarol,Carol,c@x.org,,,42\n",
    );
    let e = s.refused("root", &["import", "users", &u], 2);
    assert!(
        e.contains("u.csv: line 1: unknown column \"shoe_size\""),
        "{e}"
    );
    let u = s.file(
        "u.csv",
        "login,name,email,manager,groups\ncarol,Carol,c@x.org,,\ndave,Da\0ve,d@x.org,,\n",
    );
    let e = s.refused("root", &["import", "users", &u], 2);
    assert!(e.contains("u.csv: line 3: a NUL byte"), "{e}");
    assert_eq!(s.events(), before, "nothing changed");
}

// 8 (siblings) ── stored durations are added with checked arithmetic ────────────────────

#[test]
fn a_stored_propagation_beyond_any_time_is_a_clear_error_not_a_panic() {
    let s = Store::new();
    let r = s.file(
        "r.toml",
        "[[resource]]\nid = \"files\"\nkind = \"manual\"\nowners = \"ops\"\npropagation = \"1h\"\n",
    );
    s.run("root", &["import", "resources", &r]).success();
    // As a store written before durations were bounded could hold it.
    s.with_store(|st| {
        let prev = st.resource("files").unwrap().unwrap();
        let mut r = prev.clone();
        r.propagation_secs = Some(i64::MAX);
        let mut ws = casebench::store::WriteSet::default();
        ws.put_resource(Some(&prev), &r);
        st.commit(ws).unwrap();
    });
    let before = s.events();
    let args = [
        "provision",
        "add",
        "files",
        "--account",
        "x",
        "--set",
        "a=b",
    ];
    let e = s.refused("root", &args, 2);
    assert!(
        e.contains("the propagation interval of resource files") && e.contains("out of range"),
        "{e}"
    );
    assert_eq!(s.events(), before, "nothing changed");
    // And the resource is still listed, its interval in seconds.
    let out = s.run("root", &["resource", "list"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains(&format!("{}s", i64::MAX)), "{text}");
}

#[test]
fn a_stored_retention_beyond_any_time_keeps_the_operation_without_a_panic() {
    let s = Store::new();
    let r = s.file(
        "r.toml",
        "[[resource]]\nid = \"files\"\nkind = \"manual\"\nowners = \"ops\"\nretention = \"1d\"\n",
    );
    s.run("root", &["import", "resources", &r]).success();
    s.with_store(|st| {
        let prev = st.resource("files").unwrap().unwrap();
        let mut r = prev.clone();
        r.retention_secs = i64::MAX;
        let mut ws = casebench::store::WriteSet::default();
        ws.put_resource(Some(&prev), &r);
        st.commit(ws).unwrap();
    });
    let args = [
        "provision",
        "add",
        "files",
        "--account",
        "x",
        "--set",
        "a=b",
    ];
    s.run("root", &args).success();
    s.run("alice", &["case", "claim", "C-1"]).success();
    let done = ["case", "complete", "C-1", "--outcome", "success"];
    s.run("alice", &done).success();
}

/// `case new --kind manual --title x --deadline WHEN`.
fn new_case_due(when: &str) -> Vec<&str> {
    let mut args = vec!["case", "new", "--kind", "manual", "--title", "x"];
    args.extend(["--deadline", when]);
    args
}

#[test]
fn past_deadlines_and_valid_untils_are_refused_alike() {
    let s = Store::new();
    let before = s.events();
    let said = |args: &[&str], what: &str| {
        let e = s.refused("alice", args, 2);
        let past = format!("{what} 2020-01-01T00:00:00Z is already past (now is {NOW})");
        assert!(e.contains(&past), "{args:?}: {e}");
    };
    said(&new_case_due("2020-01-01"), "the deadline");
    said(
        &["request", "new", "vpn", "--until", "2020-01-01"],
        "valid-until",
    );
    // Now itself is not ahead either.
    let e = s.refused("alice", &new_case_due(NOW), 2);
    assert!(e.contains("is already past"), "{e}");
    assert_eq!(s.events(), before, "nothing changed");
    // A future deadline is taken.
    s.run("alice", &new_case_due("1d")).success();
}

#[test]
fn a_nul_byte_in_an_export_is_refused_with_the_line() {
    let s = Store::new();
    let r = s.file(
        "r.toml",
        "[[resource]]\nid = \"badge\"\nname = \"Badge\"\nkind = \"semi-manual\"\nowners = \"ops\"\n[resource.feed]\npath = \"badge.csv\"\nkey = \"account\"\nattributes = [\"mail\"]\n",
    );
    s.run("root", &["import", "resources", &r]).success();
    let before = s.events();
    let f = s.file(
        "badge.csv",
        "account,mail,office\njdoe,j@x,A1\nbob,b@x\0,B2\n",
    );
    let e = s.refused("root", &["resource", "feed", "badge", &f], 2);
    assert!(e.contains("badge.csv: line 3: a NUL byte"), "{e}");
    assert_eq!(s.events(), before, "nothing changed");
    // Columns casebench does not compare are an export's own business: taken.
    let f = s.file("badge.csv", "account,mail,office\njdoe,j@x,A1\n");
    s.run("root", &["resource", "feed", "badge", &f]).success();
}
