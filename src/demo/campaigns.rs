//! The demo's certification campaigns, defined here from a compact table over the demo's
//! resources and products:
//!
//! - `vpn-attestation` (the VPN's assigned requests and the mainframe's accounts, reviewed
//!   by their owners, revocations carried out at once): started 12 days ago, decided by
//!   it-ops, its stage ended 5 days ago; now in remediation, two account revocations waiting
//!   in manual cases, one carried out;
//! - `q4-access-review` (the mainframe's and the badge system's accounts and the assigned
//!   requests of two products; the owner's manager, then the owners on what stage 1
//!   accepted): started 4 days ago, in review in stage 1, partly decided by several
//!   managers.

use crate::domain::duration::Span;
use chrono::{DateTime, Duration, Utc};

use super::{ADMIN, USERS_CSV};
use crate::api::{
    Answer, ApiError, CampaignRecord, CertItemPage, Command, ItemFilter, ItemPick, Query, Service,
};
use crate::domain::campaign::{
    CampaignDef, Decision, NoResponse, Remediate, ReviewerSource, Scope, StageDef, StageItems,
};
use crate::engine::{Engine, ManualClock};

/// A stage: reviewers, days, reminders (hours before the deadline), no response, items.
type Stage = (&'static str, i64, &'static [i64], NoResponse, StageItems);

/// A definition: name, description, resources, products, stages, remediation.
type Def = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [Stage],
    Remediate,
);

const DEFS: [Def; 2] = [
    (
        "q4-access-review",
        "Quarterly review of mainframe and badge accounts, HR clerk and project shares",
        &["racf", "badge"],
        &["sap-hr-clerk", "share-projects"],
        &[
            ("manager", 14, &[48, 12], NoResponse::Keep, StageItems::All),
            ("owners", 7, &[24], NoResponse::Revoke, StageItems::Accepted),
        ],
        Remediate::AtEnd,
    ),
    (
        "vpn-attestation",
        "Who still needs remote access and a mainframe logon?",
        &["racf"],
        &["vpn"],
        &[("owners", 7, &[48], NoResponse::Keep, StageItems::All)],
        Remediate::AtOnce,
    ),
];

/// What it-ops decided in `vpn-attestation`: (hours after the start, reviewer, the words
/// picking the items, decision, comment), in order (a later decision replaces an earlier).
const VPN_DECISIONS: [(i64, &str, &str, Decision, &str); 4] = [
    (20, "rsantos", "", Decision::Accept, ""),
    (
        21,
        "rsantos",
        "hsato",
        Decision::Revoke,
        "uses the security team's own logon",
    ),
    (
        30,
        "lrossi",
        "old_lbernard",
        Decision::Revoke,
        "old login of lbernard, nobody uses it",
    ),
    (
        31,
        "lrossi",
        "mdvorak",
        Decision::Revoke,
        "the helpdesk does not need a TSO logon",
    ),
];

fn stage(n: usize, s: &Stage) -> Result<StageDef, ApiError> {
    Ok(StageDef {
        name: format!("stage {n}: {}", s.0),
        reviewers: ReviewerSource::parse(s.0).map_err(|e| ApiError::BadInput(e.to_string()))?,
        duration: Span::Wall(s.1 * 86_400),
        reminders: s.2.iter().map(|h| Span::Wall(h * 3600)).collect(),
        no_response: s.3,
        escalate_for: None,
        items: s.4,
    })
}

/// The definitions of [`DEFS`].
pub fn definitions() -> Result<Vec<CampaignDef>, ApiError> {
    DEFS.iter()
        .map(
            |(name, description, resources, products, stages, remediate)| {
                Ok(CampaignDef {
                    name: name.to_string(),
                    description: Some(description.to_string()),
                    scope: Scope {
                        resources: resources.iter().map(|r| r.to_string()).collect(),
                        products: products.iter().map(|p| p.to_string()).collect(),
                        ..Scope::default()
                    },
                    stages: (1..)
                        .zip(stages.iter())
                        .map(|(n, s)| stage(n, s))
                        .collect::<Result<_, _>>()?,
                    remediate: *remediate,
                    runs: vec![],
                    calendar: None,
                })
            },
        )
        .collect()
}

