//! The org structure from TOML (`casebench import orgs FILE.toml`):
//!
//! ```toml
//! chief_approvers = "approvers"   # optional: the store-wide chief approval team (a group)
//!
//! [[unit]]
//! id = "finance"                  # required: letters, digits, - _ .
//! name = "Finance"                # default: the id
//! parent = "corp"                 # optional: another unit (in this file or the store)
//! manager = "carol"               # optional login
//! members = ["ann", "bob"]        # logins
//!
//! [[group]]                       # settings of an existing workgroup (from users.csv)
//! name = "vpn-owners"
//! manager = "dave"                # optional login
//! fallback = "it-ops"             # optional: where its work goes when it has nobody
//! calendar = "office"             # optional: working-time calendar of work it holds
//! ```
//!
//! Units are added or replaced by id; a group's manager, fallback and calendar are replaced. Group
//! names may be written `@name`.

use serde::Deserialize;
use toml::Spanned;

use super::line_of;
use super::lines::{no_calendar, no_group, no_user, FileLines};
use crate::api::{ApiError, GroupSettings, OrgImport};
use crate::domain::org::valid_name;
use crate::domain::OrgUnit;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    chief_approvers: Option<Spanned<String>>,
    #[serde(default)]
    unit: Vec<Spanned<RawUnit>>,
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    id: Spanned<String>,
    name: Option<String>,
    parent: Option<Spanned<String>>,
    manager: Option<Spanned<String>>,
    #[serde(default)]
    members: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: Spanned<String>,
    manager: Option<Spanned<String>>,
    fallback: Option<Spanned<String>>,
    calendar: Option<Spanned<String>>,
}

/// A group name as written (`@ops` or `ops`).
fn group_name(v: &Spanned<String>) -> String {
    v.get_ref().trim().trim_start_matches('@').to_string()
}

