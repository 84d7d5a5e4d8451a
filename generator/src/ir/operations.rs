//! Paths and operations to [`Operation`]s: names, parameters, bodies, responses, security,
//! idempotency, retry and timeout rules.

use std::collections::BTreeMap;

use openapiv3::{MediaType, ReferenceOr, Response, Schema, StatusCode};

use crate::ir::idempotency::accepted_header;
use crate::ir::names::{self, Scope};
use crate::ir::origin::{is_rate_limit_header, Origin};
use crate::ir::resolve::resolve;
use crate::ir::types::TypeSpace;
use crate::ir::{
    BodyEncoding, ErrorResponse, HttpMethod, Operation, ParamLocation, ParamStyle,
    ResponseEncoding, RetryRules, Security, StatusMatch, SuccessResponse, TypeRef,
};
use crate::load::Document;
use crate::pointer::escape;
use crate::Warning;

fn methods(item: &openapiv3::PathItem) -> Vec<(HttpMethod, &openapiv3::Operation)> {
    let mut v = Vec::new();
    let pairs = [
        (HttpMethod::Get, &item.get),
        (HttpMethod::Put, &item.put),
        (HttpMethod::Post, &item.post),
        (HttpMethod::Delete, &item.delete),
        (HttpMethod::Options, &item.options),
        (HttpMethod::Head, &item.head),
        (HttpMethod::Patch, &item.patch),
        (HttpMethod::Trace, &item.trace),
    ];
    for (m, op) in pairs {
        if let Some(op) = op {
            v.push((m, op));
        }
    }
    v
}

/// A stable id for an operation without `operationId`: method and path words.
pub fn synthesize_id(method: HttpMethod, path: &str) -> String {
    let mut words = vec![method.as_str().to_ascii_lowercase()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            words.push(format!("by_{p}"));
        } else {
            words.push(seg.to_owned());
        }
    }
    names::snake(&words.join("_"))
}

fn ext_u64(v: Option<&serde_json::Value>) -> Option<u64> {
    v.and_then(|v| v.as_u64())
}

/// Parses an `x-sturdy-retry` object.
pub fn retry_rules(v: Option<&serde_json::Value>) -> RetryRules {
    let Some(v) = v else {
        return RetryRules::default();
    };
    RetryRules {
        retry_conflict: v
            .get("retry_conflict")
            .and_then(|b| b.as_bool())
            .unwrap_or(false),
        terminal_codes: v
            .get("terminal_codes")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        max_retries: v
            .get("max_retries")
            .and_then(|n| n.as_u64())
            .map(|n| n.min(u32::MAX as u64) as u32),
        idempotent: v.get("idempotent").and_then(|b| b.as_bool()),
    }
}

fn merge_retry(api: &RetryRules, op: RetryRules) -> RetryRules {
    let mut terminal = api.terminal_codes.clone();
    for c in op.terminal_codes {
        if !terminal.contains(&c) {
            terminal.push(c);
        }
    }
    RetryRules {
        retry_conflict: op.retry_conflict || api.retry_conflict,
        terminal_codes: terminal,
        max_retries: op.max_retries.or(api.max_retries),
        idempotent: op.idempotent.or(api.idempotent),
    }
}

pub(crate) fn pick_media(
    content: &indexmap::IndexMap<String, MediaType>,
) -> Option<(&str, &MediaType, BodyEncoding)> {
    let rank = |ct: &str| -> Option<(u8, BodyEncoding)> {
        let ct = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if ct == "application/json" {
            Some((0, BodyEncoding::Json))
        } else if ct.ends_with("+json") || ct.ends_with("/json") {
            Some((1, BodyEncoding::Json))
        } else if ct == "application/x-www-form-urlencoded" {
            Some((2, BodyEncoding::Form))
        } else if ct == "multipart/form-data" {
            Some((3, BodyEncoding::Multipart))
        } else if ct.starts_with("text/") {
            Some((5, BodyEncoding::Text))
        } else if ct == "*/*" || ct.contains('/') {
            Some((4, BodyEncoding::Bytes))
        } else {
            None
        }
    };
    content
        .iter()
        .filter_map(|(ct, mt)| rank(ct).map(|(r, e)| (r, ct.as_str(), mt, e)))
        .min_by_key(|(r, ct, _, _)| (*r, *ct))
        .map(|(_, ct, mt, e)| (ct, mt, e))
}

