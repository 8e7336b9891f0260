//! Escalation policies from TOML:
//!
//! ```toml
//! [[policy]]
//! name = "standard"
//! deadline = "3d"            # a work item's deadline when the case names none
//! level_deadline = "1d"      # the deadline of each escalation level
//!
//! [[policy.rule]]
//! before_deadline = "4h"     # or after = "2d" (from the level's start), after_deadline = "1d"
//! notify = ["assignees", "managers", "requester", "@group", "login"]
//!
//! [[policy.rule]]
//! after_deadline = "0m"
//! levels = [0, 1]            # default: level 0 only
//! escalate = "manager"       # or a login or @group
//! notify_before = "1h"       # a reminder to the assignees before the action
//!
//! [[policy.rule]]
//! after_deadline = "0m"
//! levels = [2]
//! complete = "reject"        # approve | reject | abort
//!
//! [[policy.rule]]
//! after = "2d"
//! delegate = "@db-admins"
//! method = "add"             # add | replace (default)
//! ```

use serde::Deserialize;

use crate::api::ApiError;
use crate::domain::org::valid_name;
use crate::domain::policy::{Action, AutoOutcome, EscalationTarget, Recipient, Rule, Trigger};
use crate::domain::{parse_duration, DelegationMethod, Policy, Target};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    policy: Vec<toml::Spanned<RawPolicy>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    deadline: Option<String>,
    level_deadline: Option<String>,
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    after: Option<String>,
    before_deadline: Option<String>,
    after_deadline: Option<String>,
    #[serde(default)]
    levels: Vec<u32>,
    notify_before: Option<String>,
    notify: Option<Vec<String>>,
    delegate: Option<String>,
    method: Option<String>,
    escalate: Option<String>,
    complete: Option<String>,
}

use super::line_of;

fn secs(text: &str) -> Result<i64, String> {
    parse_duration(text)
        .map(|d| d.num_seconds())
        .map_err(|e| e.to_string())
}

/// Parses a policies file; errors are one line naming `label` and the line.
pub fn parse_policies_toml(label: &str, text: &str) -> Result<Vec<Policy>, ApiError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    if raw.policy.is_empty() {
        return Err(ApiError::BadInput(format!(
            "{label}:1: no [[policy]] in the file"
        )));
    }
    let mut out: Vec<Policy> = vec![];
    for sp in raw.policy {
        let line = line_of(text, sp.span().start);
        let p = sp.into_inner();
        let at = |line: usize, msg: String| ApiError::BadInput(format!("{label}:{line}: {msg}"));
        if !valid_name(&p.name) {
            return Err(at(line, format!("invalid policy name {:?}", p.name)));
        }
        if out.iter().any(|o| o.name == p.name) {
            return Err(at(line, format!("policy {:?} is defined twice", p.name)));
        }
        let deadline_secs = p
            .deadline
            .as_deref()
            .map(secs)
            .transpose()
            .map_err(|e| at(line, e))?;
        let level_deadline_secs = p
            .level_deadline
            .as_deref()
            .map(secs)
            .transpose()
            .map_err(|e| at(line, e))?;
        let mut rules = vec![];
        for rs in p.rule {
            let rline = line_of(text, rs.span().start);
            let rule = convert_rule(rs.into_inner())
                .map_err(|e| at(rline, format!("policy {:?}: {e}", p.name)))?;
            rules.push(rule);
        }
        if rules.len() > 2047 {
            return Err(at(line, "a policy has at most 2047 rules".into()));
        }
        out.push(Policy {
            name: p.name,
            deadline_secs,
            level_deadline_secs,
            rules,
        });
    }
    Ok(out)
}

