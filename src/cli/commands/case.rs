//! `casebench case …`: every case verb of docs/cli.md.

use chrono::{DateTime, Utc};

use crate::api::{
    ApiError, Applied, CaseDetail, CaseHistory, CaseList, CaseQuery, Service, ServiceExt,
};
use crate::cli::output::{self, say, Table};
use crate::cli::Ctx;
use crate::domain::{neutralise, CaseId, WorkItemId};
use crate::verbs::{self, ago, Cases};

pub use crate::verbs::CaseCmd;

/// `C-12`, `12` or `W-45` (a work item, standing for its case).
pub fn resolve(
    engine: &dyn Service,
    actor: &str,
    text: &str,
) -> Result<(CaseId, Option<WorkItemId>), ApiError> {
    let t = text.trim();
    if t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("W-")) {
        let w: WorkItemId = t.parse()?;
        return Ok((engine.case_of_work_item(actor, w)?, Some(w)));
    }
    Ok((t.parse()?, None))
}

pub fn run(ctx: &Ctx, cmd: CaseCmd) -> Result<(), ApiError> {
    if from_archive(ctx, &cmd)? {
        return Ok(());
    }
    let engine = ctx.backend()?;
    let actor = ctx.actor.as_str();
    let resolved = cmd
        .case_arg()
        .map(|id| resolve(&engine, actor, id))
        .transpose()?;
    match (&cmd, resolved) {
        (CaseCmd::List(list), _) => {
            let q = CaseQuery {
                queue: list.queue,
                state: list.state,
                kind: list.kind,
                filter: list.filter.clone(),
                limit: list.limit,
            };
            if list.archived {
                if list.as_of.is_some() {
                    return Err(ApiError::BadInput(
                        "--archived and --as-of do not go together: archived cases are shown as they closed".into(),
                    ));
                }
                return match engine.query(actor, crate::api::Query::ArchivedCases(q))? {
                    crate::api::Answer::Cases(list) => print_list(ctx, &list),
                    other => Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
                };
            }
            let Some(text) = list.as_of.as_deref() else {
                return print_list(ctx, &engine.list_cases(actor, &q)?);
            };
            let at = as_of(ctx, text)?;
            let past = engine.list_cases_as_of(actor, &q, at)?;
            if !ctx.json {
                say!("as of {} (read-only)", output::local(at));
            }
            return print_list_at(ctx, &past, at);
        }
        (CaseCmd::Show(show), Some((case, _))) if show.args.as_of.is_some() => {
            let at = as_of(ctx, show.args.as_of.as_deref().unwrap_or_default())?;
            let past = match engine.query(actor, crate::api::Query::CaseAsOf { case, at })? {
                crate::api::Answer::CaseAsOf(p) => p,
                other => return Err(ApiError::Internal(format!("unexpected answer: {other:?}"))),
            };
            if ctx.json {
                return output::json(&past);
            }
            say!("as of {} (read-only)", output::local(at));
            return print_detail(ctx, &past.detail);
        }
        (CaseCmd::Show(_), Some((case, _))) => {
            let detail = engine.show_case(actor, case)?;
            return print_detail(ctx, &detail);
        }
        (CaseCmd::History(_), Some((case, _))) => {
            let history = engine.case_history(actor, case)?;
            return print_history(ctx, &history);
        }
        _ => {}
    }
    let on = match resolved {
        Some((case, work_item)) => Cases::one(case, work_item),
        None => Cases::none(),
    };
    let built = verbs::build(cmd, &on, Some(actor), || Ok(ctx.clock.now()))?;
    for command in built.map(|b| b.commands).unwrap_or_default() {
        let applied = engine.execute(actor, command)?;
        print_applied(ctx, &applied)?;
    }
    Ok(())
}

