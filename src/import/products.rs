//! The product catalogue and its approval policies from TOML
//! (`casebench import products FILE.toml`):
//!
//! ```toml
//! [[product]]
//! id = "vpn"                        # what `request new` names: letters, digits, - _ .
//! name = "VPN access"               # default: the id
//! description = "Remote access"     # optional
//! resource = "fileserver"           # optional: the resource it grants on
//! entitlement = "vpn-users"         # optional (needs resource)
//! owners = "vpn-owners"             # optional group (approvers `product-owners`)
//! policy = "manager-then-owners"    # optional approval policy (none = approved when requested)
//! validity = "90d"                  # optional (none = unlimited)
//! multi_request = false             # default false
//! unsubscribable = true             # default true
//! renewable = true                  # default true
//! max_renewals = 3                  # optional (renewable products only)
//! unsubscription_policy = "owners"  # optional approval policy of an unsubscription (none = at once)
//! units = ["it", "hr"]              # optional: only members of these org units (and below) may request it
//! gap = { fitting = "no-overlap" }  # optional: its own gap rule (see `shop.rs`: also zone, [gap])
//! calendar = "prague-office"        # optional: working-time calendar of its approval steps
//!
//! [[policy]]
//! name = "manager-then-owners"
//! chief = "approvers"               # optional chief approval team of this policy (a group)
//! calendar = "office"               # optional: working-time calendar (after the product's)
//! [[policy.level]]                  # levels run in sequence, the steps of one in parallel
//! [[policy.level.step]]
//! name = "manager"                  # default: the approvers as written
//! approvers = "manager"             # manager | org-manager | product-owners | resource-owners | chief | LOGIN | @GROUP
//! count = 1                         # approvals needed from distinct approvers (default 1)
//! reminder = "1d"                   # optional: this long before the timeout (or "4bh")
//! timeout = "3d"                    # optional; "2bd" / "6bh" count in the approver's calendar
//! on_timeout = "abort"              # approve | abort | escalate-chief | escalate-managers
//! no_approver = "abort"             # chief | approve | abort
//! self_approval = "skipped"         # skipped | auto-approved | allowed
//! [[policy.level]]
//! [[policy.level.step]]
//! approvers = "product-owners"
//! ```
//!
//! Working durations count in the calendar of the approver holding the step, else the
//! product's, the policy's, the resource's, the store default (docs/cli.md "Business
//! durations"); a policy with one where no calendar applies is refused at its line.
//!
//! A policy that could not run (a level without steps, a count of 0, a zero timeout, a
//! reminder not shorter than its timeout, escalating without a timeout) is refused at the
//! line of the value, else of its step, level or policy table.

use serde::Deserialize;
use toml::Spanned;

use super::line_of;
use super::lines::{no_calendar, no_group, no_user, FileLines};
use super::shop::{settings, RawGap, Refusal};
use crate::api::{ApiError, CatalogueImport};
use crate::domain::approval::{
    Approvers, Level, NoApprover, OnTimeout, SelfApproval, Step, MAX_LEVELS, MAX_STEPS,
};
use crate::domain::duration::{parse_work_duration, Span};
use crate::domain::org::valid_name;
use crate::domain::{parse_duration, ApprovalPolicy, Product};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    product: Vec<Spanned<RawProduct>>,
    #[serde(default)]
    policy: Vec<Spanned<RawPolicy>>,
    zone: Option<Spanned<String>>,
    gap: Option<Spanned<RawGap>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    id: Spanned<String>,
    name: Option<String>,
    description: Option<String>,
    resource: Option<Spanned<String>>,
    entitlement: Option<Spanned<String>>,
    owners: Option<Spanned<String>>,
    policy: Option<Spanned<String>>,
    validity: Option<Spanned<String>>,
    multi_request: Option<bool>,
    unsubscribable: Option<bool>,
    renewable: Option<bool>,
    max_renewals: Option<Spanned<u32>>,
    unsubscription_policy: Option<Spanned<String>>,
    #[serde(default)]
    units: Vec<Spanned<String>>,
    gap: Option<Spanned<RawGap>>,
    calendar: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: Spanned<String>,
    chief: Option<Spanned<String>>,
    calendar: Option<Spanned<String>>,
    #[serde(default)]
    level: Vec<Spanned<RawLevel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: Option<String>,
    approvers: Spanned<String>,
    count: Option<Spanned<u32>>,
    reminder: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    on_timeout: Option<Spanned<OnTimeout>>,
    no_approver: Option<NoApprover>,
    self_approval: Option<SelfApproval>,
}

