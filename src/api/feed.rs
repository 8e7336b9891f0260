//! What a semi-manual resource's export says about its accounts, as the engine reads it.

use serde::{Deserialize, Serialize};

/// One account of a semi-manual export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRow {
    pub line: u64,
    pub key: String,
    pub attributes: FeedAttributes,
}

/// An account's columns in an export, by name: a sorted vector, not a map (a map's node per
/// row made a 100,000-row export cost tens of MB more).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeedAttributes(Vec<(String, String)>);

impl FeedAttributes {
    /// The value of column `name`.
    pub fn get(&self, name: &str) -> Option<&String> {
        let at = self
            .0
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()?;
        Some(&self.0[at].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// As a map, for what keeps one (a correlation case, the ranking of candidates).
    pub fn to_map(&self) -> std::collections::BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl FromIterator<(String, String)> for FeedAttributes {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        // As a map's would: of two columns of one name, the later one counts.
        let mut v: Vec<(String, String)> = iter.into_iter().collect();
        v.reverse();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|later, first| later.0 == first.0);
        v.shrink_to_fit();
        FeedAttributes(v)
    }
}

impl<const N: usize> From<[(String, String); N]> for FeedAttributes {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl std::ops::Index<&str> for FeedAttributes {
    type Output = String;
    fn index(&self, name: &str) -> &String {
        self.get(name)
            .unwrap_or_else(|| panic!("no column {name:?} in the row"))
    }
}

/// The most distinct column names one [`FeedRows`] holds (an export has a handful).
pub const MAX_FEED_COLUMNS: usize = 4096;

/// The column of a row's key in [`FeedRows::fields`].
const KEY: u32 = u32::MAX;

/// An export's rows, compactly: every key and value once in one text, and per row its line
/// and where its values are (a row costs its text and 12 bytes, plus 8 a value), instead of
/// a `FeedRow` of owned strings each (some 200 bytes a row). On the wire it is what a
/// `Vec<FeedRow>` is.
#[derive(Clone, Default)]
pub struct FeedRows {
    /// The column names, each once.
    names: Vec<String>,
    /// Every row's key and values, one after the other.
    text: String,
    /// Per row: its line in the export.
    lines: Vec<u64>,
    /// Per row: its first entry in `fields` (its key).
    firsts: Vec<u32>,
    /// Per key or value: its column in `names` ([`KEY`] for the key) and where it ends in
    /// `text` (it starts where the entry before it ends).
    fields: Vec<(u32, u32)>,
    /// The rows by key (of one key, in their order), once [`FeedRows::index_by_key`] made it.
    order: Option<Vec<u32>>,
}

impl FeedRows {
    pub fn new() -> FeedRows {
        FeedRows::default()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Appends a row: its key and its columns `(name, value)`; refused when the rows would
    /// hold more than 4 GiB of text, more than 2^32 values or [`MAX_FEED_COLUMNS`] names.
    pub fn push<'a>(
        &mut self,
        line: u64,
        key: &str,
        attributes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), String> {
        let (text, fields, names) = (self.text.len(), self.fields.len(), self.names.len());
        let undo = |me: &mut FeedRows, why: String| {
            me.text.truncate(text);
            me.fields.truncate(fields);
            me.names.truncate(names);
            Err(why)
        };
        let Ok(first) = u32::try_from(fields) else {
            return undo(self, "more than 2^32 values in one export".into());
        };
        if let Err(why) = self.value(KEY, key) {
            return undo(self, why);
        }
        for (name, value) in attributes {
            let column = match self.names.iter().position(|n| n == name) {
                Some(c) => c,
                None if self.names.len() < MAX_FEED_COLUMNS => {
                    self.names.push(name.to_string());
                    self.names.len() - 1
                }
                None => {
                    return undo(self, format!("more than {MAX_FEED_COLUMNS} column names"));
                }
            };
            if let Err(why) = self.value(column as u32, value) {
                return undo(self, why);
            }
        }
        self.lines.push(line);
        self.firsts.push(first);
        self.order = None;
        Ok(())
    }

    fn value(&mut self, column: u32, value: &str) -> Result<(), String> {
        self.text.push_str(value);
        let end = u32::try_from(self.text.len())
            .map_err(|_| "more than 4 GiB of keys and values in one export".to_string())?;
        if u32::try_from(self.fields.len()).is_err() {
            return Err("more than 2^32 values in one export".into());
        }
        self.fields.push((column, end));
        Ok(())
    }