/// Parses an orgs file into what `import orgs` sends and the lines of what it names.
/// Errors are one line: `FILE:LINE: message`.
pub fn parse_orgs_toml(label: &str, text: &str) -> Result<(OrgImport, FileLines), ApiError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    let at = |offset: usize, msg: String| {
        ApiError::BadInput(format!("{label}:{}: {msg}", line_of(text, offset)))
    };
    // A name the file gives must be one the store could hold.
    let name = |v: &Spanned<String>, what: &str, s: String| {
        if valid_name(&s) {
            Ok(s)
        } else {
            Err(at(
                v.span().start,
                format!("invalid {what} {:?}", v.get_ref()),
            ))
        }
    };
    if raw.unit.is_empty() && raw.group.is_empty() && raw.chief_approvers.is_none() {
        return Err(ApiError::BadInput(format!(
            "{label}:1: nothing to import: no chief_approvers, [[unit]] or [[group]]"
        )));
    }
    let mut lines = FileLines::default();
    let mut import = OrgImport::default();
    if let Some(c) = &raw.chief_approvers {
        let g = name(c, "group", group_name(c))?;
        lines.entity(
            "chief approval team: ".into(),
            line_of(text, c.span().start),
        );
        import.chief_approvers = Some(g);
    }
    for sp in &raw.unit {
        let u = sp.get_ref();
        let id = name(&u.id, "org unit id", u.id.get_ref().clone())?;
        let ctx = format!("org unit {id:?}: ");
        if import.units.iter().any(|o: &OrgUnit| o.id == id) {
            return Err(at(u.id.span().start, format!("{ctx}defined twice")));
        }
        lines.entity(ctx.clone(), line_of(text, sp.span().start));
        let mut login = |v: &Spanned<String>| {
            let l = name(v, "login", v.get_ref().trim().to_string())?;
            lines.value(&ctx, no_user(&l), line_of(text, v.span().start));
            Ok::<String, ApiError>(l)
        };
        let manager = u.manager.as_ref().map(&mut login).transpose()?;
        let members = u.members.iter().map(login).collect::<Result<Vec<_>, _>>()?;
        let parent = match &u.parent {
            Some(p) => {
                let p_id = name(p, "org unit id", p.get_ref().trim().to_string())?;
                if p_id == id {
                    return Err(at(
                        p.span().start,
                        format!("{ctx}a unit cannot be its own parent"),
                    ));
                }
                let line = line_of(text, p.span().start);
                lines.value(&ctx, format!("no org unit {p_id:?}"), line);
                lines.value(&ctx, "cycle in the org tree".into(), line);
                Some(p_id)
            }
            None => None,
        };
        import.units.push(OrgUnit {
            name: u.name.clone().unwrap_or_else(|| id.clone()),
            id,
            parent,
            manager,
            members,
        });
    }
    for sp in &raw.group {
        let g = sp.get_ref();
        let group = name(&g.name, "group", group_name(&g.name))?;
        let ctx = format!("group @{group}: ");
        if import
            .groups
            .iter()
            .any(|o: &GroupSettings| o.name == group)
        {
            return Err(at(g.name.span().start, format!("{ctx}defined twice")));
        }
        lines.entity(ctx.clone(), line_of(text, sp.span().start));
        let manager = match &g.manager {
            Some(m) => {
                let l = name(m, "login", m.get_ref().trim().to_string())?;
                lines.value(&ctx, no_user(&l), line_of(text, m.span().start));
                Some(l)
            }
            None => None,
        };
        let fallback = match &g.fallback {
            Some(f) => {
                let fg = name(f, "group", group_name(f))?;
                let line = line_of(text, f.span().start);
                lines.value(&ctx, no_group(&fg), line);
                lines.value(&ctx, "a group cannot be its own fallback".into(), line);
                lines.value(&ctx, "fallback cycle".into(), line);
                Some(fg)
            }
            None => None,
        };
        let calendar = match &g.calendar {
            Some(c) => {
                let n = name(c, "calendar", c.get_ref().trim().to_string())?;
                lines.value(&ctx, no_calendar(&n), line_of(text, c.span().start));
                Some(n)
            }
            None => None,
        };
        import.groups.push(GroupSettings {
            name: group,
            manager,
            fallback,
            calendar,
        });
    }
    Ok((import, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"chief_approvers = "@approvers"

[[unit]]
id = "corp"
manager = "carol"

[[unit]]
id = "finance"
name = "Finance"
parent = "corp"
members = ["ann", "bob"]

[[group]]
name = "vpn-owners"
manager = "dave"
fallback = "@it-ops"
calendar = "office"
"#;

    #[test]
    fn parses_units_groups_and_the_chief_team() {
        let (i, lines) = parse_orgs_toml("o.toml", GOOD).unwrap();
        assert_eq!(i.chief_approvers.as_deref(), Some("approvers"));
        assert_eq!(i.units.len(), 2);
        assert_eq!(i.units[0].name, "corp");
        assert_eq!(i.units[1].parent.as_deref(), Some("corp"));
        assert_eq!(i.units[1].members, vec!["ann", "bob"]);
        assert_eq!(i.groups[0].fallback.as_deref(), Some("it-ops"));
        assert_eq!(i.groups[0].calendar.as_deref(), Some("office"));
        assert_eq!(
            lines.line_of("group @vpn-owners: no calendar \"office\""),
            Some(17)
        );
        assert_eq!(
            lines.line_of("org unit \"finance\": no user \"bob\""),
            Some(11)
        );
        assert_eq!(
            lines.line_of("org unit \"corp\": no user \"carol\""),
            Some(5)
        );
        assert_eq!(
            lines.line_of("org unit \"finance\": cycle in the org tree finance → corp → finance"),
            Some(10)
        );
        assert_eq!(
            lines.line_of("group @vpn-owners: no group @vpn-owners"),
            Some(13)
        );
        assert_eq!(
            lines.line_of("group @vpn-owners: no group @it-ops"),
            Some(16)
        );
        assert_eq!(
            lines.line_of("chief approval team: no group @approvers"),
            Some(1)
        );
    }

    #[test]
    fn refuses_bad_files_at_their_line() {
        let e = |text: &str| parse_orgs_toml("o.toml", text).unwrap_err().to_string();
        assert!(
            e(&GOOD.replace("members", "memberz"))
                .starts_with("o.toml:11: unknown field `memberz`"),
            "{}",
            e(&GOOD.replace("members", "memberz"))
        );
        assert_eq!(
            e(&GOOD.replace("\"bob\"", "\"b b\"")),
            "o.toml:11: invalid login \"b b\""
        );
        assert_eq!(
            e(&GOOD.replace("id = \"finance\"", "id = \"corp\"")),
            "o.toml:8: org unit \"corp\": defined twice"
        );
        assert!(e("[[unit]]\nid = 3\n").starts_with("o.toml:2:"));
        assert!(e("").starts_with("o.toml:1: nothing to import"));
    }
}
