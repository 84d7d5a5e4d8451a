//! `sturdy lint`: a production-readiness report for an API contract (OpenAPI or contract
//! snapshot). Each finding says where (JSON pointer, and line when known) and how to fix it.
//!
//! Lint reads the IR ([`crate::ir::build`]), not the raw document: the pagination detector,
//! the idempotency rule, the error responses and body types are the ones the generated client
//! is built from, and each operation's [`Origin`](crate::ir::origin::Origin) gives the JSON
//! pointers findings name. Layout: `rules.rs` holds one function per rule; this module runs
//! them, maps snapshot pointers back, and adds lines from the source text.
//!
//! Rules (see [`RULES`]):
//!
//! | rule | severity | fires when |
//! |---|---|---|
//! | `webhook-no-signature` | error | webhooks are declared but no `x-sturdy-webhook-signature` says how they are signed |
//! | `missing-idempotency` | warning | a POST or PATCH accepts no idempotency key (by the IR's rule, [`crate::ir::idempotency`]: its own or the root `x-sturdy-idempotency`, or its own `Idempotency-Key`-like header parameter) and its retry rules (its own `x-sturdy-retry` over the root's) neither declare it `idempotent` nor set `max_retries: 0` |
//! | `no-error-responses` | warning | the IR has no error response for an operation (no 4XX/5XX, and no `default` beside a 2XX one) |
//! | `no-pagination` | warning | a GET returns a list (an array, or an envelope with an array, as [`crate::ir::pagination`] sees it) and the pagination detector found no scheme |
//! | `no-rate-limit` | warning | no valid `x-sturdy-rate-limit`, no 429 response, no rate-limit header anywhere |
//! | `no-operation-id` | warning | an operation has no `operationId` (method names would follow the path) |
//! | `untyped-body` | warning | the JSON/form request body sturdy sends, or the JSON success body it decodes, is `serde_json::Value` (no schema, or `{}`) |
//! | `unversioned` | warning | nothing pins the API version on the wire (version header, `/v1`-style or dated path segment, `*version*` parameter) and `info.version` is missing or `0.0.0`; an `info` finding when only `info.version` is set |
//! | `oauth2-no-scopes` | info | an OAuth2 scheme declares no scopes (one finding per flow) |
//!
//! ```no_run
//! use sturdy_generator::{lint, load};
//! let doc = load::load(std::path::Path::new("openapi.yaml")).expect("load");
//! let findings = lint::lint(&doc).expect("ir");
//! print!("{}", lint::render(&findings, &doc.path));
//! std::process::exit(lint::exit_code(&findings, lint::Severity::Warning));
//! ```

mod rules;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::ir::{Api, IrError};
use crate::load::Document;
use crate::pointer::{escape, positions};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Will hurt in production.
    Warning,
    /// Unsafe to ship.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}`; use info, warning or error"
            )),
        }
    }
}

/// Every rule with its severity, in report order.
pub const RULES: &[(&str, Severity)] = &[
    ("webhook-no-signature", Severity::Error),
    ("missing-idempotency", Severity::Warning),
    ("no-error-responses", Severity::Warning),
    ("no-pagination", Severity::Warning),
    ("no-rate-limit", Severity::Warning),
    ("no-operation-id", Severity::Warning),
    ("untyped-body", Severity::Warning),
    ("unversioned", Severity::Warning),
    ("oauth2-no-scopes", Severity::Info),
];

/// One production-readiness finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule (`missing-idempotency`, ...; see [`RULES`]).
    pub rule: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// Where: a JSON pointer into the linted file (`#/paths/~1charges/post`; for a snapshot,
    /// into the snapshot: `#/endpoints/create_charge`).
    pub pointer: String,
    /// The 1-based line of `pointer`, when it could be found.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// Findings for `doc`, sorted (severity, highest first; then rule; then pointer), from the
/// IR it builds.
pub fn lint(doc: &Document) -> Result<Vec<Finding>, IrError> {
    let (api, _) = crate::ir::build(doc)?;
    Ok(lint_api(doc, &api))
}