/// `case show` and `case history` of an archived case, answered from the archive alone
/// when the readers' card vouches for the actor (`engine::ArchiveReader`): true when done.
/// Anything it cannot answer (a hot case, an id that does not parse, a stale card) is left
/// to the store, which says what is wrong.
fn from_archive(ctx: &Ctx, cmd: &CaseCmd) -> Result<bool, ApiError> {
    let (text, history) = match cmd {
        CaseCmd::Show(show) if show.args.as_of.is_none() => (show.id.as_str(), false),
        CaseCmd::History(h) => (h.id.as_str(), true),
        _ => return Ok(false),
    };
    let Some(reader) = crate::engine::ArchiveReader::for_actor(&ctx.db, &ctx.actor) else {
        return Ok(false);
    };
    let t = text.trim();
    let id = match t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("W-")) {
        true => match t.parse::<WorkItemId>() {
            Ok(w) => reader.case_of_work_item(w)?,
            Err(_) => None,
        },
        false => t.parse::<CaseId>().ok(),
    };
    let Some(id) = id else {
        return Ok(false);
    };
    if history {
        return match reader.history(id)? {
            Some(h) => print_history(ctx, &h).map(|_| true),
            None => Ok(false),
        };
    }
    match reader.detail(id)? {
        Some(d) => print_detail(ctx, &d).map(|_| true),
        None => Ok(false),
    }
}

fn print_applied(ctx: &Ctx, applied: &Applied) -> Result<(), ApiError> {
    output::applied(ctx.json, applied)
}

fn who(assignees: &[String], candidates: &[String]) -> String {
    let all = crate::domain::work_item::holders(assignees, candidates);
    if all.is_empty() {
        "-".into()
    } else {
        all.join(",")
    }
}

/// The time of `--as-of TIME`.
fn as_of(ctx: &Ctx, text: &str) -> Result<DateTime<Utc>, ApiError> {
    crate::cli::timearg::parse_time(text, ctx.clock.now())
        .map_err(|e| ApiError::BadInput(format!("--as-of: {e}")))
}

pub fn print_list(ctx: &Ctx, list: &CaseList) -> Result<(), ApiError> {
    print_list_at(ctx, list, ctx.clock.now())
}

/// The list with its deadlines told from `now` (the clock, or the time it stood at).
fn print_list_at(ctx: &Ctx, list: &CaseList, now: DateTime<Utc>) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(list);
    }
    if list.cases.is_empty() {
        say!("no cases in queue {}", list.queue);
        return Ok(());
    }
    let mut t = Table::new(vec![
        "ID", "KIND", "STATE", "DUE", "ESC", "ASSIGNEE", "TITLE",
    ]);
    for r in &list.cases {
        let state = match (r.state, r.outcome) {
            (s, Some(o)) if !s.is_active() => format!("{s}:{o}"),
            (s, _) => s.to_string(),
        };
        t.row(vec![
            r.id.to_string(),
            r.kind.short().to_string(),
            state,
            match r.archived {
                Some(a) => format!("archived {}", a.format("%Y-%m-%d")),
                None => output::deadline(r.deadline, now),
            },
            if r.escalation_level > 0 {
                r.escalation_level.to_string()
            } else {
                String::new()
            },
            who(&r.assignees, &r.candidates),
            r.title.clone(),
        ]);
    }
    print!("{}", t.render());
    if list.total > list.cases.len() {
        say!(
            "{} of {} cases in queue {} (raise --limit to see more)",
            list.cases.len(),
            list.total,
            list.queue
        );
    } else {
        let noun = if list.total == 1 { "case" } else { "cases" };
        say!("{} {noun} in queue {}", list.total, list.queue);
    }
    Ok(())
}

fn print_detail(ctx: &Ctx, d: &CaseDetail) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(d);
    }
    let now = ctx.clock.now();
    print_fields(&d.case, now);
    if let Some(a) = d.archived {
        say!("archived:   {} (read-only)", a.format("%Y-%m-%d"));
    }
    for l in d
        .ticket
        .iter()
        .flat_map(|o| super::itsm::ticket_lines(o, now))
    {
        say!("{l}");
    }
    print_work_items(d, now);
    print_operations(d);
    print_correlation(&d.case);
    print_comments(d);
    Ok(())
}