fn variant_for(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => match c {
            400 => "BadRequest".into(),
            401 => "Unauthorized".into(),
            402 => "PaymentRequired".into(),
            403 => "Forbidden".into(),
            404 => "NotFound".into(),
            405 => "MethodNotAllowed".into(),
            406 => "NotAcceptable".into(),
            408 => "RequestTimeout".into(),
            409 => "Conflict".into(),
            410 => "Gone".into(),
            412 => "PreconditionFailed".into(),
            413 => "PayloadTooLarge".into(),
            415 => "UnsupportedMediaType".into(),
            422 => "UnprocessableEntity".into(),
            423 => "Locked".into(),
            429 => "TooManyRequests".into(),
            500 => "InternalServerError".into(),
            501 => "NotImplemented".into(),
            502 => "BadGateway".into(),
            503 => "ServiceUnavailable".into(),
            504 => "GatewayTimeout".into(),
            c => format!("Status{c}"),
        },
        StatusMatch::Range(4) => "ClientError".into(),
        StatusMatch::Range(5) => "ServerError".into(),
        StatusMatch::Range(d) => format!("Status{d}xx"),
        StatusMatch::Default => "Default".into(),
    }
}

pub(crate) struct Ctx<'a, 'b> {
    pub(crate) doc: &'a Document,
    pub(crate) space: &'b mut TypeSpace<'a>,
    pub(crate) warnings: &'b mut Vec<Warning>,
    pub(crate) default_security: Security,
    pub(crate) api_retry: RetryRules,
    pub(crate) api_timeout: Option<u64>,
}

fn security_of(req: &[openapiv3::SecurityRequirement]) -> Security {
    req.iter()
        .map(|alt| alt.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .collect()
}

/// The API-level security default.
pub(crate) fn default_security(doc: &Document) -> Security {
    doc.openapi
        .security
        .as_deref()
        .map(security_of)
        .unwrap_or_default()
}

/// Builds every operation, sorted by method name.
pub(crate) fn build_operations(cx: &mut Ctx<'_, '_>) -> Vec<Operation> {
    let mut out = Vec::new();
    let mut method_names = Scope::with_reserved([
        "new",
        "builder",
        "client",
        "inner",
        "with_options",
        "base_url",
        "verify_credentials",
        "set_credential",
        "health",
    ]);
    let mut prefixes = Scope::new();
    let doc = cx.doc;
    for (path, item) in doc.openapi.paths.paths.iter() {
        let item_ptr = format!("#/paths/{}", escape(path));
        let item = match resolve(doc, item, &item_ptr) {
            Some((i, _)) => i,
            None => {
                cx.warnings.push(Warning {
                    pointer: item_ptr,
                    message:
                        "path item reference could not be resolved; its operations are skipped"
                            .into(),
                });
                continue;
            }
        };
        for (method, op) in methods(&item) {
            let pointer = format!("{item_ptr}/{}", method.as_str().to_ascii_lowercase());
            let id = op
                .operation_id
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| synthesize_id(method, path));
            let method_name = method_names.claim(&names::snake(&id));
            let type_prefix = prefixes.claim(&names::pascal(&method_name));
            let built = build_one(
                cx,
                &item,
                op,
                method,
                path,
                &pointer,
                id,
                method_name,
                type_prefix,
            );
            out.push(built);
        }
    }
    out.sort_by(|a, b| a.method_name.cmp(&b.method_name));
    out
}

