//! Contract snapshots: a compact YAML (or JSON) description of an API as its integrators know
//! it — environments, auth, endpoints with examples, error cases, rate limits, idempotency,
//! pagination and webhooks — turned into an OpenAPI 3.1 document whose `x-sturdy-*`
//! extensions carry what OpenAPI cannot say. The format is described in
//! `docs/contract-snapshot.md` and `docs/contract-snapshot.schema.json`.
//!
//! Loading a snapshot is, by construction, loading the OpenAPI document [`to_openapi`]
//! returns, so `sturdy convert SNAPSHOT --to openapi` and a client generated from either file
//! agree byte for byte.

mod infer;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::ir::names;
use crate::load::LoadError;

use infer::{Registry, Shape};

/// The value of the top-level `sturdy` key this version understands.
pub const FORMAT: &str = "snapshot/v1";

const ROOT_KEYS: &[&str] = &[
    "sturdy",
    "name",
    "version",
    "description",
    "version_header",
    "environments",
    "auth",
    "types",
    "error",
    "errors",
    "rate_limit",
    "timeout_ms",
    "retry",
    "idempotency",
    "health_check",
    "tags",
    "endpoints",
    "webhooks",
];
const ENDPOINT_KEYS: &[&str] = &[
    "method",
    "path",
    "summary",
    "description",
    "tags",
    "deprecated",
    "params",
    "request",
    "response",
    "errors",
    "pagination",
    "idempotency",
    "timeout_ms",
    "retry",
    "auth",
    "scopes",
];
const PARAM_KEYS: &[&str] = &[
    "in",
    "required",
    "type",
    "format",
    "enum",
    "default",
    "schema",
    "example",
    "description",
    "deprecated",
];
const BODY_KEYS: &[&str] = &[
    "example",
    "examples",
    "schema",
    "type",
    "names",
    "description",
    "content_type",
    "required",
];
const RESPONSE_KEYS: &[&str] = &[
    "status",
    "example",
    "examples",
    "schema",
    "type",
    "names",
    "description",
    "content_type",
];
const ERROR_KEYS: &[&str] = &[
    "status",
    "code",
    "retryable",
    "terminal",
    "description",
    "example",
];
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
    let raw = parse(&text, path)?;
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

fn parse(text: &str, path: &Path) -> Result<Value, LoadError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| LoadError::Syntax {
            path: path.to_owned(),
            format: "JSON",
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
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
        })
    }
}

/// Converts a parsed snapshot into an OpenAPI 3.1.0 document. `text` is the source (for line
/// and column in errors), `path` names it.
pub fn to_openapi(raw: &Value, text: &str, path: &Path) -> Result<Value, LoadError> {
    Converter {
        text,
        path,
        registry: Registry::default(),
        refs: Vec::new(),
        pins: BTreeMap::new(),
    }
    .convert(raw)
}

