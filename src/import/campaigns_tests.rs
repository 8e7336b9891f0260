//! The campaigns file's parser: what it reads and what it refuses, at which line.

use super::*;

const GOOD: &str = r#"[[campaign]]
name = "q4"
description = "Quarterly review"
scope = { resources = ["sap"], products = ["vpn"], org_unit = "finance", attribute = "groups=fin-rw" }
remediate = "at-once"

[[campaign.stage]]
name = "managers"
reviewers = "manager"
duration = "14d"
reminders = ["48h", "12h"]
no_response = "escalate"
escalate_for = "3d"

[[campaign.stage]]
reviewers = "@ops"
duration = "7d"
items = "accepted"
no_response = "revoke"

[[campaign]]
name = "vpn"
[campaign.scope]
products = ["vpn"]
[[campaign.stage]]
reviewers = "owners"
duration = "1w"
"#;

fn e(text: &str) -> String {
    parse_campaigns_toml("c.toml", text)
        .unwrap_err()
        .to_string()
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the text"))
        + 1
}

/// `GOOD` with `from` replaced by `to` (which must occur).
fn with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

/// The refusal of `text`, which must be at the line holding `needle`: what follows
/// `c.toml:LINE: `.
fn refused(text: &str, needle: &str) -> String {
    let m = e(text);
    let prefix = format!("c.toml:{}: ", line(text, needle));
    m.strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{m:?} is not at {prefix:?}"))
        .to_string()
}

#[test]
fn reads_campaigns_with_stages_and_defaults() {
    let (recs, _) = parse_campaigns_toml("c.toml", GOOD).unwrap();
    assert_eq!(recs.len(), 2);
    let q4 = &recs[0];
    assert_eq!(q4.line, 1);
    assert_eq!(q4.def.name, "q4");
    assert_eq!(q4.def.description.as_deref(), Some("Quarterly review"));
    assert_eq!(q4.def.scope.resources, vec!["sap"]);
    assert_eq!(q4.def.scope.products, vec!["vpn"]);
    assert_eq!(q4.def.scope.org_unit.as_deref(), Some("finance"));
    assert_eq!(
        q4.def.scope.attribute,
        Some(("groups".into(), "fin-rw".into()))
    );
    assert_eq!(q4.def.remediate, Remediate::AtOnce);
    let s1 = &q4.def.stages[0];
    assert_eq!(s1.name, "managers");
    assert_eq!(s1.reviewers, ReviewerSource::Manager);
    assert_eq!(s1.duration, Span::Wall(14 * 86_400));
    assert_eq!(
        s1.reminders,
        vec![Span::Wall(48 * 3600), Span::Wall(12 * 3600)]
    );
    assert_eq!(s1.no_response, NoResponse::Escalate);
    assert_eq!(s1.escalate_for, Some(Span::Wall(3 * 86_400)));
    assert_eq!(s1.items, StageItems::All);
    let s2 = &q4.def.stages[1];
    assert_eq!(s2.name, "@ops");
    assert_eq!(s2.reviewers, ReviewerSource::Group("ops".into()));
    assert_eq!(s2.items, StageItems::Accepted);
    assert_eq!(s2.no_response, NoResponse::Revoke);
    let vpn = &recs[1].def;
    assert_eq!(recs[1].line as usize, line(GOOD, "name = \"vpn\"") - 1);
    assert_eq!(vpn.remediate, Remediate::AtEnd);
    assert_eq!(vpn.scope.products, vec!["vpn"]);
    assert_eq!(vpn.stages[0].reviewers, ReviewerSource::Owners);
    assert_eq!(vpn.stages[0].no_response, NoResponse::Keep);
    assert!(vpn.stages[0].reminders.is_empty());
}

#[test]
fn engine_refusals_point_at_the_value() {
    let (recs, lines) = parse_campaigns_toml("c.toml", GOOD).unwrap();
    let vpn = recs[1].line;
    assert_eq!(vpn as usize, line(GOOD, "name = \"vpn\"") - 1);
    let scope = Some(line(GOOD, "scope = {"));
    assert_eq!(
        lines.line_of("line 1: no resource \"sap\" (scope of q4)"),
        scope
    );
    assert_eq!(
        lines.line_of("line 1: no product \"vpn\" (scope of q4)"),
        scope
    );
    assert_eq!(
        lines.line_of("line 1: no org unit \"finance\" (scope of q4)"),
        scope
    );
    assert_eq!(
        lines.line_of("line 1: stage 2: no group @ops to review"),
        Some(line(GOOD, "\"@ops\""))
    );
    assert_eq!(
        lines.line_of(&format!("line {vpn}: no product \"vpn\" (scope of vpn)")),
        Some(line(GOOD, "[campaign.scope]") + 1)
    );
    assert_eq!(
        lines.line_of(&format!("line {vpn}: anything")),
        Some(vpn as usize)
    );
    assert_eq!(
        lines.line_of("line 1: stage 1: no user \"x\" to review"),
        Some(1)
    );
}

