//! The top level: `info`, explicit types, tags, paths, components and root extensions; the
//! other top-level sections have their own modules.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::cases::ApiError;
use super::infer;
use super::model::{Document, Endpoint, Ext, Shape, Snapshot, VersionHeader};
use super::{seg, suggest, Converter, Defaults, FORMAT};
use crate::load::LoadError;
use crate::names;

impl Converter<'_> {
    /// The whole conversion, section by section (errors come in this order too).
    pub(super) fn convert(mut self, doc: &Document) -> Result<Value, LoadError> {
        let snap = self.shape(doc, "#", "a snapshot")?;
        let (title, version) = self.header(snap)?;
        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.1.0"));
        out.insert("info".into(), self.info(snap, title, &version)?);
        if let Some(envs) = &snap.environments {
            out.insert("servers".into(), self.environments(envs)?);
        }
        // Types given explicitly are claimed first: inference never overrides them.
        let mut explicit = self.explicit_types(snap)?;
        let (schemes, security_schemes) = match &snap.auth {
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
        if let Some(tags) = &snap.tags {
            out.insert("tags".into(), self.tags(tags)?);
        }
        let endpoints = self.endpoint_map(snap)?;
        let all: Vec<&str> = endpoints.keys().map(String::as_str).collect();
        let ApiError {
            pointer: error_pointer,
            schema: error_schema,
            cases: api_errors,
            mut retry,
        } = self.api_error(snap, endpoints, &mut explicit)?;
        let (idempotency_header, idempotent) = match &snap.idempotency {
            Some(i) => self.idempotency(i, endpoints, &all)?,
            None => Default::default(),
        };
        let defaults = Defaults {
            schemes,
            idempotency_header,
            idempotent,
            api_errors,
            error_schema,
        };
        out.insert("paths".into(), self.paths(endpoints, &defaults)?);
        let mut signature = None;
        if let Some(w) = &snap.webhooks {
            let (hooks, s) = self.webhooks(w)?;
            out.insert("webhooks".into(), hooks);
            signature = s;
        }
        if let Some(c) = self.components(explicit, security_schemes)? {
            out.insert("components".into(), c);
        }
        if let Some(r) = &snap.rate_limit {
            out.insert("x-sturdy-rate-limit".into(), self.rate_limit(r)?);
        }
        if let Some(r) = &snap.retry {
            retry.add_rules(&self, r, "#/retry")?;
        }
        if let Some(v) = retry.to_value() {
            out.insert("x-sturdy-retry".into(), v);
        }
        if let Some(t) = &snap.timeout_ms {
            let t = self.timeout(t, "#/timeout_ms")?;
            out.insert("x-sturdy-timeout".into(), json!(t));
        }
        if let Some(p) = error_pointer {
            out.insert("x-sturdy-error".into(), json!(p));
        }
        if let Some(vh) = &snap.version_header {
            out.insert(
                "x-sturdy-version-header".into(),
                self.version_header(vh, &version)?,
            );
        }
        if let Some(h) = &snap.health_check {
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
        if let Some(s) = signature {
            out.insert("x-sturdy-webhook-signature".into(), s);
        }
        for (k, v) in &snap.ext {
            out.insert(k.clone(), v.clone());
        }
        let mut out = Value::Object(out);
        infer::rename_refs(&mut out, &self.registry.renamed());
        Ok(out)
    }

    /// Checks the format, the top-level keys, and returns `name` and `version`.
    fn header(&self, root: &Snapshot) -> Result<(String, String), LoadError> {
        let format = root
            .sturdy
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or_default();
        if format != FORMAT {
            return Err(self.err(
                "#/sturdy",
                format!("unsupported snapshot format `{format}`"),
                format!("this sturdy reads `sturdy: {FORMAT}`"),
            ));
        }
        let title = match &root.name {
            Some(v) => self.string(v, "#/name", "`name`")?.to_owned(),
            None => {
                return Err(self.err(
                    "#",
                    "the snapshot has no `name`",
                    "add `name: Payments API` (it names the generated crate)",
                ))
            }
        };
        let version = match &root.version {
            Some(v) => self.version_string(v, "#/version")?,
            None => {
                return Err(self.err(
                    "#",
                    "the snapshot has no `version`",
                    "add the API version you pinned, e.g. `version: \"2024-06-20\"`",
                ))
            }
        };
        Ok((title, version))
    }

    fn info(&self, root: &Snapshot, title: String, version: &str) -> Result<Value, LoadError> {
        let mut info = Map::new();
        info.insert("title".into(), json!(title));
        info.insert("version".into(), json!(version));
        if let Some(d) = &root.description {
            info.insert(
                "description".into(),
                json!(self.string(d, "#/description", "`description`")?),
            );
        }
        Ok(Value::Object(info))
    }

    /// `types:`, with `$ref: Name` shorthands rewritten; each name is claimed as explicit.
    fn explicit_types(&mut self, root: &Snapshot) -> Result<Vec<(String, Value)>, LoadError> {
        let mut explicit = Vec::new();
        let Some(types) = &root.types else {
            return Ok(explicit);
        };
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
        Ok(explicit)
    }

    fn tags(&self, tags: &Value) -> Result<Value, LoadError> {
        let mut list = Vec::new();
        for (name, d) in self.map(tags, "#/tags", "`tags`")? {
            let d = self.string(d, &seg("#/tags", name), "a tag description")?;
            list.push(json!({"name": name, "description": d}));
        }
        Ok(Value::Array(list))
    }

    /// `endpoints:`, which must be there and not empty.
    fn endpoint_map<'m>(
        &self,
        snap: &'m Snapshot,
    ) -> Result<&'m IndexMap<String, Shape<Ext<Endpoint>>>, LoadError> {
        let endpoints = match &snap.endpoints {
            Some(e) => self.shape(e, "#/endpoints", "`endpoints`")?,
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
        Ok(endpoints)
    }

    /// `paths`: every endpoint under its path and method; two on one path and method clash.
    fn paths(
        &mut self,
        endpoints: &IndexMap<String, Shape<Ext<Endpoint>>>,
        defaults: &Defaults<'_>,
    ) -> Result<Value, LoadError> {
        let mut paths: Map<String, Value> = Map::new();
        for (name, ep) in endpoints {
            let ptr = seg("#/endpoints", name);
            let (path, method, op) = self.endpoint(name, ep, &ptr, defaults)?;
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
        Ok(Value::Object(paths))
    }

    /// `components`: explicit types, inferred types (event fields pinned to their event
    /// names), security schemes; every `$ref` shorthand must name one of the types.
    fn components(
        &mut self,
        explicit: Vec<(String, Value)>,
        security_schemes: Map<String, Value>,
    ) -> Result<Option<Value>, LoadError> {
        let mut schemas: Map<String, Value> = explicit.into_iter().collect();
        for (n, s) in self.registry.schemas() {
            schemas.entry(n).or_insert(s);
        }
        self.pin_event_fields(&mut schemas);
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
        Ok((!components.is_empty()).then_some(Value::Object(components)))
    }

    /// Event payload fields that always name their event get `enum: [<event names>]`.
    fn pin_event_fields(&self, schemas: &mut Map<String, Value>) {
        let mut pins: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for ((ty, field), values) in &self.pins {
            let all = pins
                .entry((self.registry.resolve(ty), field.clone()))
                .or_default();
            for v in values {
                if !all.contains(v) {
                    all.push(v.clone());
                }
            }
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
    }

    /// `x-sturdy-version-header` from `version_header` (a name, or `{name, value}`).
    fn version_header(
        &self,
        vh: &Shape<Ext<VersionHeader>>,
        version: &str,
    ) -> Result<Value, LoadError> {
        let (n, v) = match vh {
            Shape::Other(Value::String(n)) => (n.clone(), version.to_owned()),
            Shape::Read(m) => {
                let n =
                    match &m.name {
                        Some(n) => self
                            .string(n, "#/version_header/name", "`name`")?
                            .to_owned(),
                        None => return Err(self.err(
                            "#/version_header",
                            "`version_header` has no `name`",
                            "e.g. `version_header: {name: Stripe-Version, value: \"2024-06-20\"}`",
                        )),
                    };
                let v = match &m.value {
                    Some(v) => self.version_string(v, "#/version_header/value")?,
                    None => version.to_owned(),
                };
                (n, v)
            }
            Shape::Other(_) => {
                return Err(self.err(
                    "#/version_header",
                    "`version_header` must be a header name or `{name, value}`",
                    "e.g. `version_header: Api-Version`",
                ))
            }
        };
        Ok(json!({"name": n, "value": v}))
    }
}