fn print_fields(c: &crate::domain::Case, now: DateTime<Utc>) {
    say!("{}  {}  {}", c.id, c.kind, c.state);
    say!("title:      {}", c.title);
    if let Some(desc) = &c.description {
        println!("about:      {}", output::lines(desc, 12));
    }
    say!("requester:  {}", c.requester);
    if let Some(r) = &c.resource {
        say!("resource:   {r}");
    }
    if let Some(o) = &c.object {
        say!("object:     {o}");
    }
    if let Some(p) = &c.policy {
        say!("policy:     {p}");
    }
    say!(
        "created:    {} ({})",
        output::local(c.created),
        ago(c.created, now)
    );
    say!(
        "modified:   {} ({})",
        output::local(c.modified),
        ago(c.modified, now)
    );
    if let Some(closed) = c.closed {
        let outcome = c.outcome.map(|o| format!(", {o}")).unwrap_or_default();
        say!("ended:      {}{outcome}", output::local(closed));
    }
}

fn print_work_items(d: &CaseDetail, now: DateTime<Utc>) {
    println!();
    say!("work items:");
    for w in &d.work_items {
        let due = match w.deadline {
            Some(dl) if w.is_open() => format!(
                "  due {} ({})",
                output::local(dl),
                output::deadline(Some(dl), now)
            ),
            _ => String::new(),
        };
        let level = if w.escalation_level > 0 {
            format!("  escalation level {}", w.escalation_level)
        } else {
            String::new()
        };
        let done = match (&w.performer, w.outcome) {
            (Some(p), Some(o)) => format!("  {o} by {p}"),
            _ => String::new(),
        };
        say!(
            "  {}  {}  {}{due}{level}{done}",
            w.id,
            w.state,
            who(&w.assignees, &w.candidates)
        );
    }
}

fn print_operations(d: &CaseDetail) {
    if !d.operations.is_empty() {
        println!();
        say!("operations:");
        for o in &d.operations {
            let op = &o.operation;
            let status = match (op.execution, op.result) {
                (_, crate::domain::OpResult::Success) => "done".to_string(),
                (_, crate::domain::OpResult::Failure) => format!(
                    "failed: {}",
                    op.reason.as_deref().unwrap_or("no reason given")
                ),
                (e, _) => format!("{e:?}").to_lowercase(),
            };
            say!(
                "  op {}  {}@{}  {}  [{status}]",
                op.id,
                o.account,
                o.resource,
                op.describe()
            );
        }
    }
}

fn print_correlation(c: &crate::domain::Case) {
    if let Some(corr) = &c.correlation {
        println!();
        say!(
            "account {} on {}: who owns it?",
            corr.account,
            corr.resource
        );
        for (k, v) in &corr.attributes {
            say!("  {k} = {v}");
        }
        if corr.candidates.is_empty() {
            say!(
                "  no user matches: casebench case correlate {} --owner USER | --orphan",
                c.id
            );
        }
        for cand in &corr.candidates {
            say!(
                "  candidate {:<12} {:>3}  {}",
                cand.login,
                cand.score,
                cand.why
            );
        }
    }
}

fn print_comments(d: &CaseDetail) {
    println!();
    if d.comments.is_empty() {
        say!("no comments");
    } else {
        say!("comments:");
        for cm in &d.comments {
            let on = if cm.on == "commented" {
                String::new()
            } else {
                format!(" ({})", cm.on)
            };
            let who = format!("  {}  {}{on}", output::local(cm.time), cm.author);
            println!("{}: {}", neutralise(&who), output::lines(&cm.text, 4));
        }
    }
}

fn print_history(ctx: &Ctx, h: &CaseHistory) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(h);
    }
    if let Some(a) = h.archived {
        say!("{} archived {} (read-only)", h.case, a.format("%Y-%m-%d"));
    }
    output::events(&h.events);
    Ok(())
}
