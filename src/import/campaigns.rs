//! Certification campaign definitions from TOML (`casebench import campaigns FILE.toml`):
//!
//! ```toml
//! [[campaign]]
//! name = "q4-sap"                     # what `campaign start` names: letters, digits, - _ .
//! description = "Quarterly review"    # optional
//! scope = { resources = ["sap"], products = ["vpn"], org_unit = "finance", attribute = "groups=fin-rw" }
//! remediate = "at-end"                # at-end (default) | at-once
//! calendar = "office"                 # optional: working-time calendar of its stages
//!
//! [[campaign.stage]]
//! name = "managers"                   # default: the reviewers as written
//! reviewers = "manager"               # manager | owners | LOGIN | @GROUP
//! duration = "14d"                   # or "10bd" / "6bh": working time
//! reminders = ["48h", "12h"]          # optional: this long before the deadline (or "4bh")
//! no_response = "escalate"            # keep (default) | revoke | escalate
//! escalate_for = "3d"                 # optional, with escalate (default: the duration again)
//! items = "all"                       # all (default) | accepted | undecided (a later stage)
//! ```
//!
//! The scope may also be a `[campaign.scope]` table. A definition that could not run (see
//! `CampaignDef::validate`) is refused at the line of the value it is about.
//!
//! Working durations count in the calendar of the stage's reviewer when it names one (a
//! login or `@GROUP` with a calendar), else the campaign's `calendar`, else the store
//! default (docs/cli.md "Business durations"); a stage with one where no calendar applies,
//! and an unknown calendar, are refused at their line.

use serde::Deserialize;
use toml::Spanned;

use super::lines::{no_group, no_user, FileLines};
use super::needs_calendar;
use super::products::Src;
use crate::api::{ApiError, CampaignRecord};
use crate::domain::campaign::{
    CampaignDef, NoResponse, Remediate, ReviewerSource, Scope, StageDef, StageItems, MAX_REMINDERS,
    MAX_STAGES,
};
use crate::domain::duration::Span;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    campaign: Vec<Spanned<RawCampaign>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    name: Spanned<String>,
    description: Option<String>,
    scope: Option<Spanned<RawScope>>,
    remediate: Option<Remediate>,
    calendar: Option<Spanned<String>>,
    #[serde(default)]
    stage: Vec<Spanned<RawStage>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(default)]
    resources: Vec<Spanned<String>>,
    #[serde(default)]
    products: Vec<Spanned<String>>,
    org_unit: Option<Spanned<String>>,
    attribute: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    name: Option<String>,
    reviewers: Spanned<String>,
    duration: Spanned<String>,
    #[serde(default)]
    reminders: Vec<Spanned<String>>,
    no_response: Option<Spanned<NoResponse>>,
    escalate_for: Option<Spanned<String>>,
    items: Option<Spanned<StageItems>>,
}

/// The lines of a campaign's values that `CampaignDef::validate` judges.
struct CampaignAt {
    table: usize,
    name: usize,
    scope: usize,
    stages: Vec<StageAt>,
}

struct StageAt {
    table: usize,
    duration: usize,
    /// Each reminder's line and length.
    reminders: Vec<(usize, Span)>,
    escalate_for: Option<usize>,
    items: Option<usize>,
    /// The stage's first working duration ([`StageDef::work_span`]) and its line, which
    /// the engine refuses where no calendar applies.
    work: Option<(Span, usize)>,
}

impl CampaignAt {
    /// The line of the value a refusal of `validate` (`campaign "q4": stage 2 has …`) is
    /// about: the stage's value it names, else the stage, the scope, the name or the table.
    fn line_for(&self, def: &CampaignDef, message: &str) -> usize {
        let rest = message.split_once("\": ").map_or(message, |(_, r)| r);
        if rest.starts_with("a campaign name") {
            return self.name;
        }
        if rest.starts_with("its scope") {
            return self.scope;
        }
        if rest.starts_with("more than") && rest.ends_with("stages") {
            return self.stages.get(MAX_STAGES).map_or(self.table, |s| s.table);
        }
        if rest.starts_with("stage 1 reviews every item") {
            let s = &self.stages[0];
            return s.items.unwrap_or(s.table);
        }
        let stage = rest
            .strip_prefix("stage ")
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Some((self.stages.get(i)?, def.stages.get(i)?)));
        let Some((at, s)) = stage else {
            return self.table;
        };
        if rest.contains("duration") && !rest.contains("reminder") {
            at.duration
        } else if rest.contains("more than") && rest.contains("reminders") {
            at.reminders.get(MAX_REMINDERS).map_or(at.table, |r| r.0)
        } else if rest.contains("reminder") {
            at.reminders
                .iter()
                .find(|(_, r)| !s.reminder_fits(*r))
                .map_or(at.table, |r| r.0)
        } else if rest.contains("escalate_for") {
            at.escalate_for.unwrap_or(at.table)
        } else {
            at.table
        }
    }
}

/// Parses a campaigns file into definitions (each validated) and the lines of what they
/// name, so the engine's refusals (`line 3: no resource "x" …`) point at the value's line.
/// Errors are one line: `FILE:LINE: message`.
pub fn parse_campaigns_toml(
    label: &str,
    text: &str,
) -> Result<(Vec<CampaignRecord>, FileLines), ApiError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    let src = Src { label, text };
    if raw.campaign.is_empty() {
        return Err(src.err(1, "no [[campaign]] in the file".into()));
    }
    let mut lines = FileLines::default();
    let mut out: Vec<CampaignRecord> = vec![];
    for sp in &raw.campaign {
        let rec = campaign(&src, sp, &mut lines)?;
        if out.iter().any(|o| o.def.name == rec.def.name) {
            let msg = format!("campaign {:?}: defined twice", rec.def.name);
            return Err(src.err(src.line(&sp.get_ref().name), msg));
        }
        out.push(rec);
    }
    Ok((out, lines))
}

