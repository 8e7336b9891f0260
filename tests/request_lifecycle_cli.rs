//! One request through the binary, end to end: `request new` on a manual resource, the
//! owners' provisioning case, the entitlement on the recipient's account (`shadow show`),
//! and after the product's validity the opposite operation and the entitlement gone.

use assert_cmd::Command;
use serde_json::Value;

const USERS: &str = "login,name,email,manager,groups\n\
root,Root,root@example.org,,\n\
ann,Ann,ann@example.org,,ops\n\
bob,Bob,bob@example.org,ann,staff\n";

const RESOURCES: &str = r#"
[[resource]]
id = "fileserver"
name = "File server"
kind = "manual"
owners = "ops"
"#;

const PRODUCTS: &str = r#"
[[product]]
id = "projects"
name = "Projects share"
resource = "fileserver"
entitlement = "projects-rw"
owners = "ops"
validity = "30d"
"#;

struct Env {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
}

impl Env {
    fn run(&self, actor: &str, now: &str, args: &[&str]) -> String {
        let out = Command::cargo_bin("casebench")
            .unwrap()
            .arg("--db")
            .arg(self.dir.join("store"))
            .args(["--as", actor])
            .args(args)
            .env("CASEBENCH_NOW", now)
            .env("TZ", "UTC")
            .env_remove("CASEBENCH_USER")
            .env_remove("CASEBENCH_DB")
            .env_remove("CASEBENCH_NOTIFY_COMMAND")
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    fn json(&self, actor: &str, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.run(actor, now, &a)).unwrap()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// The values of the `entitlements` attribute on bob's account, if it exists.
    fn entitlements(&self, now: &str) -> Option<String> {
        let s = self.json("root", now, &["shadow", "show", "fileserver", "bob"]);
        s["shadow"]["attributes"]["entitlements"]
            .as_str()
            .or_else(|| s["attributes"]["entitlements"].as_str())
            .map(String::from)
    }

    /// The open case offered to @ops, claimed and completed by ann.
    fn provision(&self, now: &str) {
        let list = self.json("ann", now, &["case", "list", "--queue", "claimable"]);
        let id = list["cases"][0]["id"]
            .as_str()
            .expect("a case for @ops")
            .to_string();
        self.run("ann", now, &["case", "claim", &id]);
        self.run(
            "ann",
            now,
            &[
                "case",
                "complete",
                &id,
                "--outcome",
                "success",
                "--comment",
                "done",
            ],
        );
    }
}

#[test]
fn a_request_provisions_its_entitlement_and_its_end_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env {
        dir: dir.path().to_path_buf(),
        _dir: dir,
    };
    let t0 = "2026-12-01T09:00:00Z";
    env.run("root", t0, &["init"]);
    let users = env.file("users.csv", USERS);
    env.run("root", t0, &["import", "users", &users]);
    let res = env.file("resources.toml", RESOURCES);
    env.run("root", t0, &["import", "resources", &res]);
    let products = env.file("products.toml", PRODUCTS);
    env.run("root", t0, &["import", "products", &products]);

    env.run(
        "bob",
        t0,
        &["request", "new", "projects", "--reason", "Atlas"],
    );
    assert_eq!(
        env.entitlements(t0),
        None,
        "nothing held before the owners act"
    );
    let shown = env.run("bob", t0, &["request", "show", "R-1"]);
    assert!(shown.contains("provisioning"), "{shown}");
    env.provision("2026-12-01T10:00:00Z");
    let held = env
        .entitlements("2026-12-01T10:00:00Z")
        .expect("the entitlement");
    assert!(held.contains("projects-rw"), "{held}");
    let r = env.json("bob", "2026-12-01T10:00:00Z", &["request", "show", "R-1"]);
    assert_eq!(r["request"]["state"], "assigned");

    // 30 days later (at 23:59 of that day) the sweep ends the access: the owners remove
    // the entitlement.
    let end = "2027-01-01T10:00:00Z";
    env.run("root", end, &["sweep"]);
    let r = env.json("bob", end, &["request", "show", "R-1"]);
    assert_eq!(r["request"]["state"], "expired");
    env.provision(end);
    let after = env.entitlements(end).unwrap_or_default();
    assert!(!after.contains("projects-rw"), "{after}");
    assert!(env.run("root", end, &["check"]).contains("consistent"));
}