pub(super) fn campaigns(
    engine: &Engine,
    clock: &ManualClock,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let at = |e: ApiError| ApiError::BadInput(format!("demo campaigns: {e}"));
    let started = now - Duration::days(12);
    clock.set(started);
    let campaigns = definitions()?
        .into_iter()
        .map(|def| CampaignRecord { line: 0, def })
        .collect();
    engine
        .execute(ADMIN, Command::ImportCampaigns { campaigns })
        .map_err(at)?;
    start(engine, "vpn-attestation").map_err(at)?;
    for (hours, who, words, decision, comment) in VPN_DECISIONS {
        clock.set(started + Duration::hours(hours));
        let filter = ItemFilter {
            text: Some(words.to_string()).filter(|w| !w.is_empty()),
            ..ItemFilter::default()
        };
        decide(
            engine,
            who,
            "vpn-attestation",
            ItemPick::Matching(filter),
            decision,
            comment,
        )
        .map_err(|e| at(ApiError::BadInput(format!("{who} on {words:?}: {e}"))))?;
    }
    clock.set(now - Duration::days(5));
    engine
        .execute(
            ADMIN,
            Command::AdvanceCampaign {
                campaign: "vpn-attestation".into(),
            },
        )
        .map_err(at)?;
    finish_first_remediation(engine, clock, now).map_err(at)?;
    let started = now - Duration::days(4);
    clock.set(started);
    start(engine, "q4-access-review").map_err(at)?;
    q4_decisions(engine, clock, started).map_err(at)
}

fn start(engine: &Engine, name: &str) -> Result<(), ApiError> {
    engine.execute(
        ADMIN,
        Command::StartCampaign {
            name: name.into(),
            deadline: None,
        },
    )?;
    Ok(())
}

fn decide(
    engine: &Engine,
    who: &str,
    campaign: &str,
    items: ItemPick,
    decision: Decision,
    comment: &str,
) -> Result<(), ApiError> {
    engine.execute(
        who,
        Command::CertDecide {
            campaign: campaign.into(),
            items,
            decision,
            comment: Some(comment.to_string()).filter(|c| !c.is_empty()),
        },
    )?;
    Ok(())
}

/// The managers of `q4-access-review` at work: of the stage's cases in order, the first of
/// every three decided all but its last item, the second half of its items, the third
/// nothing yet. Orphans, accounts of people who left and every fourth item are revoked.
fn q4_decisions(
    engine: &Engine,
    clock: &ManualClock,
    started: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Answer::Campaign(detail) =
        engine.query(ADMIN, Query::Campaign("q4-access-review".into()))?
    else {
        return Err(ApiError::Internal("campaign: another answer".into()));
    };
    for (k, rc) in detail.run.cases.iter().enumerate() {
        let who = match rc.reviewer.strip_prefix('@') {
            Some(group) => member_of(group)?,
            None => rc.reviewer.clone(),
        };
        let filter = ItemFilter {
            case: Some(rc.case),
            ..ItemFilter::default()
        };
        let query = Query::CertItems {
            campaign: Some("q4-access-review".into()),
            filter,
            from: 1,
            limit: usize::MAX,
        };
        let Answer::CertItems(CertItemPage { items, .. }) = engine.query(ADMIN, query)? else {
            return Err(ApiError::Internal("cert items: another answer".into()));
        };
        let take = match k % 3 {
            0 => items.len().saturating_sub(1).max(1),
            1 => items.len().div_ceil(2),
            _ => 0,
        };
        for (j, item) in items.iter().take(take).enumerate() {
            clock
                .set(started + Duration::hours(5 * k as i64 + 2) + Duration::minutes(3 * j as i64));
            let (decision, comment) = if item.flags.orphan {
                (Decision::Revoke, "nobody owns this account")
            } else if item.flags.owner_left {
                (Decision::Revoke, "its owner has left")
            } else if (j + k) % 4 == 3 {
                (Decision::Revoke, "not needed in this role any more")
            } else {
                (Decision::Accept, "")
            };
            let pick = ItemPick::Items(vec![item.no]);
            decide(engine, &who, "q4-access-review", pick, decision, comment)?;
        }
    }
    Ok(())
}

/// The first member of `group` in the demo's users, the administrator last.
fn member_of(group: &str) -> Result<String, ApiError> {
    let users = crate::import::parse_users_csv("assets/demo/users.csv", USERS_CSV.as_bytes())?;
    let mut members: Vec<String> = users
        .into_iter()
        .filter(|u| u.groups.iter().any(|g| g == group))
        .map(|u| u.login)
        .collect();
    members.sort_by_key(|l| l == ADMIN);
    members
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::Internal(format!("the demo's group {group} has no member")))
}

/// lrossi carries out the first open revocation of `vpn-attestation` a day after its stage
/// ended (the sweep then records it done).
fn finish_first_remediation(
    engine: &Engine,
    clock: &ManualClock,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Answer::CampaignReport(r) =
        engine.query(ADMIN, Query::CampaignReport("vpn-attestation".into()))?
    else {
        return Err(ApiError::Internal("campaign report: another answer".into()));
    };
    let case = r
        .remediations
        .iter()
        .find_map(|m| m.case.filter(|_| m.state == "open"))
        .ok_or_else(|| ApiError::Internal("no revocation waits in a case".into()))?;
    clock.set(now - Duration::days(4));
    let script = "0:lrossi:claim|1:lrossi:complete:success";
    super::play(engine, clock, case, now - Duration::days(4), now, script)
        .map_err(ApiError::BadInput)
}
