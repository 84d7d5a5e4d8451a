//! The rules: each function checks one concern of the [`Api`] and pushes its findings into a
//! [`Report`]. Per-operation rules take an [`Operation`] and point at its
//! [`origin`](crate::ir::origin::Origin); API-wide rules read the rest of the IR.

use std::collections::BTreeMap;

use super::{Finding, Severity};
use crate::ir::{
    Api, BodyEncoding, HttpMethod, Operation, ResponseEncoding, SecurityKind, StatusMatch, TypeDef,
    TypeKind, TypeRef,
};
use crate::pointer::escape;

/// Findings so far.
pub(super) struct Report {
    pub(super) out: Vec<Finding>,
    /// A contract snapshot: fixes name snapshot keys instead of OpenAPI extensions.
    snapshot: bool,
}

impl Report {
    pub(super) fn new(snapshot: bool) -> Self {
        Report {
            out: Vec::new(),
            snapshot,
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
fn label(o: &Operation) -> String {
    format!("{} {}", o.method.as_str(), o.path)
}

/// A warning about the operation itself: at its pointer, the message after its label.
fn warn_op(r: &mut Report, rule: &'static str, o: &Operation, what: &str, fix: String) {
    r.push(
        rule,
        Severity::Warning,
        o.origin.pointer.clone(),
        format!("{} {what}", label(o)),
        fix,
    );
}

/// Every per-operation rule, in report order.
pub(super) fn operation(r: &mut Report, api: &Api, o: &Operation) {
    operation_id(r, o);
    idempotency(r, o);
    error_responses(r, o);
    pagination(r, o);
    untyped_bodies(r, &api.types, o);
}

fn operation_id(r: &mut Report, o: &Operation) {
    if o.origin
        .operation_id
        .as_deref()
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

/// `missing-idempotency`: by the IR's rule ([`crate::ir::idempotency`]) the operation takes no
/// key, and its retry rules (its own merged with the API's) neither declare it idempotent nor
/// turn retries off.
fn idempotency(r: &mut Report, o: &Operation) {
    if !matches!(o.method, HttpMethod::Post | HttpMethod::Patch) {
        return;
    }
    let settled = o.retry.max_retries == Some(0) || o.retry.idempotent == Some(true);
    if o.idempotency_header.is_some() || settled {
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

/// `no-error-responses`: the IR found no error response to type.
fn error_responses(r: &mut Report, o: &Operation) {
    if !o.errors.is_empty() {
        return;
    }
    let fix = r.fix(
        "add `errors: [{status: 404, code: not_found}]` (or API-wide `errors:`) with the provider's error body as `error: {example: ...}`",
        "declare `4XX`/`5XX` (or `default`) responses with the provider's error schema",
    );
    r.push(
        "no-error-responses",
        Severity::Warning,
        o.origin.responses.clone(),
        format!(
            "{} declares no error response, so failures decode as untyped errors",
            label(o)
        ),
        fix,
    );
}

/// `no-pagination`: the pagination detector saw a list it found no pagination for.
fn pagination(r: &mut Report, o: &Operation) {
    if o.origin.unpaginated_list.is_none() {
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

/// Whether `ty` is (an alias of) `serde_json::Value`.
fn untyped(ty: &TypeRef, types: &BTreeMap<String, TypeDef>) -> bool {
    let mut cur = ty;
    for _ in 0..16 {
        match cur {
            TypeRef::Json => return true,
            TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Alias(inner)) => cur = inner,
                _ => return false,
            },
            _ => return false,
        }
    }
    false
}

/// The media type a content pointer ends in (`…/content/application~1json`).
fn media_of(pointer: &str) -> String {
    crate::pointer::segments(pointer)
        .and_then(|s| s.last().cloned())
        .unwrap_or_default()
}

/// `untyped-body`: the JSON or form body sturdy sends, or the JSON body it decodes, is
/// `serde_json::Value`.
fn untyped_bodies(r: &mut Report, types: &BTreeMap<String, TypeDef>, o: &Operation) {
    let body = o.body.as_ref().zip(o.origin.body.as_ref());
    if let Some((b, at)) = body.filter(|(b, _)| {
        matches!(b.encoding, BodyEncoding::Json | BodyEncoding::Form) && untyped(&b.ty, types)
    }) {
        let fix = r.fix(
            "give the request an `example` or a `schema`",
            "give the media type a `schema` with properties",
        );
        r.push(
            "untyped-body",
            Severity::Warning,
            at.clone(),
            format!(
                "{} sends an untyped `{}` body (it becomes `serde_json::Value`)",
                label(o),
                b.content_type
            ),
            fix,
        );
    }
    let success =
        o.origin.success_media.as_ref().filter(|_| {
            o.success.encoding == ResponseEncoding::Json && untyped(&o.success.ty, types)
        });
    if let Some(at) = success {
        let fix = r.fix(
            "give the response an `example` or a `schema`",
            "give the media type a `schema` with properties",
        );
        r.push(
            "untyped-body",
            Severity::Warning,
            at.clone(),
            format!(
                "{} returns an untyped `{}` body (it becomes `serde_json::Value`)",
                label(o),
                media_of(at)
            ),
            fix,
        );
    }
}

/// `no-rate-limit`: no client-side limit, and no operation declares a 429 or a rate-limit
/// header.
pub(super) fn rate_limit(r: &mut Report, api: &Api) {
    let hinted = api.operations.iter().any(|o| {
        o.origin.rate_limit_headers || o.errors.iter().any(|e| e.status == StatusMatch::Code(429))
    });
    if api.runtime.rate_limit.is_some() || hinted {
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

/// The OpenAPI key of an OAuth2 flow the IR names in snake case.
fn flow_key(flow: &str) -> &str {
    match flow {
        "client_credentials" => "clientCredentials",
        "authorization_code" => "authorizationCode",
        other => other,
    }
}

/// `oauth2-no-scopes`: OAuth2 schemes without scopes, one finding per declared flow.
pub(super) fn oauth2_scopes(r: &mut Report, api: &Api) {
    for (name, s) in &api.security_schemes {
        let SecurityKind::OAuth2 { flows, scopes, .. } = &s.kind else {
            continue;
        };
        if !scopes.is_empty() {
            continue;
        }
        for flow in flows.iter().map(|f| flow_key(f)) {
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

/// `webhook-no-signature`: webhooks without a signature scheme, one finding per section
/// (`webhooks`, `x-webhooks`) that declares any.
pub(super) fn webhook_signature(r: &mut Report, api: &Api) {
    if api.runtime.webhook_signature.is_some() {
        return;
    }
    for key in ["webhooks", "x-webhooks"] {
        let prefix = format!("#/{key}/");
        if !api.webhooks.iter().any(|w| w.origin.starts_with(&prefix)) {
            continue;
        }
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

/// `unversioned`: nothing pins the version on the wire; a warning when `info.version` is
/// empty too, else an info.
pub(super) fn versioning(r: &mut Report, api: &Api) {
    let server_versioned = api.servers.iter().map(|s| s.url.as_str()).any(|u| {
        u.split('/').skip(3).any(is_version_segment)
            || (!u.contains("://") && u.split('/').any(is_version_segment))
    });
    let ops = &api.operations;
    let paths_versioned = !ops.is_empty()
        && ops
            .iter()
            .all(|o| o.path.split('/').any(is_version_segment));
    let wire = api.runtime.version_header.is_some()
        || ops.iter().any(Operation::has_version_param)
        || server_versioned
        || paths_versioned;
    if wire {
        return;
    }
    let v = api.version.trim();
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