fn campaign(
    src: &Src,
    sp: &Spanned<RawCampaign>,
    lines: &mut FileLines,
) -> Result<CampaignRecord, ApiError> {
    let r = sp.get_ref();
    let table = src.line(sp);
    let name = src.name(&r.name, "campaign name")?;
    // The engine refuses a record as `line N: …`: N is the campaign's table.
    let ctx = format!("line {table}: ");
    lines.entity(ctx.clone(), table);
    let scope = match &r.scope {
        Some(s) => scope(src, s.get_ref(), &ctx, lines)?,
        None => Scope::default(),
    };
    let calendar = src.calendar(&r.calendar, &ctx, lines)?;
    let mut stages = vec![];
    let mut stages_at = vec![];
    for (i, ssp) in r.stage.iter().enumerate() {
        let (stage, at) = stage(src, ssp)?;
        let refusal = match &stage.reviewers {
            ReviewerSource::User(u) => Some(no_user(u)),
            ReviewerSource::Group(g) => Some(no_group(g)),
            _ => None,
        };
        if let Some(refusal) = refusal {
            let what = format!("stage {}: {refusal}", i + 1);
            lines.value(&ctx, what, src.line(&ssp.get_ref().reviewers));
        }
        if let Some((work, line)) = at.work {
            let what = format!("stage {}: {}", i + 1, needs_calendar(&work));
            lines.value(&ctx, what, line);
        }
        stages.push(stage);
        stages_at.push(at);
    }
    let def = CampaignDef {
        name,
        description: r.description.clone().filter(|d| !d.trim().is_empty()),
        scope,
        stages,
        remediate: r.remediate.unwrap_or(Remediate::AtEnd),
        runs: vec![],
        calendar,
    };
    let at = CampaignAt {
        table,
        name: src.line(&r.name),
        scope: r.scope.as_ref().map_or(table, |s| src.line(s)),
        stages: stages_at,
    };
    if let Err(e) = def.validate() {
        let e = e.to_string();
        return Err(src.err(at.line_for(&def, &e), e));
    }
    Ok(CampaignRecord {
        line: table as u64,
        def,
    })
}

fn scope(src: &Src, r: &RawScope, ctx: &str, lines: &mut FileLines) -> Result<Scope, ApiError> {
    let mut named = |v: &Spanned<String>, what: &str| {
        let n = src.name(v, what)?;
        lines.value(ctx, format!("no {what} {n:?}"), src.line(v));
        Ok::<String, ApiError>(n)
    };
    let resources = (r.resources.iter().map(|v| named(v, "resource"))).collect::<Result<_, _>>()?;
    let products = (r.products.iter().map(|v| named(v, "product"))).collect::<Result<_, _>>()?;
    let org_unit = r
        .org_unit
        .as_ref()
        .map(|v| named(v, "org unit"))
        .transpose()?;
    let attribute = match &r.attribute {
        None => None,
        Some(v) => match v.get_ref().split_once('=') {
            Some((a, x)) if !a.trim().is_empty() && !x.trim().is_empty() => {
                Some((a.trim().to_string(), x.trim().to_string()))
            }
            _ => {
                let msg = format!(
                    "invalid attribute {:?}: expected NAME=VALUE (groups=fin-rw)",
                    v.get_ref()
                );
                return Err(src.err(src.line(v), msg));
            }
        },
    };
    Ok(Scope {
        resources,
        products,
        org_unit,
        attribute,
    })
}

fn stage(src: &Src, sp: &Spanned<RawStage>) -> Result<(StageDef, StageAt), ApiError> {
    let r = sp.get_ref();
    let reviewers = ReviewerSource::parse(r.reviewers.get_ref())
        .map_err(|e| src.err(src.line(&r.reviewers), e.to_string()))?;
    let mut reminders = vec![];
    for v in &r.reminders {
        reminders.push((src.line(v), src.span(v)?));
    }
    let stage = StageDef {
        name: r
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| r.reviewers.get_ref().trim().to_string()),
        reviewers,
        duration: src.span(&r.duration)?,
        reminders: reminders.iter().map(|r| r.1).collect(),
        no_response: r
            .no_response
            .as_ref()
            .map_or(NoResponse::Keep, |v| *v.get_ref()),
        escalate_for: r.escalate_for.as_ref().map(|v| src.span(v)).transpose()?,
        items: r.items.as_ref().map_or(StageItems::All, |v| *v.get_ref()),
    };
    let at = StageAt {
        table: src.line(sp),
        duration: src.line(&r.duration),
        reminders,
        escalate_for: r.escalate_for.as_ref().map(|v| src.line(v)),
        items: r.items.as_ref().map(|v| src.line(v)),
        work: None,
    };
    let escalate = (stage.escalate_for.zip(at.escalate_for)).into_iter();
    let work = std::iter::once((stage.duration, at.duration))
        .chain(at.reminders.iter().copied().map(|(l, s)| (s, l)))
        .chain(escalate)
        .find(|(s, _)| s.is_work());
    let at = StageAt { work, ..at };
    Ok((stage, at))
}

#[cfg(test)]
#[path = "campaigns_tests.rs"]
mod tests;
