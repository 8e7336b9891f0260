//! A semi-manual resource's export (CSV): one account per row. Refused whole, naming file
//! and line, on a missing key column, a duplicate account, bad encoding or a malformed row.

use crate::api::{ApiError, FeedRows};

/// A fingerprint of an export's bytes (FNV-1a 64), to notice when it changed.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{}", bytes.len())
}

/// A file's size and modification time: when it is unchanged, so is the export.
pub fn file_stamp(path: &std::path::Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!("{}@{modified}", meta.len()))
}

/// Whether a stored fingerprint (`[stamp/]hash`) names the same content as `hash`.
pub fn same_content(stored: Option<&str>, hash: &str) -> bool {
    stored.is_some_and(|s| s.rsplit('/').next() == Some(hash))
}

pub fn parse_feed_csv(
    label: &str,
    bytes: &[u8],
    key: &str,
    attributes: &[String],
) -> Result<FeedRows, ApiError> {
    let bad = |line: u64, msg: String| ApiError::BadInput(format!("{label}: line {line}: {msg}"));
    if std::str::from_utf8(bytes).is_err() {
        let valid = match std::str::from_utf8(bytes) {
            Err(e) => e.valid_up_to(),
            Ok(_) => bytes.len(),
        };
        let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        return Err(bad(line, "not valid UTF-8".into()));
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        return Err(bad(line, "a NUL byte (is this a text export?)".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, format!("malformed CSV: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let key_at = headers
        .iter()
        .position(|h| h == key)
        .ok_or_else(|| bad(1, format!("no key column {key:?} ({})", columns(&headers))))?;
    for a in attributes {
        if !headers.contains(a) {
            return Err(bad(1, format!("no attribute column {a:?}")));
        }
    }
    let plan = column_plan(&headers, key);
    let mut out = FeedRows::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut rec).map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => bad(
                    line,
                    format!("malformed CSV: {len} fields where the header has {expected_len}"),
                ),
                _ => bad(line, format!("malformed CSV: {e}")),
            }
        })?;
        if !more {
            break;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let account = rec.get(key_at).unwrap_or("");
        if account.is_empty() {
            return Err(bad(line, format!("empty {key}")));
        }
        let values = plan
            .iter()
            .map(|(name, at)| (name.as_str(), rec.get(*at).unwrap_or("")));
        out.push(line, account, values)
            .map_err(|why| bad(line, why))?;
    }
    out.index_by_key();
    if let Some((first, dup)) = first_duplicate(&out, out.by_key().unwrap_or(&[])) {
        return Err(bad(
            out.line(dup),
            format!(
                "duplicate account {:?} (first on line {})",
                out.key(dup),
                out.line(first)
            ),
        ));
    }
    Ok(out)
}

/// The attribute columns of a header (all but the key's), by name, with where each is: of
/// two columns of one name, the later one counts.
fn column_plan(headers: &[String], key: &str) -> Vec<(String, usize)> {
    let mut plan: Vec<(String, usize)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| *h != key)
        .map(|(at, h)| (h.clone(), at))
        .collect();
    plan.reverse();
    plan.sort_by(|a, b| a.0.cmp(&b.0));
    plan.dedup_by(|later, first| later.0 == first.0);
    plan
}

/// The first row (in the file's order) whose account an earlier row has, with that earlier
/// row; found in the rows sorted by key (rows of one key in their order), not by a map.
fn first_duplicate(rows: &FeedRows, by_key: &[u32]) -> Option<(usize, usize)> {
    by_key
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if rows.key(*a as usize) == rows.key(*b as usize) => {
                Some((*a as usize, *b as usize))
            }
            _ => None,
        })
        .min_by_key(|(_, dup)| rows.line(*dup))
}

/// The columns of a header, for a message: named when they look like column names, else
/// only counted (a file that is no export, say a password file, shows nothing of itself).
fn columns(headers: &[String]) -> String {
    let named = headers.len() <= 40
        && headers.iter().all(|h| {
            (1..=40).contains(&h.len())
                && h.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        });
    if named {
        format!("columns: {}", headers.join(","))
    } else {
        format!(
            "{} column(s), not a header of column names: is this an export?",
            headers.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_exports() {
        let attrs = vec!["mail".to_string()];
        let ok = parse_feed_csv(
            "e.csv",
            b"account,mail\njdoe,j@x\nbob,b@x\n",
            "account",
            &attrs,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok.attributes(1)["mail"], "b@x");
        let e = parse_feed_csv("e.csv", b"login,mail\njdoe,j@x\n", "account", &attrs).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("e.csv: line 1: no key column \"account\""),
            "{e}"
        );
        let e = parse_feed_csv(
            "e.csv",
            b"account,mail\njdoe,j@x\njdoe,k@x\n",
            "account",
            &attrs,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv: line 3: duplicate account \"jdoe\" (first on line 2)"
        );
        let e = parse_feed_csv(
            "e.csv",
            b"account,mail\njdoe,j@x\nbob,\xff\n",
            "account",
            &attrs,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "e.csv: line 3: not valid UTF-8");
        let e = parse_feed_csv(
            "e.csv",
            b"account,mail\njdoe,j@x\nbob,b\0@x\n",
            "account",
            &attrs,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv: line 3: a NUL byte (is this a text export?)"
        );
        // A file that is no export shows nothing of itself.
        let e = parse_feed_csv("p", b"root:x:0:0:root:/root:/bin/bash\n", "account", &attrs);
        let e = e.unwrap_err().to_string();
        assert!(!e.contains("root"), "{e}");
        assert!(
            e.starts_with("p: line 1: no key column \"account\" (1 column(s)"),
            "{e}"
        );
        let e = parse_feed_csv("e.csv", b"account,mail\njdoe\n", "account", &attrs).unwrap_err();
        assert!(e.to_string().contains("malformed CSV"), "{e}");
        assert_ne!(fingerprint(b"a"), fingerprint(b"b"));
        let h = fingerprint(b"a");
        assert!(same_content(Some(&format!("12@34/{h}")), &h));
        assert!(same_content(Some(&h), &h));
        assert!(!same_content(Some("12@34/x"), &h));
        assert!(!same_content(None, &h));
    }
}
