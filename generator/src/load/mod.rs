//! Stage 1: files to one normalized document.
//!
//! Reads JSON or YAML, resolves references to other local files, rewrites OpenAPI 3.1 into
//! the 3.0 shape the typed parser understands (keeping 3.1-only facts such as `webhooks`), and
//! turns contract snapshots into OpenAPI. Errors name the file, the JSON pointer and the line.

mod bundle;
mod kind;
mod normalize;
pub mod overlay;
pub mod profiles;
pub mod snapshot;
mod typed;
mod yaml;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::Warning;

/// A loaded, normalized spec.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it was read from.
    pub path: PathBuf,
    /// The typed OpenAPI 3.0 view.
    pub openapi: openapiv3::OpenAPI,
    /// The normalized JSON the typed view was parsed from (3.0 shape, `webhooks` kept at the
    /// top level, `x-*` extensions kept where they were).
    pub raw: serde_json::Value,
    /// The OpenAPI version the input declared (`3.0.3`, `3.1.0`, or `snapshot`).
    pub source_version: String,
    /// Warnings from loading.
    pub warnings: Vec<Warning>,
    /// The text the document was read from (for [`Document::line_of`]); empty for a contract
    /// snapshot, whose pointers name the converted document, not the snapshot text.
    pub source: SourceText,
    /// The built-in provider profiles applied to it ([`profiles`]), in order.
    pub profiles: Vec<String>,
}

impl Document {
    /// The 1-based line of `pointer` (`#/paths/~1pets/get`) in the file the document was read
    /// from, if it is there (values copied in from other files, or converted from a contract
    /// snapshot, have no line).
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        if self.source.as_str().is_empty() {
            return None;
        }
        crate::pointer::line_of(self.source.as_str(), pointer)
    }
}

/// The source text of a document, shared (cloning a [`Document`] does not copy it); its
/// `Debug` shows only the length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SourceText(Arc<str>);

impl SourceText {
    /// Wraps `text`.
    pub fn new(text: impl Into<Arc<str>>) -> SourceText {
        SourceText(text.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SourceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceText({} bytes)", self.0.len())
    }
}

/// Why a spec could not be loaded. Every variant names the file; where it can, the JSON
/// pointer and the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not valid JSON or YAML.
    #[error("{path}:{line}:{column}: invalid {format}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `JSON` or `YAML`.
        format: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The document is not an OpenAPI 3.x document or a contract snapshot.
    #[error("{path}: not an OpenAPI 3.x document or sturdy contract snapshot: {reason}")]
    NotOpenApi {
        /// The file.
        path: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
    /// A value does not fit the OpenAPI schema.
    #[error("{path}{}: {pointer}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// JSON pointer.
        pointer: String,
        /// Line, where known.
        line: Option<usize>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A contract snapshot is wrong: where (file, JSON pointer into the snapshot, line and
    /// column), what, and how to fix it.
    #[error("{0}")]
    Snapshot(Box<snapshot::SnapshotError>),
    /// A `$ref` points at nothing.
    #[error("{path}{}: {pointer}: $ref `{reference}` points at nothing; fix the reference or add the target", line.map(|l| format!(":{l}")).unwrap_or_default())]
    DanglingRef {
        /// The file.
        path: PathBuf,
        /// JSON pointer of the `$ref`.
        pointer: String,
        /// Line, where known.
        line: Option<usize>,
        /// The reference.
        reference: String,
    },
    /// An overlay action could not be applied.
    #[error("{path}: actions[{action}] (target `{target}`): {message}")]
    Overlay {
        /// The overlay file.
        path: PathBuf,
        /// The index of the action in `actions`.
        action: usize,
        /// The action's JSONPath target.
        target: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// A `$ref` names another local file that could not be read or parsed.
    #[error("{path}{}: {pointer}: $ref `{reference}` names a file that could not be loaded: {source}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    RefFile {
        /// The file holding the reference.
        path: PathBuf,
        /// JSON pointer of the `$ref`.
        pointer: String,
        /// Line, where known.
        line: Option<usize>,
        /// The reference.
        reference: String,
        /// Why the referenced file could not be loaded.
        source: Box<LoadError>,
    },
}

/// Loads and normalizes the spec at `path`.
///
/// ```no_run
/// let doc = sturdy_generator::load::load(std::path::Path::new("openapi.yaml"))?;
/// println!("{} paths", doc.openapi.paths.paths.len());
/// # Ok::<(), sturdy_generator::LoadError>(())
/// ```
pub fn load(path: &Path) -> Result<Document, LoadError> {
    load_with(path, &[])
}

/// Loads the spec at `path` and applies `overlays` to it, in order, before normalizing (a
/// contract snapshot is converted to OpenAPI first, so overlays always see OpenAPI).
pub fn load_with(path: &Path, overlays: &[overlay::Overlay]) -> Result<Document, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    load_str_with(&text, path, overlays)
}

/// [`load_with`], first applying the built-in provider [`profiles`] whose hosts the spec's
/// `servers` name when `use_profiles` is true (recorded in [`Document::profiles`]).
pub fn load_profiled(
    path: &Path,
    overlays: &[overlay::Overlay],
    use_profiles: bool,
) -> Result<Document, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    load_str_profiled(&text, path, overlays, use_profiles)
}