#[allow(clippy::too_many_arguments)]
fn build_one(
    cx: &mut Ctx<'_, '_>,
    item: &openapiv3::PathItem,
    op: &openapiv3::Operation,
    method: HttpMethod,
    path: &str,
    pointer: &str,
    id: String,
    method_name: String,
    type_prefix: String,
) -> Operation {
    let (params, param_origins): (Vec<_>, Vec<_>) =
        crate::ir::params::build_params(cx, item, op, path, pointer, &type_prefix)
            .into_iter()
            .unzip();

    // Body.
    let body = op
        .request_body
        .as_ref()
        .and_then(|b| crate::ir::body::build_body(cx, b, pointer, &type_prefix));

    let responses = responses(cx, op, pointer, &type_prefix);

    let Policy {
        security,
        idempotency_header,
        retry,
        timeout_ms,
    } = policy(cx, op, method, &params);
    let streaming = crate::ir::streaming::detect(cx, op, pointer, &type_prefix);
    let (pagination, unpaginated_list) =
        pagination_of(cx, op, method, pointer, &params, &responses, &type_prefix);
    let Responses {
        success,
        errors,
        success_key,
        success_media,
        rate_limit_headers,
        ..
    } = responses;
    let origin = Origin {
        pointer: pointer.to_owned(),
        operation_id: op.operation_id.clone(),
        params: param_origins,
        body: body
            .as_ref()
            .map(|b| format!("{pointer}/requestBody/content/{}", escape(&b.content_type))),
        success: success_key
            .as_ref()
            .map(|k| format!("{pointer}/responses/{k}")),
        success_media: success_key
            .as_ref()
            .zip(success_media)
            .map(|(k, ct)| format!("{pointer}/responses/{k}/content/{}", escape(&ct))),
        responses: format!("{pointer}/responses"),
        rate_limit_headers,
        unpaginated_list,
    };

    Operation {
        id,
        method_name,
        type_prefix,
        method,
        path: path.to_owned(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        deprecated: op.deprecated,
        tags: op.tags.clone(),
        params,
        body,
        success,
        errors,
        security,
        pagination,
        idempotency_header,
        retry,
        timeout_ms,
        streaming,
        origin,
    }
}

/// An operation's responses with their status and key (`200`, `4XX`, `default`), in status
/// order (codes, then ranges, then `default`).
fn status_entries(op: &openapiv3::Operation) -> Vec<(StatusMatch, &ReferenceOr<Response>, String)> {
    let mut entries: Vec<(StatusMatch, &ReferenceOr<Response>, String)> = op
        .responses
        .responses
        .iter()
        .map(|(code, r)| {
            let (m, key) = match code {
                StatusCode::Code(c) => (StatusMatch::Code(*c), c.to_string()),
                StatusCode::Range(d) => (StatusMatch::Range(*d as u8), format!("{d}XX")),
            };
            (m, r, key)
        })
        .collect();
    if let Some(d) = &op.responses.default {
        entries.push((StatusMatch::Default, d, "default".into()));
    }
    entries.sort_by_key(|(m, _, _)| *m);
    entries
}

/// The success response's encoding and type (named `<Prefix>Response`), and its JSON schema
/// when it has one (for pagination).
fn success_body(
    cx: &mut Ctx<'_, '_>,
    media: Option<(&str, &MediaType, BodyEncoding)>,
    at: &str,
    type_prefix: &str,
) -> (ResponseEncoding, TypeRef, Option<ReferenceOr<Schema>>) {
    let Some((ct, mt, enc)) = media else {
        return (ResponseEncoding::Empty, TypeRef::Unit, None);
    };
    match enc {
        BodyEncoding::Json => match &mt.schema {
            Some(s) => {
                let ty = cx.space.type_of(
                    s,
                    &format!("{type_prefix}Response"),
                    &format!("{at}/content/{}/schema", escape(ct)),
                );
                (ResponseEncoding::Json, ty, Some(s.clone()))
            }
            None => (ResponseEncoding::Json, TypeRef::Json, None),
        },
        BodyEncoding::Text => (
            ResponseEncoding::Text,
            TypeRef::Prim(crate::ir::Prim::String),
            None,
        ),
        _ => (
            ResponseEncoding::Bytes,
            TypeRef::Prim(crate::ir::Prim::Binary),
            None,
        ),
    }
}

/// A `GET`'s pagination, when detected; else, for a `GET` whose response holds a list, the
/// pointer of that list (an unpaginated list, for lint).
fn pagination_of(
    cx: &mut Ctx<'_, '_>,
    op: &openapiv3::Operation,
    method: HttpMethod,
    pointer: &str,
    params: &[crate::ir::Param],
    responses: &Responses,
    type_prefix: &str,
) -> (Option<crate::ir::Pagination>, Option<String>) {
    if method != HttpMethod::Get {
        return (None, None);
    }
    let param_locs: Vec<(String, ParamLocation)> = params
        .iter()
        .map(|p| (p.name.clone(), p.location))
        .collect();
    let pagination = crate::ir::pagination_hook::detect(
        cx,
        op,
        pointer,
        &param_locs,
        responses.success_schema.as_ref(),
        &responses.success_headers,
        type_prefix,
    );
    let unpaginated_list = match pagination {
        None => crate::ir::pagination::list_items(cx.doc, responses.success_schema.as_ref()),
        Some(_) => None,
    };
    (pagination, unpaginated_list)
}

/// A declared error response: its variant (`NotFound`, `Status4XX`, `Default`) and type (named
/// `<Prefix><Variant>`; unit without a JSON body).
fn error_response(
    cx: &mut Ctx<'_, '_>,
    status: StatusMatch,
    resp: &Response,
    media: Option<(&str, &MediaType, BodyEncoding)>,
    at: &str,
    type_prefix: &str,
) -> ErrorResponse {
    let ty = match media {
        Some((ct, mt, BodyEncoding::Json)) => match &mt.schema {
            Some(s) => cx.space.type_of(
                s,
                &format!("{type_prefix}{}", variant_for(status)),
                &format!("{at}/content/{}/schema", escape(ct)),
            ),
            None => TypeRef::Json,
        },
        _ => TypeRef::Unit,
    };
    ErrorResponse {
        status,
        variant: variant_for(status),
        ty,
        docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
    }
}

/// How the runtime treats an operation's calls: credentials, idempotency key, retries and
/// timeout (each the operation's own `x-sturdy-*` setting, else the API's).
struct Policy {
    security: Security,
    idempotency_header: Option<String>,
    retry: RetryRules,
    timeout_ms: Option<u64>,
}

fn policy(
    cx: &Ctx<'_, '_>,
    op: &openapiv3::Operation,
    method: HttpMethod,
    params: &[crate::ir::Param],
) -> Policy {
    let security = match &op.security {
        Some(s) => security_of(s),
        None => cx.default_security.clone(),
    };
    let idempotency_header = accepted_header(
        method,
        op.extensions.get("x-sturdy-idempotency"),
        params
            .iter()
            .filter(|p| p.location == ParamLocation::Header)
            .map(|p| p.name.as_str()),
        cx.doc.raw.get("x-sturdy-idempotency"),
    );
    let retry = merge_retry(
        &cx.api_retry,
        retry_rules(op.extensions.get("x-sturdy-retry")),
    );
    let timeout_ms = ext_u64(op.extensions.get("x-sturdy-timeout")).or(cx.api_timeout);
    Policy {
        security,
        idempotency_header,
        retry,
        timeout_ms,
    }
}

/// What an operation's responses declare: the success response (its schema and header names,
/// for pagination) and the typed error responses.
struct Responses {
    success: SuccessResponse,
    success_schema: Option<ReferenceOr<Schema>>,
    success_headers: Vec<String>,
    errors: Vec<ErrorResponse>,
    /// The key of the success response (`200`, `2XX`, `default`).
    success_key: Option<String>,
    /// The media type of the success response sturdy decodes.
    success_media: Option<String>,
    /// Some response declares a rate-limit header.
    rate_limit_headers: bool,
}

fn responses(
    cx: &mut Ctx<'_, '_>,
    op: &openapiv3::Operation,
    pointer: &str,
    type_prefix: &str,
) -> Responses {
    let doc = cx.doc;
    let mut success: Option<SuccessResponse> = None;
    let mut success_schema: Option<ReferenceOr<Schema>> = None;
    let mut success_headers: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let (mut success_key, mut success_media, mut rate_limit_headers) = (None, None, false);
    let entries = status_entries(op);
    let has_2xx = entries
        .iter()
        .any(|(m, _, _)| matches!(m, StatusMatch::Code(200..=299) | StatusMatch::Range(2)));
    for (status, r, key) in &entries {
        let here = format!("{pointer}/responses/{key}");
        let Some((resp, at)) = resolve(doc, *r, &here) else {
            cx.warnings.push(Warning {
                pointer: here,
                message: "response reference could not be resolved; ignored".into(),
            });
            continue;
        };
        rate_limit_headers |= resp.headers.keys().any(|h| is_rate_limit_header(h));
        let is_success = matches!(status, StatusMatch::Code(200..=299) | StatusMatch::Range(2))
            || (!has_2xx && *status == StatusMatch::Default);
        let media = pick_media(&resp.content);
        if is_success {
            if success.is_some() {
                continue;
            }
            let status_code = match status {
                StatusMatch::Code(c) => *c,
                _ => 0,
            };
            let (encoding, ty, schema) = success_body(cx, media, &at, type_prefix);
            if schema.is_some() {
                success_schema = schema;
            }
            success_headers = resp.headers.keys().cloned().collect();
            success_key = Some(key.clone());
            success_media = media.map(|(ct, _, _)| ct.to_owned());
            let example = media.and_then(|(ct, mt, _)| {
                crate::ir::examples::spec_example(doc, mt, &format!("{at}/content/{}", escape(ct)))
            });
            success = Some(SuccessResponse {
                status: status_code,
                encoding,
                ty,
                docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
                example,
            });
        } else if !matches!(
            status,
            StatusMatch::Code(100..=399) | StatusMatch::Range(1..=3)
        ) {
            errors.push(error_response(cx, *status, &resp, media, &at, type_prefix));
        }
    }
    let success = success.unwrap_or(SuccessResponse {
        status: 0,
        encoding: ResponseEncoding::Empty,
        ty: TypeRef::Unit,
        docs: None,
        example: None,
    });
    Responses {
        success,
        success_schema,
        success_headers,
        errors,
        success_key,
        success_media,
        rate_limit_headers,
    }
}

/// After every type is known: styles that need `ParamValue` fall back to JSON text when the
/// value type cannot be a parameter (an object or union used as a scalar).
pub(crate) fn settle_styles(ops: &mut [Operation], types: &BTreeMap<String, crate::ir::TypeDef>) {
    for op in ops {
        for p in &mut op.params {
            p.style = match (&p.style, &p.ty) {
                (ParamStyle::Simple, t) if !param_value_ok(t, types) => ParamStyle::Json,
                (ParamStyle::Array { .. }, TypeRef::Vec(inner))
                    if !param_value_ok(inner, types) =>
                {
                    ParamStyle::Json
                }
                (ParamStyle::Array { .. }, t)
                    if !matches!(resolve_alias(t, types), TypeRef::Vec(_)) =>
                {
                    if param_value_ok(t, types) {
                        ParamStyle::Simple
                    } else {
                        ParamStyle::Json
                    }
                }
                (s, _) => *s,
            };
        }
    }
}

fn resolve_alias<'t>(
    t: &'t TypeRef,
    types: &'t BTreeMap<String, crate::ir::TypeDef>,
) -> &'t TypeRef {
    let mut cur = t;
    for _ in 0..16 {
        match cur {
            TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
                Some(crate::ir::TypeKind::Alias(inner)) => cur = inner,
                _ => return cur,
            },
            TypeRef::Boxed(inner) => cur = inner,
            _ => return cur,
        }
    }
    cur
}

/// Whether values of `t` implement `ParamValue` in generated code.
pub(crate) fn param_value_ok(t: &TypeRef, types: &BTreeMap<String, crate::ir::TypeDef>) -> bool {
    match t {
        TypeRef::Prim(p) => !matches!(p, crate::ir::Prim::Binary),
        TypeRef::Json => true,
        TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
            Some(crate::ir::TypeKind::Enum(_)) => true,
            Some(crate::ir::TypeKind::Alias(inner)) => param_value_ok(inner, types),
            _ => false,
        },
        _ => false,
    }
}
