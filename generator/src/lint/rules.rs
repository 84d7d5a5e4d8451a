//! The rules: each function checks one concern and pushes its findings into a [`Report`].
//! Per-operation rules take an [`Op`]; API-wide rules read the document root.

use serde_json::Value;

use super::raw::{has_pagination, is_empty_schema, is_list, is_version_segment, json_media};
use super::raw::{success_response, Op};
use super::{Finding, Severity};
use crate::pointer::{escape, follow};

/// Findings so far, and what the rules that look at the whole API need from the operations.
pub(super) struct Report {
    pub(super) out: Vec<Finding>,
    /// A contract snapshot: fixes name snapshot keys instead of OpenAPI extensions.
    snapshot: bool,
    saw_429: bool,
    saw_rate_header: bool,
    saw_version_param: bool,
}

impl Report {
    pub(super) fn new(snapshot: bool) -> Self {
        Report {
            out: Vec::new(),
            snapshot,
            saw_429: false,
            saw_rate_header: false,
            saw_version_param: false,
        }
    }

    fn push(
        &mut self,
        rule: &'static str,
        severity: Severity,
        pointer: String,
        message: String,
        fix: String,
    ) {
        self.out.push(Finding {
            rule,
            severity,
            pointer,
            line: None,
            message,
            fix,
        });
    }

    /// `snapshot_fix` for a contract snapshot, else `openapi_fix`.
    fn fix(&self, snapshot_fix: &str, openapi_fix: &str) -> String {
        if self.snapshot {
            snapshot_fix
        } else {
            openapi_fix
        }
        .to_owned()
    }
}

/// `GET /pets`.
fn label(o: &Op<'_>) -> String {
    format!("{} {}", o.method.to_ascii_uppercase(), o.path)
}

/// A warning about the operation itself: at its pointer, the message after its label.
fn warn_op(r: &mut Report, rule: &'static str, o: &Op<'_>, what: &str, fix: String) {
    r.push(
        rule,
        Severity::Warning,
        o.pointer.clone(),
        format!("{} {what}", label(o)),
        fix,
    );
}

/// Every per-operation rule, in report order; also notes what the API-wide rules need.
pub(super) fn operation(r: &mut Report, raw: &Value, o: &Op<'_>, root_idem: Option<&Value>) {
    operation_id(r, o);
    note_version_param(r, o);
    idempotency(r, o, root_idem);
    error_responses(r, raw, o);
    pagination(r, raw, o);
    untyped_bodies(r, raw, o);
}

fn operation_id(r: &mut Report, o: &Op<'_>) {
    if o.op
        .get("operationId")
        .and_then(Value::as_str)
        .is_none_or(|s| s.trim().is_empty())
    {
        warn_op(
            r,
            "no-operation-id",
            o,
            "has no operationId",
            "add `operationId: <verbNoun>`; without it the method name is derived from the path and changes when the path does".into(),
        );
    }
}

fn note_version_param(r: &mut Report, o: &Op<'_>) {
    if o.params.iter().any(|p| {
        matches!(
            p.get("in").and_then(Value::as_str),
            Some("header" | "query")
        ) && p
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.to_ascii_lowercase().contains("version"))
    }) {
        r.saw_version_param = true;
    }
}

fn idempotency(r: &mut Report, o: &Op<'_>, root_idem: Option<&Value>) {
    if !matches!(o.method, "post" | "patch") {
        return;
    }
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
    if accepts_key || settled(o.op.get("x-sturdy-retry")) {
        return;
    }
    let fix = r.fix(
        "list the endpoint under `idempotency: {header: Idempotency-Key, endpoints: [...]}` if the provider supports keys; otherwise set `retry: {max_retries: 0}` (or `retry: {idempotent: true}` if a repeat is harmless)",
        "add `x-sturdy-idempotency: {header: Idempotency-Key}` (and the header parameter) if the provider supports keys; otherwise `x-sturdy-retry: {max_retries: 0}` (or `{idempotent: true}` if a repeat is harmless)",
    );
    warn_op(
        r,
        "missing-idempotency",
        o,
        "writes but takes no idempotency key, so a retry after a timeout may apply it twice",
        fix,
    );
}

/// `no-error-responses`; also notes 429 responses and rate-limit headers for `no-rate-limit`.
fn error_responses(r: &mut Report, raw: &Value, o: &Op<'_>) {
    let responses = o.op.get("responses").and_then(Value::as_object);
    if let Some(rs) = responses {
        if rs.contains_key("429") {
            r.saw_429 = true;
        }
        for resp in rs.values() {
            if follow(raw, resp)
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
                r.saw_rate_header = true;
            }
        }
    }
    if responses.is_some_and(|rs| {
        rs.keys()
            .any(|s| s.starts_with('4') || s.starts_with('5') || s == "default")
    }) {
        return;
    }
    let fix = r.fix(
        "add `errors: [{status: 404, code: not_found}]` (or API-wide `errors:`) with the provider's error body as `error: {example: ...}`",
        "declare `4XX`/`5XX` (or `default`) responses with the provider's error schema",
    );
    r.push(
        "no-error-responses",
        Severity::Warning,
        format!("{}/responses", o.pointer),
        format!(
            "{} declares no error response, so failures decode as untyped errors",
            label(o)
        ),
        fix,
    );
}

