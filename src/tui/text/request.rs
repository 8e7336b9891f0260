//! The request block of an approval case's detail: what is asked for (product, recipient,
//! requester, validity, reason) and the workflow, one line per level and step with its
//! decisions (local times), the open steps highlighted and the current level marked.

use chrono::Duration;
use ratatui::text::{Line, Span};

use super::Look;
use crate::api::CaseDetail;
use crate::domain::approval::{Approval, Purpose, StepRun, StepState};
use crate::domain::duration::format_duration;
use crate::domain::{Product, Request};
use crate::tui::format::{self, fit, pad, wrap};

/// Columns of a step line before its state: marker, `level N`, step name, holders.
const NAME: usize = 14;
const HOLDERS: usize = 14;

/// The block, when the case decides a request.
pub fn block(app: &Look, d: &CaseDetail, width: usize, out: &mut Vec<Line<'static>>) {
    let Some(r) = &d.request else { return };
    let t = app.theme;
    out.push(Line::raw(""));
    out.push(Line::from(vec![
        Span::styled(format!("Request {}", r.id), t.heading()),
        Span::styled(format!(" · {}", r.state.name()), t.dim()),
    ]));
    let product = match &d.product {
        Some(p) => format!("{} ({})", p.name, p.id),
        None => r.product.clone(),
    };
    let mut fields = vec![
        ("product", product),
        ("recipient", r.recipient.clone()),
        ("requester", r.requester.clone()),
        ("validity", validity(app, r, d.product.as_ref())),
    ];
    if let Some(asked) = r.approval.as_ref().and_then(|a| asked(app, a, r)) {
        fields.push(("asked", asked));
    }
    if let Some(why) = &r.reason {
        fields.push(("reason", why.replace('\n', " ")));
    }
    for (name, value) in fields {
        out.push(Line::from(vec![
            Span::styled(format!("{name:<10} "), t.dim()),
            Span::raw(fit(&value, width.saturating_sub(11))),
        ]));
    }
    if let Some(a) = &r.approval {
        workflow(app, a, width, out);
    }
}

/// What a renewal or unsubscription in approval asks for (none for the request itself).
fn asked(app: &Look, a: &Approval, r: &Request) -> Option<String> {
    if !r.in_approval() {
        return None;
    }
    match a.purpose {
        Purpose::Request => None,
        Purpose::Renewal { until } => Some(format!("renewal until {}", app.zone.date_time(until))),
        Purpose::Unsubscription { from: Some(f) } => {
            Some(format!("unsubscription from {}", app.zone.date_time(f)))
        }
        Purpose::Unsubscription { from: None } => Some("unsubscription now".into()),
    }
}

/// From/until as asked; else the product's validity counted from the approval; else
/// unlimited.
fn validity(app: &Look, r: &Request, product: Option<&Product>) -> String {
    let z = app.zone;
    let from = r.valid_from.map(|f| format!("from {}", z.date_time(f)));
    let until = match (r.valid_until, product.and_then(|p| p.validity_secs)) {
        (Some(u), _) => Some(format!("until {}", z.date_time(u))),
        (None, Some(secs)) => {
            let span = format_duration(Duration::seconds(secs));
            let start = if from.is_some() {
                "from then"
            } else {
                "from approval"
            };
            Some(format!("{span} {start}"))
        }
        (None, None) => None,
    };
    match (from, until) {
        (None, None) => "unlimited".into(),
        (Some(f), None) => format!("{f}, unlimited"),
        (None, Some(u)) => u,
        (Some(f), Some(u)) => format!("{f} {u}"),
    }
}

fn workflow(app: &Look, a: &Approval, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    let levels = a.levels();
    let now = if a.level < levels {
        format!(" · level {} of {levels}", a.level + 1)
    } else {
        " · decided".into()
    };
    out.push(Line::from(vec![
        Span::styled(
            format!("Workflow “{}”", fit(&a.policy.name, 30)),
            t.heading(),
        ),
        Span::styled(now, t.dim()),
    ]));
    for s in &a.steps {
        step(app, s, s.level == a.level, width, out);
    }
}