/// Findings for `api`, the IR of `doc` (whose source text gives the lines), sorted like
/// [`lint`].
pub fn lint_api(doc: &Document, api: &Api) -> Vec<Finding> {
    let snapshot = doc.source_version == "snapshot";
    let mut report = rules::Report::new(snapshot);
    for o in &api.operations {
        rules::operation(&mut report, api, o);
    }
    rules::rate_limit(&mut report, api);
    rules::oauth2_scopes(&mut report, api);
    rules::webhook_signature(&mut report, api);
    rules::versioning(&mut report, api);
    let mut out = report.out;
    if snapshot {
        for f in &mut out {
            f.pointer = snapshot_pointer(api, &f.pointer);
        }
    }
    add_lines(doc, &mut out);
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.rule.cmp(b.rule))
            .then(a.pointer.cmp(&b.pointer))
            .then(a.message.cmp(&b.message))
    });
    out.dedup();
    out
}

/// Sets each finding's line from the source text (read again when the document kept none).
fn add_lines(doc: &Document, out: &mut [Finding]) {
    let text = match doc.source.as_str() {
        "" => std::fs::read_to_string(&doc.path).ok(),
        t => Some(t.to_owned()),
    };
    if let Some(text) = text {
        let found = positions::locate_nearest(&text, out.iter().map(|f| f.pointer.as_str()));
        for f in out {
            f.line = found
                .get(&f.pointer)
                .filter(|_| f.pointer != "#")
                .map(|p| p.0);
        }
    }
}

/// Maps a pointer into the converted OpenAPI back to the snapshot it came from: an
/// operation's parts to its endpoint (the converter writes the endpoint's name as
/// `operationId`).
fn snapshot_pointer(api: &Api, pointer: &str) -> String {
    let segs = crate::pointer::segments(pointer).unwrap_or_default();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["paths", p, m, rest @ ..] => {
            let op = format!("#/paths/{}/{}", escape(p), escape(m));
            let id = api
                .operations
                .iter()
                .find(|o| o.origin.pointer == op)
                .and_then(|o| o.origin.operation_id.as_deref());
            match id {
                Some(id) => {
                    let base = format!("#/endpoints/{}", escape(id));
                    match rest.first() {
                        Some(&"requestBody") => format!("{base}/request"),
                        Some(&"responses") if rest.len() > 1 => format!("{base}/response"),
                        _ => base,
                    }
                }
                None => pointer.to_owned(),
            }
        }
        ["components", "securitySchemes", name, ..] => format!("#/auth/{}", escape(name)),
        ["webhooks", ..] => "#/webhooks".into(),
        ["info", "version"] => "#/version".into(),
        _ => "#".into(),
    }
}

/// The human report: one block per finding, then a summary table per rule.
pub fn render(findings: &[Finding], path: &Path) -> String {
    let mut s = String::new();
    for f in findings {
        let at = match f.line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        };
        s.push_str(&format!(
            "{}[{}]: {}\n  --> {at} {}\n  fix: {}\n\n",
            f.severity, f.rule, f.message, f.pointer, f.fix
        ));
    }
    s.push_str(&summary_table(findings));
    let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    s.push_str(&format!(
        "\n{}: {} error(s), {} warning(s), {} info\n",
        path.display(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    s
}

/// A Markdown table counting findings per rule (every rule listed, zero included).
pub fn summary_table(findings: &[Finding]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.rule).or_default() += 1;
    }
    let mut s = String::from("| rule | severity | findings |\n|---|---|---:|\n");
    for (rule, sev) in RULES {
        s.push_str(&format!(
            "| {rule} | {sev} | {} |\n",
            counts.get(rule).copied().unwrap_or(0)
        ));
    }
    s
}

/// The process exit code: 1 if any finding is at least `threshold`, else 0.
pub fn exit_code(findings: &[Finding], threshold: Severity) -> i32 {
    i32::from(findings.iter().any(|f| f.severity >= threshold))
}