/// The lines of a step's table and of the values `ApprovalPolicy::validate` judges.
struct StepAt {
    table: usize,
    count: Option<usize>,
    reminder: Option<usize>,
    timeout: Option<usize>,
    on_timeout: Option<usize>,
}

impl StepAt {
    /// The line of the value a refusal of `validate` is about.
    fn line_for(&self, message: &str) -> usize {
        let field = if message.contains("count 0") {
            self.count
        } else if message.contains("reminder") {
            self.reminder
        } else if message.contains("escalate") {
            self.on_timeout
        } else if message.contains("timeout") {
            self.timeout
        } else {
            None
        };
        field.unwrap_or(self.table)
    }
}

/// A file being read: its name and text, for errors at a line (campaigns.rs reads with it
/// too).
pub(super) struct Src<'a> {
    pub(super) label: &'a str,
    pub(super) text: &'a str,
}

impl Src<'_> {
    pub(super) fn line<T>(&self, v: &Spanned<T>) -> usize {
        line_of(self.text, v.span().start)
    }

    pub(super) fn err(&self, line: usize, msg: String) -> ApiError {
        ApiError::BadInput(format!("{}:{line}: {msg}", self.label))
    }

    /// A name the store could hold (`@` taken off a group's), or an error at its line.
    pub(super) fn name(&self, v: &Spanned<String>, what: &str) -> Result<String, ApiError> {
        let s = v.get_ref().trim().trim_start_matches('@');
        if valid_name(s) {
            Ok(s.to_string())
        } else {
            Err(self.err(self.line(v), format!("invalid {what} {:?}", v.get_ref())))
        }
    }

    fn refused(&self, (offset, msg): Refusal) -> ApiError {
        self.err(line_of(self.text, offset), msg)
    }

    /// A duration in wall-clock or working time (`3d`, `2bd`, `6bh`).
    pub(super) fn span(&self, v: &Spanned<String>) -> Result<Span, ApiError> {
        parse_work_duration(v.get_ref()).map_err(|e| self.err(self.line(v), e.to_string()))
    }

    /// A calendar's name, noted at its line for the engine's `no calendar "x"`.
    pub(super) fn calendar(
        &self,
        v: &Option<Spanned<String>>,
        ctx: &str,
        lines: &mut FileLines,
    ) -> Result<Option<String>, ApiError> {
        let Some(v) = v else { return Ok(None) };
        let n = self.name(v, "calendar")?;
        lines.value(ctx, no_calendar(&n), self.line(v));
        Ok(Some(n))
    }

    pub(super) fn secs(&self, v: &Spanned<String>) -> Result<i64, ApiError> {
        parse_duration(v.get_ref())
            .map(|d| d.num_seconds())
            .map_err(|e| self.err(self.line(v), e.to_string()))
    }
}

/// Parses a products file: the products, the approval policies (each validated) and the
/// lines of what they name. Errors are one line: `FILE:LINE: message`.
pub fn parse_products_toml(
    label: &str,
    text: &str,
) -> Result<(Vec<Product>, Vec<ApprovalPolicy>, FileLines), ApiError> {
    let (c, lines) = parse_catalogue_toml(label, text)?;
    Ok((c.products, c.policies, lines))
}

/// [`parse_products_toml`] with the file's shop settings (`zone`, `[gap]`).
pub fn parse_catalogue_toml(
    label: &str,
    text: &str,
) -> Result<(CatalogueImport, FileLines), ApiError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    let src = Src { label, text };
    if raw.product.is_empty() && raw.policy.is_empty() && raw.zone.is_none() && raw.gap.is_none() {
        return Err(src.err(1, "no [[product]] or [[policy]] in the file".into()));
    }
    let settings = settings(&raw.zone, &raw.gap).map_err(|r| src.refused(r))?;
    let mut lines = FileLines::default();
    let mut policies: Vec<ApprovalPolicy> = vec![];
    for sp in &raw.policy {
        let p = policy(&src, sp, &mut lines)?;
        if policies.iter().any(|o| o.name == p.name) {
            let msg = format!("approval policy {:?}: defined twice", p.name);
            return Err(src.err(src.line(&sp.get_ref().name), msg));
        }
        policies.push(p);
    }
    let mut products: Vec<Product> = vec![];
    for sp in &raw.product {
        let mut p = product(&src, sp, &mut lines)?;
        if let (Some(g), Some(base)) = (&sp.get_ref().gap, &settings.gap) {
            p.gap = Some(g.get_ref().rule_over(base).map_err(|e| src.refused(e))?);
        }
        if products.iter().any(|o| o.id == p.id) {
            let msg = format!("product {:?}: defined twice", p.id);
            return Err(src.err(src.line(&sp.get_ref().id), msg));
        }
        products.push(p);
    }
    let import = CatalogueImport {
        products,
        policies,
        settings,
    };
    Ok((import, lines))
}

