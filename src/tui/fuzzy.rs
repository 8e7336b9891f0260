//! Fuzzy matching for the inbox filter and the people picker: every whitespace-separated term
//! of the query must appear, letters in order, inside one field. Case-insensitive.

/// Separates fields in a haystack; a match never spans it.
pub const SEP: char = '\u{1f}';

/// Joins fields into one lower-case haystack.
pub fn haystack<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for f in fields {
        if !out.is_empty() {
            out.push(SEP);
        }
        out.extend(f.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The lower-cased terms of a query.
pub fn terms(query: &str) -> Vec<Vec<char>> {
    query
        .split_whitespace()
        .map(|t| t.chars().flat_map(char::to_lowercase).collect())
        .collect()
}

/// Whether every term matches within one field of `hay`.
pub fn matches(terms: &[Vec<char>], hay: &str) -> bool {
    terms.iter().all(|t| score_term(t, hay).is_some())
}

/// A score for ranking (higher is better), or `None` when some term does not match.
pub fn score(terms: &[Vec<char>], hay: &str) -> Option<i64> {
    let mut total = 0;
    for t in terms {
        total += score_term(t, hay)?;
    }
    Some(total)
}

/// The best score of `term` in any field of `hay`: consecutive letters and letters at the
/// start of a word count more; a substring beats a scattered match.
fn score_term(term: &[char], hay: &str) -> Option<i64> {
    if term.is_empty() {
        return Some(0);
    }
    let mut best: Option<i64> = None;
    for field in hay.split(SEP) {
        if let Some(s) = score_field(term, field) {
            best = Some(best.map_or(s, |b| b.max(s)));
        }
    }
    best
}

fn score_field(term: &[char], field: &str) -> Option<i64> {
    let mut ti = 0;
    let mut score = 0i64;
    let mut prev_matched = false;
    let mut prev: Option<char> = None;
    let mut first = None;
    for (i, c) in field.chars().enumerate() {
        if ti < term.len() && c == term[ti] {
            let word_start = prev.is_none_or(|p| !p.is_alphanumeric());
            score += 1 + if prev_matched { 4 } else { 0 } + if word_start { 3 } else { 0 };
            if first.is_none() {
                first = Some(i as i64);
            }
            ti += 1;
            prev_matched = true;
        } else {
            prev_matched = false;
        }
        prev = Some(c);
    }
    if ti < term.len() {
        return None;
    }
    // Earlier matches and shorter fields rank first.
    Some(score * 16 - first.unwrap_or(0).min(15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_match_within_one_field_in_order() {
        let hay = haystack(["C-138", "Create account egarcia on Oracle-DWH", "mnovak"]);
        assert!(matches(&terms("egarcia"), &hay));
        assert!(matches(&terms("EGAR dwh"), &hay));
        assert!(matches(&terms("c138"), &hay));
        assert!(matches(&terms("mnv"), &hay));
        assert!(!matches(&terms("kavon"), &hay), "order counts");
        assert!(!matches(&terms("138mn"), &hay), "no match across fields");
        assert!(matches(&terms(""), &hay));
    }

    #[test]
    fn substrings_and_word_starts_rank_first() {
        let t = terms("db");
        let exact = score(&t, &haystack(["@db-admins"])).unwrap();
        let scattered = score(&t, &haystack(["dave bloggs"])).unwrap();
        let inner = score(&t, &haystack(["sandbox"])).unwrap();
        assert!(exact > scattered, "{exact} {scattered}");
        assert!(exact > inner, "{exact} {inner}");
    }
}
