//! Which semi-manual export files the engine reads, and when: the file of a resource read
//! from the sweep, the exports that changed since they were read, and the access rule a
//! server reads them under.

use std::path::{Path, PathBuf};

use super::{Engine, Tx};
use crate::api::ApiError;
use crate::domain::{Resource, ResourceKind};

impl Engine {
    /// Reads a semi-manual resource's export file (from the sweep). A refused export
    /// changes nothing but the timer that asked for it; the reason is the result.
    pub(crate) fn read_feed_file(&self, tx: &mut Tx, r: &Resource) -> Result<String, ApiError> {
        let ResourceKind::SemiManual {
            feed,
            key,
            attributes,
        } = &r.kind
        else {
            return Ok(format!("{}: no export", r.id));
        };
        let path = match self.feeds.file(feed) {
            Ok(p) => p,
            Err(why) => return Ok(not_read(tx, r, Some(REFUSED), format!("{}: {why}", r.id))),
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let why = format!("{}: cannot read the export {feed}: {e}", r.id);
                return Ok(not_read(tx, r, None, why));
            }
        };
        let hash = crate::import::feed::fingerprint(&bytes);
        let print = match crate::import::feed::file_stamp(&path) {
            Some(stamp) => format!("{stamp}/{hash}"),
            None => hash,
        };
        let parsed = crate::import::feed::parse_feed_csv(feed, &bytes, key, attributes);
        drop(bytes); // only the rows are needed from here on
        match parsed {
            Ok(rows) => self.read_feed(tx, &r.id, feed, &print, rows),
            Err(e) => Ok(not_read(
                tx,
                r,
                None,
                format!("{}: export refused: {e}", r.id),
            )),
        }
    }

    /// Semi-manual resources whose export file changed since it was last read. A file whose
    /// size and time are those of the last read is not read again. An export this engine
    /// may not read is listed once, for the sweep to say so.
    pub(crate) fn changed_feeds(&self) -> Result<Vec<Resource>, ApiError> {
        use crate::import::feed::{file_stamp, fingerprint, same_content};
        let mut out = vec![];
        for r in self.store.resources()? {
            if let ResourceKind::SemiManual { feed, .. } = &r.kind {
                let stored = r.feed_fingerprint.as_deref();
                let Ok(path) = self.feeds.file(feed) else {
                    if stored != Some(REFUSED) {
                        out.push(r);
                    }
                    continue;
                };
                let Some(stamp) = file_stamp(&path) else {
                    continue;
                };
                if stored.is_some_and(|s| s.starts_with(&format!("{stamp}/"))) {
                    continue;
                }
                if let Ok(bytes) = std::fs::read(&path) {
                    if !same_content(stored, &fingerprint(&bytes)) {
                        out.push(r);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The fingerprint of an export the engine may not read: said once, not read again until
/// the resource or the engine's [`FeedAccess`] changes.
const REFUSED: &str = "refused";

/// An export not read: the resource's grace check is dropped (and, for a refused path, the
/// refusal remembered); `why` is the sweep's result.
fn not_read(tx: &mut Tx, r: &Resource, print: Option<&str>, why: String) -> String {
    let mut nr = r.clone();
    nr.grace_due = None;
    if let Some(p) = print {
        nr.feed_fingerprint = Some(p.to_string());
    }
    tx.ws.put_resource(Some(r), &nr);
    why
}

/// Which export files the engine reads when a sweep asks: any the process's own OS user
/// may read (the CLI, a workbench), only those under one directory (a server, whose rights
/// are not its clients'), or none (a server without an exports directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedAccess {
    Any,
    /// The directory, canonical.
    Under(PathBuf),
    Nothing,
}

impl FeedAccess {
    /// Exports under `dir` only (it must be a directory).
    pub fn under(dir: &Path) -> Result<FeedAccess, ApiError> {
        let bad =
            |why: String| ApiError::BadInput(format!("exports directory {}: {why}", dir.display()));
        let canon = dir.canonicalize().map_err(|e| bad(e.to_string()))?;
        if !canon.is_dir() {
            return Err(bad("not a directory".into()));
        }
        Ok(FeedAccess::Under(canon))
    }

    /// Whether a resource may name `feed` as its export at all (checked at import, before
    /// the file need exist): why not, when this engine would never read it.
    pub fn may_name(&self, feed: &str) -> Result<(), String> {
        match self {
            FeedAccess::Any => Ok(()),
            FeedAccess::Nothing => Err(format!(
                "its export {feed} would never be read: this server reads no export file (set [serve] exports = \"DIR\" in its config.toml, or serve --exports DIR)"
            )),
            FeedAccess::Under(dir) => {
                let path = Path::new(feed);
                let inside = path.is_absolute()
                    && !path
                        .components()
                        .any(|c| c == std::path::Component::ParentDir)
                    && path.starts_with(dir);
                if inside {
                    Ok(())
                } else {
                    Err(format!(
                        "its export {feed} would never be read: it is not under the server's exports directory {}",
                        dir.display()
                    ))
                }
            }
        }
    }

    /// The file to read for the feed path `feed`, or why it is not read. A path outside the
    /// directory is refused before the file system is asked anything about it; inside, its
    /// real path (symbolic links followed) must be inside too.
    pub fn file(&self, feed: &str) -> Result<PathBuf, String> {
        let dir = match self {
            FeedAccess::Any => return Ok(PathBuf::from(feed)),
            FeedAccess::Nothing => {
                return Err(format!(
                    "export {feed} not read: this server reads no export file (set [serve] exports = \"DIR\" in its config.toml, or serve --exports DIR)"
                ))
            }
            FeedAccess::Under(dir) => dir,
        };
        let outside = || {
            format!(
                "export {feed} not read: it is not under the server's exports directory {}",
                dir.display()
            )
        };
        let path = Path::new(feed);
        let lexical = path.is_absolute()
            && !path
                .components()
                .any(|c| c == std::path::Component::ParentDir)
            && path.starts_with(dir);
        if !lexical {
            return Err(outside());
        }
        match path.canonicalize() {
            Ok(real) if real.starts_with(dir) => Ok(real),
            Ok(_) => Err(outside()),
            Err(e) => Err(format!("cannot read the export {feed}: {e}")),
        }
    }
}
