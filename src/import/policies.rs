//! Escalation policies from TOML:
//!
//! ```toml
//! [[policy]]
//! name = "standard"
//! deadline = "3d"            # a work item's deadline when the case names none
//! level_deadline = "1d"      # the deadline of each escalation level
//!
//! Every duration may be in working time (`2bd`, `6bh`), counted in the calendar of the
//! work item's holder (docs/cli.md "Business durations").
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
use toml::Spanned;

use crate::api::ApiError;
use crate::domain::duration::{parse_work_duration, Span};
use crate::domain::org::valid_name;
use crate::domain::policy::{Action, AutoOutcome, EscalationTarget, Recipient, Rule, Trigger};
use crate::domain::{DelegationMethod, Policy, Target};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    policy: Vec<Spanned<RawPolicy>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    deadline: Option<Spanned<String>>,
    level_deadline: Option<Spanned<String>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    after: Option<Spanned<String>>,
    before_deadline: Option<Spanned<String>>,
    after_deadline: Option<Spanned<String>>,
    #[serde(default)]
    levels: Vec<u32>,
    notify_before: Option<Spanned<String>>,
    notify: Option<Vec<Spanned<String>>>,
    delegate: Option<Spanned<String>>,
    method: Option<Spanned<String>>,
    escalate: Option<Spanned<String>>,
    complete: Option<Spanned<String>>,
}

use super::line_of;

/// A rule's error, at the byte offset of the value it is about (`None`: the rule itself).
type RuleError = (Option<usize>, String);

fn span(v: &Spanned<String>) -> Result<Span, RuleError> {
    parse_work_duration(v.get_ref()).map_err(|e| (Some(v.span().start), e.to_string()))
}

/// A user or group a policy names, with the line naming it: the CLI checks they exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAt {
    pub line: usize,
    pub target: Target,
    /// Said before the error: `resource "badge": `, or nothing.
    pub context: String,
}

/// Parses a policies file; errors are one line naming `label` and the line.
pub fn parse_policies_toml(label: &str, text: &str) -> Result<Vec<Policy>, ApiError> {
    parse_policies_with_names(label, text).map(|(p, _)| p)
}

/// [`parse_policies_toml`], with every user and group the rules name.
pub fn parse_policies_with_names(
    label: &str,
    text: &str,
) -> Result<(Vec<Policy>, Vec<NameAt>), ApiError> {
    parse_policies_with_lines(label, text).map(|(p, n, _)| (p, n))
}

/// How the engine refuses a working duration where no calendar applies.
pub fn needs_calendar(span: &Span) -> String {
    format!("{span} needs a working-time calendar: import calendars first")
}

/// [`parse_policies_with_names`], with the line of each policy and of its first working
/// duration (which the engine refuses when the store has no default calendar).
pub fn parse_policies_with_lines(
    label: &str,
    text: &str,
) -> Result<(Vec<Policy>, Vec<NameAt>, super::FileLines), ApiError> {
    let mut lines = super::FileLines::default();
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    if raw.policy.is_empty() {
        return Err(ApiError::BadInput(format!(
            "{label}:1: no [[policy]] in the file"
        )));
    }
    let mut out: Vec<Policy> = vec![];
    let mut names = vec![];
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
        let ctx = format!("policy {:?}: ", p.name);
        lines.entity(ctx.clone(), line);
        let mut duration = |v: &Option<Spanned<String>>| {
            let s = v
                .as_ref()
                .map(span)
                .transpose()
                .map_err(|(o, e)| at(o.map_or(line, |o| line_of(text, o)), e))?;
            if let (Some(s @ Span::Work(_)), Some(v)) = (s, v) {
                lines.value(&ctx, needs_calendar(&s), line_of(text, v.span().start));
            }
            Ok::<_, ApiError>(s)
        };
        let deadline = duration(&p.deadline)?;
        let level_deadline = duration(&p.level_deadline)?;
        let mut rules = vec![];
        for rs in p.rule {
            let rline = line_of(text, rs.span().start);
            let rule = convert_rule(rs.into_inner(), &mut |o, t| {
                names.push(NameAt {
                    line: line_of(text, o),
                    target: t,
                    context: String::new(),
                })
            })
            .map_err(|(o, e)| {
                let line = o.map_or(rline, |o| line_of(text, o));
                at(line, format!("policy {:?}: {e}", p.name))
            })?;
            let (Trigger::After(s) | Trigger::BeforeDeadline(s) | Trigger::AfterDeadline(s)) =
                rule.trigger;
            for s in [Some(s), rule.notify_before].into_iter().flatten() {
                if s.is_work() {
                    lines.value(&ctx, needs_calendar(&s), rline);
                }
            }
            rules.push(rule);
        }
        if rules.len() > 2047 {
            return Err(at(line, "a policy has at most 2047 rules".into()));
        }
        out.push(Policy {
            name: p.name,
            deadline,
            level_deadline,
            rules,
        });
    }
    Ok((out, names, lines))
}