fn pagination(r: &mut Report, raw: &Value, o: &Op<'_>) {
    if o.method != "get" {
        return;
    }
    let list = success_response(raw, o.op)
        .and_then(|(_, resp)| resp.get("content"))
        .map(|c| {
            json_media(c)
                .iter()
                .any(|(_, m)| m.get("schema").is_some_and(|s| is_list(raw, s)))
        })
        .unwrap_or(false);
    if !list || has_pagination(raw, o) {
        return;
    }
    let fix = r.fix(
        "add `pagination: {scheme: cursor, param: ..., items: /data, cursor: /next_cursor}` (or offset/page_number/link_header), or confirm the list is never paged",
        "add `x-sturdy-pagination: {scheme: cursor, param: ..., items: /data, cursor: /next_cursor}` (or offset/page_number/link_header), or confirm the list is never paged",
    );
    warn_op(
        r,
        "no-pagination",
        o,
        "returns a list but declares no pagination; callers see only the first page",
        fix,
    );
}

fn untyped_bodies(r: &mut Report, raw: &Value, o: &Op<'_>) {
    if let Some(body) = o.op.get("requestBody").map(|b| follow(raw, b)) {
        for (ct, m) in body.get("content").map(json_media).unwrap_or_default() {
            if m.get("schema")
                .is_none_or(|s| is_empty_schema(follow(raw, s)))
            {
                let fix = r.fix(
                    "give the request an `example` or a `schema`",
                    "give the media type a `schema` with properties",
                );
                r.push(
                    "untyped-body",
                    Severity::Warning,
                    format!("{}/requestBody/content/{}", o.pointer, escape(ct)),
                    format!(
                        "{} sends an untyped `{ct}` body (it becomes `serde_json::Value`)",
                        label(o)
                    ),
                    fix,
                );
            }
        }
    }
    if let Some((status, resp)) = success_response(raw, o.op) {
        for (ct, m) in resp.get("content").map(json_media).unwrap_or_default() {
            if m.get("schema")
                .is_none_or(|s| is_empty_schema(follow(raw, s)))
            {
                let fix = r.fix(
                    "give the response an `example` or a `schema`",
                    "give the media type a `schema` with properties",
                );
                r.push(
                    "untyped-body",
                    Severity::Warning,
                    format!("{}/responses/{status}/content/{}", o.pointer, escape(ct)),
                    format!(
                        "{} returns an untyped `{ct}` body (it becomes `serde_json::Value`)",
                        label(o)
                    ),
                    fix,
                );
            }
        }
    }
}

/// `no-rate-limit`: after every operation was seen.
pub(super) fn rate_limit(r: &mut Report, raw: &Value) {
    if raw.get("x-sturdy-rate-limit").is_some() || r.saw_429 || r.saw_rate_header {
        return;
    }
    let fix = r.fix(
        "add `rate_limit: {per_second: N, burst: M}` from the provider's documentation",
        "add `x-sturdy-rate-limit: {per_second: N, burst: M}` at the root, or declare 429 responses",
    );
    r.push(
        "no-rate-limit",
        Severity::Warning,
        "#".into(),
        "the contract says nothing about rate limits (no `x-sturdy-rate-limit`, no 429 response, no RateLimit headers)".into(),
        fix,
    );
}

/// `oauth2-no-scopes`: OAuth2 flows without scopes.
pub(super) fn oauth2_scopes(r: &mut Report, raw: &Value) {
    let Some(schemes) = raw
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return;
    };
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
                r.push(
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

/// `webhook-no-signature`: webhooks without a signature scheme.
pub(super) fn webhook_signature(r: &mut Report, raw: &Value) {
    for key in ["webhooks", "x-webhooks"] {
        if raw
            .get(key)
            .and_then(Value::as_object)
            .is_some_and(|w| !w.is_empty())
            && raw.get("x-sturdy-webhook-signature").is_none()
        {
            let fix = r.fix(
                "add `webhooks: {signature: {scheme: standard-webhooks}}` (or stripe, github, hmac with `header`)",
                "add `x-sturdy-webhook-signature: {scheme: standard-webhooks|stripe|github|hmac, header: ..., algorithm: sha256, encoding: hex}` at the root",
            );
            r.push(
                "webhook-no-signature",
                Severity::Error,
                format!("#/{key}"),
                "webhooks are declared but not how they are signed, so receivers cannot tell real events from forged ones".into(),
                fix,
            );
        }
    }
}

/// `unversioned`: nothing pins the version on the wire; a warning when `info.version` is
/// empty too, else an info.
pub(super) fn versioning(r: &mut Report, raw: &Value, ops: &[Op<'_>]) {
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
        || r.saw_version_param
        || server_versioned
        || paths_versioned;
    if wire {
        return;
    }
    let v = raw
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let empty = v.is_empty() || v.trim_matches(|c| c == '0' || c == '.').is_empty();
    let fix = r.fix(
        "add `version_header: {name: Api-Version, value: ...}` if the provider pins versions by header; otherwise put the version in the environment URLs (`/v1`)",
        "add `x-sturdy-version-header: {name, value}` if the provider pins versions by header, or version the server URL (`/v1`)",
    );
    if empty {
        r.push(
            "unversioned",
            Severity::Warning,
            "#/info/version".into(),
            format!("the API is unversioned: no version header, no `/v1`-style segment, and info.version is `{v}`"),
            fix,
        );
    } else {
        r.push(
            "unversioned",
            Severity::Info,
            "#/info/version".into(),
            format!("the version (`{v}`) is only in the document; requests do not pin it, so a provider upgrade can change responses"),
            fix,
        );
    }
}