fn seg(base: &str, s: &str) -> String {
    format!("{base}/{}", s.replace('~', "~0").replace('/', "~1"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggest(word: &str, options: &[&str]) -> String {
    let best = options.iter().map(|o| (edit_distance(word, o), *o)).min();
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
    api_errors: Vec<(String, &'v Value)>,
    error_schema: Option<Value>,
}

impl<'a> Converter<'a> {
    fn err(&self, pointer: &str, what: impl Display, hint: impl Display) -> LoadError {
        let pos = crate::lint::locate::locate_one(self.text, pointer);
        let column = pos
            .map(|(_, c)| format!("column {c}: "))
            .unwrap_or_default();
        LoadError::Invalid {
            path: self.path.to_owned(),
            pointer: pointer.to_owned(),
            line: pos.map(|(l, _)| l),
            message: format!("{column}{what}; hint: {hint}"),
        }
    }

    fn map<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
        what: &str,
    ) -> Result<&'v Map<String, Value>, LoadError> {
        v.as_object().ok_or_else(|| {
            self.err(
                ptr,
                format!("{what} must be a mapping, found {}", kind(v)),
                "write `key: value` lines indented under it",
            )
        })
    }

    fn string<'v>(&self, v: &'v Value, ptr: &str, what: &str) -> Result<&'v str, LoadError> {
        v.as_str().ok_or_else(|| {
            self.err(
                ptr,
                format!("{what} must be a string, found {}", kind(v)),
                "quote the value",
            )
        })
    }

    fn keys(&self, m: &Map<String, Value>, ptr: &str, allowed: &[&str]) -> Result<(), LoadError> {
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) && !k.starts_with("x-") {
                let mut sorted = allowed.to_vec();
                sorted.sort_unstable();
                return Err(self.err(
                    &seg(ptr, k),
                    format!("unknown key `{k}`"),
                    format!(
                        "{}known keys here: {}",
                        suggest(k, allowed),
                        sorted.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn version_string(&self, v: &Value, ptr: &str) -> Result<String, LoadError> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(self.err(
                ptr,
                "the version must be a non-empty string",
                "write the API version you pinned, e.g. `version: \"2024-06-20\"`",
            )),
        }
    }

    fn convert(mut self, raw: &Value) -> Result<Value, LoadError> {
        let root = self.map(raw, "#", "a snapshot")?;
        let format = root
            .get("sturdy")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if format != FORMAT {
            return Err(self.err(
                "#/sturdy",
                format!("unsupported snapshot format `{format}`"),
                format!("this sturdy reads `sturdy: {FORMAT}`"),
            ));
        }
        self.keys(root, "#", ROOT_KEYS)?;
        let title = match root.get("name") {
            Some(v) => self.string(v, "#/name", "`name`")?.to_owned(),
            None => {
                return Err(self.err(
                    "#",
                    "the snapshot has no `name`",
                    "add `name: Payments API` (it names the generated crate)",
                ))
            }
        };
        let version = match root.get("version") {
            Some(v) => self.version_string(v, "#/version")?,
            None => {
                return Err(self.err(
                    "#",
                    "the snapshot has no `version`",
                    "add the API version you pinned, e.g. `version: \"2024-06-20\"`",
                ))
            }
        };

        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.1.0"));
        let mut info = Map::new();
        info.insert("title".into(), json!(title));
        info.insert("version".into(), json!(version));
        if let Some(d) = root.get("description") {
            info.insert(
                "description".into(),
                json!(self.string(d, "#/description", "`description`")?),
            );
        }
        out.insert("info".into(), Value::Object(info));
        if let Some(envs) = root.get("environments") {
            out.insert("servers".into(), self.environments(envs)?);
        }

        // Types given explicitly are claimed first: inference never overrides them.
        let mut explicit: Vec<(String, Value)> = Vec::new();
        if let Some(types) = root.get("types") {
            for (name, schema) in self.map(types, "#/types", "`types`")? {
                let ptr = seg("#/types", name);
                if names::pascal(name) != *name {
                    return Err(self.err(
                        &ptr,
                        format!("type name `{name}` is not UpperCamelCase"),
                        format!("call it `{}`", names::pascal(name)),
                    ));
                }
                self.map(schema, &ptr, "a type")?;
                explicit.push((name.clone(), self.rewrite_refs(schema, &ptr)));
                self.registry.explicit.insert(name.clone());
            }
        }

        let (schemes, security_schemes) = match root.get("auth") {
            Some(a) => self.auth(a)?,
            None => (Vec::new(), Map::new()),
        };
        if !schemes.is_empty() {
            let alternatives: Vec<Value> = schemes
                .iter()
                .map(|(n, _)| json!({ n.clone(): [] }))
                .collect();
            out.insert("security".into(), Value::Array(alternatives));
        }
        if let Some(tags) = root.get("tags") {
            let mut list = Vec::new();
            for (name, d) in self.map(tags, "#/tags", "`tags`")? {
                let d = self.string(d, &seg("#/tags", name), "a tag description")?;
                list.push(json!({"name": name, "description": d}));
            }
            out.insert("tags".into(), Value::Array(list));
        }

        let endpoints = match root.get("endpoints") {
            Some(e) => self.map(e, "#/endpoints", "`endpoints`")?,
            None => {
                return Err(self.err(
                    "#",
                    "the snapshot has no `endpoints`",
                    "add `endpoints:` with at least one `name: {method: GET, path: /...}`",
                ))
            }
        };
        if endpoints.is_empty() {
            return Err(self.err(
                "#/endpoints",
                "`endpoints` is empty",
                "describe at least one endpoint",
            ));
        }
        let all: Vec<&str> = endpoints.keys().map(String::as_str).collect();

        // API-wide error body and cases.
        let error_name = root
            .get("error")
            .and_then(|e| e.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("ApiError")
            .to_owned();
        let mut error_pointer = None;
        let mut error_shape = Shape::default();
        let mut error_explicit = false;
        if let Some(e) = root.get("error") {
            let m = self.map(e, "#/error", "`error`")?;
            self.keys(
                m,
                "#/error",
                &["pointer", "type", "example", "examples", "schema", "names"],
            )?;
            if let Some(p) = m.get("pointer") {
                let p = self.string(p, "#/error/pointer", "`pointer`")?;
                if !(p.is_empty() || p.starts_with('/')) {
                    return Err(self.err(
                        "#/error/pointer",
                        format!("`{p}` is not a JSON pointer"),
                        "write it like `/error` (or `\"\"` for the whole body)",
                    ));
                }
                error_pointer = Some(p.to_owned());
            }
            if let Some(s) = m.get("schema") {
                self.map(s, "#/error/schema", "`schema`")?;
                let s = self.rewrite_refs(s, "#/error/schema");
                explicit.push((error_name.clone(), s));
                self.registry.explicit.insert(error_name.clone());
                error_explicit = true;
            }
            for ex in examples_of(m) {
                error_shape.observe(ex);
            }
        }
        let mut api_errors = Vec::new();
        let mut api_retry = Retry::default();
        if let Some(list) = root.get("errors") {
            for (i, case) in self.cases(list, "#/errors")?.into_iter().enumerate() {
                let ptr = format!("#/errors/{i}");
                let (status, c) = self.case(case, &ptr)?;
                if let Some(ex) = c.get("example") {
                    error_shape.observe(ex);
                }
                api_retry.add_case(c);
                api_errors.push((status, case));
            }
        }
        let mut errors_seen = !api_errors.is_empty();
        for (name, ep) in endpoints {
            if let Some(list) = ep.get("errors").and_then(Value::as_array) {
                errors_seen |= !list.is_empty();
                for c in list {
                    if let Some(ex) = c.get("example") {
                        error_shape.observe(ex);
                    }
                }
            }
            let _ = name;
        }
        let error_schema = if error_explicit {
            Some(infer::reference(&error_name))
        } else if error_shape.samples > 0 {
            let overrides = match root.get("error").and_then(|e| e.get("names")) {
                Some(n) => self.names(n, "#/error/names")?,
                None => BTreeMap::new(),
            };
            self.registry
                .extract_site(&mut error_shape, &error_name, &overrides);
            Some(infer::schema_of(&error_shape))
        } else {
            None
        };
        let _ = errors_seen;

        // Idempotency.
        let mut idempotency_header = None;
        let mut idempotent = BTreeSet::new();
        if let Some(i) = root.get("idempotency") {
            let m = self.map(i, "#/idempotency", "`idempotency`")?;
            self.keys(m, "#/idempotency", &["header", "endpoints"])?;
            let header = match m.get("header") {
                Some(h) => self
                    .string(h, "#/idempotency/header", "`header`")?
                    .to_owned(),
                None => "Idempotency-Key".to_owned(),
            };
            match m.get("endpoints").unwrap_or(&json!("post")) {
                Value::String(s) if s == "post" || s == "writes" => {
                    for (n, ep) in endpoints {
                        let method = ep
                            .get("method")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_ascii_lowercase();
                        if method == "post"
                            || (s == "writes"
                                && matches!(method.as_str(), "put" | "patch" | "delete"))
                        {
                            idempotent.insert(n.clone());
                        }
                    }
                }
                Value::Array(list) => {
                    for (i, n) in list.iter().enumerate() {
                        let ptr = format!("#/idempotency/endpoints/{i}");
                        let n = self.string(n, &ptr, "an endpoint name")?;
                        if !endpoints.contains_key(n) {
                            return Err(self.err(
                                &ptr,
                                format!("no endpoint is called `{n}`"),
                                format!("{}endpoints: {}", suggest(n, &all), all.join(", ")),
                            ));
                        }
                        idempotent.insert(n.to_owned());
                    }
                }
                _ => {
                    return Err(self.err(
                        "#/idempotency/endpoints",
                        "`endpoints` must be `post`, `writes` or a list of endpoint names",
                        "e.g. `endpoints: [create_charge, create_refund]`",
                    ))
                }
            }
            idempotency_header = Some(header);
        }

        let defaults = Defaults {
            schemes,
            idempotency_header,
            idempotent,
            api_errors,
            error_schema,
        };
        let mut paths: Map<String, Value> = Map::new();
        for (name, ep) in endpoints {
            let ptr = seg("#/endpoints", name);
            let (path, method, op) = self.endpoint(name, ep, &ptr, &defaults)?;
            let item = paths.entry(path.clone()).or_insert_with(|| json!({}));
            if item.get(&method).is_some() {
                return Err(self.err(
                    &seg(&ptr, "path"),
                    format!(
                        "another endpoint already is `{} {path}`",
                        method.to_ascii_uppercase()
                    ),
                    "merge the two endpoints or change the method or path",
                ));
            }
            if let Some(o) = item.as_object_mut() {
                o.insert(method, op);
            }
        }
        out.insert("paths".into(), Value::Object(paths));

        let mut root_ext: Vec<(&str, Value)> = Vec::new();
        if let Some(w) = root.get("webhooks") {
            let (hooks, signature) = self.webhooks(w)?;
            out.insert("webhooks".into(), hooks);
            if let Some(s) = signature {
                root_ext.push(("x-sturdy-webhook-signature", s));
            }
        }

        // Components.
        let mut schemas = Map::new();
        for (n, s) in explicit {
            schemas.insert(n, s);
        }
        for (n, s) in self.registry.schemas() {
            schemas.entry(n).or_insert(s);
        }
        for ((ty, field), values) in &self.pins {
            if self.registry.explicit.contains(ty) {
                continue;
            }
            if let Some(p) = schemas
                .get_mut(ty)
                .and_then(|s| s.get_mut("properties"))
                .and_then(|p| p.get_mut(field))
            {
                if p.get("type") == Some(&json!("string")) {
                    p["enum"] = json!(values);
                }
            }
        }
        for (ptr, name) in &self.refs {
            if !schemas.contains_key(name) {
                let known: Vec<&str> = schemas.keys().map(String::as_str).collect();
                return Err(self.err(
                    ptr,
                    format!("type `{name}` is not defined"),
                    format!(
                        "{}define it under `types:` or name an inferred type; known: {}",
                        suggest(name, &known),
                        known.join(", ")
                    ),
                ));
            }
        }
        let mut components = Map::new();
        if !schemas.is_empty() {
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if !security_schemes.is_empty() {
            components.insert("securitySchemes".into(), Value::Object(security_schemes));
        }
        if !components.is_empty() {
            out.insert("components".into(), Value::Object(components));
        }

        if let Some(r) = root.get("rate_limit") {
            out.insert("x-sturdy-rate-limit".into(), self.rate_limit(r)?);
        }
        if let Some(r) = root.get("retry") {
            api_retry.add_rules(&self, r, "#/retry")?;
        }
        if let Some(v) = api_retry.to_value() {
            out.insert("x-sturdy-retry".into(), v);
        }
        if let Some(t) = root.get("timeout_ms") {
            out.insert(
                "x-sturdy-timeout".into(),
                json!(self.timeout(t, "#/timeout_ms")?),
            );
        }
        if let Some(p) = error_pointer {
            out.insert("x-sturdy-error".into(), json!(p));
        }
        if let Some(vh) = root.get("version_header") {
            let (n, v) = match vh {
                Value::String(n) => (n.clone(), version.clone()),
                Value::Object(m) => {
                    self.keys(m, "#/version_header", &["name", "value"])?;
                    let n = match m.get("name") {
                        Some(n) => self
                            .string(n, "#/version_header/name", "`name`")?
                            .to_owned(),
                        None => return Err(self.err(
                            "#/version_header",
                            "`version_header` has no `name`",
                            "e.g. `version_header: {name: Stripe-Version, value: \"2024-06-20\"}`",
                        )),
                    };
                    let v = match m.get("value") {
                        Some(v) => self.version_string(v, "#/version_header/value")?,
                        None => version.clone(),
                    };
                    (n, v)
                }
                _ => {
                    return Err(self.err(
                        "#/version_header",
                        "`version_header` must be a header name or `{name, value}`",
                        "e.g. `version_header: Api-Version`",
                    ))
                }
            };
            out.insert(
                "x-sturdy-version-header".into(),
                json!({"name": n, "value": v}),
            );
        }
        if let Some(h) = root.get("health_check") {
            let h = self.string(h, "#/health_check", "`health_check`")?;
            if !endpoints.contains_key(h) {
                return Err(self.err(
                    "#/health_check",
                    format!("no endpoint is called `{h}`"),
                    format!("{}name a cheap GET endpoint", suggest(h, &all)),
                ));
            }
            out.insert("x-sturdy-health-check".into(), json!(h));
        }
        for (k, v) in root_ext {
            out.insert(k.into(), v);
        }
        for (k, v) in root {
            if k.starts_with("x-") {
                out.insert(k.clone(), v.clone());
            }
        }
        Ok(Value::Object(out))
    }

    /// Rewrites `$ref: Name` shorthands to `#/components/schemas/Name`, remembering each.
    fn rewrite_refs(&mut self, v: &Value, ptr: &str) -> Value {
        match v {
            Value::Object(m) => {
                let mut o = Map::new();
                for (k, x) in m {
                    let here = seg(ptr, k);
                    if k == "$ref" {
                        if let Some(r) = x.as_str() {
                            let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
                            if !name.contains('/') && !name.starts_with('#') {
                                self.refs.push((here, name.to_owned()));
                                o.insert(k.clone(), json!(format!("#/components/schemas/{name}")));
                                continue;
                            }
                        }
                    }
                    o.insert(k.clone(), self.rewrite_refs(x, &here));
                }
                Value::Object(o)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.rewrite_refs(x, &format!("{ptr}/{i}")))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn environments(&self, v: &Value) -> Result<Value, LoadError> {
        let m = self.map(v, "#/environments", "`environments`")?;
        if m.is_empty() {
            return Err(self.err(
                "#/environments",
                "`environments` is empty",
                "add e.g. `production: https://api.example.com/v1`",
            ));
        }
        let mut servers = Vec::new();
        for (name, e) in m {
            let ptr = seg("#/environments", name);
            let mut s = Map::new();
            let (url, desc, vars) = match e {
                Value::String(u) => (u.clone(), None, None),
                Value::Object(o) => {
                    self.keys(o, &ptr, &["url", "description", "variables"])?;
                    let url = match o.get("url") {
                        Some(u) => self.string(u, &seg(&ptr, "url"), "`url`")?.to_owned(),
                        None => {
                            return Err(self.err(
                                &ptr,
                                format!("environment `{name}` has no `url`"),
                                "add `url: https://...`",
                            ))
                        }
                    };
                    let desc = o
                        .get("description")
                        .map(|d| self.string(d, &seg(&ptr, "description"), "`description`"))
                        .transpose()?;
                    (url, desc.map(str::to_owned), o.get("variables"))
                }
                other => {
                    return Err(self.err(
                        &ptr,
                        format!(
                            "an environment must be a URL or `{{url, description}}`, found {}",
                            kind(other)
                        ),
                        "e.g. `sandbox: https://sandbox.example.com/v1`",
                    ))
                }
            };
            if !(url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with('/')
                || url.starts_with('{'))
            {
                return Err(self.err(
                    &ptr,
                    format!("`{url}` is not a URL"),
                    "write an absolute URL such as `https://api.example.com/v1`",
                ));
            }
            s.insert("url".into(), json!(url));
            s.insert(
                "description".into(),
                json!(desc.unwrap_or_else(|| name.clone())),
            );
            if let Some(vars) = vars {
                let vptr = seg(&ptr, "variables");
                let vm = self.map(vars, &vptr, "`variables`")?;
                let mut out = Map::new();
                for (vn, vv) in vm {
                    let p = seg(&vptr, vn);
                    if !url.contains(&format!("{{{vn}}}")) {
                        return Err(self.err(
                            &p,
                            format!("variable `{vn}` is not in the URL `{url}`"),
                            format!("add `{{{vn}}}` to the URL or remove the variable"),
                        ));
                    }
                    let o = self.map(vv, &p, "a server variable")?;
                    self.keys(o, &p, &["default", "enum", "description"])?;
                    let mut x = Map::new();
                    match o.get("default") {
                        Some(d) => x.insert(
                            "default".into(),
                            json!(self.string(d, &seg(&p, "default"), "`default`")?),
                        ),
                        None => {
                            return Err(self.err(
                                &p,
                                format!("variable `{vn}` has no `default`"),
                                "add `default: ...`",
                            ))
                        }
                    };
                    for k in ["enum", "description"] {
                        if let Some(v) = o.get(k) {
                            x.insert(k.into(), v.clone());
                        }
                    }
                    out.insert(vn.clone(), Value::Object(x));
                }
                s.insert("variables".into(), Value::Object(out));
            }
            s.insert("x-sturdy-environment".into(), json!(name));
            servers.push(Value::Object(s));
        }
        Ok(Value::Array(servers))
    }

    /// The security schemes, and for each its name and whether it is OAuth2.
    #[allow(clippy::type_complexity)]
    fn auth(&self, v: &Value) -> Result<(Vec<(String, bool)>, Map<String, Value>), LoadError> {
        let m = self.map(v, "#/auth", "`auth`")?;
        let mut names = Vec::new();
        let mut schemes = Map::new();
        for (name, a) in m {
            let ptr = seg("#/auth", name);
            let o = self.map(a, &ptr, "an auth scheme")?;
            let ty = match o.get("type") {
                Some(t) => self.string(t, &seg(&ptr, "type"), "`type`")?,
                None => {
                    return Err(self.err(
                        &ptr,
                        format!("auth scheme `{name}` has no `type`"),
                        format!("one of: {}", AUTH_TYPES.join(", ")),
                    ))
                }
            };
            let mut s = Map::new();
            match ty {
                "bearer" | "basic" => {
                    self.keys(o, &ptr, &["type", "description", "format"])?;
                    s.insert("type".into(), json!("http"));
                    s.insert("scheme".into(), json!(ty));
                    if let Some(f) = o.get("format") {
                        s.insert(
                            "bearerFormat".into(),
                            json!(self.string(f, &seg(&ptr, "format"), "`format`")?),
                        );
                    }
                }
                "api_key" => {
                    self.keys(o, &ptr, &["type", "description", "in", "name"])?;
                    let loc = match o.get("in") {
                        Some(l) => self.string(l, &seg(&ptr, "in"), "`in`")?,
                        None => "header",
                    };
                    if !matches!(loc, "header" | "query" | "cookie") {
                        return Err(self.err(
                            &seg(&ptr, "in"),
                            format!("an API key cannot go in `{loc}`"),
                            "use `header`, `query` or `cookie`",
                        ));
                    }
                    let key = match o.get("name") {
                        Some(n) => self.string(n, &seg(&ptr, "name"), "`name`")?,
                        None => {
                            return Err(self.err(
                                &ptr,
                                "an `api_key` scheme needs the header or parameter `name`",
                                "e.g. `name: X-Api-Key`",
                            ))
                        }
                    };
                    s.insert("type".into(), json!("apiKey"));
                    s.insert("in".into(), json!(loc));
                    s.insert("name".into(), json!(key));
                }
                "oauth2" => {
                    self.keys(
                        o,
                        &ptr,
                        &[
                            "type",
                            "description",
                            "flow",
                            "flows",
                            "token_url",
                            "authorization_url",
                            "refresh_url",
                            "scopes",
                        ],
                    )?;
                    let mut flows: Vec<String> = Vec::new();
                    if let Some(f) = o.get("flow") {
                        flows.push(self.string(f, &seg(&ptr, "flow"), "`flow`")?.to_owned());
                    }
                    if let Some(Value::Array(fs)) = o.get("flows") {
                        for (i, f) in fs.iter().enumerate() {
                            flows.push(
                                self.string(f, &format!("{}/{i}", seg(&ptr, "flows")), "a flow")?
                                    .to_owned(),
                            );
                        }
                    }
                    if flows.is_empty() {
                        return Err(self.err(
                            &ptr,
                            "an `oauth2` scheme needs a `flow`",
                            "`flow: client_credentials` or `flow: authorization_code`",
                        ));
                    }
                    let scopes = match o.get("scopes") {
                        None => Map::new(),
                        Some(Value::Array(list)) => list
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|s| (s.to_owned(), json!("")))
                            .collect(),
                        Some(Value::Object(sm)) => sm
                            .iter()
                            .map(|(k, v)| (k.clone(), json!(v.as_str().unwrap_or(""))))
                            .collect(),
                        Some(_) => {
                            return Err(self.err(
                                &seg(&ptr, "scopes"),
                                "`scopes` must be a list or a mapping of scope to description",
                                "e.g. `scopes: {contacts.read: Read contacts}`",
                            ))
                        }
                    };
                    let url = |k: &str| -> Result<Option<String>, LoadError> {
                        o.get(k)
                            .map(|u| self.string(u, &seg(&ptr, k), k).map(str::to_owned))
                            .transpose()
                    };
                    let (token, authz, refresh) = (
                        url("token_url")?,
                        url("authorization_url")?,
                        url("refresh_url")?,
                    );
                    let mut fl = Map::new();
                    for (i, f) in flows.iter().enumerate() {
                        let fptr = if o.contains_key("flow") {
                            seg(&ptr, "flow")
                        } else {
                            format!("{}/{i}", seg(&ptr, "flows"))
                        };
                        let (key, need_token, need_auth) = match f.as_str() {
                            "client_credentials" => ("clientCredentials", true, false),
                            "authorization_code" => ("authorizationCode", true, true),
                            "password" => ("password", true, false),
                            "implicit" => ("implicit", false, true),
                            other => return Err(self.err(&fptr, format!("unknown OAuth2 flow `{other}`"), format!("{}one of: client_credentials, authorization_code, password, implicit", suggest(other, &["client_credentials", "authorization_code", "password", "implicit"])))),
                        };
                        let mut x = Map::new();
                        if need_auth {
                            match &authz {
                                Some(u) => x.insert("authorizationUrl".into(), json!(u)),
                                None => {
                                    return Err(self.err(
                                        &ptr,
                                        format!("flow `{f}` needs `authorization_url`"),
                                        "add the provider's authorize URL",
                                    ))
                                }
                            };
                        }
                        if need_token {
                            match &token {
                                Some(u) => x.insert("tokenUrl".into(), json!(u)),
                                None => {
                                    return Err(self.err(
                                        &ptr,
                                        format!("flow `{f}` needs `token_url`"),
                                        "add the provider's token URL",
                                    ))
                                }
                            };
                        }
                        if let Some(r) = &refresh {
                            x.insert("refreshUrl".into(), json!(r));
                        }
                        x.insert("scopes".into(), Value::Object(scopes.clone()));
                        fl.insert(key.into(), Value::Object(x));
                    }
                    s.insert("type".into(), json!("oauth2"));
                    s.insert("flows".into(), Value::Object(fl));
                }
                other => {
                    return Err(self.err(
                        &seg(&ptr, "type"),
                        format!("unknown auth type `{other}`"),
                        format!(
                            "{}one of: {}",
                            suggest(other, AUTH_TYPES),
                            AUTH_TYPES.join(", ")
                        ),
                    ))
                }
            }
            if let Some(d) = o.get("description") {
                s.insert(
                    "description".into(),
                    json!(self.string(d, &seg(&ptr, "description"), "`description`")?),
                );
            }
            names.push((name.clone(), ty == "oauth2"));
            schemes.insert(name.clone(), Value::Object(s));
        }
        Ok((names, schemes))
    }

    fn cases<'v>(&self, v: &'v Value, ptr: &str) -> Result<Vec<&'v Value>, LoadError> {
        match v {
            Value::Array(a) => Ok(a.iter().collect()),
            other => Err(self.err(
                ptr,
                format!("`errors` must be a list, found {}", kind(other)),
                "e.g. `errors: [{status: 402, code: card_declined, terminal: true}]`",
            )),
        }
    }

    /// Validates one error case; returns its status key (`402`, `4XX`, `default`).
    fn case<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
    ) -> Result<(String, &'v Map<String, Value>), LoadError> {
        let m = self.map(v, ptr, "an error case")?;
        self.keys(m, ptr, ERROR_KEYS)?;
        let status = match m.get("status") {
            Some(Value::Number(n)) if n.as_u64().is_some_and(|s| (400..=599).contains(&s)) => {
                n.to_string()
            }
            Some(Value::String(s))
                if matches!(s.as_str(), "4XX" | "5XX" | "default")
                    || s.parse::<u16>().is_ok_and(|n| (400..=599).contains(&n)) =>
            {
                s.clone()
            }
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "status"),
                    "an error status must be 400-599, `4XX`, `5XX` or `default`",
                    "e.g. `status: 402`",
                ))
            }
            None => {
                return Err(self.err(
                    ptr,
                    "the error case has no `status`",
                    "add `status: 4xx/5xx`",
                ))
            }
        };
        for k in ["retryable", "terminal"] {
            if let Some(b) = m.get(k) {
                if !b.is_boolean() {
                    return Err(self.err(
                        &seg(ptr, k),
                        format!("`{k}` must be true or false"),
                        "write `true` or `false`",
                    ));
                }
            }
        }
        if m.get("retryable") == Some(&json!(true)) && m.get("terminal") == Some(&json!(true)) {
            return Err(self.err(
                ptr,
                "an error case cannot be both `retryable` and `terminal`",
                "keep the one that is true",
            ));
        }
        if let Some(c) = m.get("code") {
            self.string(c, &seg(ptr, "code"), "`code`")?;
        }
        Ok((status, m))
    }

    fn names(&self, v: &Value, ptr: &str) -> Result<BTreeMap<String, String>, LoadError> {
        let m = self.map(v, ptr, "`names`")?;
        let mut out = BTreeMap::new();
        for (k, n) in m {
            let p = seg(ptr, k);
            let n = self.string(n, &p, "a type name")?;
            if names::pascal(n) != n {
                return Err(self.err(
                    &p,
                    format!("type name `{n}` is not UpperCamelCase"),
                    format!("call it `{}`", names::pascal(n)),
                ));
            }
            let key = if k.is_empty() || k.starts_with('/') {
                k.clone()
            } else {
                format!("/{}", k.replace('.', "/"))
            };
            out.insert(key, n.to_owned());
        }
        Ok(out)
    }

    /// The schema of a body (request, response, event): explicit, named, or inferred.
    fn body_schema(
        &mut self,
        m: &Map<String, Value>,
        ptr: &str,
        default_name: &str,
    ) -> Result<Option<Value>, LoadError> {
        if let Some(s) = m.get("schema") {
            self.map(s, &seg(ptr, "schema"), "`schema`")?;
            return Ok(Some(self.rewrite_refs(s, &seg(ptr, "schema"))));
        }
        let name = match m.get("type") {
            Some(t) => {
                let t = self.string(t, &seg(ptr, "type"), "`type`")?;
                if names::pascal(t) != t {
                    return Err(self.err(
                        &seg(ptr, "type"),
                        format!("type name `{t}` is not UpperCamelCase"),
                        format!(
                            "call it `{}` (primitive bodies need `schema: {{type: {t}}}`)",
                            names::pascal(t)
                        ),
                    ));
                }
                t.to_owned()
            }
            None => default_name.to_owned(),
        };
        let examples: Vec<&Value> = examples_of(m);
        if let Some(Value::Array(_)) | None = m.get("examples") {
        } else {
            return Err(self.err(
                &seg(ptr, "examples"),
                "`examples` must be a list",
                "use `example:` for a single example",
            ));
        }
        if examples.is_empty() {
            if self.registry.explicit.contains(&name) {
                return Ok(Some(infer::reference(&name)));
            }
            if m.contains_key("type") {
                self.refs.push((seg(ptr, "type"), name.clone()));
                return Ok(Some(infer::reference(&name)));
            }
            return Ok(None);
        }
        let overrides = match m.get("names") {
            Some(n) => self.names(n, &seg(ptr, "names"))?,
            None => BTreeMap::new(),
        };
        let mut shape = Shape::of_examples(examples);
        self.registry.extract_site(&mut shape, &name, &overrides);
        Ok(Some(infer::schema_of(&shape)))
    }

    fn endpoint(
        &mut self,
        name: &str,
        ep: &Value,
        ptr: &str,
        d: &Defaults<'_>,
    ) -> Result<(String, String, Value), LoadError> {
        let m = self.map(ep, ptr, "an endpoint")?;
        self.keys(m, ptr, ENDPOINT_KEYS)?;
        let method = match m.get("method") {
            Some(v) => self
                .string(v, &seg(ptr, "method"), "`method`")?
                .to_ascii_lowercase(),
            None => {
                return Err(self.err(
                    ptr,
                    format!("endpoint `{name}` has no `method`"),
                    "add `method: GET` (or POST, PUT, PATCH, DELETE)",
                ))
            }
        };
        if !METHODS.contains(&method.as_str()) {
            return Err(self.err(
                &seg(ptr, "method"),
                format!("unknown HTTP method `{method}`"),
                format!(
                    "{}one of: GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS, TRACE",
                    suggest(&method, METHODS)
                ),
            ));
        }
        let path = match m.get("path") {
            Some(v) => self.string(v, &seg(ptr, "path"), "`path`")?.to_owned(),
            None => {
                return Err(self.err(
                    ptr,
                    format!("endpoint `{name}` has no `path`"),
                    "add `path: /things/{id}`",
                ))
            }
        };
        let template = self.template(&path, &seg(ptr, "path"))?;
        let mut op = Map::new();
        op.insert("operationId".into(), json!(name));
        for k in ["summary", "description"] {
            if let Some(v) = m.get(k) {
                op.insert(k.into(), json!(self.string(v, &seg(ptr, k), k)?));
            }
        }
        if let Some(t) = m.get("tags") {
            let tags: Vec<Value> = match t {
                Value::String(s) => vec![json!(s)],
                Value::Array(a) if a.iter().all(Value::is_string) => a.clone(),
                _ => {
                    return Err(self.err(
                        &seg(ptr, "tags"),
                        "`tags` must be a list of names",
                        "e.g. `tags: [charges]`",
                    ))
                }
            };
            op.insert("tags".into(), Value::Array(tags));
        }
        if let Some(v) = m.get("deprecated") {
            op.insert(
                "deprecated".into(),
                json!(v.as_bool().ok_or_else(|| self.err(
                    &seg(ptr, "deprecated"),
                    "`deprecated` must be true or false",
                    "write `true`"
                ))?),
            );
        }
        if let Some(sec) = self.op_security(m, ptr, d)? {
            op.insert("security".into(), sec);
        }

        // Parameters: path ones in template order, then the rest as declared.
        let mut declared: Vec<(String, Value)> = Vec::new();
        let mut path_params: BTreeMap<String, Value> = BTreeMap::new();
        if let Some(ps) = m.get("params") {
            let pptr = seg(ptr, "params");
            for (pn, pv) in self.map(ps, &pptr, "`params`")? {
                let p = self.param(pn, pv, &seg(&pptr, pn), &template, &path)?;
                if p["in"] == "path" {
                    path_params.insert(pn.clone(), p);
                } else {
                    declared.push((pn.clone(), p));
                }
            }
        }
        let mut params: Vec<Value> = template
            .iter()
            .map(|t| path_params.remove(t).unwrap_or_else(|| json!({"name": t, "in": "path", "required": true, "schema": {"type": "string"}})))
            .collect();
        params.extend(declared.into_iter().map(|(_, p)| p));

        let prefix = names::pascal(name);
        let mut pagination = None;
        if let Some(p) = m.get("pagination") {
            let (ext, extra) = self.pagination(p, &seg(ptr, "pagination"), &method)?;
            for (pn, ty) in extra {
                if !params
                    .iter()
                    .any(|x| x["name"] == pn.as_str() && x["in"] == "query")
                {
                    params.push(json!({"name": pn, "in": "query", "required": false, "schema": {"type": ty}}));
                }
            }
            pagination = Some(ext);
        }
        let idem = match m.get("idempotency") {
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "idempotency"),
                    "`idempotency` must be true or false",
                    "set the header name under the top-level `idempotency`",
                ))
            }
            None => d.idempotent.contains(name),
        };
        let idem_header = if idem {
            Some(
                d.idempotency_header
                    .clone()
                    .unwrap_or_else(|| "Idempotency-Key".to_owned()),
            )
        } else {
            None
        };
        if let Some(h) = &idem_header {
            if !params.iter().any(|x| {
                x["in"] == "header"
                    && x["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(h))
            }) {
                params.push(json!({"name": h, "in": "header", "description": "A unique key for this logical request; retries send the same key so the server applies it once.", "required": false, "schema": {"type": "string"}}));
            }
        }
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }

        if let Some(r) = m.get("request") {
            let rptr = seg(ptr, "request");
            let rm = self.map(r, &rptr, "`request`")?;
            self.keys(rm, &rptr, BODY_KEYS)?;
            let ct = self.content_type(rm, &rptr)?;
            let schema = self.body_schema(rm, &rptr, &format!("{prefix}Request"))?;
            let Some(schema) = schema else {
                return Err(self.err(
                    &rptr,
                    "the request has no `example`, `examples`, `schema` or `type`",
                    "add an example body; its type is inferred",
                ));
            };
            let mut body = Map::new();
            if let Some(dsc) = rm.get("description") {
                body.insert(
                    "description".into(),
                    json!(self.string(dsc, &seg(&rptr, "description"), "`description`")?),
                );
            }
            let required = match rm.get("required") {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(self.err(
                        &seg(&rptr, "required"),
                        "`required` must be true or false",
                        "write `false` for an optional body",
                    ))
                }
            };
            body.insert("required".into(), json!(required));
            body.insert("content".into(), json!({ ct: {"schema": schema} }));
            op.insert("requestBody".into(), Value::Object(body));
        }

        let mut responses: BTreeMap<String, Value> = BTreeMap::new();
        match m.get("response") {
            None | Some(Value::Null) => {
                responses.insert("204".into(), json!({"description": "No content."}));
            }
            Some(r) => {
                let rptr = seg(ptr, "response");
                let rm = self.map(r, &rptr, "`response`")?;
                self.keys(rm, &rptr, RESPONSE_KEYS)?;
                let status = match rm.get("status") {
                    None => 200,
                    Some(s) => match s
                        .as_u64()
                        .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
                    {
                        Some(n @ 200..=299) => n,
                        _ => {
                            return Err(self.err(
                                &seg(&rptr, "status"),
                                "the success status must be 200-299",
                                "describe failures under `errors:`",
                            ))
                        }
                    },
                };
                let ct = self.content_type(rm, &rptr)?;
                let schema = self.body_schema(rm, &rptr, &format!("{prefix}Response"))?;
                let desc = match rm.get("description") {
                    Some(x) => self
                        .string(x, &seg(&rptr, "description"), "`description`")?
                        .to_owned(),
                    None => "Success.".to_owned(),
                };
                let mut resp = Map::new();
                resp.insert("description".into(), json!(desc));
                if let Some(s) = schema {
                    resp.insert("content".into(), json!({ ct: {"schema": s} }));
                }
                responses.insert(status.to_string(), Value::Object(resp));
            }
        }

        // Error cases: the API's, then the endpoint's, grouped by status.
        let mut retry = Retry::default();
        let mut by_status: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut cases: Vec<(String, &Map<String, Value>)> = Vec::new();
        for (s, c) in &d.api_errors {
            if let Some(cm) = c.as_object() {
                cases.push((s.clone(), cm));
            }
        }
        if let Some(list) = m.get("errors") {
            let eptr = seg(ptr, "errors");
            for (i, c) in self.cases(list, &eptr)?.into_iter().enumerate() {
                let (s, cm) = self.case(c, &format!("{eptr}/{i}"))?;
                retry.add_case(cm);
                cases.push((s, cm));
            }
        }
        for (s, c) in cases {
            let mut line = match c.get("code").and_then(Value::as_str) {
                Some(code) => format!("`{code}`"),
                None => "Error".to_owned(),
            };
            if let Some(x) = c.get("description").and_then(Value::as_str) {
                line.push_str(&format!(": {x}"));
            }
            if c.get("terminal") == Some(&json!(true)) {
                line.push_str(" (terminal: not retried)");
            } else if c.get("retryable") == Some(&json!(true)) {
                line.push_str(" (retryable)");
            }
            let entry = by_status.entry(s).or_default();
            if !entry.contains(&line) {
                entry.push(line);
            }
        }
        for (s, lines) in by_status {
            let mut resp = Map::new();
            resp.insert("description".into(), json!(lines.join("\n")));
            if let Some(schema) = &d.error_schema {
                resp.insert(
                    "content".into(),
                    json!({"application/json": {"schema": schema}}),
                );
            }
            responses.insert(s, Value::Object(resp));
        }
        op.insert(
            "responses".into(),
            Value::Object(responses.into_iter().collect()),
        );

        if let Some(h) = idem_header {
            op.insert("x-sturdy-idempotency".into(), json!({ "header": h }));
        }
        if let Some(p) = pagination {
            op.insert("x-sturdy-pagination".into(), p);
        }
        if let Some(r) = m.get("retry") {
            retry.add_rules(self, r, &seg(ptr, "retry"))?;
        }
        if let Some(v) = retry.to_value() {
            op.insert("x-sturdy-retry".into(), v);
        }
        if let Some(t) = m.get("timeout_ms") {
            op.insert(
                "x-sturdy-timeout".into(),
                json!(self.timeout(t, &seg(ptr, "timeout_ms"))?),
            );
        }
        for (k, v) in m {
            if k.starts_with("x-") {
                op.insert(k.clone(), v.clone());
            }
        }
        Ok((path, method, Value::Object(op)))
    }

    fn content_type(&self, m: &Map<String, Value>, ptr: &str) -> Result<String, LoadError> {
        match m.get("content_type") {
            None => Ok("application/json".to_owned()),
            Some(v) => {
                let ct = self.string(v, &seg(ptr, "content_type"), "`content_type`")?;
                if CONTENT_TYPES.contains(&ct) || ct.ends_with("+json") {
                    Ok(ct.to_owned())
                } else {
                    Err(self.err(
                        &seg(ptr, "content_type"),
                        format!("content type `{ct}` is not supported in snapshots"),
                        format!(
                            "one of: {} (write an OpenAPI document for others)",
                            CONTENT_TYPES.join(", ")
                        ),
                    ))
                }
            }
        }
    }

    /// The `{name}` segments of a path, in order.
    fn template(&self, path: &str, ptr: &str) -> Result<Vec<String>, LoadError> {
        if !path.starts_with('/') {
            return Err(self.err(
                ptr,
                format!("path `{path}` does not start with `/`"),
                "paths are relative to the environment URL, e.g. `/charges/{id}`",
            ));
        }
        let mut out = Vec::new();
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(self.err(
                    ptr,
                    format!("unbalanced `{{` in path `{path}`"),
                    "close every `{name}`",
                ));
            };
            let name = &rest[open + 1..open + close];
            if name.is_empty() || name.contains('{') {
                return Err(self.err(
                    ptr,
                    format!("bad parameter in path `{path}`"),
                    "write path parameters as `{name}`",
                ));
            }
            if out.iter().any(|n| n == name) {
                return Err(self.err(
                    ptr,
                    format!("path parameter `{name}` appears twice in `{path}`"),
                    "give each path parameter its own name",
                ));
            }
            out.push(name.to_owned());
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(self.err(
                ptr,
                format!("unbalanced `}}` in path `{path}`"),
                "write path parameters as `{name}`",
            ));
        }
        Ok(out)
    }

    fn param(
        &mut self,
        name: &str,
        v: &Value,
        ptr: &str,
        template: &[String],
        path: &str,
    ) -> Result<Value, LoadError> {
        let in_path = template.iter().any(|t| t == name);
        let empty = Map::new();
        let (m, short_ty) = match v {
            Value::String(t) => (&empty, Some(t.as_str())),
            Value::Object(m) => (m, None),
            Value::Null => (&empty, None),
            other => {
                return Err(self.err(
                    ptr,
                    format!(
                        "a parameter must be a type name or a mapping, found {}",
                        kind(other)
                    ),
                    "e.g. `limit: integer` or `limit: {type: integer, example: 10}`",
                ))
            }
        };
        self.keys(m, ptr, PARAM_KEYS)?;
        let loc = match m.get("in") {
            Some(l) => self.string(l, &seg(ptr, "in"), "`in`")?,
            None if in_path => "path",
            None => "query",
        };
        if !matches!(loc, "path" | "query" | "header" | "cookie") {
            return Err(self.err(
                &seg(ptr, "in"),
                format!("a parameter cannot go in `{loc}`"),
                "use `path`, `query`, `header` or `cookie`",
            ));
        }
        if loc == "path" && !in_path {
            return Err(self.err(
                ptr,
                format!("path parameter `{name}` is not in the path `{path}`"),
                format!("add `{{{name}}}` to the path, or set `in: query`"),
            ));
        }
        if loc != "path" && in_path {
            return Err(self.err(
                ptr,
                format!("`{name}` is in the path `{path}` but declared `in: {loc}`"),
                "remove `in:` (path parameters are found from the path)",
            ));
        }
        let schema = if let Some(s) = m.get("schema") {
            self.map(s, &seg(ptr, "schema"), "`schema`")?;
            self.rewrite_refs(s, &seg(ptr, "schema"))
        } else if let Some(t) = short_ty.or(m.get("type").and_then(Value::as_str)) {
            let prim = ["string", "integer", "number", "boolean", "array"];
            if !prim.contains(&t) {
                let at = if short_ty.is_some() {
                    ptr.to_owned()
                } else {
                    seg(ptr, "type")
                };
                return Err(self.err(
                    &at,
                    format!("unknown parameter type `{t}`"),
                    format!(
                        "{}one of: {} (or give a `schema`)",
                        suggest(t, &prim),
                        prim.join(", ")
                    ),
                ));
            }
            let mut s = Map::new();
            s.insert("type".into(), json!(t));
            if t == "array" {
                s.insert("items".into(), json!({"type": "string"}));
            }
            for k in ["format", "enum", "default"] {
                if let Some(x) = m.get(k) {
                    s.insert(k.into(), x.clone());
                }
            }
            Value::Object(s)
        } else if let Some(e) = m.get("example") {
            let mut shape = Shape::of_examples([e]);
            if shape.object.is_some() {
                return Err(self.err(
                    &seg(ptr, "example"),
                    "an object parameter needs an explicit `schema`",
                    "give `schema: {type: object, ...}`",
                ));
            }
            self.registry
                .extract_site(&mut shape, "Param", &BTreeMap::new());
            infer::schema_of(&shape)
        } else {
            json!({"type": "string"})
        };
        let mut p = Map::new();
        p.insert("name".into(), json!(name));
        p.insert("in".into(), json!(loc));
        if let Some(d) = m.get("description") {
            p.insert(
                "description".into(),
                json!(self.string(d, &seg(ptr, "description"), "`description`")?),
            );
        }
        let required = match m.get("required") {
            None => loc == "path",
            Some(Value::Bool(b)) => *b || loc == "path",
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "required"),
                    "`required` must be true or false",
                    "write `true`",
                ))
            }
        };
        p.insert("required".into(), json!(required));
        if let Some(Value::Bool(true)) = m.get("deprecated") {
            p.insert("deprecated".into(), json!(true));
        }
        p.insert("schema".into(), schema);
        if let Some(e) = m.get("example") {
            p.insert("example".into(), e.clone());
        }
        Ok(Value::Object(p))
    }

    /// `x-sturdy-pagination` and the query parameters it implies (name, JSON type).
    fn pagination(
        &self,
        v: &Value,
        ptr: &str,
        method: &str,
    ) -> Result<(Value, PageParams), LoadError> {
        let m = self.map(v, ptr, "`pagination`")?;
        self.keys(
            m,
            ptr,
            &[
                "scheme",
                "param",
                "items",
                "has_more",
                "cursor",
                "cursor_from_last_item",
                "limit_param",
                "start",
            ],
        )?;
        if method != "get" {
            return Err(self.err(
                ptr,
                "only GET endpoints can be paginated",
                "remove `pagination` or make the endpoint a GET",
            ));
        }
        let scheme = match m.get("scheme") {
            Some(s) => self.string(s, &seg(ptr, "scheme"), "`scheme`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`pagination` has no `scheme`",
                    format!("one of: {}", PAGE_SCHEMES.join(", ")),
                ))
            }
        };
        if !PAGE_SCHEMES.contains(&scheme) {
            return Err(self.err(
                &seg(ptr, "scheme"),
                format!("unknown pagination scheme `{scheme}`"),
                format!(
                    "{}one of: {}",
                    suggest(scheme, PAGE_SCHEMES),
                    PAGE_SCHEMES.join(", ")
                ),
            ));
        }
        let text = |k: &str| -> Result<Option<String>, LoadError> {
            m.get(k)
                .map(|x| self.string(x, &seg(ptr, k), k).map(str::to_owned))
                .transpose()
        };
        let pointer = |k: &str| -> Result<Option<String>, LoadError> {
            let v = text(k)?;
            if let Some(p) = &v {
                if !(p.is_empty() || p.starts_with('/')) {
                    return Err(self.err(
                        &seg(ptr, k),
                        format!("`{p}` is not a JSON pointer into the response body"),
                        format!("write `/{p}`"),
                    ));
                }
            }
            Ok(v)
        };
        let param = text("param")?;
        let items = match pointer("items")? {
            Some(i) => i,
            None => return Err(self.err(ptr, "`pagination` has no `items`", "point at the array of items in the response, e.g. `items: /data` (`\"\"` for a top-level array)")),
        };
        let (has_more, cursor, last) = (
            pointer("has_more")?,
            pointer("cursor")?,
            text("cursor_from_last_item")?,
        );
        let limit = text("limit_param")?;
        let needs_param = matches!(scheme, "cursor" | "offset" | "page_number" | "page_token");
        if needs_param && param.is_none() {
            return Err(self.err(ptr, format!("`{scheme}` pagination needs `param` (the request parameter that selects the page)"), "e.g. `param: starting_after`"));
        }
        if matches!(scheme, "cursor" | "page_token") && cursor.is_none() && last.is_none() {
            return Err(self.err(ptr, format!("`{scheme}` pagination needs `cursor` (pointer to the next cursor) or `cursor_from_last_item`"), "e.g. `cursor: /next_cursor`"));
        }
        if scheme == "next_url" && cursor.is_none() {
            return Err(self.err(
                ptr,
                "`next_url` pagination needs `cursor`: a pointer to the next page's URL",
                "e.g. `cursor: /links/next`",
            ));
        }
        let start = match m.get("start") {
            None => None,
            Some(s) => Some(s.as_u64().ok_or_else(|| {
                self.err(
                    &seg(ptr, "start"),
                    "`start` must be a whole number",
                    "usually 0 or 1",
                )
            })?),
        };
        let mut o = Map::new();
        o.insert("scheme".into(), json!(scheme));
        let mut extra = Vec::new();
        if let Some(p) = &param {
            o.insert("param".into(), json!(p));
            extra.push((
                p.clone(),
                if matches!(scheme, "offset" | "page_number") {
                    "integer"
                } else {
                    "string"
                },
            ));
        }
        o.insert("items".into(), json!(items));
        for (k, v) in [
            ("has_more", has_more),
            ("cursor", cursor),
            ("cursor_from_last_item", last),
            ("limit_param", limit.clone()),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(l) = limit {
            extra.push((l, "integer"));
        }
        if let Some(s) = start {
            o.insert("start".into(), json!(s));
        } else if scheme == "page_number" {
            o.insert("start".into(), json!(1));
        }
        Ok((Value::Object(o), extra))
    }

    fn op_security(
        &self,
        m: &Map<String, Value>,
        ptr: &str,
        d: &Defaults<'_>,
    ) -> Result<Option<Value>, LoadError> {
        let known: Vec<&str> = d.schemes.iter().map(|(n, _)| n.as_str()).collect();
        let chosen: Vec<(String, bool)> = match m.get("auth") {
            None => {
                if !m.contains_key("scopes") {
                    return Ok(None);
                }
                d.schemes.clone()
            }
            Some(Value::String(s)) if s == "none" => return Ok(Some(json!([]))),
            Some(v) => {
                let list: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                let mut out = Vec::new();
                for (i, x) in list.into_iter().enumerate() {
                    let p = if v.is_array() {
                        format!("{}/{i}", seg(ptr, "auth"))
                    } else {
                        seg(ptr, "auth")
                    };
                    let n = self.string(x, &p, "an auth scheme name")?;
                    match d.schemes.iter().find(|(k, _)| k == n) {
                        Some(s) => out.push(s.clone()),
                        None => {
                            return Err(self.err(
                                &p,
                                format!("no auth scheme is called `{n}`"),
                                format!(
                                    "{}declared: {} (or `none`)",
                                    suggest(n, &known),
                                    known.join(", ")
                                ),
                            ))
                        }
                    }
                }
                out
            }
        };
        let scopes: Vec<Value> = match m.get("scopes") {
            None => Vec::new(),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => a.clone(),
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "scopes"),
                    "`scopes` must be a list of scope names",
                    "e.g. `scopes: [contacts.read]`",
                ))
            }
        };
        if !scopes.is_empty() && !chosen.iter().any(|(_, oauth)| *oauth) {
            return Err(self.err(
                &seg(ptr, "scopes"),
                "`scopes` needs an `oauth2` auth scheme",
                "declare one under `auth:`",
            ));
        }
        Ok(Some(Value::Array(
            chosen
                .into_iter()
                .map(|(n, oauth)| json!({ n: if oauth { scopes.clone() } else { Vec::new() } }))
                .collect(),
        )))
    }

    fn rate_limit(&self, v: &Value) -> Result<Value, LoadError> {
        let ptr = "#/rate_limit";
        let m = self.map(v, ptr, "`rate_limit`")?;
        self.keys(m, ptr, &["per_second", "per_minute", "per_hour", "burst"])?;
        let mut per_second = None;
        for (k, div) in [
            ("per_second", 1.0),
            ("per_minute", 60.0),
            ("per_hour", 3600.0),
        ] {
            if let Some(x) = m.get(k) {
                let n = x
                    .as_f64()
                    .filter(|n| *n > 0.0 && n.is_finite())
                    .ok_or_else(|| {
                        self.err(
                            &seg(ptr, k),
                            format!("`{k}` must be a positive number"),
                            "e.g. `per_second: 25`",
                        )
                    })?;
                if per_second.is_some() {
                    return Err(self.err(
                        &seg(ptr, k),
                        "give only one of `per_second`, `per_minute`, `per_hour`",
                        "keep the one the provider documents",
                    ));
                }
                per_second = Some(n / div);
            }
        }
        let Some(per_second) = per_second else {
            return Err(self.err(
                ptr,
                "`rate_limit` needs `per_second`, `per_minute` or `per_hour`",
                "e.g. `rate_limit: {per_second: 25, burst: 50}`",
            ));
        };
        let burst = match m.get("burst") {
            None => (per_second.ceil() as u64).max(1),
            Some(b) => b
                .as_u64()
                .filter(|b| (1..=u64::from(u32::MAX)).contains(b))
                .ok_or_else(|| {
                    self.err(
                        &seg(ptr, "burst"),
                        "`burst` must be a whole number of at least 1",
                        "e.g. `burst: 50`",
                    )
                })?,
        };
        Ok(json!({"per_second": per_second, "burst": burst}))
    }

    fn timeout(&self, v: &Value, ptr: &str) -> Result<u64, LoadError> {
        v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
            self.err(
                ptr,
                "a timeout must be a positive whole number of milliseconds",
                "e.g. `timeout_ms: 30000`",
            )
        })
    }

    fn webhooks(&mut self, v: &Value) -> Result<(Value, Option<Value>), LoadError> {
        let ptr = "#/webhooks";
        let m = self.map(v, ptr, "`webhooks`")?;
        self.keys(m, ptr, &["signature", "events"])?;
        let signature = match m.get("signature") {
            Some(s) => Some(self.signature(s, &seg(ptr, "signature"))?),
            None => None,
        };
        let events = match m.get("events") {
            Some(e) => self.map(e, &seg(ptr, "events"), "`events`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`webhooks` has no `events`",
                    "list each event with an example payload",
                ))
            }
        };
        let mut out = Map::new();
        for (name, ev) in events {
            let eptr = seg(&seg(ptr, "events"), name);
            let em = self.map(ev, &eptr, "an event")?;
            self.keys(
                em,
                &eptr,
                &[
                    "summary",
                    "description",
                    "example",
                    "examples",
                    "schema",
                    "type",
                    "names",
                ],
            )?;
            let default = format!("{}Event", names::pascal(name));
            let Some(schema) = self.body_schema(em, &eptr, &default)? else {
                return Err(self.err(
                    &eptr,
                    format!("event `{name}` has no `example`, `examples`, `schema` or `type`"),
                    "paste a payload you received",
                ));
            };
            let examples = examples_of(em);
            if let (Some(r), false) = (
                schema.get("$ref").and_then(Value::as_str),
                examples.is_empty(),
            ) {
                let ty = r.trim_start_matches("#/components/schemas/").to_owned();
                for field in ["type", "event", "event_type"] {
                    if examples
                        .iter()
                        .all(|e| e.get(field).and_then(Value::as_str) == Some(name.as_str()))
                    {
                        let values = self.pins.entry((ty.clone(), field.to_owned())).or_default();
                        if !values.contains(name) {
                            values.push(name.clone());
                        }
                        break;
                    }
                }
            }
            let mut op = Map::new();
            for k in ["summary", "description"] {
                if let Some(x) = em.get(k) {
                    op.insert(k.into(), json!(self.string(x, &seg(&eptr, k), k)?));
                }
            }
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
            );
            op.insert(
                "responses".into(),
                json!({"200": {"description": "Any 2xx status acknowledges the event."}}),
            );
            out.insert(name.clone(), json!({ "post": Value::Object(op) }));
        }
        Ok((Value::Object(out), signature))
    }

    fn signature(&self, v: &Value, ptr: &str) -> Result<Value, LoadError> {
        let m = self.map(v, ptr, "`signature`")?;
        self.keys(
            m,
            ptr,
            &[
                "scheme",
                "header",
                "algorithm",
                "encoding",
                "prefix",
                "timestamp_header",
                "id_header",
                "signed",
                "secret_env",
            ],
        )?;
        let scheme = match m.get("scheme") {
            Some(s) => self.string(s, &seg(ptr, "scheme"), "`scheme`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`signature` has no `scheme`",
                    format!("one of: {}", SIGNATURE_SCHEMES.join(", ")),
                ))
            }
        };
        // Defaults per scheme: (header, algorithm, encoding, prefix, timestamp header, id header, signed).
        type D = (
            Option<&'static str>,
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
        );
        let d: D = match scheme {
            "standard-webhooks" => (
                Some("webhook-signature"),
                "sha256",
                "base64",
                Some("v1,"),
                Some("webhook-timestamp"),
                Some("webhook-id"),
                "{id}.{timestamp}.{body}",
            ),
            "stripe" => (
                Some("Stripe-Signature"),
                "sha256",
                "hex",
                Some("v1="),
                None,
                None,
                "{timestamp}.{body}",
            ),
            "github" => (
                Some("X-Hub-Signature-256"),
                "sha256",
                "hex",
                Some("sha256="),
                None,
                None,
                "{body}",
            ),
            "hmac" => (None, "sha256", "hex", None, None, None, "{body}"),
            other => {
                return Err(self.err(
                    &seg(ptr, "scheme"),
                    format!("unknown signature scheme `{other}`"),
                    format!(
                        "{}one of: {}",
                        suggest(other, SIGNATURE_SCHEMES),
                        SIGNATURE_SCHEMES.join(", ")
                    ),
                ))
            }
        };
        let get = |k: &str| -> Result<Option<String>, LoadError> {
            m.get(k)
                .map(|x| self.string(x, &seg(ptr, k), k).map(str::to_owned))
                .transpose()
        };
        let header = match get("header")?.or(d.0.map(str::to_owned)) {
            Some(h) => h,
            None => {
                return Err(self.err(
                    ptr,
                    "an `hmac` signature needs the `header` that carries it",
                    "e.g. `header: X-Signature`",
                ))
            }
        };
        let algorithm = get("algorithm")?.unwrap_or_else(|| d.1.to_owned());
        if !matches!(algorithm.as_str(), "sha256" | "sha512") {
            return Err(self.err(
                &seg(ptr, "algorithm"),
                format!("unknown algorithm `{algorithm}`"),
                "use `sha256` or `sha512`",
            ));
        }
        let encoding = get("encoding")?.unwrap_or_else(|| d.2.to_owned());
        if !matches!(encoding.as_str(), "hex" | "base64") {
            return Err(self.err(
                &seg(ptr, "encoding"),
                format!("unknown encoding `{encoding}`"),
                "use `hex` or `base64`",
            ));
        }
        let signed = get("signed")?.unwrap_or_else(|| d.6.to_owned());
        if !signed.contains("{body}") {
            return Err(self.err(
                &seg(ptr, "signed"),
                "`signed` must contain `{body}`",
                "e.g. `{timestamp}.{body}`",
            ));
        }
        let mut o = Map::new();
        o.insert("scheme".into(), json!(scheme));
        o.insert("header".into(), json!(header));
        o.insert("algorithm".into(), json!(algorithm));
        o.insert("encoding".into(), json!(encoding));
        if let Some(p) = get("prefix")?.or(d.3.map(str::to_owned)) {
            o.insert("prefix".into(), json!(p));
        }
        if let Some(t) = get("timestamp_header")?.or(d.4.map(str::to_owned)) {
            o.insert("timestamp_header".into(), json!(t));
        }
        if let Some(t) = get("id_header")?.or(d.5.map(str::to_owned)) {
            o.insert("id_header".into(), json!(t));
        }
        o.insert("signed".into(), json!(signed));
        if let Some(s) = get("secret_env")? {
            o.insert("secret_env".into(), json!(s));
        }
        Ok(Value::Object(o))
    }
}

