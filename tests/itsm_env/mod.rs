//! A store driven through the binary for the ITSM tests: users, resources, and a
//! `config.toml` with `[itsm.NAME]` tables under its own `XDG_CONFIG_HOME`.

#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

pub const USERS: &str = "login,name,email,manager,groups
boss,Big Boss,boss@x.org,,ops
ann,Ann Lee,ann@x.org,boss,ops
bob,Bob Keller,bob@x.org,boss,sec
";

pub const T0: &str = "2026-12-01T09:00:00Z";

pub struct Env {
    _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub dir: PathBuf,
}

impl Env {
    /// A store with [`USERS`] and `resources`, the binary reading the config that
    /// `config` writes for the test's directory (TOML; it may put files there).
    pub fn new(config: impl FnOnce(&std::path::Path) -> String, resources: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        let config = config(&base);
        let env = Env {
            db: base.join("store"),
            dir: base.clone(),
            _dir: dir,
        };
        std::fs::create_dir_all(base.join("config/casebench")).unwrap();
        std::fs::write(base.join("config/casebench/config.toml"), config).unwrap();
        std::fs::write(base.join("users.csv"), USERS).unwrap();
        std::fs::write(base.join("resources.toml"), resources).unwrap();
        env.ok("root", &["init"]);
        env.ok("root", &["import", "users", &env.path("users.csv")]);
        env.ok(
            "root",
            &["import", "resources", &env.path("resources.toml")],
        );
        env
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    pub fn cmd(&self, actor: &str, now: &str, args: &[&str]) -> Command {
        Command::from_std(self.process(actor, now, args))
    }

    /// A casebench process on this store as `actor` at `now` (its pid is known when
    /// spawned); [`Env::cmd`] is the same for assert_cmd.
    pub fn process(&self, actor: &str, now: &str, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_casebench"));
        c.arg("--db")
            .arg(&self.db)
            .args(["--as", actor])
            .args(args)
            .env("CASEBENCH_NOW", now)
            .env("TZ", "UTC")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("XDG_CONFIG_HOME", self.dir.join("config"));
        c
    }

    pub fn ok_at(&self, actor: &str, now: &str, args: &[&str]) -> String {
        let out = self.cmd(actor, now, args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    pub fn ok(&self, actor: &str, args: &[&str]) -> String {
        self.ok_at(actor, T0, args)
    }

    pub fn json_at(&self, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok_at("root", now, &a)).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        self.json_at(T0, args)
    }

    pub fn fails(&self, actor: &str, args: &[&str], code: i32) -> String {
        let out = self.cmd(actor, T0, args).assert().code(code);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    }

    /// `provision add RESOURCE --account ACCOUNT --set mail=…` as root: the case it opened.
    pub fn provision(&self, resource: &str, account: &str) -> String {
        let mail = format!("mail={account}@x.org");
        let args = [
            "provision",
            "add",
            resource,
            "--account",
            account,
            "--set",
            &mail,
        ];
        let out = self.ok("root", &args);
        // "op 1 on jdoe: C-1 opened for @ops"
        case_in(&out)
    }
}

/// The first case id in a message.
pub fn case_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("C-"))
        .unwrap_or_else(|| panic!("no case in {text:?}"))
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_string()
}

/// The actions of a sync report's lines.
pub fn actions(report: &Value) -> Vec<String> {
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap().to_string())
        .collect()
}

/// Each event of a history, as its JSON (`{"ticket":{"linked":…}}`).
pub fn events(history: &Value) -> Vec<String> {
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::to_string(&e["what"]).unwrap())
        .collect()
}