/// Loads and normalizes spec text; `path` names it in errors and anchors relative refs.
///
/// ```
/// use std::path::Path;
/// let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";
/// let doc = sturdy_generator::load::load_str(text, Path::new("api.yaml")).unwrap();
/// assert_eq!(doc.source_version, "3.1.0");
/// ```
pub fn load_str(text: &str, path: &Path) -> Result<Document, LoadError> {
    load_str_with(text, path, &[])
}

/// [`load_str`] with overlays applied, in order, before normalizing.
pub fn load_str_with(
    text: &str,
    path: &Path,
    overlays: &[overlay::Overlay],
) -> Result<Document, LoadError> {
    load_str_profiled(text, path, overlays, false)
}

/// [`load_str_with`], first applying the matching built-in [`profiles`] when `use_profiles`.
pub fn load_str_profiled(
    text: &str,
    path: &Path,
    overlays: &[overlay::Overlay],
    use_profiles: bool,
) -> Result<Document, LoadError> {
    let mut raw = parse_text(text, path)?;
    let mut source_version = None;
    let mut source = SourceText::new(text);
    if snapshot_of(&raw) {
        raw = snapshot_to_openapi(&raw, text, path)?;
        source_version = Some("snapshot".to_owned());
        source = SourceText::default();
    }
    let profiles = if use_profiles {
        profiles::apply_matching(&mut raw)?
    } else {
        Vec::new()
    };
    for o in overlays {
        o.apply(&mut raw)?;
    }
    let mut warnings = Vec::new();
    let (version, v31) = version_of(&mut raw, source.as_str(), path, &mut warnings)?;
    let source_version = source_version.unwrap_or(version);
    warnings.extend(bundle::bundle(&mut raw, &source.0, path)?);
    normalize::normalize(&mut raw, v31, &mut warnings);
    let openapi = typed::parse(&raw, source.as_str(), path)?;
    Ok(Document {
        path: path.to_owned(),
        openapi,
        raw,
        source_version,
        warnings,
        source,
        profiles,
    })
}

/// Parses JSON or YAML, chosen by content: text starting with `{` or `[` is JSON (and, if it
/// is not valid JSON, YAML flow style); anything else is YAML.
pub(crate) fn parse_text(text: &str, path: &Path) -> Result<Value, LoadError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.trim_start().starts_with(['{', '[']) {
        return match serde_json::from_str(body) {
            Ok(v) => Ok(v),
            Err(e) => match yaml::from_str(body) {
                Ok(v) => Ok(v),
                Err(_) => Err(LoadError::Syntax {
                    path: path.to_owned(),
                    format: "JSON",
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                }),
            },
        };
    }
    yaml::from_str(body).map_err(|e| {
        let loc = e.location();
        LoadError::Syntax {
            path: path.to_owned(),
            format: "YAML",
            line: loc.as_ref().map_or(0, |l| l.line()),
            column: loc.as_ref().map_or(0, |l| l.column()),
            message: e.to_string(),
        }
    })
}

/// The declared version, and whether it is 3.1 (or later 3.x); rewrites a YAML number
/// version (`openapi: 3.1`) into a string.
fn version_of(
    raw: &mut Value,
    text: &str,
    path: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<(String, bool), LoadError> {
    let not = |reason: String| LoadError::NotOpenApi {
        path: path.to_owned(),
        reason,
    };
    let obj = match raw {
        Value::Object(o) => o,
        other => {
            let what = match other {
                Value::Null => "empty",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            };
            return Err(not(format!(
                "the document is {what}, not an object with an `openapi` version"
            )));
        }
    };
    if let Some(s) = obj.get("swagger") {
        let v = s
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| s.to_string());
        return Err(not(format!(
            "this is Swagger {v} (OpenAPI 2), which sturdy does not read; convert it to OpenAPI 3 first \
             (for example `npx swagger2openapi spec.json -o openapi.yaml`, or https://converter.swagger.io)"
        )));
    }
    let version = match obj.get("openapi") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => {
            let s = n.to_string();
            obj.insert("openapi".into(), Value::String(s.clone()));
            s
        }
        Some(other) => {
            let line = crate::pointer::line_of(text, "/openapi").map(|l| format!(" (line {l})")).unwrap_or_default();
            return Err(not(format!("`openapi`{line} must be a version string such as \"3.1.0\", not {other}")));
        }
        None => {
            return Err(not(
                "no top-level `openapi` version; an OpenAPI document starts with `openapi: 3.1.0` (or 3.0.x)".into(),
            ))
        }
    };
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => Ok((version, false)),
        (Some("3"), Some("1")) => Ok((version, true)),
        (Some("3"), Some(_)) => {
            warnings.push(Warning {
                pointer: "#/openapi".into(),
                message: format!("OpenAPI {version} is newer than 3.1; read as 3.1"),
            });
            Ok((version, true))
        }
        _ => Err(not(format!(
            "OpenAPI version `{version}` is not supported; sturdy reads 3.0.x and 3.1.x"
        ))),
    }
}

/// Whether `raw` is a contract snapshot.
fn snapshot_of(raw: &Value) -> bool {
    snapshot::is_snapshot(raw)
}

/// Converts a contract snapshot into OpenAPI 3.1.
fn snapshot_to_openapi(raw: &Value, text: &str, path: &Path) -> Result<Value, LoadError> {
    snapshot::to_openapi(raw, text, path)
}