/// Query parameters pagination implies: (name, JSON type).
type PageParams = Vec<(String, &'static str)>;

/// Retry facts gathered from error cases and `retry:` blocks.
#[derive(Default)]
struct Retry {
    retry_conflict: bool,
    terminal_codes: Vec<String>,
    max_retries: Option<u64>,
    idempotent: Option<bool>,
}

impl Retry {
    fn add_case(&mut self, c: &Map<String, Value>) {
        let code = c.get("code").and_then(Value::as_str);
        if c.get("terminal") == Some(&json!(true)) {
            if let Some(code) = code {
                if !self.terminal_codes.iter().any(|t| t == code) {
                    self.terminal_codes.push(code.to_owned());
                }
            }
        }
        let status = c.get("status").and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
        });
        if c.get("retryable") == Some(&json!(true)) && status == Some(409) {
            self.retry_conflict = true;
        }
    }

    fn add_rules(&mut self, cx: &Converter<'_>, v: &Value, ptr: &str) -> Result<(), LoadError> {
        let m = cx.map(v, ptr, "`retry`")?;
        cx.keys(
            m,
            ptr,
            &[
                "max_retries",
                "retry_conflict",
                "idempotent",
                "terminal_codes",
            ],
        )?;
        if let Some(n) = m.get("max_retries") {
            self.max_retries = Some(n.as_u64().filter(|n| *n <= 100).ok_or_else(|| {
                cx.err(
                    &seg(ptr, "max_retries"),
                    "`max_retries` must be a whole number up to 100",
                    "e.g. `max_retries: 3`",
                )
            })?);
        }
        for k in ["retry_conflict", "idempotent"] {
            if let Some(b) = m.get(k) {
                let b = b.as_bool().ok_or_else(|| {
                    cx.err(
                        &seg(ptr, k),
                        format!("`{k}` must be true or false"),
                        "write `true` or `false`",
                    )
                })?;
                if k == "retry_conflict" {
                    self.retry_conflict |= b;
                } else {
                    self.idempotent = Some(b);
                }
            }
        }
        if let Some(list) = m.get("terminal_codes") {
            let a = list
                .as_array()
                .filter(|a| a.iter().all(Value::is_string))
                .ok_or_else(|| {
                    cx.err(
                        &seg(ptr, "terminal_codes"),
                        "`terminal_codes` must be a list of codes",
                        "e.g. `[card_declined]`",
                    )
                })?;
            for c in a.iter().filter_map(Value::as_str) {
                if !self.terminal_codes.iter().any(|t| t == c) {
                    self.terminal_codes.push(c.to_owned());
                }
            }
        }
        Ok(())
    }

    fn to_value(&self) -> Option<Value> {
        if !self.retry_conflict
            && self.terminal_codes.is_empty()
            && self.max_retries.is_none()
            && self.idempotent.is_none()
        {
            return None;
        }
        let mut o = Map::new();
        o.insert("retry_conflict".into(), json!(self.retry_conflict));
        o.insert("terminal_codes".into(), json!(self.terminal_codes));
        if let Some(n) = self.max_retries {
            o.insert("max_retries".into(), json!(n));
        }
        if let Some(b) = self.idempotent {
            o.insert("idempotent".into(), json!(b));
        }
        Some(Value::Object(o))
    }
}

fn examples_of(m: &Map<String, Value>) -> Vec<&Value> {
    let mut out: Vec<&Value> = m.get("example").into_iter().collect();
    if let Some(Value::Array(a)) = m.get("examples") {
        out.extend(a.iter());
    }
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