fn product(
    src: &Src,
    sp: &Spanned<RawProduct>,
    lines: &mut FileLines,
) -> Result<Product, ApiError> {
    let r = sp.get_ref();
    let id = src.name(&r.id, "product id")?;
    let ctx = format!("product {id:?}: ");
    let err = |line: usize, msg: &str| src.err(line, format!("{ctx}{msg}"));
    lines.entity(ctx.clone(), src.line(sp));
    let mut named = |v: &Option<Spanned<String>>, what: &str, refusal: fn(&str) -> String| {
        v.as_ref()
            .map(|v| {
                let n = src.name(v, what)?;
                lines.value(&ctx, refusal(&n), src.line(v));
                Ok::<String, ApiError>(n)
            })
            .transpose()
    };
    let resource = named(&r.resource, "resource", |n| format!("no resource {n:?}"))?;
    let owners = named(&r.owners, "group", no_group)?;
    let policy = named(&r.policy, "approval policy", |n| {
        format!("no approval policy {n:?}")
    })?;
    let unsubscription_policy = named(&r.unsubscription_policy, "approval policy", |n| {
        format!("no unsubscription policy {n:?}")
    })?;
    if let (Some(u), false) = (&r.unsubscription_policy, r.unsubscribable.unwrap_or(true)) {
        return Err(err(
            src.line(u),
            "an unsubscription policy on a product that is not unsubscribable",
        ));
    }
    let mut units = vec![];
    for u in &r.units {
        let n = named(&Some(u.clone()), "org unit", |n| {
            format!("no org unit {n:?}")
        })?;
        units.extend(n);
    }
    if let (Some(e), None) = (&r.entitlement, &resource) {
        return Err(err(src.line(e), "an entitlement needs a resource"));
    }
    let validity_secs = r.validity.as_ref().map(|v| src.secs(v)).transpose()?;
    if let (Some(0), Some(v)) = (validity_secs, &r.validity) {
        return Err(err(src.line(v), "a validity of zero"));
    }
    let renewable = r.renewable.unwrap_or(true);
    if let (Some(m), false) = (&r.max_renewals, renewable) {
        return Err(err(
            src.line(m),
            "max_renewals on a product that is not renewable",
        ));
    }
    let name = r.name.clone().unwrap_or_else(|| id.clone());
    if name.trim().is_empty() {
        return Err(err(src.line(sp), "an empty name"));
    }
    let calendar = src.calendar(&r.calendar, &ctx, lines)?;
    Ok(Product {
        id,
        name,
        description: r.description.clone(),
        resource,
        entitlement: r.entitlement.as_ref().map(|e| e.get_ref().clone()),
        owners,
        policy,
        validity_secs,
        multi_request: r.multi_request.unwrap_or(false),
        unsubscribable: r.unsubscribable.unwrap_or(true),
        renewable,
        max_renewals: r.max_renewals.as_ref().map(|m| *m.get_ref()),
        unsubscription_policy,
        gap: (r.gap.as_ref().map(|g| g.get_ref().rule()).transpose())
            .map_err(|e| src.refused(e))?,
        units,
        calendar,
    })
}

