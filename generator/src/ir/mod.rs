//! Stage 2: the loaded document becomes the [`Api`] — the API as sturdy sees it.
//!
//! The IR reads the typed document (`doc.openapi`) and, from the raw JSON (`doc.raw`), only
//! what the typed model cannot hold: `$ref` targets of any kind, followed with
//! [`crate::pointer`] ([`resolve`]); root extensions (`x-sturdy-rate-limit`,
//! `x-sturdy-idempotency`, ...); and `webhooks`/`x-webhooks`, which the OpenAPI 3.0 model
//! lacks; and the examples, which [`evidence`] walks once the types are final to relax what
//! the provider's own examples contradict. Load has normalized the raw document by then, so both views agree. It reads the
//! document once: `sturdy lint` reads the [`Api`] (each operation's [`origin::Origin`] gives
//! the JSON pointers its findings name), never the document again.

mod body;
pub mod evidence;
pub mod examples;
pub mod idempotency;
mod model;
pub mod origin;
pub use crate::names;
pub(crate) mod operations;
pub mod pagination;
mod pagination_hook;
mod params;
pub mod reach;
pub mod resolve;
mod streaming;
pub mod types;
mod webhooks;

use std::collections::BTreeMap;

pub use model::*;
pub use reach::request_types;

use crate::load::Document;
use crate::Warning;

/// Why the IR could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IrError {
    /// The document has a construct that cannot be represented.
    #[error("{path}: {pointer}: {message}")]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// JSON pointer.
        pointer: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Builds the IR of a loaded document.
pub fn build(doc: &Document) -> Result<(Api, Vec<Warning>), IrError> {
    let mut warnings = Vec::new();
    let mut space = types::TypeSpace::new(doc);
    space.add_components();
    let runtime = runtime_config(doc);
    let mut cx = operations::Ctx {
        doc,
        space: &mut space,
        warnings: &mut warnings,
        default_security: operations::default_security(doc),
        api_retry: runtime.retry.clone(),
        api_timeout: runtime.timeout_ms,
    };
    let mut operations = operations::build_operations(&mut cx);
    let mut webhooks = webhooks::build(doc, &mut space, &mut warnings);
    let (mut types, type_warnings, renames) = space.finish_with_renames();
    for op in &mut operations {
        types::rename_operation(op, &renames);
    }
    for w in &mut webhooks {
        types::rename_webhook(w, &renames);
    }
    warnings.extend(type_warnings);
    operations::settle_styles(&mut operations, &types);
    evidence::apply(doc, &operations, &mut types, &mut warnings);
    examples::settle(&mut operations, &types);
    let info = &doc.openapi.info;
    let mut tags: BTreeMap<String, Option<String>> = BTreeMap::new();
    for t in &doc.openapi.tags {
        tags.insert(t.name.clone(), t.description.clone());
    }
    for op in &operations {
        for t in &op.tags {
            tags.entry(t.clone()).or_insert(None);
        }
    }
    tags.retain(|t, _| operations.iter().any(|o| o.tags.first() == Some(t)));
    warnings.sort();
    warnings.dedup();
    Ok((
        Api {
            title: info.title.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
            servers: servers(doc),
            security_schemes: security_schemes(doc, &mut warnings),
            types,
            operations,
            webhooks,
            runtime,
            tags,
            docs_base: doc.openapi.external_docs.as_ref().map(|d| d.url.clone()),
        },
        warnings,
    ))
}

fn servers(doc: &Document) -> Vec<Server> {
    let mut names = names::Scope::new();
    doc.openapi
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let raw_name = s
                .extensions
                .get("x-sturdy-environment")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .or_else(|| {
                    let d = s.description.as_deref().unwrap_or("").to_ascii_lowercase();
                    [
                        "production",
                        "sandbox",
                        "staging",
                        "development",
                        "test",
                        "mock",
                        "local",
                    ]
                    .iter()
                    .find(|k| d.contains(*k))
                    .map(|k| (*k).to_owned())
                })
                .unwrap_or_else(|| {
                    if i == 0 {
                        "default".to_owned()
                    } else {
                        format!("server {i}")
                    }
                });
            let mut variables: Vec<ServerVariable> = s
                .variables
                .iter()
                .flat_map(|m| m.iter())
                .map(|(k, v)| ServerVariable {
                    name: k.clone(),
                    default: v.default.clone(),
                    allowed: v.enumeration.clone(),
                    description: v.description.clone(),
                })
                .collect();
            variables.sort_by(|a, b| a.name.cmp(&b.name));
            Server {
                name: names.claim(&names::pascal(&raw_name)),
                url: s.url.clone(),
                description: s.description.clone(),
                variables,
            }
        })
        .collect()
}

