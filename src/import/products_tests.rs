//! The products file's parser: what it reads and what it refuses, at which line.

use super::*;

const GOOD: &str = r#"[[product]]
id = "vpn"
name = "VPN access"
resource = "fileserver"
entitlement = "vpn-users"
owners = "@vpn-owners"
policy = "two"
validity = "90d"
max_renewals = 3

[[product]]
id = "badge"

[[policy]]
name = "two"
chief = "approvers"
[[policy.level]]
[[policy.level.step]]
approvers = "manager"
reminder = "1d"
timeout = "3d"
on_timeout = "escalate-chief"
[[policy.level]]
[[policy.level.step]]
name = "owners"
approvers = "@vpn-owners"
count = 2
self_approval = "allowed"
[[policy.level.step]]
approvers = "carol"
"#;

fn e(text: &str) -> String {
    parse_products_toml("p.toml", text).unwrap_err().to_string()
}

#[test]
fn parses_products_and_policies() {
    let (products, policies, lines) = parse_products_toml("p.toml", GOOD).unwrap();
    assert_eq!(products.len(), 2);
    let vpn = &products[0];
    assert_eq!(vpn.owners.as_deref(), Some("vpn-owners"));
    assert_eq!(vpn.validity_secs, Some(90 * 86_400));
    assert_eq!(vpn.max_renewals, Some(3));
    assert_eq!(products[1], Product::plain("badge"));
    let p = &policies[0];
    assert_eq!(p.levels.len(), 2);
    let first = &p.levels[0].steps[0];
    assert_eq!(first.name, "manager");
    assert_eq!(first.on_timeout, OnTimeout::EscalateChief);
    assert_eq!(
        (first.reminder, first.timeout),
        (Some(Span::Wall(86_400)), Some(Span::Wall(3 * 86_400)))
    );
    let owners = &p.levels[1].steps[0];
    assert_eq!(owners.approvers, Approvers::Group("vpn-owners".into()));
    assert_eq!(
        (owners.count, owners.self_approval),
        (2, SelfApproval::Allowed)
    );
    assert_eq!(
        p.levels[1].steps[1].approvers,
        Approvers::User("carol".into())
    );
    assert_eq!(
        lines.line_of("product \"vpn\": no resource \"fileserver\""),
        Some(4)
    );
    assert_eq!(
        lines.line_of("product \"vpn\": no approval policy \"two\""),
        Some(7)
    );
    assert_eq!(
        lines.line_of("product \"vpn\": no group @vpn-owners"),
        Some(6)
    );
    assert_eq!(
        lines.line_of("approval policy \"two\": no group @approvers"),
        Some(16)
    );
    assert_eq!(
        lines.line_of("approval policy \"two\": no user \"carol\""),
        Some(30)
    );
    assert_eq!(
        lines.line_of("approval policy \"two\": no group @vpn-owners"),
        Some(26)
    );
}

#[test]
fn an_unsubscription_policy_is_read_and_named_at_its_line() {
    let text = GOOD.replace("max_renewals = 3", "unsubscription_policy = \"two\"");
    let (products, _, lines) = parse_products_toml("p.toml", &text).unwrap();
    assert_eq!(products[0].unsubscription_policy.as_deref(), Some("two"));
    let refusal = "product \"vpn\": no unsubscription policy \"two\"";
    assert_eq!(lines.line_of(refusal), Some(9));
    let fixed = text.replace("validity", "unsubscribable = false\nvalidity");
    let fixed = e(&fixed);
    assert!(fixed.starts_with("p.toml:10: ") && fixed.contains("not unsubscribable"));
}

#[test]
fn a_policy_that_cannot_run_is_refused_at_the_value() {
    assert!(e(&GOOD.replace("count = 2", "count = 0")).starts_with("p.toml:27: "));
    let zero = e(&GOOD.replace("timeout = \"3d\"", "timeout = \"0m\""));
    assert!(
        zero.starts_with("p.toml:21: ") && zero.contains("timeout of zero"),
        "{zero}"
    );
    let late = e(&GOOD.replace("reminder = \"1d\"", "reminder = \"3d\""));
    assert!(
        late.starts_with("p.toml:20: ") && late.contains("reminder not shorter"),
        "{late}"
    );
    let esc = e(&GOOD.replace("reminder = \"1d\"\ntimeout = \"3d\"\n", ""));
    assert!(
        esc.starts_with("p.toml:20: ") && esc.contains("escalate"),
        "{esc}"
    );
    let empty = GOOD.replace(
        "[[policy.level]]\n[[policy.level.step]]\nname",
        "[[policy.level]]\n\n[[policy.level]]\n[[policy.level.step]]\nname",
    );
    let no_steps = e(&empty);
    assert!(
        no_steps.starts_with("p.toml:23: ") && no_steps.contains("no steps"),
        "{no_steps}"
    );
    assert!(e("[[policy]]\nname = \"x\"\n").contains("no levels"));
}

#[test]
fn bad_values_are_refused_at_their_line() {
    let bad = e(&GOOD.replace("validity = \"90d\"", "validity = \"90x\""));
    assert!(bad.starts_with("p.toml:8: invalid duration"), "{bad}");
    let zero = e(&GOOD.replace("validity = \"90d\"", "validity = \"0d\""));
    assert_eq!(zero, "p.toml:8: product \"vpn\": a validity of zero");
    let unknown = e(&GOOD
        .replace("multi_request", "multi")
        .replace("max_renewals", "max_renewal"));
    assert!(
        unknown.starts_with("p.toml:9: unknown field `max_renewal`"),
        "{unknown}"
    );
    let ent = e(&GOOD.replace("resource = \"fileserver\"\n", ""));
    assert_eq!(
        ent,
        "p.toml:4: product \"vpn\": an entitlement needs a resource"
    );
    let who = e(&GOOD.replace("approvers = \"carol\"", "approvers = \"ca rol\""));
    assert!(
        who.starts_with("p.toml:30: invalid approvers \"ca rol\""),
        "{who}"
    );
    let how = e(&GOOD.replace("\"escalate-chief\"", "\"shrug\""));
    assert!(
        how.starts_with("p.toml:22: unknown variant `shrug`"),
        "{how}"
    );
    let twice = e(&GOOD.replace("id = \"badge\"", "id = \"vpn\""));
    assert_eq!(twice, "p.toml:12: product \"vpn\": defined twice");
    assert!(e("").starts_with("p.toml:1: no [[product]]"));
}
