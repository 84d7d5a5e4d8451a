//! `sturdy lint`: a production-readiness report for an API contract (OpenAPI or contract
//! snapshot). Each finding says where (JSON pointer, and line when known) and how to fix it.
//!
//! Rules (see [`RULES`]):
//!
//! | rule | severity | fires when |
//! |---|---|---|
//! | `webhook-no-signature` | error | webhooks are declared but no `x-sturdy-webhook-signature` says how they are signed |
//! | `missing-idempotency` | warning | a POST or PATCH accepts no idempotency key (by the IR's rule, [`crate::ir::idempotency`]: its own or the root `x-sturdy-idempotency`, or its own `Idempotency-Key`-like header parameter) and its `x-sturdy-retry` neither declares it `idempotent` nor sets `max_retries: 0` |
//! | `no-error-responses` | warning | an operation declares no 4XX/5XX/`default` response |
//! | `no-pagination` | warning | a GET returns a list (an array, or an envelope with an array) but declares no pagination |
//! | `no-rate-limit` | warning | no `x-sturdy-rate-limit`, no 429 response, no rate-limit header anywhere |
//! | `no-operation-id` | warning | an operation has no `operationId` (method names would follow the path) |
//! | `untyped-body` | warning | a JSON/form request body or success response has no schema or `{}` |
//! | `unversioned` | warning | nothing pins the API version on the wire (version header, `/v1`-style or dated path segment, `*version*` parameter) and `info.version` is missing or `0.0.0`; an `info` finding when only `info.version` is set |
//! | `oauth2-no-scopes` | info | an OAuth2 flow declares no scopes |
//!
//! ```no_run
//! use sturdy_generator::{lint, load};
//! let doc = load::load(std::path::Path::new("openapi.yaml")).expect("load");
//! let findings = lint::lint(&doc);
//! print!("{}", lint::render(&findings, &doc.path));
//! std::process::exit(lint::exit_code(&findings, lint::Severity::Warning));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::load::Document;
use crate::pointer::{escape, follow, positions};

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

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Op<'a> {
    path: &'a str,
    method: &'a str,
    pointer: String,
    op: &'a Value,
    /// Path-level and operation-level parameters, resolved.
    params: Vec<&'a Value>,
}

fn operations(raw: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    let Some(paths) = raw.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = follow(raw, item);
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| follow(raw, p)).collect())
            .unwrap_or_default();
        for m in METHODS {
            let Some(op) = item.get(*m) else {
                continue;
            };
            let mut params = shared.clone();
            if let Some(a) = op.get("parameters").and_then(Value::as_array) {
                params.extend(a.iter().map(|p| follow(raw, p)));
            }
            out.push(Op {
                path,
                method: m,
                pointer: format!("#/paths/{}/{m}", escape(path)),
                op,
                params,
            });
        }
    }
    out
}

fn is_empty_schema(s: &Value) -> bool {
    s.as_object().is_some_and(|o| {
        o.keys().all(|k| {
            matches!(
                k.as_str(),
                "description" | "title" | "example" | "examples" | "nullable"
            )
        })
    })
}

fn success_response<'a>(raw: &'a Value, op: &'a Value) -> Option<(&'a str, &'a Value)> {
    let responses = op.get("responses")?.as_object()?;
    let (status, r) = responses.iter().find(|(s, _)| s.starts_with('2'))?;
    Some((status.as_str(), follow(raw, r)))
}

fn json_media(content: &Value) -> Vec<(&str, &Value)> {
    content
        .as_object()
        .map(|c| {
            c.iter()
                .filter(|(ct, _)| ct.contains("json") || ct.contains("x-www-form-urlencoded"))
                .map(|(ct, m)| (ct.as_str(), m))
                .collect()
        })
        .unwrap_or_default()
}

const PAGE_PARAMS: &[&str] = &[
    "cursor",
    "page",
    "page_token",
    "pagetoken",
    "next_token",
    "nexttoken",
    "offset",
    "starting_after",
    "ending_before",
    "after",
    "before",
    "marker",
    "next",
    "start",
    "skip",
    "continuation",
    "continuation_token",
    "continuationtoken",
    "pagination_token",
    "since",
    "from",
    "page_number",
    "pagenumber",
];