fn policy(
    src: &Src,
    sp: &Spanned<RawPolicy>,
    lines: &mut FileLines,
) -> Result<ApprovalPolicy, ApiError> {
    let r = sp.get_ref();
    let name = src.name(&r.name, "approval policy name")?;
    let ctx = format!("approval policy {name:?}: ");
    lines.entity(ctx.clone(), src.line(sp));
    let chief = match &r.chief {
        Some(c) => {
            let g = src.name(c, "group")?;
            lines.value(&ctx, no_group(&g), src.line(c));
            Some(g)
        }
        None => None,
    };
    let calendar = src.calendar(&r.calendar, &ctx, lines)?;
    let mut levels = vec![];
    let mut at = vec![];
    for lsp in &r.level {
        let mut steps = vec![];
        let mut steps_at = vec![];
        for ssp in &lsp.get_ref().step {
            let (step, step_at) = step(src, ssp)?;
            if let Some(t) = step.approvers.names() {
                let refusal = match &t {
                    crate::domain::Target::User(u) => no_user(u),
                    crate::domain::Target::Group(g) => no_group(g),
                };
                lines.value(&ctx, refusal, src.line(&ssp.get_ref().approvers));
            }
            let raw = ssp.get_ref();
            for (s, v) in [(step.timeout, &raw.timeout), (step.reminder, &raw.reminder)] {
                if let (Some(s @ Span::Work(_)), Some(v)) = (s, v) {
                    lines.value(&ctx, super::needs_calendar(&s), src.line(v));
                }
            }
            steps.push(step);
            steps_at.push(step_at);
        }
        levels.push(Level { steps });
        at.push((src.line(lsp), steps_at));
    }
    let p = ApprovalPolicy {
        name,
        chief,
        levels,
        calendar,
    };
    match refused_at(&p, src.line(sp), &at) {
        Some((line, e)) => Err(src.err(line, e)),
        None => Ok(p),
    }
}

fn step(src: &Src, sp: &Spanned<RawStep>) -> Result<(Step, StepAt), ApiError> {
    let r = sp.get_ref();
    let approvers = approvers(src, &r.approvers)?;
    let step = Step {
        name: r.name.clone().unwrap_or_else(|| approvers.name()),
        approvers,
        count: r.count.as_ref().map_or(1, |c| *c.get_ref()),
        reminder: r.reminder.as_ref().map(|v| src.span(v)).transpose()?,
        timeout: r.timeout.as_ref().map(|v| src.span(v)).transpose()?,
        on_timeout: r
            .on_timeout
            .as_ref()
            .map_or(OnTimeout::Abort, |o| *o.get_ref()),
        no_approver: r.no_approver.unwrap_or(NoApprover::Abort),
        self_approval: r.self_approval.unwrap_or(SelfApproval::Skipped),
    };
    let at = StepAt {
        table: src.line(sp),
        count: r.count.as_ref().map(|v| src.line(v)),
        reminder: r.reminder.as_ref().map(|v| src.line(v)),
        timeout: r.timeout.as_ref().map(|v| src.line(v)),
        on_timeout: r.on_timeout.as_ref().map(|v| src.line(v)),
    };
    Ok((step, at))
}

fn approvers(src: &Src, v: &Spanned<String>) -> Result<Approvers, ApiError> {
    Ok(match v.get_ref().trim() {
        "manager" => Approvers::Manager,
        "org-manager" => Approvers::OrgManager,
        "product-owners" => Approvers::ProductOwners,
        "resource-owners" => Approvers::ResourceOwners,
        "chief" => Approvers::Chief,
        s if valid_name(s.trim_start_matches('@')) => {
            let n = s.trim_start_matches('@').to_string();
            if s.starts_with('@') {
                Approvers::Group(n)
            } else {
                Approvers::User(n)
            }
        }
        s => {
            return Err(src.err(
                src.line(v),
                format!("invalid approvers {s:?}: expected manager, org-manager, product-owners, resource-owners, chief, a login or @group"),
            ))
        }
    })
}

/// Why `validate` refuses the policy, at the line of what it is about: the value of the
/// first step that fails alone, else the first level that does, else the policy's table.
fn refused_at(
    p: &ApprovalPolicy,
    table: usize,
    at: &[(usize, Vec<StepAt>)],
) -> Option<(usize, String)> {
    let e = p.validate().err()?.to_string();
    let fails = |levels: Vec<Level>| {
        ApprovalPolicy {
            name: p.name.clone(),
            chief: None,
            levels,
            calendar: None,
        }
        .validate()
        .is_err()
    };
    if p.levels.is_empty() || p.levels.len() > MAX_LEVELS {
        return Some((table, e));
    }
    for (level, (line, steps)) in p.levels.iter().zip(at) {
        if !fails(vec![level.clone()]) {
            continue;
        }
        if level.steps.len() <= MAX_STEPS {
            for (step, s) in level.steps.iter().zip(steps) {
                if fails(vec![Level {
                    steps: vec![step.clone()],
                }]) {
                    return Some((s.line_for(&e), e));
                }
            }
        }
        return Some((*line, e));
    }
    Some((table, e))
}

#[cfg(test)]
#[path = "products_tests.rs"]
mod tests;
