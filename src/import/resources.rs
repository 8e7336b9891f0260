//! Resources from TOML:
//!
//! ```toml
//! [[resource]]
//! id = "badge"
//! name = "Badge-Access"
//! kind = "semi-manual"            # or "manual"
//! owners = "security"             # the group that works its cases
//! provisioning = "case-after-approval"   # or "last-approval-step"
//! propagation = "1h"              # queue operations this long, one case for all (optional)
//! policy = "standard"             # escalation policy of its cases (optional)
//! grace = "15m"                   # how long the export may lag (default 15m)
//! retention = "1d"                # completed operations stay visible (default 1d)
//! calendar = "office"             # working-time calendar of its cases (optional)
//! itsm = "rt"                     # its cases go to this ticket system ([itsm.rt] in config.toml)
//!
//! [resource.feed]                 # semi-manual only
//! path = "exports/badge.csv"      # relative to this file
//! key = "account"
//! attributes = ["mail", "groups"]
//! ```

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::api::ApiError;
use crate::domain::org::valid_name;
use crate::domain::{parse_duration, ProvisioningMode, Resource, ResourceKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    resource: Vec<Spanned<RawResource>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    id: String,
    name: Option<String>,
    kind: Spanned<String>,
    owners: Spanned<String>,
    provisioning: Option<Spanned<String>>,
    propagation: Option<Spanned<String>>,
    policy: Option<Spanned<String>>,
    grace: Option<Spanned<String>>,
    retention: Option<Spanned<String>>,
    calendar: Option<Spanned<String>>,
    itsm: Option<Spanned<String>>,
    feed: Option<RawFeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    path: String,
    key: String,
    #[serde(default)]
    attributes: Vec<String>,
}

use super::line_of;

/// Parses a resources file; feed paths are resolved against `base` (the file's folder).
pub fn parse_resources_toml(
    label: &str,
    text: &str,
    base: &Path,
) -> Result<Vec<Resource>, ApiError> {
    parse_resources_with_lines(label, text, base).map(|(r, _)| r)
}

/// Where a resource names its owners and its policy, for the CLI's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceLines {
    pub owners: usize,
    pub policy: Option<usize>,
    pub calendar: Option<usize>,
    pub itsm: Option<usize>,
}

/// [`parse_resources_toml`], with the lines of each resource's owners and policy.
pub fn parse_resources_with_lines(
    label: &str,
    text: &str,
    base: &Path,
) -> Result<(Vec<Resource>, Vec<ResourceLines>), ApiError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    if raw.resource.is_empty() {
        return Err(ApiError::BadInput(format!(
            "{label}:1: no [[resource]] in the file"
        )));
    }
    let mut out: Vec<Resource> = vec![];
    let mut lines = vec![];
    for sp in raw.resource {
        let line = line_of(text, sp.span().start);
        let r = sp.into_inner();
        let at_line = |line: usize, msg: String| {
            ApiError::BadInput(format!("{label}:{line}: resource {:?}: {msg}", r.id))
        };
        let at = |msg: String| at_line(line, msg);
        let key_at = |v: &Spanned<String>, msg: String| at_line(line_of(text, v.span().start), msg);
        if !valid_name(&r.id) {
            return Err(at("invalid id".into()));
        }
        if out.iter().any(|o| o.id == r.id) {
            return Err(at("defined twice".into()));
        }
        let secs = |v: &Option<Spanned<String>>, default: i64| -> Result<i64, ApiError> {
            match v {
                Some(t) => parse_duration(t.get_ref())
                    .map(|d| d.num_seconds())
                    .map_err(|e| key_at(t, e.to_string())),
                None => Ok(default),
            }
        };
        let kind = match (r.kind.get_ref().as_str(), &r.feed) {
            ("manual", None) => ResourceKind::Manual,
            ("manual", Some(_)) => {
                return Err(at("a manual resource has no [resource.feed]".into()))
            }
            ("semi-manual", Some(f)) => {
                if f.key.trim().is_empty() {
                    return Err(at("the feed needs a key column".into()));
                }
                let path = base.join(&f.path);
                ResourceKind::SemiManual {
                    feed: path.display().to_string(),
                    key: f.key.clone(),
                    attributes: f.attributes.clone(),
                }
            }
            ("semi-manual", None) => {
                return Err(at(
                    "a semi-manual resource needs [resource.feed] with path and key".into(),
                ))
            }
            (other, _) => {
                return Err(key_at(
                    &r.kind,
                    format!("invalid kind {other:?}: expected manual or semi-manual"),
                ))
            }
        };
        let provisioning = match &r.provisioning {
            None => ProvisioningMode::CaseAfterApproval,
            Some(v) => match v.get_ref().as_str() {
                "case-after-approval" => ProvisioningMode::CaseAfterApproval,
                "last-approval-step" => ProvisioningMode::LastApprovalStep,
                other => {
                    return Err(key_at(v, format!(
                        "invalid provisioning {other:?}: expected case-after-approval or last-approval-step"
                    )))
                }
            },
        };
        let propagation_secs = match &r.propagation {
            Some(_) => Some(secs(&r.propagation, 0)?),
            None => None,
        };
        lines.push(ResourceLines {
            owners: line_of(text, r.owners.span().start),
            policy: r.policy.as_ref().map(|p| line_of(text, p.span().start)),
            calendar: r.calendar.as_ref().map(|c| line_of(text, c.span().start)),
            itsm: r.itsm.as_ref().map(|c| line_of(text, c.span().start)),
        });
        out.push(Resource {
            name: r.name.clone().unwrap_or_else(|| r.id.clone()),
            id: r.id.clone(),
            seq: 0,
            kind,
            owners: r.owners.get_ref().trim_start_matches('@').to_string(),
            provisioning,
            propagation_secs,
            policy: r.policy.as_ref().map(|p| p.get_ref().clone()),
            grace_secs: secs(&r.grace, 15 * 60)?,
            retention_secs: secs(&r.retention, 86_400)?,
            propagation_due: None,
            grace_due: None,
            feed_fingerprint: None,
            calendar: r.calendar.as_ref().map(|c| c.get_ref().clone()),
            itsm: r.itsm.as_ref().map(|c| c.get_ref().clone()),
        });
    }
    Ok((out, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let ok = "[[resource]]\nid = \"badge\"\nkind = \"semi-manual\"\nowners = \"@security\"\npropagation = \"1h\"\n[resource.feed]\npath = \"x.csv\"\nkey = \"account\"\nattributes = [\"mail\"]\n";
        let r = parse_resources_toml("r.toml", ok, Path::new("/data")).unwrap();
        assert_eq!(r[0].owners, "security");
        assert_eq!(r[0].propagation_secs, Some(3600));
        assert!(
            matches!(&r[0].kind, ResourceKind::SemiManual { feed, .. } if feed == "/data/x.csv")
        );
        let bad = ok.replace("semi-manual", "magic");
        let e = parse_resources_toml("r.toml", &bad, Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r.toml:3: resource \"badge\": invalid kind"),
            "{e}"
        );
        let e = parse_resources_toml(
            "r.toml",
            "[[resource]]\nid = \"a\"\nkind = \"manual\"\nowners = \"x\"\nfoo = 1\n",
            Path::new("/"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("r.toml:5:"), "{e}");
    }
}
