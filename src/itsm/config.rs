//! `[itsm.NAME]` tables of the config file: which ticket systems there are and how to reach
//! them. Secrets are named here (an environment variable or a file only its owner may read)
//! and read only when an adapter is built; they never reach the store, an event, a log line
//! or `--json` output ([`Secret`]'s `Debug` shows nothing).
//!
//! ```toml
//! [itsm.rt]
//! kind = "rt"                      # rt | jira | command
//! url = "http://127.0.0.1:8080"
//! queue = "General"
//! token_env = "CASEBENCH_RT_TOKEN" # or token_file, or user + password_env / password_file
//! kinds = ["remediation"]          # case kinds sent here (a resource names its own)
//! comments = true                  # casebench comments go to the ticket, and back
//! timeout = "10s"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::ItsmError;
use crate::domain::CaseKind;

/// A target as written in the config file (checked by [`TargetSpec::check`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub kind: String,
    pub url: Option<String>,
    pub queue: Option<String>,
    pub project: Option<String>,
    pub issue_type: Option<String>,
    pub command: Option<PathBuf>,
    #[serde(default)]
    pub args: Vec<String>,
    pub user: Option<String>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub comments: bool,
    pub timeout: Option<String>,
}

/// A ticket system casebench may outsource cases to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub kind: Kind,
    /// Case kinds whose new cases go to this target.
    pub kinds: Vec<CaseKind>,
    /// Comments go both ways.
    pub comments: bool,
    /// Every call's limit.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Rt {
        url: String,
        queue: String,
        auth: Auth,
    },
    Jira {
        url: String,
        project: String,
        issue_type: String,
        auth: Auth,
    },
    Command {
        program: PathBuf,
        args: Vec<String>,
    },
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Rt { .. } => "rt",
            Kind::Jira { .. } => "jira",
            Kind::Command { .. } => "command",
        }
    }
}

/// How an HTTP target authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: token …` (RT) / `Bearer …` (Jira personal access token).
    Token(SecretSource),
    /// `Authorization: Basic user:password` (Jira Cloud: e-mail and API token).
    Basic {
        user: String,
        password: SecretSource,
    },
}

/// Where a secret is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
}

/// A secret's text. Its `Debug` shows nothing, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Auth {
    /// The `Authorization` header's value: `{scheme} TOKEN` for a token (RT: `token`, Jira:
    /// `Bearer`), `Basic base64(user:password)` otherwise. Reads the secret now.
    pub fn header(&self, target: &str, scheme: &str) -> Result<String, ItsmError> {
        use base64::Engine as _;
        Ok(match self {
            Auth::Token(s) => format!("{scheme} {}", s.read(target)?.expose()),
            Auth::Basic { user, password } => {
                let pair = format!("{user}:{}", password.read(target)?.expose());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
        })
    }
}

impl SecretSource {
    /// Reads the secret: an unset or empty variable, a missing file, or a file that its group
    /// or others may read, is refused.
    pub fn read(&self, target: &str) -> Result<Secret, ItsmError> {
        let config = |message: String| ItsmError::Config {
            target: target.to_string(),
            message,
        };
        let text = match self {
            SecretSource::Env(var) => std::env::var(var)
                .map_err(|_| config(format!("the environment variable {var} is not set")))?,
            SecretSource::File(path) => read_private(path).map_err(config)?,
        };
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(config(format!("the secret in {} is empty", self.shown())));
        }
        Ok(Secret(text))
    }

    /// Where it is, for messages: `$VAR` or the file's path.
    pub fn shown(&self) -> String {
        match self {
            SecretSource::Env(v) => format!("${v}"),
            SecretSource::File(p) => p.display().to_string(),
        }
    }
}

/// A secret file's text; refused when group or others may read it (mode & 0o077).
fn read_private(path: &Path) -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "the secret file {} may be read by others (mode {mode:o}); chmod 600 it",
            path.display()
        ));
    }
    if meta.len() > 64 * 1024 {
        return Err(format!("the secret file {} is too big", path.display()));
    }
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))
}

