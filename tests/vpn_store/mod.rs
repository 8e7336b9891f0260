//! The store of the TUI's approval tests (tests/tui.rs, tests/tui_approvals.rs): ann manages
//! bob; carol and dave own the VPN (`@vpn-owners`); the VPN product ("Remote VPN", valid 90
//! days) wants bob's manager, then its owners (policy `two-levels`); bob asks for it: R-1,
//! whose approval case C-1 waits for ann.

use std::path::Path;
use std::sync::Arc;

use casebench::api::{Command, UserRecord};
use casebench::domain::approval::{Approvers, Level, NoApprover, OnTimeout, SelfApproval, Step};
use casebench::domain::{ApprovalPolicy, Product};
use casebench::engine::{Engine, ManualClock};

fn level(approvers: Approvers) -> Level {
    let step = Step {
        name: approvers.name(),
        approvers,
        count: 1,
        reminder: None,
        timeout: None,
        on_timeout: OnTimeout::Abort,
        no_approver: NoApprover::Abort,
        self_approval: SelfApproval::Skipped,
    };
    Level { steps: vec![step] }
}

/// A new store at `db` on `clock`, as above.
pub fn prepare(db: &Path, clock: Arc<ManualClock>) -> Engine {
    let e = Engine::init(db, clock, "admin", &[]).unwrap();
    let people = [
        ("ann", None, "staff"),
        ("bob", Some("ann"), "staff"),
        ("carol", None, "vpn-owners"),
        ("dave", None, "vpn-owners"),
    ];
    let users = people
        .iter()
        .zip(2..)
        .map(|((login, manager, group), line)| UserRecord {
            line,
            login: login.to_string(),
            name: login.to_string(),
            email: format!("{login}@example.org"),
            manager: manager.map(str::to_string),
            groups: vec![group.to_string()],
            calendar: None,
        })
        .collect();
    e.execute("admin", Command::ImportUsers { users }).unwrap();
    let mut vpn = Product::plain("vpn");
    vpn.name = "Remote VPN".into();
    vpn.owners = Some("vpn-owners".into());
    vpn.policy = Some("two-levels".into());
    vpn.validity_secs = Some(90 * 86_400);
    let policies = vec![ApprovalPolicy {
        calendar: None,
        name: "two-levels".into(),
        chief: None,
        levels: vec![level(Approvers::Manager), level(Approvers::ProductOwners)],
    }];
    let products = vec![vpn];
    e.execute("admin", Command::ImportProducts { products, policies })
        .unwrap();
    let asked = Command::RequestAccess {
        product: "vpn".into(),
        recipient: None,
        valid_from: None,
        valid_until: None,
        notice_secs: None,
        reason: Some("working from home".into()),
    };
    e.execute("bob", asked).unwrap();
    e
}