const ENVELOPE_FIELDS: &[&str] = &[
    "data",
    "items",
    "results",
    "entries",
    "records",
    "values",
    "list",
    "objects",
    "elements",
    "edges",
    "nodes",
    "content",
    "resources",
];

/// Whether a success schema is a list: an array, or an object envelope around one.
fn is_list(raw: &Value, schema: &Value) -> bool {
    let s = follow(raw, schema);
    if s.get("type").and_then(Value::as_str) == Some("array") {
        return true;
    }
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return false;
    };
    props.iter().any(|(k, p)| {
        let p = follow(raw, p);
        p.get("type").and_then(Value::as_str) == Some("array")
            && (ENVELOPE_FIELDS.contains(&k.to_ascii_lowercase().as_str()) || props.len() <= 3)
    })
}

fn has_pagination(raw: &Value, o: &Op<'_>) -> bool {
    if o.op.as_object().is_some_and(|m| {
        m.keys()
            .any(|k| k.starts_with("x-") && k.contains("paginat"))
    }) {
        return true;
    }
    if o.params.iter().any(|p| {
        p.get("in").and_then(Value::as_str) == Some("query")
            && p.get("name").and_then(Value::as_str).is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                PAGE_PARAMS.contains(&n.as_str()) || n.contains("cursor") || n.contains("page")
            })
    }) {
        return true;
    }
    success_response(raw, o.op)
        .and_then(|(_, r)| r.get("headers"))
        .and_then(Value::as_object)
        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("link")))
}

fn is_version_segment(seg: &str) -> bool {
    let b = seg.as_bytes();
    let dated = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    (b.len() >= 2 && (b[0] == b'v' || b[0] == b'V') && b[1].is_ascii_digit()) || dated
}

