//! `casebench campaign …`: certification campaigns, their runs, decisions and reports.

use clap::Subcommand;

use crate::api::{
    Answer, ApiError, CampaignDetail, CampaignReport, CertItemPage, Command, ItemFilter, ItemPick,
    Query, ReportRow, Service, ServiceExt,
};
use crate::cli::output::{self, say, Table};
use crate::cli::{timearg, Ctx};
use crate::domain::campaign::{CampaignRun, Decision, RunState};
use crate::domain::CertItem;

/// At most this many item numbers in one decision (the engine's limit too).
const MAX_ITEMS: usize = 200_000;

#[derive(Debug, Subcommand)]
pub enum CampaignCmd {
    /// The campaign definitions with their latest runs.
    List,
    /// A run (`NAME` = its latest, `NAME#N`): state, stage, deadline, progress, reviewers.
    Show {
        campaign: String,
        /// List the items too.
        #[arg(long)]
        items: bool,
        /// Only items with all these words (owner, account, resource, attributes).
        #[arg(long, requires = "items")]
        filter: Option<String>,
        /// Only items not decided in the running stage.
        #[arg(long, requires = "items")]
        undecided: bool,
        /// At most this many items.
        #[arg(long, default_value_t = 1000, requires = "items")]
        limit: usize,
    },
    /// Start a run of a definition: its items snapshotted, stage 1 opened.
    Start {
        name: String,
        /// The first stage's deadline (default: its duration from now).
        #[arg(long, value_name = "TIME")]
        deadline: Option<String>,
    },
    /// Decide items: by number (`12`, `12-20`, `3,5,7`), or --all of yours matching.
    Decide(DecideArgs),
    /// End the running stage now, as its deadline would.
    Advance { campaign: String },
    /// End the review, carry out the revocations, close when they are done.
    Close { campaign: String },
    /// Review again, from stage 1, only the items nobody decided.
    Reiterate { campaign: String },
    /// Per reviewer and per resource: items, accepted, revoked, reduced, undecided,
    /// overdue; then the remediations.
    Report {
        campaign: String,
        /// The tallies as one CSV table (by,key,items,…).
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    campaign: String,
    /// Item numbers: `12`, `12-20`, `3,5,7`.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    items: Vec<String>,
    /// Every item in review that you may decide, narrowed by the options below.
    #[arg(long)]
    all: bool,
    /// Only items with all these words (owner, account, resource, attributes).
    #[arg(long, requires = "all", value_name = "TEXT")]
    filter: Option<String>,
    /// Only the items of this certification case.
    #[arg(long, requires = "all", value_name = "C-N")]
    case: Option<String>,
    /// Only items without a decision yet.
    #[arg(long, requires = "all")]
    undecided: bool,
    #[command(flatten)]
    decision: DecisionArg,
    /// Why (kept with the decision and its audit event).
    #[arg(long)]
    comment: Option<String>,
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct DecisionArg {
    /// Keep the access.
    #[arg(long)]
    accept: bool,
    /// Take the access away.
    #[arg(long)]
    revoke: bool,
    /// Take away these attribute values of the account, keep the rest (repeatable).
    #[arg(long, value_name = "ATTR=VAL")]
    reduce: Vec<String>,
    /// Say you do not decide it (it stays undecided).
    #[arg(long)]
    not_decided: bool,
}

impl DecisionArg {
    fn decision(&self) -> Result<Decision, ApiError> {
        if self.accept {
            return Ok(Decision::Accept);
        }
        if self.revoke {
            return Ok(Decision::Revoke);
        }
        if self.not_decided {
            return Ok(Decision::NotDecided);
        }
        let mut values = vec![];
        for r in &self.reduce {
            match r.split_once('=') {
                Some((a, v)) if !a.trim().is_empty() && !v.trim().is_empty() => {
                    values.push((a.trim().to_string(), v.trim().to_string()))
                }
                _ => {
                    return Err(ApiError::BadInput(format!(
                        "--reduce {r:?}: expected ATTR=VAL (groups=fin-rw)"
                    )))
                }
            }
        }
        Ok(Decision::Reduce(values))
    }
}

pub fn run(ctx: &Ctx, cmd: CampaignCmd) -> Result<(), ApiError> {
    let service = ctx.backend()?;
    let exec = |command: Command| output::applied(ctx.json, &service.execute(&ctx.actor, command)?);
    match cmd {
        CampaignCmd::List => list(ctx, &service),
        CampaignCmd::Show {
            campaign,
            items,
            filter,
            undecided,
            limit,
        } => {
            let filter = items.then_some(ItemFilter {
                text: filter,
                undecided,
                ..ItemFilter::default()
            });
            show(ctx, &service, &campaign, filter, limit)
        }
        CampaignCmd::Start { name, deadline } => {
            let now = service.now(&ctx.actor)?;
            let deadline = deadline
                .map(|t| timearg::parse_time(&t, now).map_err(ApiError::BadInput))
                .transpose()?;
            exec(Command::StartCampaign { name, deadline })
        }
        CampaignCmd::Decide(args) => exec(decide_command(args)?),
        CampaignCmd::Advance { campaign } => exec(Command::AdvanceCampaign { campaign }),
        CampaignCmd::Close { campaign } => exec(Command::CloseCampaign { campaign }),
        CampaignCmd::Reiterate { campaign } => exec(Command::ReiterateCampaign { campaign }),
        CampaignCmd::Report { campaign, csv } => {
            if csv && ctx.json {
                return Err(ApiError::BadInput("--csv or --json, not both".into()));
            }
            let report = match service.query(&ctx.actor, Query::CampaignReport(campaign))? {
                Answer::CampaignReport(r) => r,
                other => return Err(unexpected(other)),
            };
            if ctx.json {
                output::json(&report)
            } else if csv {
                report_csv(&report)
            } else {
                report_table(&report);
                Ok(())
            }
        }
    }
}

fn unexpected(a: Answer) -> ApiError {
    ApiError::Internal(format!("unexpected answer: {a:?}"))
}

/// `campaign decide`: by numbers, or `--all` of the actor's items matching.
fn decide_command(a: DecideArgs) -> Result<Command, ApiError> {
    let items = if a.all {
        ItemPick::Matching(ItemFilter {
            case: a.case.map(|c| c.parse()).transpose()?,
            text: a.filter.filter(|f| !f.trim().is_empty()),
            reviewer: None,
            undecided: a.undecided,
        })
    } else {
        ItemPick::Items(item_numbers(&a.items)?)
    };
    Ok(Command::CertDecide {
        campaign: a.campaign,
        items,
        decision: a.decision.decision()?,
        comment: a.comment,
    })
}

/// `12`, `12-20` and comma lists of them, in the order given.
pub fn item_numbers(args: &[String]) -> Result<Vec<u32>, ApiError> {
    let mut out = vec![];
    for arg in args {
        for part in arg.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                ApiError::BadInput(format!(
                    "item {part:?}: expected a number (12), a range (12-20) or a comma list"
                ))
            };
            let number = |s: &str| s.trim().parse::<u32>().ok().filter(|n| *n > 0);
            let (from, to) = match part.split_once('-') {
                Some((a, b)) => (number(a).ok_or_else(bad)?, number(b).ok_or_else(bad)?),
                None => {
                    let n = number(part).ok_or_else(bad)?;
                    (n, n)
                }
            };
            if to < from {
                return Err(bad());
            }
            if out.len() + (to - from) as usize >= MAX_ITEMS {
                return Err(ApiError::BadInput(format!(
                    "at most {MAX_ITEMS} items at once"
                )));
            }
            out.extend(from..=to);
        }
    }
    if out.is_empty() {
        return Err(ApiError::BadInput("name at least one item".into()));
    }
    Ok(out)
}

