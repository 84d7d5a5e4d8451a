//! Contract snapshots: a compact YAML (or JSON) description of an API as its integrators know
//! it — environments, auth, endpoints with examples, error cases, rate limits, idempotency,
//! pagination and webhooks — turned into an OpenAPI 3.1 document whose `x-sturdy-*`
//! extensions carry what OpenAPI cannot say, and whose media types keep the snapshot's examples
//! (so a mock server serves them). The format is described in
//! `docs/contract-snapshot.md` and `docs/contract-snapshot.schema.json`.
//!
//! Loading a snapshot is, by construction, loading the OpenAPI document [`to_openapi`]
//! returns, so `sturdy convert SNAPSHOT --to openapi` and a client generated from either file
//! agree byte for byte.
//!
//! `model` is the format as a serde model (`deny_unknown_fields` on every mapping): the one
//! list of the keys each level allows. The document is read into it before conversion, so an
//! unknown key anywhere is a [`SnapshotError`] with its pointer, line and a "did you mean".
//! Then one module per concern converts: `root` (info, types, tags, paths, components),
//! `environments`, `auth` (which keys belong to each auth `type`), `endpoints`, `params`,
//! `bodies`, `responses`, `cases` (the error body and error cases), `pagination`, `policies`
//! (idempotency, rate limit, timeouts, retry), `webhooks`, `signature`, `streams` (server-sent events), `infer` (types from
//! examples) and `report` (errors with file, pointer, line, column and a hint; "did you mean"
//! through `strsim`). Each converter takes its section of the model: mappings as typed
//! structs (extension keys beside them), values as written, so a value of the wrong shape is
//! reported by its converter with the same pointer, line and text as before the model.
//! The text is read with the reader `load` uses; a key written twice in one mapping is refused
//! before conversion.

mod auth;
mod bodies;
mod cases;
mod endpoints;
mod environments;
mod infer;
mod model;
mod pagination;
mod params;
mod policies;
mod report;
mod responses;
mod root;
mod signature;
mod streams;
mod webhooks;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::load::LoadError;
pub(super) use crate::pointer::push as seg;

use infer::Registry;

/// The value of the top-level `sturdy` key this version understands.
pub const FORMAT: &str = "snapshot/v1";

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const PAGE_SCHEMES: &[&str] = &[
    "cursor",
    "offset",
    "page_number",
    "next_url",
    "link_header",
    "page_token",
];
const SIGNATURE_SCHEMES: &[&str] = &["standard-webhooks", "stripe", "github", "hmac"];
const AUTH_TYPES: &[&str] = &["bearer", "basic", "api_key", "oauth2"];
const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
];

/// What is wrong in a contract snapshot, where, and how to fix it. Shown as
/// `file:line: #/pointer: column N: problem; hint: hint`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotError {
    /// The snapshot file.
    pub path: std::path::PathBuf,
    /// JSON pointer into the snapshot (`#/endpoints/get_pet/method`).
    pub pointer: String,
    /// 1-based line, where the pointer (or its nearest ancestor) is found.
    pub line: Option<usize>,
    /// 1-based column on that line.
    pub column: Option<usize>,
    /// What is wrong.
    pub problem: String,
    /// What to do about it (a "did you mean" first, where one is close).
    pub hint: String,
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        write!(f, ": {}: ", self.pointer)?;
        if let Some(c) = self.column {
            write!(f, "column {c}: ")?;
        }
        write!(f, "{}; hint: {}", self.problem, self.hint)
    }
}

impl std::error::Error for SnapshotError {}

/// Whether a parsed document is a contract snapshot (a top-level `sturdy: snapshot/...`).
pub fn is_snapshot(raw: &Value) -> bool {
    raw.get("sturdy")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("snapshot/"))
}

/// Reads the snapshot at `path` (YAML or JSON) and converts it to OpenAPI 3.1 (for
/// `sturdy convert SNAPSHOT --to openapi`).
pub fn convert_to_openapi(path: &Path) -> Result<Value, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    let raw = crate::load::parse_text(&text, path)?;
    if !is_snapshot(&raw) {
        return Err(LoadError::NotOpenApi {
            path: path.to_owned(),
            reason: format!(
                "no top-level `sturdy: {FORMAT}`; only contract snapshots can be converted"
            ),
        });
    }
    to_openapi(&raw, &text, path)
}

/// Converts a parsed snapshot into an OpenAPI 3.1.0 document. `text` is the source (for line
/// and column in errors, and to refuse a key written twice in one mapping, such as two
/// endpoints of the same name, which `raw` can no longer show), `path` names it.
pub fn to_openapi(raw: &Value, text: &str, path: &Path) -> Result<Value, LoadError> {
    let cx = Converter {
        text,
        path,
        registry: Registry::default(),
        refs: Vec::new(),
        pins: BTreeMap::new(),
    };
    if let Some(d) = crate::load::yaml::duplicate_key(text) {
        return Err(cx.duplicate(&d));
    }
    let doc = match model::read(raw) {
        Ok(doc) => doc,
        Err(model::ReadError::Unknown(u)) => {
            let allowed: Vec<&str> = u.allowed.iter().map(String::as_str).collect();
            return Err(cx.unknown_key(&u.pointer, &u.key, &allowed));
        }
        Err(model::ReadError::Other { pointer, message }) => {
            return Err(cx.err(&pointer, message, "see docs/contract-snapshot.md"))
        }
    };
    cx.convert(&doc)
}

fn suggest(word: &str, options: &[&str]) -> String {
    let best = options
        .iter()
        .map(|o| (strsim::levenshtein(word, o), *o))
        .min();
    match best {
        Some((d, o)) if d <= 2.max(word.len() / 3) => format!("did you mean `{o}`? "),
        _ => String::new(),
    }
}

struct Converter<'a> {
    text: &'a str,
    path: &'a Path,
    registry: Registry,
    /// `$ref` shorthands seen in explicit schemas: (snapshot pointer, type name).
    refs: Vec<(String, String)>,
    /// Event payload fields that name the event (`type: message.created`): pinned to those
    /// values with `enum`, so the payload type can tell events apart.
    pins: BTreeMap<(String, String), Vec<String>>,
}

/// What the root says about every endpoint.
struct Defaults<'v> {
    schemes: Vec<(String, bool)>,
    idempotency_header: Option<String>,
    idempotent: BTreeSet<String>,
    api_errors: Vec<(String, &'v model::ErrorCase)>,
    error_schema: Option<Value>,
}
