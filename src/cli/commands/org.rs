//! `casebench org …`: the org structure (units in a tree, workgroups, the chief approval
//! team).

use std::collections::{BTreeMap, BTreeSet};

use clap::Subcommand;

use crate::api::{ApiError, ServiceExt};
use crate::cli::output::{self, say};
use crate::cli::Ctx;
use crate::domain::OrgUnit;

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// The org units as a tree, the workgroups and the chief approval team.
    List,
    /// One org unit: where it sits, its manager, members and the units under it.
    Show { id: String },
}

pub fn run(ctx: &Ctx, cmd: OrgCmd) -> Result<(), ApiError> {
    let service = ctx.backend()?;
    match cmd {
        OrgCmd::List => {
            let s = service.org_structure(&ctx.actor)?;
            if ctx.json {
                return output::json(&s);
            }
            // The members of each group (the users' groups, from users.csv).
            let members: BTreeMap<String, Vec<String>> = service
                .org(&ctx.actor)?
                .groups
                .into_iter()
                .map(|g| (g.name, g.members))
                .collect();
            say!("org units:");
            if s.units.is_empty() {
                say!("  none: casebench import orgs FILE.toml");
            }
            for line in tree(&s.units) {
                say!("  {line}");
            }
            say!("workgroups:");
            if s.groups.is_empty() {
                say!("  none");
            }
            for g in &s.groups {
                let who = members.get(&g.name).map_or(&[][..], |m| m.as_slice());
                say!(
                    "  @{}  manager {}  fallback {}  members: {}",
                    g.name,
                    g.manager.as_deref().unwrap_or("-"),
                    g.fallback.as_ref().map_or("-".into(), |f| format!("@{f}")),
                    if who.is_empty() {
                        "-".into()
                    } else {
                        who.join(", ")
                    }
                );
            }
            match &s.settings.chief_approvers {
                Some(c) => say!("chief approval team: @{c}"),
                None => say!("chief approval team: none"),
            }
            Ok(())
        }
        OrgCmd::Show { id } => {
            let d = service.org_unit(&ctx.actor, &id)?;
            if ctx.json {
                return output::json(&d);
            }
            let u = &d.unit;
            let mut path = d.path.clone();
            path.push(u.id.clone());
            say!("{}  {}", u.id, u.name);
            say!("path:      {}", path.join(" › "));
            say!("manager:   {}", u.manager.as_deref().unwrap_or("-"));
            say!("members:   {}", list(&u.members));
            say!("children:  {}", list(&d.children));
            Ok(())
        }
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

/// The units as an indented tree, two spaces a level: `finance  Finance  manager carol  2
/// members`. Roots are the units without a (known) parent; a unit on a loop is shown once.
pub fn tree(units: &[OrgUnit]) -> Vec<String> {
    let ids: BTreeSet<&str> = units.iter().map(|u| u.id.as_str()).collect();
    let mut children: BTreeMap<Option<&str>, Vec<&OrgUnit>> = BTreeMap::new();
    for u in units {
        let parent = u.parent.as_deref().filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(u);
    }
    let mut out = vec![];
    let mut shown = BTreeSet::new();
    let mut stack: Vec<(usize, &OrgUnit)> = children
        .get(&None)
        .map(|r| r.iter().rev().map(|u| (0, *u)).collect())
        .unwrap_or_default();
    while let Some((depth, u)) = stack.pop() {
        if !shown.insert(u.id.as_str()) {
            continue;
        }
        let n = u.members.len();
        out.push(format!(
            "{}{}  {}  manager {}  {n} member{}",
            "  ".repeat(depth),
            u.id,
            u.name,
            u.manager.as_deref().unwrap_or("-"),
            if n == 1 { "" } else { "s" }
        ));
        if let Some(c) = children.get(&Some(u.id.as_str())) {
            stack.extend(c.iter().rev().map(|c| (depth + 1, *c)));
        }
    }
    // Units on a loop (no root above them): listed flat, so none is hidden.
    for u in units.iter().filter(|u| !shown.contains(u.id.as_str())) {
        out.push(format!("{}  {}  (parent loop)", u.id, u.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>, members: usize) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: id.to_uppercase(),
            parent: parent.map(Into::into),
            manager: None,
            members: (0..members).map(|i| format!("u{i}")).collect(),
        }
    }

    #[test]
    fn the_tree_indents_children_under_their_parent() {
        let units = vec![
            unit("corp", None, 0),
            unit("finance", Some("corp"), 2),
            unit("hr", Some("corp"), 1),
            unit("payroll", Some("finance"), 0),
        ];
        assert_eq!(
            tree(&units),
            vec![
                "corp  CORP  manager -  0 members",
                "  finance  FINANCE  manager -  2 members",
                "    payroll  PAYROLL  manager -  0 members",
                "  hr  HR  manager -  1 member",
            ]
        );
    }
}