/// `› level 1  manager    ann            approved by ann 2026-12-01 10:03`, then the
/// decisions' comments.
fn step(app: &Look, s: &StepRun, current: bool, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    let z = app.zone;
    let mark = if current { "› " } else { "  " };
    let head = format!("{mark}level {:<2} ", s.level + 1);
    let holders = s.holders().join(", ");
    let state = match (s.state, s.decisions.is_empty()) {
        (_, false) => s
            .decisions
            .iter()
            .map(|d| format!("{} {}", d.describe(), z.date_time(d.at)))
            .collect::<Vec<_>>()
            .join("; "),
        (StepState::Open, true) => "waiting".into(),
        (StepState::Waiting, true) => "not started".into(),
        (other, true) => match &s.note {
            Some(n) => format!("{}: {n}", other.name()),
            None => other.name().into(),
        },
    };
    let state_style = match s.state {
        StepState::Open => t.title(),
        StepState::Denied | StepState::Aborted => t.error(),
        _ => t.dim(),
    };
    let used = format::width(&head) + NAME + 1 + HOLDERS + 1;
    out.push(Line::from(vec![
        Span::styled(head, if current { t.key() } else { t.dim() }),
        Span::styled(format!("{} ", pad(&s.name, NAME)), t.heading()),
        Span::styled(format!("{} ", pad(&holders, HOLDERS)), t.user()),
        Span::styled(fit(&state, width.saturating_sub(used)), state_style),
    ]));
    for d in &s.decisions {
        let Some(c) = &d.comment else { continue };
        for l in wrap(&format!("“{c}”"), width.saturating_sub(6)) {
            out.push(Line::styled(format!("      {l}"), t.dim()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::approval::{Decision, How};
    use crate::domain::{RequestId, RequestState};
    use crate::tui::format::Zone;
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;
    use chrono::{TimeZone, Utc};

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn request() -> Request {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        Request {
            id: RequestId(1),
            requester: "bob".into(),
            recipient: "bob".into(),
            product: "vpn".into(),
            reason: None,
            state: RequestState::Request,
            valid_from: None,
            valid_until: None,
            notice_secs: None,
            created: at,
            modified: at,
            timers: vec![],
            approval: None,
            renewals: 0,
            approved_at: None,
            provisioned_at: None,
            operations: vec![],
        }
    }

    #[test]
    fn validity_as_asked_else_the_products_else_unlimited_and_steps_say_who_decided() {
        let keymap = Keymap::defaults().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 3, 0).unwrap();
        let look = Look {
            theme: Theme::plain(),
            zone: Zone::utc(),
            now: at,
            keymap: &keymap,
        };
        let mut r = request();
        let mut p = Product::plain("vpn");
        assert_eq!(validity(&look, &r, Some(&p)), "unlimited");
        p.validity_secs = Some(90 * 86_400);
        assert_eq!(validity(&look, &r, Some(&p)), "90d from approval");
        r.valid_from = Some(at);
        assert_eq!(
            validity(&look, &r, Some(&p)),
            "from 2026-12-01 10:03 90d from then"
        );
        r.valid_until = Some(at + Duration::days(7));
        assert_eq!(
            validity(&look, &r, None),
            "from 2026-12-01 10:03 until 2026-12-08 10:03"
        );

        let mut s = StepRun {
            level: 0,
            step: 0,
            name: "manager".into(),
            state: StepState::Open,
            approvers: vec!["ann".into()],
            groups: vec![],
            work_item: None,
            decisions: vec![],
            chance_from: None,
            escalated: false,
            note: None,
        };
        let mut out = vec![];
        step(&look, &s, true, 80, &mut out);
        assert_eq!(
            text(&out),
            ["› level 1  manager        ann            waiting"]
        );
        s.state = StepState::Approved;
        s.decisions.push(Decision {
            by: "ann".into(),
            at,
            approve: true,
            how: How::Approver,
            comment: Some("ok \x1b[31mred".into()),
        });
        out.clear();
        step(&look, &s, false, 80, &mut out);
        assert_eq!(
            text(&out),
            [
                "  level 1  manager        ann            approved by ann 2026-12-01 10:03",
                "      “ok \\x1b[31mred”",
            ]
        );
    }

    #[test]
    fn a_renewal_or_unsubscription_in_approval_says_what_it_asks() {
        let keymap = Keymap::defaults().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 3, 0).unwrap();
        let look = Look {
            theme: Theme::plain(),
            zone: Zone::utc(),
            now: at,
            keymap: &keymap,
        };
        let mut r = request();
        let mut a = Approval::new(
            crate::domain::ApprovalPolicy {
                name: "p".into(),
                chief: None,
                levels: vec![],
                calendar: None,
            },
            None,
            crate::domain::CaseId(1),
        );
        assert_eq!(
            asked(&look, &a, &r),
            None,
            "the request itself asks nothing more"
        );
        r.state = RequestState::Renewal;
        a.purpose = Purpose::Renewal {
            until: at + Duration::days(30),
        };
        r.approval = Some(a.clone());
        assert_eq!(
            asked(&look, &a, &r).as_deref(),
            Some("renewal until 2026-12-31 10:03")
        );
        r.state = RequestState::Unsubscription;
        a.purpose = Purpose::Unsubscription { from: None };
        r.approval = Some(a.clone());
        assert_eq!(asked(&look, &a, &r).as_deref(), Some("unsubscription now"));
        r.state = RequestState::Assigned;
        assert_eq!(
            asked(&look, &a, &r),
            None,
            "decided: nothing asked any more"
        );
    }
}