    /// The entries of row `i` in `fields`.
    fn entries(&self, i: usize) -> std::ops::Range<usize> {
        let first = self
            .firsts
            .get(i)
            .map_or(self.fields.len(), |f| *f as usize);
        let next = self
            .firsts
            .get(i + 1)
            .map_or(self.fields.len(), |f| *f as usize);
        first..next
    }

    /// The text of entry `f`.
    fn text_of(&self, f: usize) -> &str {
        let start = match f.checked_sub(1).and_then(|p| self.fields.get(p)) {
            Some((_, end)) => *end as usize,
            None => 0,
        };
        let end = self.fields.get(f).map_or(start, |(_, e)| *e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    /// The line of row `i` (0 when there is none).
    pub fn line(&self, i: usize) -> u64 {
        self.lines.get(i).copied().unwrap_or(0)
    }

    /// The account of row `i` ("" when there is none).
    pub fn key(&self, i: usize) -> &str {
        self.text_of(self.entries(i).start)
    }

    /// The columns of row `i` but its key, `(name, value)` in the order they were given.
    pub fn columns(&self, i: usize) -> impl Iterator<Item = (&str, &str)> {
        let r = self.entries(i);
        (r.start + 1..r.end.max(r.start + 1)).filter_map(|f| {
            let (column, _) = self.fields.get(f)?;
            let name = self.names.get(*column as usize)?;
            Some((name.as_str(), self.text_of(f)))
        })
    }

    /// The columns of row `i`, as the engine compares them.
    pub fn attributes(&self, i: usize) -> FeedAttributes {
        self.columns(i)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Row `i` as one owned row.
    pub fn row(&self, i: usize) -> FeedRow {
        FeedRow {
            line: self.line(i),
            key: self.key(i).to_string(),
            attributes: self.attributes(i),
        }
    }

    /// Sorts the rows by key, rows of one key in their order (once; kept until a push).
    pub fn index_by_key(&mut self) {
        if self.order.is_none() {
            let mut order: Vec<u32> = (0..self.len() as u32).collect();
            order.sort_by(|a, b| self.key(*a as usize).cmp(self.key(*b as usize)));
            self.order = Some(order);
        }
    }

    /// The row numbers by key, when [`FeedRows::index_by_key`] made them.
    pub fn by_key(&self) -> Option<&[u32]> {
        self.order.as_deref()
    }

    /// The index made by [`FeedRows::index_by_key`], taken out (to be made again if asked).
    pub fn take_index(&mut self) -> Option<Vec<u32>> {
        self.order.take()
    }
}

impl std::fmt::Debug for FeedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FeedRows({} rows)", self.len())
    }
}

impl PartialEq for FeedRows {
    fn eq(&self, other: &FeedRows) -> bool {
        self.len() == other.len()
            && (0..self.len()).all(|i| {
                self.line(i) == other.line(i)
                    && self.key(i) == other.key(i)
                    && self.columns(i).eq(other.columns(i))
            })
    }
}

impl FromIterator<FeedRow> for FeedRows {
    /// Rows built in memory (tests, the demo). Panics beyond 4 GiB of text or
    /// [`MAX_FEED_COLUMNS`] names, which no such caller comes near.
    fn from_iter<I: IntoIterator<Item = FeedRow>>(iter: I) -> FeedRows {
        let mut rows = FeedRows::new();
        for r in iter {
            let pairs = r.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            if let Err(why) = rows.push(r.line, &r.key, pairs) {
                panic!("rows of an export: {why}");
            }
        }
        rows
    }
}

impl From<Vec<FeedRow>> for FeedRows {
    fn from(rows: Vec<FeedRow>) -> FeedRows {
        rows.into_iter().collect()
    }
}

/// One row on the wire, borrowed: the fields of a [`FeedRow`].
#[derive(Serialize)]
struct WireRow<'a> {
    line: u64,
    key: &'a str,
    attributes: Vec<(&'a str, &'a str)>,
}

impl Serialize for FeedRows {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for i in 0..self.len() {
            seq.serialize_element(&WireRow {
                line: self.line(i),
                key: self.key(i),
                attributes: self.columns(i).collect(),
            })?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for FeedRows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FeedRows, D::Error> {
        struct Rows;
        impl<'de> serde::de::Visitor<'de> for Rows {
            type Value = FeedRows;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence of export rows")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FeedRows, A::Error> {
                let mut rows = FeedRows::new();
                while let Some(r) = seq.next_element::<FeedRow>()? {
                    let pairs = r.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    rows.push(r.line, &r.key, pairs)
                        .map_err(serde::de::Error::custom)?;
                }
                Ok(rows)
            }
        }
        d.deserialize_seq(Rows)
    }
}
