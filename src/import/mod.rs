//! Parsing import files into API records. No store access: the engine validates the records
//! against the store and applies them all-or-nothing.

mod calendars;
mod campaigns;
pub mod feed;
mod lines;
mod orgs;
mod policies;
mod products;
mod resources;
mod shop;

pub use calendars::{parse_calendars_toml, CalendarFile};
pub use campaigns::parse_campaigns_toml;
pub use lines::{no_calendar, FileLines};
pub use orgs::parse_orgs_toml;
pub use policies::{
    needs_calendar, parse_policies_toml, parse_policies_with_lines, parse_policies_with_names,
    NameAt,
};
pub use products::{parse_catalogue_toml, parse_products_toml};
pub use resources::{parse_resources_toml, parse_resources_with_lines, ResourceLines};

use crate::api::{ApiError, UserRecord};

const USER_COLUMNS: [&str; 5] = ["login", "name", "email", "manager", "groups"];

/// Columns a users CSV may have besides [`USER_COLUMNS`].
const OPTIONAL_USER_COLUMNS: [&str; 1] = ["calendar"];

/// Parses a users CSV (`login,name,email,manager,groups`, groups separated by `;`, and an
/// optional `calendar` column: the user's working-time calendar).
/// Errors name `label` (the file) and the line.
pub fn parse_users_csv(label: &str, bytes: &[u8]) -> Result<Vec<UserRecord>, ApiError> {
    let bad = |line: u64, msg: String| ApiError::BadInput(format!("{label}: line {line}: {msg}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| bad(1, csv_reason(&e)))?
        .clone();
    let headers: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_lowercase()
        })
        .collect();
    let known = |h: &str| USER_COLUMNS.contains(&h) || OPTIONAL_USER_COLUMNS.contains(&h);
    if let Some(h) = headers.iter().find(|h| !known(h)) {
        let msg = format!(
            "unknown column {h:?}: the header must be {} (and optionally calendar)",
            USER_COLUMNS.join(",")
        );
        return Err(bad(1, msg));
    }
    let mut index = [0usize; 5];
    for (i, col) in USER_COLUMNS.iter().enumerate() {
        index[i] = headers.iter().position(|h| h == col).ok_or_else(|| {
            bad(
                1,
                format!(
                    "missing column {col:?}: the header must be {}",
                    USER_COLUMNS.join(",")
                ),
            )
        })?;
    }
    let calendar_column = headers.iter().position(|h| h == "calendar");
    let mut out = vec![];
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e.position().map(|p| line_at(bytes, p)).unwrap_or(0);
            bad(line, csv_reason(&e))
        })?;
        let line = record.position().map(|p| line_at(bytes, p)).unwrap_or(0);
        if record.iter().any(|f| f.contains('\0')) {
            return Err(bad(line, "a NUL byte in a field".into()));
        }
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let field = |i: usize| record.get(index[i]).unwrap_or("").to_string();
        let login = field(0);
        if login.is_empty() {
            return Err(bad(line, "empty login".into()));
        }
        let manager = Some(field(3)).filter(|m| !m.is_empty());
        let groups = field(4)
            .split(';')
            .map(|g| g.trim().trim_start_matches('@').to_string())
            .filter(|g| !g.is_empty())
            .collect();
        out.push(UserRecord {
            line,
            login,
            name: field(1),
            email: field(2),
            manager,
            groups,
            calendar: calendar_column
                .and_then(|i| record.get(i))
                .filter(|c| !c.is_empty())
                .map(str::to_string),
        });
    }
    if out.is_empty() {
        return Err(bad(1, "no users in the file".into()));
    }
    Ok(out)
}

/// The 1-based line of a CSV position, counting blank lines too (csv's own count skips them).
fn line_at(bytes: &[u8], p: &csv::Position) -> u64 {
    let mut end = (p.byte() as usize).min(bytes.len());
    // A record's position may point at blank lines before it.
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    bytes[..end].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("malformed CSV: {len} fields where the header has {expected_len}"),
        _ => format!("malformed CSV: {e}"),
    }
}

/// A TOML error as one line: `FILE:LINE: message`.
pub fn toml_error(label: &str, text: &str, e: &toml::de::Error) -> ApiError {
    let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    let msg = e.message().lines().next().unwrap_or("invalid TOML");
    ApiError::BadInput(format!("{label}:{line}: {msg}"))
}

/// The 1-based line of a byte offset (any offset: it need not fall on a character).
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Wraps an engine error about records so it names the file: `FILE: line N: …`.
pub fn in_file(label: &str, e: ApiError) -> ApiError {
    match e {
        ApiError::BadInput(m) if m.starts_with("line ") => {
            ApiError::BadInput(format!("{label}: {m}"))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_with_lines() {
        let csv = "login,name,email,manager,groups\nalice,Alice,a@x.org,,ops;db\n\nbob,Bob,b@x.org,alice,ops\n";
        let users = parse_users_csv("u.csv", csv.as_bytes()).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].groups, vec!["ops", "db"]);
        assert_eq!(users[1].line, 4);
        assert_eq!(users[1].manager.as_deref(), Some("alice"));
    }

    #[test]
    fn refuses_bad_files() {
        let e = parse_users_csv("u.csv", b"login,name\nalice,A\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("u.csv: line 1: missing column \"email\""),
            "{e}"
        );
        let e = parse_users_csv(
            "u.csv",
            b"login,name,email,manager,groups\nalice,A,a@x,,\nbob,B\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "u.csv: line 3: malformed CSV: 2 fields where the header has 5"
        );
        let e = parse_users_csv("u.csv", b"login,name,email,manager,groups\n\xff,A,a@x,,\n")
            .unwrap_err();
        assert_eq!(e.to_string(), "u.csv: line 2: not valid UTF-8");
    }
}
