//! The IT Shop's reference data through the binary: `import orgs`, `import products`,
//! `product list|show`, `org list|show`, their JSON, and every exit code they give. A bad
//! file is refused at its line and changes nothing.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-12-01T09:00:00Z";

const USERS: &str = "login,name,email,manager,groups
carol,Carol,carol@x.org,,approvers
ann,Ann,ann@x.org,carol,vpn-owners
bob,Bob,bob@x.org,carol,it-ops
dave,Dave,dave@x.org,,vpn-owners;it-ops
";

const RESOURCES: &str = r#"
[[resource]]
id = "fileserver"
kind = "manual"
owners = "it-ops"
"#;

const ORGS: &str = r#"chief_approvers = "approvers"

[[unit]]
id = "corp"
name = "Corp"
manager = "carol"

[[unit]]
id = "finance"
name = "Finance"
parent = "corp"
manager = "dave"
members = ["ann", "bob"]

[[group]]
name = "vpn-owners"
manager = "dave"
fallback = "it-ops"
"#;

const PRODUCTS: &str = r#"[[product]]
id = "vpn"
name = "VPN access"
description = "Remote access"
resource = "fileserver"
entitlement = "vpn-users"
owners = "vpn-owners"
policy = "manager-then-owners"
validity = "90d"
max_renewals = 3

[[product]]
id = "badge"
name = "Badge"

[[policy]]
name = "manager-then-owners"
chief = "approvers"
[[policy.level]]
[[policy.level.step]]
approvers = "manager"
reminder = "1d"
timeout = "3d"
[[policy.level]]
[[policy.level.step]]
approvers = "product-owners"
"#;

struct Env {
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Env {
    /// A store with users, a resource, the org structure and the catalogue above.
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            dir: dir.path().to_path_buf(),
            _dir: dir,
        };
        env.ok("root", &["init"]);
        let users = env.file("users.csv", USERS);
        env.ok("root", &["import", "users", &users]);
        let res = env.file("resources.toml", RESOURCES);
        env.ok("root", &["import", "resources", &res]);
        let orgs = env.file("orgs.toml", ORGS);
        env.ok("root", &["import", "orgs", &orgs]);
        let products = env.file("products.toml", PRODUCTS);
        env.ok("root", &["import", "products", &products]);
        env
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn cmd(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("casebench").unwrap();
        for var in ["CASEBENCH_USER", "CASEBENCH_DB", "CASEBENCH_NOTIFY_COMMAND"] {
            c.env_remove(var);
        }
        c.envs([("CASEBENCH_NOW", NOW), ("TZ", "UTC"), ("COLUMNS", "200")])
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .arg("--db")
            .arg(self.dir.join("store"))
            .args(["--as", actor])
            .args(args);
        c
    }

    fn ok(&self, actor: &str, args: &[&str]) -> String {
        let out = self.cmd(actor, args).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    }

    fn json(&self, actor: &str, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(actor, &[&["--json"], args].concat())).unwrap()
    }

    /// Expects exit `code` and one line on stderr, which it returns.
    fn refused(&self, actor: &str, args: &[&str], code: i32) -> String {
        let out = self.cmd(actor, args).assert().code(code);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("casebench: "), "{err}");
        err
    }

    /// What the catalogue and the org structure are now, to show a refusal changed nothing.
    fn state(&self) -> (Value, Value) {
        (
            self.json("root", &["product", "list"]),
            self.json("root", &["org", "list"]),
        )
    }

    /// Imports `text` as `what` (`orgs`, `products`) and expects exit 2 naming `at`
    /// (`FILE:LINE`) and saying `says`, with nothing changed.
    fn bad_file(&self, what: &str, text: &str, line: usize, says: &str) {
        let before = self.state();
        let f = self.file(&format!("bad-{what}.toml"), text);
        let e = self.refused("root", &["import", what, &f], 2);
        assert!(e.contains(&format!("{f}:{line}: ")), "line {line}: {e}");
        assert!(e.contains(says), "{says:?}: {e}");
        assert_eq!(self.state(), before, "nothing changed: {e}");
    }
}

