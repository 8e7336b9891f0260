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
//!
//! [resource.feed]                 # semi-manual only
//! path = "exports/badge.csv"      # relative to this file
//! key = "account"
//! attributes = ["mail", "groups"]
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::api::ApiError;
use crate::domain::org::valid_name;
use crate::domain::{parse_duration, ProvisioningMode, Resource, ResourceKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    resource: Vec<toml::Spanned<RawResource>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    id: String,
    name: Option<String>,
    kind: String,
    owners: String,
    provisioning: Option<String>,
    propagation: Option<String>,
    policy: Option<String>,
    grace: Option<String>,
    retention: Option<String>,
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
    let raw: RawFile = toml::from_str(text).map_err(|e| super::toml_error(label, text, &e))?;
    if raw.resource.is_empty() {
        return Err(ApiError::BadInput(format!(
            "{label}:1: no [[resource]] in the file"
        )));
    }
    let mut out: Vec<Resource> = vec![];
    for sp in raw.resource {
        let line = line_of(text, sp.span().start);
        let r = sp.into_inner();
        let at =
            |msg: String| ApiError::BadInput(format!("{label}:{line}: resource {:?}: {msg}", r.id));
        if !valid_name(&r.id) {
            return Err(at("invalid id".into()));
        }
        if out.iter().any(|o| o.id == r.id) {
            return Err(at("defined twice".into()));
        }
        let secs = |v: &Option<String>, default: i64| -> Result<i64, ApiError> {
            match v {
                Some(t) => parse_duration(t)
                    .map(|d| d.num_seconds())
                    .map_err(|e| at(e.to_string())),
                None => Ok(default),
            }
        };
        let kind = match (r.kind.as_str(), &r.feed) {
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
                return Err(at(format!(
                    "invalid kind {other:?}: expected manual or semi-manual"
                )))
            }
        };
        let provisioning = match r.provisioning.as_deref() {
            None | Some("case-after-approval") => ProvisioningMode::CaseAfterApproval,
            Some("last-approval-step") => ProvisioningMode::LastApprovalStep,
            Some(other) => {
                return Err(at(format!(
                    "invalid provisioning {other:?}: expected case-after-approval or last-approval-step"
                )))
            }
        };
        let propagation_secs = match &r.propagation {
            Some(_) => Some(secs(&r.propagation, 0)?),
            None => None,
        };
        out.push(Resource {
            name: r.name.clone().unwrap_or_else(|| r.id.clone()),
            id: r.id.clone(),
            seq: 0,
            kind,
            owners: r.owners.trim_start_matches('@').to_string(),
            provisioning,
            propagation_secs,
            policy: r.policy.clone(),
            grace_secs: secs(&r.grace, 15 * 60)?,
            retention_secs: secs(&r.retention, 86_400)?,
            propagation_due: None,
            grace_due: None,
            feed_fingerprint: None,
        });
    }
    Ok(out)
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
            e.starts_with("r.toml:1: resource \"badge\": invalid kind"),
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