fn list(ctx: &Ctx, service: &crate::cli::Backend) -> Result<(), ApiError> {
    let all = match service.query(&ctx.actor, Query::Campaigns)? {
        Answer::Campaigns(c) => c,
        other => return Err(unexpected(other)),
    };
    if ctx.json {
        return output::json(&serde_json::json!({ "campaigns": all }));
    }
    if all.is_empty() {
        say!("no campaigns: casebench import campaigns FILE.toml");
        return Ok(());
    }
    let mut t = Table::new(vec![
        "NAME",
        "STAGES",
        "RUN",
        "STATE",
        "ITEMS",
        "DESCRIPTION",
    ]);
    for c in &all {
        let (run, state, items) = match &c.latest {
            Some(r) => (r.label(), r.describe_state(), r.items.to_string()),
            None => ("-".into(), "not started".into(), "-".into()),
        };
        t.row(vec![
            c.def.name.clone(),
            c.def.stages.len().to_string(),
            run,
            state,
            items,
            c.def.description.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

fn detail(ctx: &Ctx, service: &crate::cli::Backend, c: &str) -> Result<CampaignDetail, ApiError> {
    match service.query(&ctx.actor, Query::Campaign(c.to_string()))? {
        Answer::Campaign(d) => Ok(d),
        other => Err(unexpected(other)),
    }
}

fn show(
    ctx: &Ctx,
    service: &crate::cli::Backend,
    campaign: &str,
    filter: Option<ItemFilter>,
    limit: usize,
) -> Result<(), ApiError> {
    let d = detail(ctx, service, campaign)?;
    let page = match filter {
        None => None,
        Some(filter) => {
            let q = Query::CertItems {
                campaign: Some(d.run.label()),
                filter,
                from: 1,
                limit,
            };
            match service.query(&ctx.actor, q)? {
                Answer::CertItems(p) => Some(p),
                other => return Err(unexpected(other)),
            }
        }
    };
    if ctx.json {
        return match page {
            None => output::json(&d),
            Some(p) => output::json(&serde_json::json!({ "campaign": d, "items": p })),
        };
    }
    show_detail(&d, service.now(&ctx.actor)?);
    if let Some(p) = page {
        println!();
        items_table(&p);
    }
    Ok(())
}

/// `212 of 340 decided, 3d left`.
fn progress(d: &CampaignDetail, now: chrono::DateTime<chrono::Utc>) -> String {
    let left = match d.run.stage_deadline {
        Some(t) if t > now => format!(", {} left", crate::verbs::span((t - now).num_seconds())),
        Some(_) => ", the deadline has passed".into(),
        None => String::new(),
    };
    format!("{} of {} decided{left}", d.decided, d.in_review)
}

fn show_detail(d: &CampaignDetail, now: chrono::DateTime<chrono::Utc>) {
    let r = &d.run;
    say!("{}  {}", r.label(), r.describe_state());
    if let Some(text) = &r.def.description {
        println!("description: {}", output::lines(text, 13));
    }
    say!(
        "started:     {} by {} ({} items)",
        output::local(r.started),
        r.started_by,
        r.items
    );
    if let Some(t) = r.closed {
        say!("closed:      {}", output::local(t));
    }
    if r.state == RunState::InReview {
        say!("stage:       {}", stage_line(r));
        if let Some(t) = r.stage_deadline {
            say!(
                "deadline:    {} ({}){}",
                output::local(t),
                output::deadline(Some(t), now),
                if r.escalated { ", escalated" } else { "" }
            );
        }
        say!("progress:    {}", progress(d, now));
    }
    let t = &d.tally;
    say!(
        "all items:   {} accepted, {} revoked, {} reduced, {} undecided ({} overdue)",
        t.accepted,
        t.revoked,
        t.reduced,
        t.undecided,
        t.overdue
    );
    let (open, done, failed) = d.remediations;
    if open + done + failed > 0 {
        say!("remediations: {open} open, {done} done, {failed} failed");
    }
    if !d.reviewers.is_empty() {
        println!();
        let mut table = Table::new(vec!["REVIEWER", "CASE", "ITEMS", "DECIDED", "SHARE"]);
        for p in &d.reviewers {
            table.row(vec![
                p.reviewer.clone(),
                p.case.to_string(),
                p.items.to_string(),
                p.decided.to_string(),
                format!("{}%", p.items * 100 / d.in_review.max(1)),
            ]);
        }
        print!("{}", table.render());
    }
}

/// `2 of 3 "owners" (reviewers: the resource's or product's owners; 2bd, reminders 4bh
/// before, calendar office)`.
fn stage_line(r: &CampaignRun) -> String {
    let name = r
        .describe_stage()
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    let iteration = if r.iteration > 1 {
        format!(", iteration {}", r.iteration)
    } else {
        String::new()
    };
    format!("{} of {}{name}{iteration}", r.stage, r.def.stages.len())
}

fn items_table(p: &CertItemPage) {
    if p.items.is_empty() {
        say!("no items match");
        return;
    }
    let mut t = Table::new(vec![
        "NO",
        "OWNER",
        "ACCOUNT/PRODUCT",
        "RESOURCE",
        "ATTRIBUTES",
        "FLAGS",
        "REVIEWER",
        "DECISION",
        "REMEDIATION",
    ]);
    for i in &p.items {
        t.row(item_row(i));
    }
    print!("{}", t.render());
    if (p.items.len() as u32) < p.total {
        say!("({} of {} items shown: --limit)", p.items.len(), p.total);
    }
}

fn item_row(i: &CertItem) -> Vec<String> {
    use crate::domain::campaign::Subject;
    let what = match &i.subject {
        Subject::Account { key, .. } => key.clone(),
        Subject::Request { id, product } => format!("{id} {product}"),
    };
    let attrs: Vec<String> = i
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let f = i.flags;
    let flags: Vec<&str> = [
        (f.orphan, "orphan"),
        (f.divergent, "divergent"),
        (f.owner_left, "owner-left"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    let reviewer = i
        .reviewer
        .clone()
        .or_else(|| i.results.last().and_then(|r| r.reviewer.clone()));
    let decision = match (&i.current, i.results.last()) {
        (Some(v), _) => v.decision.describe(),
        (None, Some(r)) if r.by_rule => format!("{} (no response)", r.result.describe()),
        (None, Some(r)) => r.result.describe(),
        (None, None) => "-".into(),
    };
    let remediation = i.remediation.as_ref().map_or("-".into(), |r| {
        let case = r.case.map(|c| format!(" {c}")).unwrap_or_default();
        format!("{}{case}", r.state.name())
    });
    vec![
        i.no.to_string(),
        i.owner.clone().unwrap_or_else(|| "-".into()),
        what,
        i.resource.clone().unwrap_or_else(|| "-".into()),
        attrs.join(" "),
        if flags.is_empty() {
            "-".into()
        } else {
            flags.join(",")
        },
        reviewer.unwrap_or_else(|| "-".into()),
        decision,
        remediation,
    ]
}

/// The tally columns of a report row.
fn tally_cells(r: &ReportRow) -> Vec<String> {
    let t = &r.tally;
    [
        t.items,
        t.accepted,
        t.revoked,
        t.reduced,
        t.undecided,
        t.overdue,
    ]
    .iter()
    .map(u32::to_string)
    .collect()
}

const TALLY: [&str; 6] = [
    "ITEMS",
    "ACCEPTED",
    "REVOKED",
    "REDUCED",
    "UNDECIDED",
    "OVERDUE",
];

fn report_table(r: &CampaignReport) {
    say!(
        "{}  {}  (report of {})",
        r.campaign,
        r.state,
        output::local(r.generated)
    );
    let total = ReportRow {
        key: "all".into(),
        tally: r.total,
    };
    for (head, rows) in [("REVIEWER", &r.by_reviewer), ("RESOURCE", &r.by_resource)] {
        println!();
        let mut headers = vec![head];
        headers.extend(TALLY);
        let mut t = Table::new(headers);
        for row in rows.iter().chain([&total]) {
            let mut cells = vec![row.key.clone()];
            cells.extend(tally_cells(row));
            t.row(cells);
        }
        print!("{}", t.render());
    }
    println!();
    if r.remediations.is_empty() {
        say!("no remediations");
        return;
    }
    let mut t = Table::new(vec!["ITEM", "SUBJECT", "DECISION", "STATE", "CASE", "NOTE"]);
    for m in &r.remediations {
        t.row(vec![
            m.item.to_string(),
            m.subject.clone(),
            m.decision.clone(),
            m.state.clone(),
            m.case.map_or("-".into(), |c| c.to_string()),
            m.note.clone(),
        ]);
    }
    print!("{}", t.render());
}

/// One CSV table: `by,key,items,accepted,revoked,reduced,undecided,overdue`, the total
/// first (`all`), then each reviewer, then each resource.
fn report_csv(r: &CampaignReport) -> Result<(), ApiError> {
    let total = ReportRow {
        key: "all".into(),
        tally: r.total,
    };
    let mut w = csv::Writer::from_writer(std::io::stdout());
    let fail = |e: csv::Error| ApiError::Internal(format!("cannot write CSV: {e}"));
    let mut head = vec!["by".to_string(), "key".to_string()];
    head.extend(TALLY.iter().map(|h| h.to_lowercase()));
    w.write_record(&head).map_err(fail)?;
    let rows = std::iter::once(("total", &total))
        .chain(r.by_reviewer.iter().map(|x| ("reviewer", x)))
        .chain(r.by_resource.iter().map(|x| ("resource", x)));
    for (by, row) in rows {
        let mut cells = vec![by.to_string(), row.key.clone()];
        cells.extend(tally_cells(row));
        w.write_record(&cells).map_err(fail)?;
    }
    w.flush()
        .map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nos(args: &[&str]) -> Result<Vec<u32>, ApiError> {
        item_numbers(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn item_numbers_take_ranges_and_lists() {
        assert_eq!(nos(&["12"]).unwrap(), vec![12]);
        assert_eq!(nos(&["3-5", "9"]).unwrap(), vec![3, 4, 5, 9]);
        assert_eq!(nos(&["1,3-4,", "7"]).unwrap(), vec![1, 3, 4, 7]);
        for bad in ["0", "x", "5-3", "1-", "-2", "1-2-3", ""] {
            assert!(nos(&[bad]).is_err(), "{bad:?}");
        }
        let e = nos(&["1-4000000000"]).unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
    }
}
