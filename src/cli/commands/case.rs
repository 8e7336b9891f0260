//! `casebench case …`: every case verb of shared/CLI.md.

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Subcommand};

use crate::api::Service;
use crate::api::ServiceExt;
use crate::api::{
    ApiError, Applied, CaseDetail, CaseHistory, CaseList, CaseQuery, Command, NewCase, Queue,
};
use crate::cli::output::{self, Table};
use crate::cli::{timearg, Ctx};
use crate::domain::{CaseId, CaseKind, CaseState, DelegationMethod, Outcome, Target, WorkItemId};

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a case with one work item, assigned to a user or offered to a group.
    #[command(group(ArgGroup::new("target").args(["assignee", "group"])))]
    New {
        #[arg(long)]
        kind: CaseKind,
        #[arg(long)]
        title: String,
        #[arg(long)]
        resource: Option<String>,
        /// Assign the work item to this user (default: yourself).
        #[arg(long)]
        assignee: Option<String>,
        /// Offer the work item to this group; any member may claim it.
        #[arg(long)]
        group: Option<String>,
        /// A duration from now (3d) or a time (RFC 3339, 2026-12-01, now+3d).
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        policy: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// List a queue of cases.
    List {
        #[arg(long, default_value = "mine")]
        queue: Queue,
        #[arg(long)]
        state: Option<CaseState>,
        #[arg(long)]
        kind: Option<CaseKind>,
        /// Text to look for in id, title, requester, resource, assignees.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Fields, work items and comments of a case.
    Show { id: String },
    /// The audit events of a case, oldest first.
    History { id: String },
    /// Add a comment (allowed on closed cases too).
    Comment { id: String, text: String },
    /// Take a work item offered to one of your groups.
    Claim { id: String },
    /// Replace the assignees (reassign).
    Assign {
        id: String,
        user: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Delegate to a user or @group (replacing the assignees unless --add).
    Delegate {
        id: String,
        target: String,
        #[arg(long)]
        add: bool,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Escalate by hand: to the assignee's manager, or --to a user or @group.
    Escalate {
        id: String,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Finish your work item with an outcome (success, failure, approve, reject).
    Complete {
        id: String,
        #[arg(long)]
        outcome: Outcome,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Close a case early (requester or administrator); open work items are cancelled.
    Close {
        id: String,
        #[arg(long)]
        outcome: Option<Outcome>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Cancel a case (requester or administrator).
    Cancel {
        id: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Resolve a correlation case: name the account's owner, or mark it an orphan.
    #[command(group(ArgGroup::new("who").args(["owner", "orphan"]).required(true)))]
    Correlate {
        id: String,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        orphan: bool,
    },
}

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

fn target(text: &str) -> Result<Target, ApiError> {
    Ok(text.parse::<Target>()?)
}

/// The case `case new` (or `:new` in the TUI) asks for. Without `--assignee` or `--group`
/// the work item goes to `default` (the CLI's actor), or the verb is refused.
pub fn new_case(
    cmd: CaseCmd,
    default: Option<&str>,
    now: DateTime<Utc>,
) -> Result<NewCase, ApiError> {
    let CaseCmd::New {
        kind,
        title,
        resource,
        assignee,
        group,
        deadline,
        policy,
        description,
    } = cmd
    else {
        return Err(ApiError::Internal("new_case needs `case new`".into()));
    };
    let target = match (assignee, group, default) {
        (_, Some(g), _) => target(&format!("@{}", g.trim_start_matches('@')))?,
        (Some(a), None, _) => target(&a)?,
        (None, None, Some(me)) => Target::User(me.to_string()),
        (None, None, None) => {
            return Err(ApiError::BadInput(
                "new: give --assignee USER or --group GROUP".into(),
            ))
        }
    };
    let deadline = deadline
        .map(|d| timearg::parse_time(&d, now).map_err(ApiError::BadInput))
        .transpose()?;
    Ok(NewCase {
        kind,
        title,
        description,
        resource,
        object: None,
        target,
        deadline,
        policy,
    })
}

pub fn run(ctx: &Ctx, cmd: CaseCmd) -> Result<(), ApiError> {
    let engine = ctx.backend()?;
    let actor = ctx.actor.as_str();
    let command = match cmd {
        CaseCmd::List {
            queue,
            state,
            kind,
            filter,
            limit,
        } => {
            let q = CaseQuery {
                queue,
                state,
                kind,
                filter,
                limit,
            };
            let list = engine.list_cases(actor, &q)?;
            return print_list(ctx, &list);
        }
        CaseCmd::Show { id } => {
            let (case, _) = resolve(&engine, actor, &id)?;
            let detail = engine.show_case(actor, case)?;
            return print_detail(ctx, &detail);
        }
        CaseCmd::History { id } => {
            let (case, _) = resolve(&engine, actor, &id)?;
            let history = engine.case_history(actor, case)?;
            return print_history(ctx, &history);
        }
        new @ CaseCmd::New { .. } => {
            Command::CreateCase(new_case(new, Some(actor), ctx.clock.now())?)
        }
        CaseCmd::Comment { id, text } => Command::Comment {
            case: resolve(&engine, actor, &id)?.0,
            text,
        },
        CaseCmd::Claim { id } => {
            let (case, work_item) = resolve(&engine, actor, &id)?;
            Command::Claim { case, work_item }
        }
        CaseCmd::Assign { id, user, comment } => {
            let (case, work_item) = resolve(&engine, actor, &id)?;
            Command::Assign {
                case,
                work_item,
                to: user,
                comment,
            }
        }
        CaseCmd::Delegate {
            id,
            target: to,
            add,
            comment,
        } => {
            let (case, work_item) = resolve(&engine, actor, &id)?;
            Command::Delegate {
                case,
                work_item,
                to: target(&to)?,
                method: if add {
                    DelegationMethod::Add
                } else {
                    DelegationMethod::Replace
                },
                comment,
            }
        }
        CaseCmd::Escalate { id, to, comment } => {
            let (case, work_item) = resolve(&engine, actor, &id)?;
            Command::Escalate {
                case,
                work_item,
                to: to.as_deref().map(target).transpose()?,
                comment,
            }
        }
        CaseCmd::Complete {
            id,
            outcome,
            comment,
        } => {
            let (case, work_item) = resolve(&engine, actor, &id)?;
            Command::Complete {
                case,
                work_item,
                outcome,
                comment,
            }
        }
        CaseCmd::Close {
            id,
            outcome,
            comment,
        } => Command::Close {
            case: resolve(&engine, actor, &id)?.0,
            outcome,
            comment,
        },
        CaseCmd::Cancel { id, comment } => Command::Cancel {
            case: resolve(&engine, actor, &id)?.0,
            comment,
        },
        CaseCmd::Correlate { id, owner, .. } => Command::Correlate {
            case: resolve(&engine, actor, &id)?.0,
            owner,
        },
    };
    let applied = engine.execute(actor, command)?;
    print_applied(ctx, &applied)
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

pub fn print_list(ctx: &Ctx, list: &CaseList) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(list);
    }
    if list.cases.is_empty() {
        println!("no cases in queue {}", list.queue);
        return Ok(());
    }
    let now = ctx.clock.now();
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
            output::deadline(r.deadline, now),
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
        println!(
            "{} of {} cases in queue {} (raise --limit to see more)",
            list.cases.len(),
            list.total,
            list.queue
        );
    } else {
        let noun = if list.total == 1 { "case" } else { "cases" };
        println!("{} {noun} in queue {}", list.total, list.queue);
    }
    Ok(())
}

fn print_detail(ctx: &Ctx, d: &CaseDetail) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(d);
    }
    let now = ctx.clock.now();
    let c = &d.case;
    println!("{}  {}  {}", c.id, c.kind, c.state);
    println!("title:      {}", c.title);
    if let Some(desc) = &c.description {
        println!("about:      {}", desc.replace('\n', "\n            "));
    }
    println!("requester:  {}", c.requester);
    if let Some(r) = &c.resource {
        println!("resource:   {r}");
    }
    if let Some(o) = &c.object {
        println!("object:     {o}");
    }
    if let Some(p) = &c.policy {
        println!("policy:     {p}");
    }
    println!(
        "created:    {} ({})",
        output::local(c.created),
        output::ago(c.created, now)
    );
    println!(
        "modified:   {} ({})",
        output::local(c.modified),
        output::ago(c.modified, now)
    );
    if let Some(closed) = c.closed {
        let outcome = c.outcome.map(|o| format!(", {o}")).unwrap_or_default();
        println!("ended:      {}{outcome}", output::local(closed));
    }
    println!();
    println!("work items:");
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
        println!(
            "  {}  {}  {}{due}{level}{done}",
            w.id,
            w.state,
            who(&w.assignees, &w.candidates)
        );
    }
    if !d.operations.is_empty() {
        println!();
        println!("operations:");
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
            println!(
                "  op {}  {}@{}  {}  [{status}]",
                op.id,
                o.account,
                o.resource,
                op.describe()
            );
        }
    }
    if let Some(corr) = &c.correlation {
        println!();
        println!(
            "account {} on {}: who owns it?",
            corr.account, corr.resource
        );
        for (k, v) in &corr.attributes {
            println!("  {k} = {v}");
        }
        if corr.candidates.is_empty() {
            println!(
                "  no user matches: casebench case correlate {} --owner USER | --orphan",
                c.id
            );
        }
        for cand in &corr.candidates {
            println!(
                "  candidate {:<12} {:>3}  {}",
                cand.login, cand.score, cand.why
            );
        }
    }
    println!();
    if d.comments.is_empty() {
        println!("no comments");
    } else {
        println!("comments:");
        for cm in &d.comments {
            let on = if cm.on == "commented" {
                String::new()
            } else {
                format!(" ({})", cm.on)
            };
            println!(
                "  {}  {}{on}: {}",
                output::local(cm.time),
                cm.author,
                cm.text
            );
        }
    }
    Ok(())
}

fn print_history(ctx: &Ctx, h: &CaseHistory) -> Result<(), ApiError> {
    if ctx.json {
        return output::json(h);
    }
    output::events(&h.events);
    Ok(())
}
