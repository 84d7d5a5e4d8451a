//! The top level: `info`, explicit types, the API-wide error, idempotency, components and
//! root extensions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::infer::{self, Shape};
use super::policies::Retry;
use super::report::examples_of;
use super::{seg, suggest, Converter, Defaults, FORMAT, ROOT_KEYS};
use crate::ir::names;
use crate::load::LoadError;

impl Converter<'_> {
    pub(super) fn convert(mut self, raw: &Value) -> Result<Value, LoadError> {
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
        let mut pins: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for ((ty, field), values) in &self.pins {
            let all = pins
                .entry((self.registry.resolve(ty), field.clone()))
                .or_default();
            all.extend(
                values
                    .iter()
                    .filter(|v| !all.contains(v))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        for ((ty, field), values) in &pins {
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
            if !schemas.contains_key(&self.registry.resolve(name)) {
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
        let mut out = Value::Object(out);
        infer::rename_refs(&mut out, &self.registry.renamed());
        Ok(out)
    }
}
