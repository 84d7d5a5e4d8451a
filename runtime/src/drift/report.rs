//! What [`crate::Client::drift`] returns: the counts, and a table an operator can read.

use std::fmt;
use std::time::SystemTime;

use super::DriftKind;

/// The count of one (operation, pointer, kind).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriftEntry {
    /// The operation id whose response carried the signals.
    pub operation: &'static str,
    /// The spec JSON pointer of the type (for header signals, of the operation).
    pub pointer: String,
    /// What was seen.
    pub kind: DriftKind,
    /// The type's name in the client (for header signals, the header's name).
    pub type_name: &'static str,
    /// How many signals.
    pub count: u64,
    /// When the first was seen (the client's clock).
    pub first_seen: SystemTime,
    /// When the last was seen (the client's clock).
    pub last_seen: SystemTime,
    /// The last wire value seen, cut to [`super::SAMPLE_CHARS`] characters.
    pub sample: Option<String>,
}

/// A client's drift counts, ordered by operation, pointer, then kind. `Display` prints a table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriftReport {
    entries: Vec<DriftEntry>,
}

impl DriftReport {
    pub(crate) fn new(entries: Vec<DriftEntry>) -> Self {
        Self { entries }
    }

    /// The entries, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, DriftEntry> {
        self.entries.iter()
    }

    /// How many distinct (operation, pointer, kind) were seen.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Nothing was seen.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of signals of `kind` for `operation` (any pointer).
    pub fn count(&self, operation: &str, kind: DriftKind) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.operation == operation && e.kind == kind)
            .map(|e| e.count)
            .sum()
    }
}

impl IntoIterator for DriftReport {
    type Item = DriftEntry;
    type IntoIter = std::vec::IntoIter<DriftEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a DriftReport {
    type Item = &'a DriftEntry;
    type IntoIter = std::slice::Iter<'a, DriftEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

const HEADINGS: [&str; 8] = [
    "operation",
    "kind",
    "count",
    "pointer",
    "type",
    "first seen",
    "last seen",
    "sample",
];

fn when(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl DriftEntry {
    /// The entry's cells, in [`HEADINGS`] order; control characters of the sample escaped.
    fn cells(&self) -> [String; 8] {
        [
            self.operation.to_owned(),
            self.kind.as_str().to_owned(),
            self.count.to_string(),
            self.pointer.clone(),
            self.type_name.to_owned(),
            when(self.first_seen),
            when(self.last_seen),
            self.sample
                .as_deref()
                .map_or_else(String::new, |s| s.escape_debug().to_string()),
        ]
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return writeln!(f, "no drift signals");
        }
        let rows: Vec<[String; 8]> = self.entries.iter().map(DriftEntry::cells).collect();
        let mut widths = HEADINGS.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: &[&str]| -> fmt::Result {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                // The count is right-aligned; the last column is not padded.
                out += &match i {
                    2 => format!("{cell:>w$}  "),
                    _ if i + 1 == cells.len() => (*cell).to_owned(),
                    _ => format!("{cell:<w$}  "),
                };
            }
            writeln!(f, "{}", out.trim_end())
        };
        line(f, &HEADINGS)?;
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            line(f, &cells)?;
        }
        Ok(())
    }
}