/// A rule from its raw form; `named` is told every user and group it names.
fn convert_rule(r: RawRule, named: &mut dyn FnMut(usize, Target)) -> Result<Rule, RuleError> {
    let triggers = [&r.after, &r.before_deadline, &r.after_deadline]
        .iter()
        .filter(|t| t.is_some())
        .count();
    if triggers != 1 {
        return Err((
            None,
            "a rule needs exactly one of after, before_deadline, after_deadline".into(),
        ));
    }
    let trigger = if let Some(a) = &r.after {
        Trigger::After(span(a)?)
    } else if let Some(b) = &r.before_deadline {
        Trigger::BeforeDeadline(span(b)?)
    } else if let Some(a) = &r.after_deadline {
        Trigger::AfterDeadline(span(a)?)
    } else {
        Trigger::AfterDeadline(Span::Wall(0))
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
        return Err((
            None,
            "a rule needs exactly one of notify, delegate, escalate, complete".into(),
        ));
    }
    if let (Some(m), None) = (&r.method, &r.delegate) {
        return Err((
            Some(m.span().start),
            "method applies to delegate only".into(),
        ));
    }
    let mut target = |v: &Spanned<String>| {
        let t = v
            .get_ref()
            .parse::<Target>()
            .map_err(|e| (Some(v.span().start), e.to_string()))?;
        named(v.span().start, t.clone());
        Ok::<Target, RuleError>(t)
    };
    let action = if let Some(to) = &r.notify {
        if to.is_empty() {
            return Err((None, "notify needs at least one recipient".into()));
        }
        let mut recipients = vec![];
        for t in to {
            recipients.push(match t.get_ref().as_str() {
                "assignees" => Recipient::Assignees,
                "managers" | "manager" => Recipient::Managers,
                "requester" => Recipient::Requester,
                _ => match target(t)? {
                    Target::User(u) => Recipient::User(u),
                    Target::Group(g) => Recipient::Group(g),
                },
            });
        }
        Action::Notify(recipients)
    } else if let Some(d) = &r.delegate {
        let method = match r
            .method
            .as_ref()
            .map(|m| (m.span().start, m.get_ref().as_str()))
        {
            None | Some((_, "replace")) => DelegationMethod::Replace,
            Some((_, "add")) => DelegationMethod::Add,
            Some((at, other)) => {
                return Err((
                    Some(at),
                    format!("invalid method {other:?}: expected add or replace"),
                ))
            }
        };
        Action::Delegate {
            to: target(d)?,
            method,
        }
    } else if let Some(e) = &r.escalate {
        Action::Escalate(match e.get_ref().as_str() {
            "manager" => EscalationTarget::Manager,
            _ => EscalationTarget::Target(target(e)?),
        })
    } else {
        let Some(c) = r.complete.as_ref() else {
            return Err((None, "a rule needs an action".into()));
        };
        Action::Complete(match c.get_ref().as_str() {
            "approve" | "approved" => AutoOutcome::Approve,
            "reject" | "rejected" => AutoOutcome::Reject,
            "abort" => AutoOutcome::Abort,
            other => {
                return Err((
                    Some(c.span().start),
                    format!(
                        "invalid complete outcome {other:?}: expected approve, reject or abort"
                    ),
                ))
            }
        })
    };
    Ok(Rule {
        trigger,
        levels: r.levels,
        notify_before: r.notify_before.as_ref().map(span).transpose()?,
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
        assert_eq!(p[0].deadline, Some(Span::Wall(86_400)));
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
            e.starts_with("p.toml:20: policy \"standard\": invalid complete outcome"),
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