#[test]
fn products_are_listed_and_shown_with_their_approval_policy() {
    let env = Env::new();
    let list = env.ok("ann", &["product", "list"]);
    let header = list.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "ID",
            "NAME",
            "RESOURCE",
            "ENTITLEMENT",
            "POLICY",
            "VALIDITY",
            "MULTI"
        ]
    );
    let vpn = list.lines().find(|l| l.starts_with("vpn")).unwrap();
    for cell in [
        "VPN access",
        "fileserver",
        "vpn-users",
        "manager-then-owners",
        "90d",
        "no",
    ] {
        assert!(vpn.contains(cell), "{cell}: {vpn}");
    }
    assert!(list
        .lines()
        .any(|l| l.starts_with("badge") && l.contains("unlimited")));
    let show = env.ok("ann", &["product", "show", "vpn"]);
    for want in [
        "vpn  VPN access",
        "Remote access",
        "vpn-users on fileserver",
        "resource owners: @it-ops",
        "owners:         @vpn-owners",
        "validity:       90d",
        "renewable: yes, at most 3 times",
        "approval:       manager-then-owners (chief approval team @approvers)",
        "level 1: manager (count 1, timeout 3d → abort, reminder 1d before)",
        "level 2: product-owners (count 1, no timeout)",
    ] {
        assert!(show.contains(want), "{want:?} in\n{show}");
    }
    let badge = env.ok("ann", &["product", "show", "badge"]);
    assert!(badge.contains("approval:       none"), "{badge}");

    let j = env.json("ann", &["product", "list"]);
    let ids: Vec<&str> = j["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["badge", "vpn"]);
    let j = env.json("ann", &["product", "show", "vpn"]);
    assert_eq!(j["product"]["validity_secs"], 90 * 86_400);
    assert_eq!(j["product"]["max_renewals"], 3);
    assert_eq!(j["resource_owners"], "it-ops");
    assert_eq!(
        j["policy"]["levels"][0]["steps"][0]["timeout"]["wall"],
        3 * 86_400
    );
    assert_eq!(
        j["policy"]["levels"][1]["steps"][0]["approvers"],
        "product-owners"
    );
}