fn security_schemes(
    doc: &Document,
    warnings: &mut Vec<Warning>,
) -> BTreeMap<String, SecurityScheme> {
    let mut out = BTreeMap::new();
    let Some(c) = &doc.openapi.components else {
        return out;
    };
    for (name, s) in &c.security_schemes {
        let here = format!(
            "#/components/securitySchemes/{}",
            crate::pointer::escape(name)
        );
        let Some((s, _)) = resolve::resolve(doc, s, &here) else {
            warnings.push(Warning {
                pointer: here,
                message: "security scheme reference could not be resolved; ignored".into(),
            });
            continue;
        };
        use openapiv3::SecurityScheme as S;
        let (kind, description) = match s {
            S::APIKey {
                location,
                name: key,
                description,
                ..
            } => (
                SecurityKind::ApiKey {
                    location: match location {
                        openapiv3::APIKeyLocation::Query => ParamLocation::Query,
                        openapiv3::APIKeyLocation::Header => ParamLocation::Header,
                        openapiv3::APIKeyLocation::Cookie => ParamLocation::Cookie,
                    },
                    name: key,
                },
                description,
            ),
            S::HTTP {
                scheme,
                description,
                ..
            } => match scheme.to_ascii_lowercase().as_str() {
                "basic" => (SecurityKind::Basic, description),
                "bearer" => (SecurityKind::Bearer, description),
                other => {
                    warnings.push(Warning {
                        pointer: here.clone(),
                        message: format!(
                            "HTTP auth scheme `{other}` is sent as a bearer-style token"
                        ),
                    });
                    (SecurityKind::Bearer, description)
                }
            },
            S::OAuth2 {
                flows, description, ..
            } => (oauth2_kind(&flows), description),
            S::OpenIDConnect {
                open_id_connect_url,
                description,
                ..
            } => (
                SecurityKind::OpenIdConnect {
                    url: open_id_connect_url,
                },
                description,
            ),
        };
        out.insert(
            name.clone(),
            SecurityScheme {
                name: name.clone(),
                kind,
                description,
            },
        );
    }
    out
}

/// An OAuth2 scheme's flows: their names, the first token, authorization and refresh URLs
/// they give, and every scope.
fn oauth2_kind(flows: &openapiv3::OAuth2Flows) -> SecurityKind {
    let mut kinds = Vec::new();
    let mut scopes = BTreeMap::new();
    let (mut token_url, mut authorization_url, mut refresh_url) = (None, None, None);
    if let Some(f) = &flows.client_credentials {
        kinds.push("client_credentials".to_owned());
        token_url = Some(f.token_url.clone());
        refresh_url = refresh_url.or(f.refresh_url.clone());
        scopes.extend(f.scopes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(f) = &flows.authorization_code {
        kinds.push("authorization_code".to_owned());
        token_url = token_url.or(Some(f.token_url.clone()));
        authorization_url = Some(f.authorization_url.clone());
        refresh_url = refresh_url.or(f.refresh_url.clone());
        scopes.extend(f.scopes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(f) = &flows.password {
        kinds.push("password".to_owned());
        token_url = token_url.or(Some(f.token_url.clone()));
        scopes.extend(f.scopes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(f) = &flows.implicit {
        kinds.push("implicit".to_owned());
        authorization_url = authorization_url.or(Some(f.authorization_url.clone()));
        scopes.extend(f.scopes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    SecurityKind::OAuth2 {
        token_url,
        authorization_url,
        refresh_url,
        flows: kinds,
        scopes,
    }
}

fn runtime_config(doc: &Document) -> RuntimeConfig {
    let root = &doc.raw;
    let rate_limit = root.get("x-sturdy-rate-limit").and_then(|v| {
        let per_second = v
            .get("per_second")
            .and_then(|n| n.as_f64())
            .filter(|n| *n > 0.0 && n.is_finite())?;
        let burst = v
            .get("burst")
            .and_then(|n| n.as_u64())
            .unwrap_or(1)
            .clamp(1, u32::MAX as u64) as u32;
        Some(RateLimit { per_second, burst })
    });
    RuntimeConfig {
        error_pointer: root
            .get("x-sturdy-error")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        version_header: root.get("x-sturdy-version-header").and_then(|v| {
            Some((
                v.get("name")?.as_str()?.to_owned(),
                v.get("value")?.as_str()?.to_owned(),
            ))
        }),
        rate_limit,
        health_check: root
            .get("x-sturdy-health-check")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        retry: operations::retry_rules(root.get("x-sturdy-retry")),
        timeout_ms: root.get("x-sturdy-timeout").and_then(|v| v.as_u64()),
        request_signing: root
            .get("x-sturdy-request-signing")
            .filter(|v| v.is_object())
            .map(|v| {
                let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
                RequestSigning {
                    header: s("header"),
                    timestamp_header: s("timestamp_header"),
                    algorithm: s("algorithm"),
                    encoding: s("encoding"),
                    prefix: s("prefix"),
                    signed: s("signed"),
                }
            }),
        webhook_envelope: webhooks::envelope(root.get("x-sturdy-webhook-envelope")),
        webhook_signature: root.get("x-sturdy-webhook-signature").and_then(|v| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            Some(WebhookSignature {
                scheme: s("scheme")?,
                header: s("header"),
                algorithm: s("algorithm"),
                encoding: s("encoding"),
                prefix: s("prefix"),
                timestamp_header: s("timestamp_header"),
                id_header: s("id_header"),
                signed: s("signed"),
            })
        }),
    }
}