/// Findings for `doc`, sorted (severity, highest first; then rule; then pointer).
pub fn lint(doc: &Document) -> Vec<Finding> {
    let raw = &doc.raw;
    let snapshot = doc.source_version == "snapshot";
    let mut out: Vec<Finding> = Vec::new();
    let mut push =
        |rule: &'static str, severity: Severity, pointer: String, message: String, fix: String| {
            out.push(Finding {
                rule,
                severity,
                pointer,
                line: None,
                message,
                fix,
            });
        };
    let ops = operations(raw);
    let root_idem = raw.get("x-sturdy-idempotency");
    let mut saw_429 = false;
    let mut saw_rate_header = false;
    let mut saw_version_param = false;

    for o in &ops {
        let label = format!("{} {}", o.method.to_ascii_uppercase(), o.path);
        if o.op
            .get("operationId")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            push(
                "no-operation-id",
                Severity::Warning,
                o.pointer.clone(),
                format!("{label} has no operationId"),
                "add `operationId: <verbNoun>`; without it the method name is derived from the path and changes when the path does".into(),
            );
        }
        if o.params.iter().any(|p| {
            matches!(
                p.get("in").and_then(Value::as_str),
                Some("header" | "query")
            ) && p
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.to_ascii_lowercase().contains("version"))
        }) {
            saw_version_param = true;
        }
        if matches!(o.method, "post" | "patch") {
            // Declared safe to retry, or never retried: nothing to fix.
            let settled = |r: Option<&Value>| {
                r.is_some_and(|r| {
                    r.get("max_retries").and_then(Value::as_u64) == Some(0)
                        || r.get("idempotent").and_then(Value::as_bool) == Some(true)
                })
            };
            // The IR's rule: does this operation accept a key?
            let accepts_key = crate::ir::idempotency::method_of(o.method).is_some_and(|m| {
                crate::ir::idempotency::accepted_header(
                    m,
                    o.op.get("x-sturdy-idempotency"),
                    o.params
                        .iter()
                        .filter(|p| p.get("in").and_then(Value::as_str) == Some("header"))
                        .filter_map(|p| p.get("name").and_then(Value::as_str)),
                    root_idem,
                )
                .is_some()
            });
            let idem = accepts_key || settled(o.op.get("x-sturdy-retry"));
            if !idem {
                push(
                    "missing-idempotency",
                    Severity::Warning,
                    o.pointer.clone(),
                    format!("{label} writes but takes no idempotency key, so a retry after a timeout may apply it twice"),
                    if snapshot {
                        "list the endpoint under `idempotency: {header: Idempotency-Key, endpoints: [...]}` if the provider supports keys; otherwise set `retry: {max_retries: 0}` (or `retry: {idempotent: true}` if a repeat is harmless)".into()
                    } else {
                        "add `x-sturdy-idempotency: {header: Idempotency-Key}` (and the header parameter) if the provider supports keys; otherwise `x-sturdy-retry: {max_retries: 0}` (or `{idempotent: true}` if a repeat is harmless)".into()
                    },
                );
            }
        }
        let responses = o.op.get("responses").and_then(Value::as_object);
        if let Some(rs) = responses {
            if rs.contains_key("429") {
                saw_429 = true;
            }
            for r in rs.values() {
                if follow(raw, r)
                    .get("headers")
                    .and_then(Value::as_object)
                    .is_some_and(|h| {
                        h.keys().any(|k| {
                            k.to_ascii_lowercase()
                                .replace('-', "")
                                .contains("ratelimit")
                        })
                    })
                {
                    saw_rate_header = true;
                }
            }
        }
        if !responses.is_some_and(|rs| {
            rs.keys()
                .any(|s| s.starts_with('4') || s.starts_with('5') || s == "default")
        }) {
            push(
                "no-error-responses",
                Severity::Warning,
                format!("{}/responses", o.pointer),
                format!("{label} declares no error response, so failures decode as untyped errors"),
                if snapshot {
                    "add `errors: [{status: 404, code: not_found}]` (or API-wide `errors:`) with the provider's error body as `error: {example: ...}`".into()
                } else {
                    "declare `4XX`/`5XX` (or `default`) responses with the provider's error schema"
                        .into()
                },
            );
        }
        if o.method == "get" {
            let list = success_response(raw, o.op)
                .and_then(|(_, r)| r.get("content"))
                .map(|c| {
                    json_media(c)
                        .iter()
                        .any(|(_, m)| m.get("schema").is_some_and(|s| is_list(raw, s)))
                })
                .unwrap_or(false);
            if list && !has_pagination(raw, o) {
                push(
                    "no-pagination",
                    Severity::Warning,
                    o.pointer.clone(),
                    format!("{label} returns a list but declares no pagination; callers see only the first page"),
                    if snapshot {
                        "add `pagination: {scheme: cursor, param: ..., items: /data, cursor: /next_cursor}` (or offset/page_number/link_header), or confirm the list is never paged".into()
                    } else {
                        "add `x-sturdy-pagination: {scheme: cursor, param: ..., items: /data, cursor: /next_cursor}` (or offset/page_number/link_header), or confirm the list is never paged".into()
                    },
                );
            }
        }
        // Untyped bodies.
        if let Some(body) = o.op.get("requestBody").map(|b| follow(raw, b)) {
            for (ct, m) in body.get("content").map(json_media).unwrap_or_default() {
                if m.get("schema")
                    .is_none_or(|s| is_empty_schema(follow(raw, s)))
                {
                    push(
                        "untyped-body",
                        Severity::Warning,
                        format!("{}/requestBody/content/{}", o.pointer, escape(ct)),
                        format!(
                            "{label} sends an untyped `{ct}` body (it becomes `serde_json::Value`)"
                        ),
                        if snapshot {
                            "give the request an `example` or a `schema`".into()
                        } else {
                            "give the media type a `schema` with properties".into()
                        },
                    );
                }
            }
        }
        if let Some((status, r)) = success_response(raw, o.op) {
            for (ct, m) in r.get("content").map(json_media).unwrap_or_default() {
                if m.get("schema")
                    .is_none_or(|s| is_empty_schema(follow(raw, s)))
                {
                    push(
                        "untyped-body",
                        Severity::Warning,
                        format!("{}/responses/{status}/content/{}", o.pointer, escape(ct)),
                        format!("{label} returns an untyped `{ct}` body (it becomes `serde_json::Value`)"),
                        if snapshot { "give the response an `example` or a `schema`".into() } else { "give the media type a `schema` with properties".into() },
                    );
                }
            }
        }
    }

    if raw.get("x-sturdy-rate-limit").is_none() && !saw_429 && !saw_rate_header {
        push(
            "no-rate-limit",
            Severity::Warning,
            "#".into(),
            "the contract says nothing about rate limits (no `x-sturdy-rate-limit`, no 429 response, no RateLimit headers)".into(),
            if snapshot {
                "add `rate_limit: {per_second: N, burst: M}` from the provider's documentation".into()
            } else {
                "add `x-sturdy-rate-limit: {per_second: N, burst: M}` at the root, or declare 429 responses".into()
            },
        );
    }

    // OAuth2 flows without scopes.
    if let Some(schemes) = raw
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, s) in schemes {
            let s = follow(raw, s);
            if s.get("type").and_then(Value::as_str) != Some("oauth2") {
                continue;
            }
            for (flow, f) in s
                .get("flows")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if f.get("scopes")
                    .and_then(Value::as_object)
                    .is_none_or(|m| m.is_empty())
                {
                    push(
                        "oauth2-no-scopes",
                        Severity::Info,
                        format!("#/components/securitySchemes/{}/flows/{}", escape(name), escape(flow)),
                        format!("OAuth2 scheme `{name}` ({flow}) declares no scopes, so tokens are requested without any"),
                        "list the scopes the API accepts (`scopes: {name: description}`) and require them per operation".into(),
                    );
                }
            }
        }
    }

    // Webhooks without a signature scheme.
    for key in ["webhooks", "x-webhooks"] {
        if raw
            .get(key)
            .and_then(Value::as_object)
            .is_some_and(|w| !w.is_empty())
            && raw.get("x-sturdy-webhook-signature").is_none()
        {
            push(
                "webhook-no-signature",
                Severity::Error,
                format!("#/{key}"),
                "webhooks are declared but not how they are signed, so receivers cannot tell real events from forged ones".into(),
                if snapshot {
                    "add `webhooks: {signature: {scheme: standard-webhooks}}` (or stripe, github, hmac with `header`)".into()
                } else {
                    "add `x-sturdy-webhook-signature: {scheme: standard-webhooks|stripe|github|hmac, header: ..., algorithm: sha256, encoding: hex}` at the root".into()
                },
            );
        }
    }

    // Versioning.
    let server_versioned = raw
        .get("servers")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .filter_map(|x| x.get("url").and_then(Value::as_str))
                .any(|u| {
                    u.split('/').skip(3).any(is_version_segment)
                        || (!u.contains("://") && u.split('/').any(is_version_segment))
                })
        });
    let paths_versioned = !ops.is_empty()
        && ops
            .iter()
            .all(|o| o.path.split('/').any(is_version_segment));
    let wire = raw.get("x-sturdy-version-header").is_some()
        || saw_version_param
        || server_versioned
        || paths_versioned;
    if !wire {
        let v = raw
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        let empty = v.is_empty() || v.trim_matches(|c| c == '0' || c == '.').is_empty();
        let fix = if snapshot {
            "add `version_header: {name: Api-Version, value: ...}` if the provider pins versions by header; otherwise put the version in the environment URLs (`/v1`)"
        } else {
            "add `x-sturdy-version-header: {name, value}` if the provider pins versions by header, or version the server URL (`/v1`)"
        };
        if empty {
            push(
                "unversioned",
                Severity::Warning,
                "#/info/version".into(),
                format!("the API is unversioned: no version header, no `/v1`-style segment, and info.version is `{v}`"),
                fix.into(),
            );
        } else {
            push(
                "unversioned",
                Severity::Info,
                "#/info/version".into(),
                format!("the version (`{v}`) is only in the document; requests do not pin it, so a provider upgrade can change responses"),
                fix.into(),
            );
        }
    }

    if snapshot {
        for f in &mut out {
            f.pointer = snapshot_pointer(raw, &f.pointer);
        }
    }
    let text = match doc.source.as_str() {
        "" => std::fs::read_to_string(&doc.path).ok(),
        t => Some(t.to_owned()),
    };
    if let Some(text) = text {
        let found = positions::locate_nearest(&text, out.iter().map(|f| f.pointer.as_str()));
        for f in &mut out {
            f.line = found
                .get(&f.pointer)
                .filter(|_| f.pointer != "#")
                .map(|p| p.0);
        }
    }
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

/// Maps a pointer into the converted OpenAPI back to the snapshot it came from.
fn snapshot_pointer(raw: &Value, pointer: &str) -> String {
    let segs = crate::pointer::segments(pointer).unwrap_or_default();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["paths", p, m, rest @ ..] => {
            let id = raw
                .get("paths")
                .and_then(|x| x.get(*p))
                .and_then(|x| x.get(*m))
                .and_then(|o| o.get("operationId"))
                .and_then(Value::as_str);
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
