//! `sturdy diff`: what changed between two versions of an API, as the generated Rust API and
//! the wire see it.
//!
//! Both specs go through the same pipeline as `generate` (load → ir); the [`Surface`] of each
//! (operations, parameters, bodies, responses, fields, enum values, union variants, auth,
//! pagination, idempotency) is compared and every difference is classified twice:
//! - **Rust**: would code written against the old generated crate still compile? (Removing or
//!   retyping anything is breaking; so is adding an enum value or union variant, because
//!   generated enums are matched exhaustively, and a required field on a request type.)
//! - **Wire**: would an old client still work against the new server? (A new required
//!   parameter or request field breaks it; a new enum value in a response does not, since old
//!   clients decode it as `Unknown`.)
//!
//! The semver bump the client crate needs follows from the Rust column.
//!
//! ```
//! use std::path::Path;
//! use sturdy_generator::diff::{Bump, Report};
//! let v1 = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses: {'200': {description: ok}}\n";
//! let v2 = v1.replace("    get:", "    get:\n      parameters: [{name: limit, in: query, required: true, schema: {type: integer}}]");
//! let old = sturdy_generator::load::load_str(v1, Path::new("v1.yaml")).unwrap();
//! let new = sturdy_generator::load::load_str(&v2, Path::new("v2.yaml")).unwrap();
//! let report = Report::between(&old, &new).unwrap();
//! assert!(report.is_breaking());
//! assert_eq!(report.bump(), Bump::Major);
//! ```

mod compare;
mod surface;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use surface::{
    type_text, BodySurface, FieldSurface, OpSurface, ParamSurface, Shape, Surface, TypeSurface,
};

use crate::load::Document;

/// How a change affects users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Nothing to adapt (a behaviour worth knowing, such as a new deprecation).
    None,
    /// New capability; existing code and clients keep working.
    Additive,
    /// Existing code stops compiling, or existing clients stop working.
    Breaking,
}

impl Impact {
    /// `none`, `additive` or `breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Where: an operation's Rust method name (`repos_get: query per_page`), a type and field
    /// (`Repository.topics`), an enum value or a union variant.
    pub at: String,
    /// What changed.
    pub what: String,
    /// For code written against the generated crate.
    pub rust: Impact,
    /// For an old client talking to the new server.
    pub wire: Impact,
}

/// The version bump a generated client crate needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Breaking Rust changes (the minor version while the crate is 0.x).
    Major,
    /// Additions only (the patch version while 0.x).
    Minor,
    /// Nothing a user's code sees.
    Patch,
}

impl Bump {
    /// `major`, `minor` or `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
        }
    }
}

/// Every change between two versions.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The changes, most severe first.
    pub changes: Vec<Change>,
}

impl Report {
    /// Compares two loaded specs.
    pub fn between(old: &Document, new: &Document) -> Result<Report, crate::Error> {
        let (old_api, _) = crate::ir::build(old)?;
        let (new_api, _) = crate::ir::build(new)?;
        Ok(Report::of(&Surface::of(&old_api), &Surface::of(&new_api)))
    }

    /// Compares two surfaces.
    pub fn of(old: &Surface, new: &Surface) -> Report {
        Report {
            changes: compare::changes(old, new),
        }
    }

    /// Whether any change breaks the Rust API or the wire.
    pub fn is_breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.rust == Impact::Breaking || c.wire == Impact::Breaking)
    }

    /// The semver bump the generated crate needs.
    pub fn bump(&self) -> Bump {
        match self.changes.iter().map(|c| c.rust).max() {
            Some(Impact::Breaking) => Bump::Major,
            Some(Impact::Additive) => Bump::Minor,
            _ => Bump::Patch,
        }
    }

    /// How many changes have each (rust, wire) impact.
    pub fn counts(&self) -> [[usize; 3]; 2] {
        let mut c = [[0; 3]; 2];
        for ch in &self.changes {
            c[0][ch.rust as usize] += 1;
            c[1][ch.wire as usize] += 1;
        }
        c
    }

    /// A Markdown table, a summary line and the bump; at most `limit` rows (`None`: all).
    pub fn table(&self, limit: Option<usize>) -> String {
        let mut s = String::from("| rust | wire | where | change |\n|---|---|---|---|\n");
        let shown = limit.unwrap_or(usize::MAX);
        for c in self.changes.iter().take(shown) {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.rust.as_str(),
                c.wire.as_str(),
                c.at.replace('|', "\\|"),
                c.what.replace('|', "\\|")
            ));
        }
        if self.changes.len() > shown {
            s.push_str(&format!(
                "| … | … | {} more | |\n",
                self.changes.len() - shown
            ));
        }
        let [r, w] = self.counts();
        s.push_str(&format!(
            "\n{} changes. Rust API: {} breaking, {} additive. Wire: {} breaking, {} additive. \
             The client crate needs a {} version bump.\n",
            self.changes.len(),
            r[2],
            r[1],
            w[2],
            w[1],
            self.bump().as_str()
        ));
        s
    }

    /// The report as JSON: `{changes, breaking, bump}`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "changes": self.changes,
            "breaking": self.is_breaking(),
            "bump": self.bump(),
        })
    }
}
