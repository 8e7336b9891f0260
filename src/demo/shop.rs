//! The demo's IT Shop: the org structure, the product catalogue with its approval policies,
//! and requests at every stage — assigned, pending, expired, denied, aborted on a timeout,
//! escalated to the chief approval team, and waiting at level 1 or 2 for several people.
//!
//! `requests.csv` columns: `days_ago,requester,product,recipient,from_days,reason,script`;
//! `from_days` (days from now) starts the access later; the script is played on the
//! request's approval case like a case's in `cases.csv` (`complete:approve` decides a step).

use chrono::{DateTime, Duration, Utc};

use super::{play, records, ADMIN};
use crate::api::{ApiError, Command, ServiceExt};
use crate::domain::{CaseId, RequestId};
use crate::engine::{Engine, ManualClock};
use crate::import::{in_file, parse_orgs_toml, parse_products_toml};

pub const ORGS_TOML: &str = include_str!("../../assets/demo/orgs.toml");
pub const PRODUCTS_TOML: &str = include_str!("../../assets/demo/products.toml");
pub const REQUESTS_CSV: &str = include_str!("../../assets/demo/requests.csv");

pub(super) fn shop(
    engine: &Engine,
    clock: &ManualClock,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    clock.set(now - Duration::days(55));
    let (orgs, _) = parse_orgs_toml("assets/demo/orgs.toml", ORGS_TOML)?;
    engine
        .execute(ADMIN, Command::ImportOrgs(orgs))
        .map_err(|e| in_file("assets/demo/orgs.toml", e))?;
    let (products, policies, _) = parse_products_toml("assets/demo/products.toml", PRODUCTS_TOML)?;
    engine
        .execute(ADMIN, Command::ImportProducts { products, policies })
        .map_err(|e| in_file("assets/demo/products.toml", e))?;
    for (line, rec) in records("requests.csv", REQUESTS_CSV)? {
        let at =
            |e: String| ApiError::BadInput(format!("assets/demo/requests.csv: line {line}: {e}"));
        let field = |n: usize| rec.get(n).unwrap_or("").trim().to_string();
        let days_ago: i64 = field(0).parse().map_err(|_| at("bad days_ago".into()))?;
        // Spread the requests of one day over its working hours.
        let minutes = ((line - 2) * 53 % 420) as i64 + 30;
        let created = (now - Duration::days(days_ago) - Duration::minutes(minutes))
            .min(now - Duration::minutes(5));
        let valid_from = match field(4).as_str() {
            "" => None,
            d => Some(
                now + Duration::days(d.parse::<i64>().map_err(|_| at("bad from_days".into()))?),
            ),
        };
        clock.set(created);
        let applied = engine
            .execute(
                &field(1),
                Command::RequestAccess {
                    product: field(2),
                    recipient: Some(field(3)),
                    valid_from,
                    valid_until: None,
                    notice_secs: Some(7 * 86_400).filter(|_| field(2) == "vpn"),
                    reason: Some(field(5)).filter(|r| !r.is_empty()),
                },
            )
            .map_err(|e| at(e.to_string()))?;
        let request = applied.request.expect("a new request");
        for step in field(6).split('|').filter(|s| !s.trim().is_empty()) {
            let on = On {
                request,
                approval: applied.case,
                created,
                now,
            };
            request_step(engine, clock, &on, step).map_err(at)?;
        }
    }
    Ok(())
}

/// A request of `requests.csv` and its times.
struct On {
    request: RequestId,
    approval: Option<CaseId>,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
}

/// One step of a request's script: a case verb on its approval case, or
/// `HOURS:ACTOR:provision:OUTCOME` (the owner works the provisioning case),
/// `HOURS:ACTOR:renew:DAYS` (a renewal to DAYS from now), `HOURS:ACTOR:cancel`.
fn request_step(engine: &Engine, clock: &ManualClock, on: &On, step: &str) -> Result<(), String> {
    let parts: Vec<&str> = step.splitn(4, ':').map(str::trim).collect();
    let (h, who) = (parts[0], parts.get(1).copied().unwrap_or(""));
    let at = |hours: &str| -> Result<DateTime<Utc>, String> {
        let hours: f64 = hours.parse().map_err(|_| format!("bad step {step:?}"))?;
        Ok((on.created + Duration::minutes((hours * 60.0) as i64)).min(on.now))
    };
    let command = match parts.get(2).copied() {
        Some("provision") => {
            let outcome = parts.get(3).copied().unwrap_or("success");
            let case = provisioning_case(engine, on.request)?;
            let script = format!("{h}:{who}:claim|{h}:{who}:complete:{outcome}");
            return play(engine, clock, case, on.created, on.now, &script);
        }
        Some("renew") => {
            let days: i64 = parts
                .get(3)
                .and_then(|d| d.parse().ok())
                .ok_or("renew:DAYS")?;
            Command::Renew {
                request: on.request,
                until: on.now + Duration::days(days),
            }
        }
        Some("cancel") => Command::CancelRequest {
            request: on.request,
            from: None,
        },
        _ => {
            let case = on
                .approval
                .ok_or("a script for a request without an approval case")?;
            return play(engine, clock, case, on.created, on.now, step);
        }
    };
    clock.set(at(h)?);
    engine
        .execute(who, command)
        .map(|_| ())
        .map_err(|e| format!("{step:?}: {e}"))
}

/// The open case carrying the latest operation of `request`.
fn provisioning_case(engine: &Engine, request: RequestId) -> Result<CaseId, String> {
    let r = engine
        .request_detail(ADMIN, request)
        .map_err(|e| e.to_string())?
        .request;
    let op = r
        .operations
        .last()
        .ok_or_else(|| format!("{request} has no provisioning operation"))?;
    let shadow = engine
        .shadow(ADMIN, &op.resource, &op.account)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account {} on {}", op.account, op.resource))?;
    shadow
        .pending
        .iter()
        .find(|p| p.id == op.op)
        .and_then(|p| p.case)
        .ok_or_else(|| format!("{request}: its operation has no case yet"))
}