#[test]
fn refuses_bad_syntax_and_unknown_keys_at_their_line() {
    assert!(refused("[[campaign]\n", "[[campaign]").contains("array"));
    let t = with("remediate = \"at-once\"", "remediate = \"later\"");
    assert!(refused(&t, "later").contains("unknown variant `later`"));
    let t = with("items = \"accepted\"", "itemz = \"accepted\"");
    assert!(refused(&t, "itemz").contains("unknown field `itemz`"));
    let t = with("no_response = \"revoke\"", "no_response = \"ignore\"");
    assert!(refused(&t, "ignore").contains("unknown variant `ignore`"));
    assert!(refused("x = 1\n", "x = 1").contains("unknown field `x`"));
    assert_eq!(e(""), "c.toml:1: no [[campaign]] in the file");
}

#[test]
fn refuses_bad_values_at_their_line() {
    let t = with("name = \"q4\"", "name = \"q 4\"");
    assert_eq!(refused(&t, "q 4"), "invalid campaign name \"q 4\"");
    let t = with("reviewers = \"manager\"", "reviewers = \"the boss\"");
    assert!(refused(&t, "the boss").starts_with("invalid reviewers \"the boss\""));
    let t = with("duration = \"14d\"", "duration = \"14 fortnights\"");
    refused(&t, "fortnights");
    let t = with("\"12h\"]", "\"12x\"]");
    refused(&t, "12x");
    let t = with("attribute = \"groups=fin-rw\"", "attribute = \"groups\"");
    assert!(refused(&t, "scope =").starts_with("invalid attribute \"groups\""));
    let t = with("resources = [\"sap\"]", "resources = [\"s a p\"]");
    assert_eq!(refused(&t, "s a p"), "invalid resource \"s a p\"");
    let t = with("name = \"vpn\"", "name = \"q4\"");
    let m = e(&t);
    let at = line(GOOD, "name = \"vpn\"");
    assert_eq!(m, format!("c.toml:{at}: campaign \"q4\": defined twice"));
}

#[test]
fn refuses_campaigns_that_could_not_run_at_the_value() {
    let t = with("\"12h\"]", "\n \"15d\"]");
    assert!(refused(&t, "15d").starts_with("campaign \"q4\": stage 1: a reminder"));
    let t = with("duration = \"7d\"", "duration = \"0s\"");
    assert!(refused(&t, "0s").starts_with("campaign \"q4\": stage 2 has no positive duration"));
    let t = with("escalate_for = \"3d\"", "escalate_for = \"0s\"");
    assert!(refused(&t, "escalate_for").contains("stage 1: escalate_for must be positive"));
    let t = with("no_response = \"escalate\"", "no_response = \"keep\"");
    assert!(refused(&t, "escalate_for").contains("stage 1: escalate_for without"));
    let first = "reviewers = \"manager\"\n";
    let t = with(first, &format!("{first}items = \"undecided\"\n"));
    assert!(refused(&t, "undecided").contains("stage 1 reviews every item"));
    let t = with(
        "[campaign.scope]\nproducts = [\"vpn\"]\n",
        "[campaign.scope]\n",
    );
    assert!(refused(&t, "[campaign.scope]").contains("its scope names no resource"));
    let none = "[[campaign]]\nname = \"x\"\nscope = { resources = [\"sap\"] }\n";
    assert_eq!(
        refused(none, "[[campaign]]"),
        "campaign \"x\": it has no stage"
    );
    let stage = "[[campaign.stage]]\nreviewers = \"owners\"\nduration = \"1d\"\n";
    let many = format!("{none}{}", stage.repeat(MAX_STAGES + 1));
    let m = e(&many);
    assert!(
        m.starts_with(&format!("c.toml:{}: ", 4 + 3 * MAX_STAGES)),
        "{m}"
    );
    assert!(m.contains("more than"), "{m}");
}