fn convert_rule(r: RawRule) -> Result<Rule, String> {
    let triggers = [&r.after, &r.before_deadline, &r.after_deadline]
        .iter()
        .filter(|t| t.is_some())
        .count();
    if triggers != 1 {
        return Err("a rule needs exactly one of after, before_deadline, after_deadline".into());
    }
    let trigger = if let Some(a) = &r.after {
        Trigger::After(secs(a)?)
    } else if let Some(b) = &r.before_deadline {
        Trigger::BeforeDeadline(secs(b)?)
    } else {
        Trigger::AfterDeadline(secs(r.after_deadline.as_deref().unwrap_or("0m"))?)
    };
    let actions = [
        r.notify.is_some(),
        r.delegate.is_some(),
        r.escalate.is_some(),
        r.complete.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if actions != 1 {
        return Err("a rule needs exactly one of notify, delegate, escalate, complete".into());
    }
    if r.method.is_some() && r.delegate.is_none() {
        return Err("method applies to delegate only".into());
    }
    let target = |s: &str| s.parse::<Target>().map_err(|e| e.to_string());
    let action = if let Some(to) = r.notify {
        if to.is_empty() {
            return Err("notify needs at least one recipient".into());
        }
        let recipients = to
            .iter()
            .map(|t| match t.as_str() {
                "assignees" => Ok(Recipient::Assignees),
                "managers" | "manager" => Ok(Recipient::Managers),
                "requester" => Ok(Recipient::Requester),
                other => match target(other)? {
                    Target::User(u) => Ok(Recipient::User(u)),
                    Target::Group(g) => Ok(Recipient::Group(g)),
                },
            })
            .collect::<Result<Vec<_>, String>>()?;
        Action::Notify(recipients)
    } else if let Some(d) = r.delegate {
        let method = match r.method.as_deref() {
            None | Some("replace") => DelegationMethod::Replace,
            Some("add") => DelegationMethod::Add,
            Some(other) => {
                return Err(format!("invalid method {other:?}: expected add or replace"))
            }
        };
        Action::Delegate {
            to: target(&d)?,
            method,
        }
    } else if let Some(e) = r.escalate {
        Action::Escalate(match e.as_str() {
            "manager" => EscalationTarget::Manager,
            other => EscalationTarget::Target(target(other)?),
        })
    } else {
        let c = r.complete.unwrap_or_default();
        Action::Complete(match c.as_str() {
            "approve" | "approved" => AutoOutcome::Approve,
            "reject" | "rejected" => AutoOutcome::Reject,
            "abort" => AutoOutcome::Abort,
            other => {
                return Err(format!(
                    "invalid complete outcome {other:?}: expected approve, reject or abort"
                ))
            }
        })
    };
    Ok(Rule {
        trigger,
        levels: r.levels,
        notify_before_secs: r.notify_before.as_deref().map(secs).transpose()?,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[policy]]
name = "standard"
deadline = "1d"
level_deadline = "1d"

[[policy.rule]]
before_deadline = "4h"
levels = [0, 1, 2]
notify = ["assignees", "@ops"]

[[policy.rule]]
after_deadline = "0m"
levels = [0, 1]
escalate = "manager"

[[policy.rule]]
after_deadline = "0m"
levels = [2]
complete = "reject"
"#;

    #[test]
    fn parses_a_policy() {
        let p = parse_policies_toml("p.toml", GOOD).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].rules.len(), 3);
        assert_eq!(p[0].deadline_secs, Some(86_400));
        assert_eq!(
            p[0].rules[0].action,
            Action::Notify(vec![Recipient::Assignees, Recipient::Group("ops".into())])
        );
        assert_eq!(p[0].rules[2].action, Action::Complete(AutoOutcome::Reject));
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad = GOOD.replace("complete = \"reject\"", "complete = \"maybe\"");
        let e = parse_policies_toml("p.toml", &bad).unwrap_err().to_string();
        assert!(
            e.starts_with("p.toml:17: policy \"standard\": invalid complete outcome"),
            "{e}"
        );
        let bad = GOOD.replace(
            "escalate = \"manager\"",
            "escalate = \"manager\"\nnotify = [\"x\"]",
        );
        let e = parse_policies_toml("p.toml", &bad).unwrap_err().to_string();
        assert!(e.contains("exactly one of notify"), "{e}");
        let bad = GOOD.replace("before_deadline = \"4h\"", "before_deadline = \"4x\"");
        let e = parse_policies_toml("p.toml", &bad).unwrap_err().to_string();
        assert!(e.starts_with("p.toml:"), "{e}");
        assert!(e.contains("invalid duration"), "{e}");
        let e = parse_policies_toml("p.toml", "[[policy]]\nname = \"x\"\nfoo = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:3: unknown field `foo`"), "{e}");
        let e = parse_policies_toml("p.toml", "[[policy]\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:1:"), "{e}");
    }
}