impl TargetSpec {
    /// The target named `name`, or what is wrong with its table (one line, no secret).
    pub fn check(&self, name: &str) -> Result<Target, String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "[itsm.{name}]: a target's name is letters, digits, - and _"
            ));
        }
        let need = |v: &Option<String>, what: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or(format!("[itsm.{name}]: `{what}` is missing"))
        };
        let kind = match self.kind.as_str() {
            "rt" => Kind::Rt {
                url: url(name, &need(&self.url, "url")?)?,
                queue: need(&self.queue, "queue")?,
                auth: self.auth(name)?,
            },
            "jira" => Kind::Jira {
                url: url(name, &need(&self.url, "url")?)?,
                project: need(&self.project, "project")?,
                issue_type: self.issue_type.clone().unwrap_or_else(|| "Task".into()),
                auth: self.auth(name)?,
            },
            "command" => Kind::Command {
                program: self
                    .command
                    .clone()
                    .ok_or(format!("[itsm.{name}]: `command` is missing"))?,
                args: self.args.clone(),
            },
            other => {
                return Err(format!(
                    "[itsm.{name}]: unknown kind {other:?} (expected rt, jira or command)"
                ))
            }
        };
        let mut kinds = vec![];
        for k in &self.kinds {
            kinds.push(
                k.parse::<CaseKind>()
                    .map_err(|e| format!("[itsm.{name}] kinds: {e}"))?,
            );
        }
        let timeout = match &self.timeout {
            None => Duration::from_secs(10),
            Some(t) => crate::domain::parse_duration(t)
                .ok()
                .and_then(|d| d.to_std().ok())
                .filter(|d| !d.is_zero() && d.as_secs() <= 600)
                .ok_or(format!(
                    "[itsm.{name}] timeout: {t:?} is not a duration from 1s to 10m"
                ))?,
        };
        Ok(Target {
            name: name.to_string(),
            kind,
            kinds,
            comments: self.comments,
            timeout,
        })
    }

    fn auth(&self, name: &str) -> Result<Auth, String> {
        let source = |env: &Option<String>, file: &Option<PathBuf>, what: &str| match (env, file) {
            (Some(v), None) => Ok(Some(SecretSource::Env(v.clone()))),
            (None, Some(f)) => Ok(Some(SecretSource::File(f.clone()))),
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(format!(
                "[itsm.{name}]: give {what}_env or {what}_file, not both"
            )),
        };
        let token = source(&self.token_env, &self.token_file, "token")?;
        let password = source(&self.password_env, &self.password_file, "password")?;
        match (&self.user, token, password) {
            (None, Some(t), None) => Ok(Auth::Token(t)),
            (Some(u), None, Some(p)) => Ok(Auth::Basic {
                user: u.clone(),
                password: p,
            }),
            (Some(u), Some(t), None) => Ok(Auth::Basic {
                user: u.clone(),
                password: t,
            }),
            _ => Err(format!(
                "[itsm.{name}]: give token_env or token_file, or user with password_env or password_file"
            )),
        }
    }
}

/// A base URL: http or https, without a trailing slash.
fn url(name: &str, u: &str) -> Result<String, String> {
    let u = u.trim().trim_end_matches('/');
    if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains(char::is_whitespace) {
        return Err(format!(
            "[itsm.{name}] url: {u:?} is not an http:// or https:// address"
        ));
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> TargetSpec {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn an_rt_target_with_a_token_variable() {
        let t = spec(
            "kind = \"rt\"\nurl = \"http://127.0.0.1:8080/\"\nqueue = \"General\"\ntoken_env = \"RT_TOKEN\"\nkinds = [\"remediation\"]\ntimeout = \"5s\"",
        )
        .check("rt")
        .unwrap();
        assert_eq!(
            t.kind,
            Kind::Rt {
                url: "http://127.0.0.1:8080".into(),
                queue: "General".into(),
                auth: Auth::Token(SecretSource::Env("RT_TOKEN".into())),
            }
        );
        assert_eq!(t.kinds, vec![CaseKind::Remediation]);
        assert_eq!(t.timeout, Duration::from_secs(5));
    }

    #[test]
    fn bad_tables_are_refused_with_what_is_wrong() {
        let cases = [
            (
                "kind = \"rt\"\nurl = \"http://x\"\ntoken_env = \"T\"",
                "`queue` is missing",
            ),
            ("kind = \"snow\"", "unknown kind \"snow\""),
            (
                "kind = \"rt\"\nurl = \"ftp://x\"\nqueue = \"q\"\ntoken_env = \"T\"",
                "not an http",
            ),
            (
                "kind = \"rt\"\nurl = \"http://x\"\nqueue = \"q\"",
                "give token_env",
            ),
            (
                "kind = \"command\"\ncommand = \"/bin/x\"\ntimeout = \"0s\"",
                "timeout",
            ),
            (
                "kind = \"command\"\ncommand = \"/bin/x\"\nkinds = [\"nope\"]",
                "kinds",
            ),
        ];
        for (text, want) in cases {
            let e = spec(text).check("t").unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn a_secret_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let source = SecretSource::File(path.clone());
        let e = source.read("rt").unwrap_err().to_string();
        assert!(e.contains("may be read by others"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = source.read("rt").unwrap();
        assert_eq!(s.expose(), "s3cret");
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }
}
