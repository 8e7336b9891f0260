//! The seal: what the store's `db` file looked like after its last successful flush, kept
//! beside it in `<store>/casebench.seal` (written atomically: temp file, fsync, rename).
//!
//! sled "repairs" a damaged log on open by cutting it down, silently losing acknowledged
//! changes. The seal is checked *before* sled sees the files: a `db` shorter than sealed is
//! refused at once; one whose sealed tail differs (or that grew: a crash between a flush and
//! the seal's update) is first opened on a scratch copy, and accepted only if that copy keeps
//! every acknowledged event. A refused store's bytes are left exactly as they were.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::StoreError;

const FILE: &str = "casebench.seal";
/// How many bytes at the end of the sealed length are hashed.
const TAIL: u64 = 64 * 1024;

/// The state of the `db` file after a flush, and how many events the store had then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seal {
    pub len: u64,
    pub tail: u64,
    /// The event counter (`next_event`): every acknowledged change advanced it.
    pub events: u64,
}

/// How the files on disk compare with their seal.
#[derive(Debug)]
pub enum Verdict {
    /// No seal yet (a store from before seals): nothing to compare.
    Unsealed,
    /// Exactly as sealed.
    Intact(Seal),
    /// Longer or different: to be verified on a copy.
    Changed(Seal),
    /// Damaged for sure: why.
    Damaged(String),
}

pub fn db_file(store: &Path) -> PathBuf {
    store.join("db")
}

fn io_err(store: &Path, what: &str, e: std::io::Error) -> StoreError {
    if super::reserve::is_full(&e) {
        return StoreError::DiskFull {
            path: store.display().to_string(),
        };
    }
    StoreError::Sled(format!("cannot {what} in {}: {e}", store.display()))
}

/// FNV-1a over the `TAIL` bytes before `len` of `file` (fewer when it is shorter).
fn tail_hash(file: &Path, len: u64) -> std::io::Result<u64> {
    let mut f = File::open(file)?;
    let start = len.saturating_sub(TAIL);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((len - start) as usize);
    f.take(len - start).read_to_end(&mut buf)?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in buf {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Ok(h)
}

/// The seal the `db` file of `store` would have now, with `events` acknowledged events.
pub fn current(store: &Path, events: u64) -> Result<Seal, StoreError> {
    let db = db_file(store);
    let len = fs::metadata(&db)
        .map_err(|e| io_err(store, "read db", e))?
        .len();
    let tail = tail_hash(&db, len).map_err(|e| io_err(store, "read db", e))?;
    Ok(Seal { len, tail, events })
}

pub fn read(store: &Path) -> Result<Option<Seal>, StoreError> {
    let text = match fs::read_to_string(store.join(FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(store, "read the seal", e)),
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
    };
    match (field("len "), field("tail "), field("events ")) {
        (Some(len), Some(tail), Some(events)) => Ok(Some(Seal { len, tail, events })),
        _ => Err(StoreError::Damaged {
            path: store.display().to_string(),
            why: format!("its seal {FILE} is unreadable"),
        }),
    }
}

/// Writes `seal` atomically: a temporary file, fsync, rename over the old one.
pub fn write(store: &Path, seal: Seal) -> Result<(), StoreError> {
    let tmp = store.join(format!("{FILE}.tmp"));
    let text = format!(
        "casebench seal 1\nlen {}\ntail {}\nevents {}\n",
        seal.len, seal.tail, seal.events
    );
    let done = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, store.join(FILE))?;
        File::open(store)?.sync_all()
    })();
    done.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(store, "write the seal", e)
    })
}

/// Compares the files of `store` with its seal, reading only the `db` file's tail.
pub fn judge(store: &Path) -> Result<Verdict, StoreError> {
    let Some(seal) = read(store)? else {
        return Ok(Verdict::Unsealed);
    };
    let now = current(store, seal.events)?;
    if now.len < seal.len {
        return Ok(Verdict::Damaged(format!(
            "its db file is {} bytes, {} fewer than at its last flush; its files were left as they are",
            now.len,
            seal.len - now.len
        )));
    }
    if now.len == seal.len && now.tail == seal.tail {
        return Ok(Verdict::Intact(seal));
    }
    Ok(Verdict::Changed(seal))
}

/// Whether nothing was acknowledged since the store's event counter stood at `events`: the
/// seal still holds that counter and the `db` file is exactly as sealed (a change not yet
/// sealed, a crash, a store being written all fail this).
pub fn unchanged_since(store: &Path, events: u64) -> bool {
    matches!(judge(store), Ok(Verdict::Intact(s)) if s.events == events)
}

/// Copies the files of a store (not the sockets, not temporary files) into `dest`, which
/// must not exist; for scratch copies, backups and restores.
pub fn copy_store(src: &Path, dest: &Path) -> std::io::Result<()> {
    fs::create_dir(dest)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        let to = dest.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_store(&entry.path(), &to)?;
        } else if kind.is_file()
            && !name.to_string_lossy().ends_with(".tmp")
            && !super::reserve::is_reserve(&name.to_string_lossy())
        {
            fs::copy(entry.path(), &to)?;
            File::open(&to)?.sync_all()?;
        }
    }
    File::open(dest)?.sync_all()
}