#[test]
fn the_org_structure_is_listed_as_a_tree_and_units_shown() {
    let env = Env::new();
    let list = env.ok("bob", &["org", "list"]);
    for want in [
        "\n  corp  Corp  manager carol  0 members\n    finance  Finance  manager dave  2 members\n",
        "  @vpn-owners  manager dave  fallback @it-ops  members: ann, dave",
        "  @it-ops  manager -  fallback -  members: bob, dave",
        "chief approval team: @approvers",
    ] {
        assert!(list.contains(want), "{want:?} in\n{list}");
    }
    let show = env.ok("bob", &["org", "show", "finance"]);
    for want in [
        "finance  Finance",
        "path:      corp › finance",
        "manager:   dave",
        "members:   ann, bob",
        "children:  -",
    ] {
        assert!(show.contains(want), "{want:?} in\n{show}");
    }
    assert!(env
        .ok("bob", &["org", "show", "corp"])
        .contains("children:  finance"));

    let j = env.json("bob", &["org", "list"]);
    assert_eq!(j["settings"]["chief_approvers"], "approvers");
    assert_eq!(j["units"].as_array().unwrap().len(), 2);
    let owners = j["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "vpn-owners")
        .unwrap();
    assert_eq!(owners["fallback"], "it-ops");
    let j = env.json("bob", &["org", "show", "finance"]);
    assert_eq!(j["unit"]["members"], serde_json::json!(["ann", "bob"]));
    assert_eq!(j["path"], serde_json::json!(["corp"]));
    assert_eq!(j["children"], serde_json::json!([]));
}

#[test]
fn unknown_products_and_units_exit_3_and_non_admins_may_not_import() {
    let env = Env::new();
    let e = env.refused("ann", &["product", "show", "vnp"], 3);
    assert!(e.contains("no product \"vnp\"; did you mean vpn?"), "{e}");
    let e = env.refused("ann", &["org", "show", "fin"], 3);
    assert!(e.contains("no org unit \"fin\""), "{e}");
    let before = env.state();
    let orgs = env.file("orgs.toml", ORGS);
    env.refused("ann", &["import", "orgs", &orgs], 4);
    let products = env.file("products.toml", PRODUCTS);
    env.refused("ann", &["import", "products", &products], 4);
    assert_eq!(env.state(), before);
    // An administrator imports the same file again: nothing new, still exit 0.
    env.ok("root", &["import", "products", &products]);
    assert_eq!(env.state(), before);
}

#[test]
fn bad_product_files_are_refused_at_their_line_and_change_nothing() {
    let env = Env::new();
    // The new catalogue replaces vpn's name: if any of these got through, it would show.
    let p = PRODUCTS.replace("VPN access", "Renamed");
    let empty_level = p.replace(
        "[[policy.level]]\n[[policy.level.step]]\napprovers = \"product-owners\"",
        "[[policy.level]]\n",
    );
    for (text, line, says) in [
        (
            &p.replace("max_renewals", "max_renewal"),
            10,
            "unknown field `max_renewal`",
        ),
        (
            &p.replace("\"90d\"", "\"90y\""),
            9,
            "invalid duration \"90y\"",
        ),
        (&p.replace("\"3d\"", "\"0m\""), 23, "timeout of zero"),
        (&p.replace("\"1d\"", "\"3d\""), 22, "reminder not shorter"),
        (&empty_level, 24, "no steps"),
        (
            &p.replace("\"fileserver\"", "\"fs\""),
            5,
            "product \"vpn\": no resource \"fs\"",
        ),
        (
            &p.replace("policy = \"manager-then-owners\"", "policy = \"other\""),
            8,
            "product \"vpn\": no approval policy \"other\"",
        ),
        (
            &p.replace("owners = \"vpn-owners\"", "owners = \"nobody\""),
            7,
            "product \"vpn\": no group @nobody",
        ),
        (
            &p.replace("chief = \"approvers\"", "chief = \"ghosts\""),
            18,
            "approval policy \"manager-then-owners\": no group @ghosts",
        ),
        (
            &p.replace("approvers = \"product-owners\"", "approvers = \"zed\""),
            26,
            "approval policy \"manager-then-owners\": no user \"zed\"",
        ),
    ] {
        env.bad_file("products", text, line, says);
    }
}

#[test]
fn bad_org_files_are_refused_at_their_line_and_change_nothing() {
    let env = Env::new();
    let o = ORGS.replace("name = \"Finance\"", "name = \"Renamed\"");
    let cycle = o.replace("name = \"Corp\"", "name = \"Corp\"\nparent = \"finance\"");
    for (text, line, says) in [
        (
            &o.replace("members =", "member ="),
            13,
            "unknown field `member`",
        ),
        (
            &o.replace("\"bob\"", "\"zed\""),
            13,
            "org unit \"finance\": no user \"zed\"",
        ),
        (
            &o.replace("manager = \"carol\"", "manager = \"zed\""),
            6,
            "org unit \"corp\": no user \"zed\"",
        ),
        (
            &o.replace("parent = \"corp\"", "parent = \"nowhere\""),
            11,
            "org unit \"finance\": no org unit \"nowhere\"",
        ),
        (&cycle, 6, "cycle in the org tree"),
        (
            &o.replace("fallback = \"it-ops\"", "fallback = \"none\""),
            18,
            "group @vpn-owners: no group @none",
        ),
        (
            &o.replace("name = \"vpn-owners\"", "name = \"ghosts\""),
            15,
            "group @ghosts: no group @ghosts",
        ),
        (
            &o.replace(
                "chief_approvers = \"approvers\"",
                "chief_approvers = \"ghosts\"",
            ),
            1,
            "chief approval team: no group @ghosts",
        ),
    ] {
        env.bad_file("orgs", text, line, says);
    }
}
