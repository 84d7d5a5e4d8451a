//! Paths and operations to [`Operation`]s: names, parameters, bodies, responses, security,
//! idempotency, retry and timeout rules.

use std::collections::BTreeMap;

use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, PathStyle, QueryStyle, ReferenceOr, Response,
    Schema, SchemaKind, StatusCode, Type,
};

use crate::ir::idempotency::{accepted_header, is_idempotency_header};
use crate::ir::names::{self, Scope};
use crate::ir::resolve::resolve;
use crate::ir::types::TypeSpace;
use crate::ir::{
    BodyEncoding, ErrorResponse, HttpMethod, Operation, Param, ParamLocation, ParamStyle,
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
    let doc = cx.doc;
    // Parameters: path-item ones overridden by operation ones with the same (name, in).
    let mut raw_params: Vec<(Parameter, String)> = Vec::new();
    for (i, p) in item.parameters.iter().enumerate() {
        let here = format!(
            "{}/parameters/{i}",
            pointer.rsplit_once('/').map_or(pointer, |(a, _)| a)
        );
        match resolve(doc, p, &here) {
            Some(v) => raw_params.push(v),
            None => cx.warnings.push(Warning {
                pointer: here,
                message: "parameter reference could not be resolved; skipped".into(),
            }),
        }
    }
    for (i, p) in op.parameters.iter().enumerate() {
        let here = format!("{pointer}/parameters/{i}");
        match resolve(doc, p, &here) {
            Some((p, at)) => {
                let key = (p.parameter_data_ref().name.clone(), location_of(&p));
                raw_params
                    .retain(|(q, _)| (q.parameter_data_ref().name.clone(), location_of(q)) != key);
                raw_params.push((p, at));
            }
            None => cx.warnings.push(Warning {
                pointer: here,
                message: "parameter reference could not be resolved; skipped".into(),
            }),
        }
    }
    // Path parameters in template order, then the rest in spec order.
    let template_names: Vec<String> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect();
    raw_params.sort_by_key(|(p, _)| match p {
        Parameter::Path { parameter_data, .. } => (
            0,
            template_names
                .iter()
                .position(|n| *n == parameter_data.name)
                .unwrap_or(usize::MAX),
        ),
        _ => (1, 0),
    });
    let mut rust_names = Scope::new();
    let mut params = Vec::new();
    for (p, at) in &raw_params {
        let data = p.parameter_data_ref();
        let location = location_of(p);
        if location == ParamLocation::Header
            && ["accept", "content-type", "authorization"]
                .contains(&data.name.to_ascii_lowercase().as_str())
        {
            continue;
        }
        if location == ParamLocation::Path && !template_names.contains(&data.name) {
            cx.warnings.push(Warning {
                pointer: at.clone(),
                message: format!(
                    "path parameter `{}` is not in the path template; ignored",
                    data.name
                ),
            });
            continue;
        }
        let hint = format!("{type_prefix}{}", names::pascal(&data.name));
        let (ty, schema) = match &data.format {
            ParameterSchemaOrContent::Schema(s) => (
                cx.space.type_of(s, &hint, &format!("{at}/schema")),
                Some(s.clone()),
            ),
            ParameterSchemaOrContent::Content(c) => match c.iter().next() {
                Some((ct, mt)) => match &mt.schema {
                    Some(s) => (
                        cx.space
                            .type_of(s, &hint, &format!("{at}/content/{}/schema", escape(ct))),
                        Some(s.clone()),
                    ),
                    None => (TypeRef::Json, None),
                },
                None => (TypeRef::Json, None),
            },
        };
        let resolved = schema
            .as_ref()
            .and_then(|s| resolve(doc, s, ""))
            .map(|(s, _)| s);
        let is_array = resolved
            .as_ref()
            .is_some_and(|s| matches!(s.schema_kind, SchemaKind::Type(Type::Array(_))));
        let is_object = resolved.as_ref().is_some_and(|s| {
            matches!(
                s.schema_kind,
                SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. }
            )
        });
        let style = match p {
            Parameter::Query { style, .. } => {
                let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
                match (style, is_array, is_object) {
                    (QueryStyle::DeepObject, _, _) => ParamStyle::Object { deep: true },
                    (QueryStyle::SpaceDelimited, true, _) => ParamStyle::Array {
                        explode: false,
                        delimiter: ' ',
                    },
                    (QueryStyle::PipeDelimited, true, _) => ParamStyle::Array {
                        explode: false,
                        delimiter: '|',
                    },
                    (_, true, _) => ParamStyle::Array {
                        explode,
                        delimiter: ',',
                    },
                    (_, _, true) => ParamStyle::Object { deep: false },
                    _ => ParamStyle::Simple,
                }
            }
            Parameter::Path {
                style: PathStyle::Simple,
                ..
            }
            | Parameter::Header { .. }
            | Parameter::Cookie { .. }
                if is_array =>
            {
                ParamStyle::Array {
                    explode: false,
                    delimiter: ',',
                }
            }
            _ if is_object => ParamStyle::Json,
            _ => ParamStyle::Simple,
        };
        // The runtime supplies an idempotency key when the caller gives none, so the
        // header is never a required argument.
        let required = (data.required
            && !(location == ParamLocation::Header && is_idempotency_header(&data.name)))
            || location == ParamLocation::Path;
        // Required parameters are arguments beside the method's own names; optional ones
        // are fields of the params struct, where no name collides.
        let rust_name = if required {
            names::param_name(&data.name)
        } else {
            names::snake(&data.name)
        };
        params.push(Param {
            name: data.name.clone(),
            rust_name: rust_names.claim(&rust_name),
            location,
            required,
            ty,
            style,
            docs: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
        });
    }
    // Path parameters named in the template but never declared: strings, with a warning.
    for n in &template_names {
        if !params
            .iter()
            .any(|p| p.location == ParamLocation::Path && &p.name == n)
        {
            cx.warnings.push(Warning {
                pointer: pointer.to_owned(),
                message: format!("path parameter `{n}` is not declared; typed as a string"),
            });
            let rust_name = rust_names.claim(&names::param_name(n));
            let at = params
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .count();
            params.insert(
                at,
                Param {
                    name: n.clone(),
                    rust_name,
                    location: ParamLocation::Path,
                    required: true,
                    ty: TypeRef::Prim(crate::ir::Prim::String),
                    style: ParamStyle::Simple,
                    docs: None,
                    deprecated: false,
                },
            );
        }
    }

    // Body.
    let body = op
        .request_body
        .as_ref()
        .and_then(|b| crate::ir::body::build_body(cx, b, pointer, &type_prefix));

    // Responses.
    let mut success: Option<SuccessResponse> = None;
    let mut success_schema: Option<ReferenceOr<Schema>> = None;
    let mut success_headers: Vec<String> = Vec::new();
    let mut errors = Vec::new();
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
            let (encoding, ty) = match media {
                None => (ResponseEncoding::Empty, TypeRef::Unit),
                Some((ct, mt, enc)) => match enc {
                    BodyEncoding::Json => match &mt.schema {
                        Some(s) => {
                            success_schema = Some(s.clone());
                            (
                                ResponseEncoding::Json,
                                cx.space.type_of(
                                    s,
                                    &format!("{type_prefix}Response"),
                                    &format!("{at}/content/{}/schema", escape(ct)),
                                ),
                            )
                        }
                        None => (ResponseEncoding::Json, TypeRef::Json),
                    },
                    BodyEncoding::Text => (
                        ResponseEncoding::Text,
                        TypeRef::Prim(crate::ir::Prim::String),
                    ),
                    _ => (
                        ResponseEncoding::Bytes,
                        TypeRef::Prim(crate::ir::Prim::Binary),
                    ),
                },
            };
            success_headers = resp.headers.keys().cloned().collect();
            success = Some(SuccessResponse {
                status: status_code,
                encoding,
                ty,
                docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
            });
        } else if !matches!(
            status,
            StatusMatch::Code(100..=399) | StatusMatch::Range(1..=3)
        ) {
            let ty = match media {
                Some((ct, mt, BodyEncoding::Json)) => match &mt.schema {
                    Some(s) => cx.space.type_of(
                        s,
                        &format!("{type_prefix}{}", variant_for(*status)),
                        &format!("{at}/content/{}/schema", escape(ct)),
                    ),
                    None => TypeRef::Json,
                },
                _ => TypeRef::Unit,
            };
            errors.push(ErrorResponse {
                status: *status,
                variant: variant_for(*status),
                ty,
                docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
            });
        }
    }
    let success = success.unwrap_or(SuccessResponse {
        status: 0,
        encoding: ResponseEncoding::Empty,
        ty: TypeRef::Unit,
        docs: None,
    });

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

    let param_locs: Vec<(String, ParamLocation)> = params
        .iter()
        .map(|p| (p.name.clone(), p.location))
        .collect();
    let pagination = if method == HttpMethod::Get {
        crate::ir::pagination_hook::detect(
            cx,
            op,
            pointer,
            &param_locs,
            success_schema.as_ref(),
            &success_headers,
            &type_prefix,
        )
    } else {
        None
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
    }
}

fn location_of(p: &Parameter) -> ParamLocation {
    match p {
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Cookie { .. } => ParamLocation::Cookie,
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
