//! OpenAPI 3.1 → the 3.0 shape openapiv3 reads, in place over `serde_json::Value`.
//!
//! Schema rules (each has a unit test below):
//! - boolean schemas: `true` → `{}`, `false` → `{"not": {}}` (`additionalProperties: false`
//!   stays, 3.0 allows it);
//! - `anyOf`/`oneOf` branches that are `{type: "null"}` are removed and the schema becomes
//!   `nullable`; a single remaining branch is merged in (or becomes `allOf: [branch]`);
//! - `$ref` with sibling keywords (3.1 only) → `allOf: [{$ref}]` plus the siblings;
//! - type arrays: `"null"` → `nullable: true`; one other type → `type: t`; several → `anyOf`
//!   of one branch per type, each taking the keywords that apply to it;
//! - `type: "null"` alone → `nullable: true, enum: [null]`;
//! - `const: v` → `enum: [v]`; `examples: [a, ...]` → `example: a`;
//! - numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true` (same for maximum);
//! - integer bounds outside `i64` (openai.yaml's `-9223372036854776000`) → an exact `i64`
//!   where the value is one, else clamped to the `i64` range (with a warning);
//! - `contentEncoding: base64` → `format: byte`; a non-text `contentMediaType` → `format:
//!   binary` (on `type: string` without a format);
//! - `prefixItems` → `items` (the single item, or `anyOf` of them).
//!
//! Document rules: a missing `paths` becomes `{}`, an operation without `responses` gets `{}`,
//! a response without `description` gets `""`, and `mutualTLS` security schemes (no 3.0
//! equivalent) are dropped with a warning. `webhooks`, `components/pathItems`, `$defs` and
//! `x-*` stay where they are (openapiv3 ignores them; the IR reads them from `raw`).

use serde_json::{json, Map, Number, Value};

use super::kind::Kind;
use crate::pointer::escape;
use crate::Warning;

/// Normalizes `root` in place. `v31`: the document declared 3.1 (only then do `$ref` siblings
/// count; in 3.0 they are ignored, as the specification says).
pub(crate) fn normalize(root: &mut Value, v31: bool, warnings: &mut Vec<Warning>) {
    if let Some(obj) = root.as_object_mut() {
        if !obj.contains_key("paths") {
            obj.insert("paths".into(), Value::Object(Map::new()));
        }
    }
    let mut n = Normalizer { v31, warnings };
    n.walk(root, Kind::Root, &mut String::new());
}

struct Normalizer<'w> {
    v31: bool,
    warnings: &'w mut Vec<Warning>,
}

const OBJECT_KEYS: &[&str] = &[
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "patternProperties",
    "propertyNames",
];
const ARRAY_KEYS: &[&str] = &[
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "prefixItems",
    "contains",
];
const STRING_KEYS: &[&str] = &["pattern", "minLength", "maxLength", "format"];
const NUMBER_KEYS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "format",
];
/// Keywords that say nothing about the value's shape.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "$comment",
    "example",
    "examples",
    "default",
    "nullable",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
];

fn is_null_schema(v: &Value) -> bool {
    let Some(m) = v.as_object() else {
        return false;
    };
    let null_type = match m.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(a)) => !a.is_empty() && a.iter().all(|t| t == "null"),
        _ => false,
    };
    let null_enum = matches!(m.get("enum"), Some(Value::Array(a)) if a.len() == 1 && a[0].is_null())
        || matches!(m.get("const"), Some(Value::Null));
    (null_type || (null_enum && !m.contains_key("type")))
        && m.keys().all(|k| {
            k == "type"
                || k == "enum"
                || k == "const"
                || ANNOTATIONS.contains(&k.as_str())
                || k.starts_with("x-")
        })
}

/// Puts `entry` first in `allOf`.
fn prepend_all_of(m: &mut Map<String, Value>, entry: Value) {
    match m.get_mut("allOf") {
        Some(Value::Array(a)) => a.insert(0, entry),
        _ => {
            m.insert("allOf".into(), Value::Array(vec![entry]));
        }
    }
}

impl Normalizer<'_> {
    fn warn(&mut self, at: &str, message: String) {
        self.warnings.push(Warning {
            pointer: format!("#{at}"),
            message,
        });
    }

    fn walk(&mut self, v: &mut Value, kind: Kind, at: &mut String) {
        match kind {
            Kind::Schema => {
                if let Value::Bool(b) = v {
                    *v = if *b { json!({}) } else { json!({"not": {}}) };
                }
                if let Value::Object(m) = v {
                    self.schema(m, at);
                }
            }
            Kind::SchemaOrBool => {
                if let Value::Object(m) = v {
                    self.schema(m, at);
                }
            }
            Kind::Operation => {
                if let Value::Object(m) = v {
                    if !m.contains_key("responses") {
                        m.insert("responses".into(), Value::Object(Map::new()));
                    }
                }
            }
            Kind::Response => {
                if let Value::Object(m) = v {
                    if !m.contains_key("$ref") && !m.contains_key("description") {
                        m.insert("description".into(), Value::String(String::new()));
                    }
                }
            }
            Kind::SecuritySchemeMap => {
                if let Value::Object(m) = v {
                    let tls: Vec<String> = m
                        .iter()
                        .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS"))
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in tls {
                        m.shift_remove(&k);
                        self.warn(
                            &format!("{at}/{}", escape(&k)),
                            "mutualTLS security scheme dropped (no OpenAPI 3.0 equivalent); configure client certificates on the HTTP client".into(),
                        );
                    }
                }
            }
            _ => {}
        }
        match v {
            Value::Object(m) => {
                for (k, c) in m.iter_mut() {
                    let ck = kind.child(k);
                    if ck == Kind::Opaque
                        || !(c.is_object()
                            || c.is_array()
                            || (c.is_boolean() && ck == Kind::Schema))
                    {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape(k));
                    self.walk(c, ck, at);
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                let ck = kind.child("0");
                if ck == Kind::Opaque {
                    return;
                }
                for (i, c) in items.iter_mut().enumerate() {
                    if !(c.is_object() || c.is_array() || (c.is_boolean() && ck == Kind::Schema)) {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&i.to_string());
                    self.walk(c, ck, at);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn schema(&mut self, m: &mut Map<String, Value>, at: &str) {
        self.null_branches(m);
        if m.contains_key("$ref") {
            if !self.v31 {
                return;
            }
            for k in ["$comment", "$schema", "$id", "$anchor", "$dynamicAnchor"] {
                m.shift_remove(k);
            }
            if m.len() == 1 {
                return;
            }
            if let Some(r) = m.shift_remove("$ref") {
                prepend_all_of(m, json!({ "$ref": r }));
            }
        }
        self.type_array(m);
        if m.get("type").and_then(Value::as_str) == Some("null") {
            m.shift_remove("type");
            m.insert("nullable".into(), Value::Bool(true));
            if !m.contains_key("enum") {
                m.insert("enum".into(), json!([null]));
            }
        }
        if let Some(c) = m.shift_remove("const") {
            if !m.contains_key("enum") {
                m.insert("enum".into(), Value::Array(vec![c]));
            }
        }
        if matches!(m.get("examples"), Some(Value::Array(_))) {
            if let Some(Value::Array(mut ex)) = m.shift_remove("examples") {
                if !m.contains_key("example") && !ex.is_empty() {
                    m.insert("example".into(), ex.swap_remove(0));
                }
            }
        }
        self.exclusive(m, "exclusiveMinimum", "minimum", true);
        self.exclusive(m, "exclusiveMaximum", "maximum", false);
        if m.get("type").and_then(Value::as_str) == Some("integer") {
            self.integer_bounds(m, at);
        }
        if m.get("type").and_then(Value::as_str) == Some("string") && !m.contains_key("format") {
            let encoding = m.get("contentEncoding").and_then(Value::as_str);
            let media = m.get("contentMediaType").and_then(Value::as_str);
            let format = match (encoding, media) {
                (Some("base64" | "base64url"), _) => Some("byte"),
                (None, Some(mt))
                    if !(mt.starts_with("text/") || mt.contains("json") || mt.contains("xml")) =>
                {
                    Some("binary")
                }
                _ => None,
            };
            if let Some(f) = format {
                m.insert("format".into(), Value::String(f.into()));
            }
        }
        if matches!(m.get("prefixItems"), Some(Value::Array(_))) {
            if let Some(Value::Array(mut p)) = m.shift_remove("prefixItems") {
                if !matches!(m.get("items"), Some(Value::Object(_))) {
                    let items = if p.len() == 1 {
                        p.swap_remove(0)
                    } else {
                        json!({ "anyOf": p })
                    };
                    m.insert("items".into(), items);
                }
            }
        }
    }

    /// `anyOf`/`oneOf` null branches → `nullable`.
    fn null_branches(&mut self, m: &mut Map<String, Value>) {
        for key in ["anyOf", "oneOf"] {
            let Some(Value::Array(list)) = m.get_mut(key) else {
                continue;
            };
            let before = list.len();
            list.retain(|s| !is_null_schema(s));
            if list.len() == before {
                continue;
            }
            let remaining = list.len();
            m.insert("nullable".into(), Value::Bool(true));
            let other = if key == "anyOf" { "oneOf" } else { "anyOf" };
            if remaining == 0 {
                m.shift_remove(key);
                if !m.contains_key("enum")
                    && !m.contains_key("type")
                    && !m.contains_key(other)
                    && !m.contains_key("allOf")
                {
                    m.insert("enum".into(), json!([null]));
                }
            } else if remaining == 1 && !m.contains_key(other) {
                let Some(Value::Array(mut list)) = m.shift_remove(key) else {
                    continue;
                };
                let only = list.swap_remove(0);
                self.absorb(m, only);
            }
        }
    }

    /// Merges the single remaining branch into `m`, or makes it `allOf: [branch]`.
    fn absorb(&mut self, m: &mut Map<String, Value>, only: Value) {
        let mergeable = match &only {
            Value::Object(o) => {
                !o.contains_key("$ref")
                    && o.keys().all(|k| !m.contains_key(k))
                    && m.keys()
                        .all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-"))
            }
            _ => false,
        };
        match only {
            Value::Object(o) if mergeable => {
                for (k, v) in o {
                    m.insert(k, v);
                }
            }
            Value::Bool(true) => {}
            other => prepend_all_of(m, other),
        }
    }

    fn type_array(&mut self, m: &mut Map<String, Value>) {
        let Some(Value::Array(types)) = m.get("type") else {
            return;
        };
        let mut names: Vec<String> = Vec::new();
        let mut null = false;
        for t in types.iter().filter_map(Value::as_str) {
            if t == "null" {
                null = true;
            } else if !names.iter().any(|n| n == t) {
                names.push(t.to_owned());
            }
        }
        if names.iter().any(|n| n == "number") {
            names.retain(|n| n != "integer");
        }
        if null {
            m.insert("nullable".into(), Value::Bool(true));
        }
        match names.len() {
            0 => {
                m.insert("type".into(), Value::String("null".into()));
            }
            1 => {
                m.insert("type".into(), Value::String(names.swap_remove(0)));
            }
            _ => {
                m.shift_remove("type");
                if m.contains_key("anyOf") || m.contains_key("oneOf") {
                    return;
                }
                let mut branches = Vec::new();
                for t in &names {
                    let mut b = Map::new();
                    b.insert("type".into(), Value::String(t.clone()));
                    let keys: &[&str] = match t.as_str() {
                        "object" => OBJECT_KEYS,
                        "array" => ARRAY_KEYS,
                        "string" => STRING_KEYS,
                        "number" | "integer" => NUMBER_KEYS,
                        _ => &[],
                    };
                    for k in keys {
                        if let Some(v) = m.get(*k) {
                            b.insert((*k).into(), v.clone());
                        }
                    }
                    if let Some(Value::Array(e)) = m.get("enum") {
                        let fits = |v: &Value| match t.as_str() {
                            "string" => v.is_string(),
                            "integer" => v.is_i64() || v.is_u64(),
                            "number" => v.is_number(),
                            "boolean" => v.is_boolean(),
                            "object" => v.is_object(),
                            "array" => v.is_array(),
                            _ => false,
                        };
                        let vals: Vec<Value> = e.iter().filter(|v| fits(v)).cloned().collect();
                        if !vals.is_empty() {
                            b.insert("enum".into(), Value::Array(vals));
                        }
                    }
                    branches.push(Value::Object(b));
                }
                for k in OBJECT_KEYS
                    .iter()
                    .chain(ARRAY_KEYS)
                    .chain(STRING_KEYS)
                    .chain(NUMBER_KEYS)
                    .chain(&["enum"])
                {
                    m.shift_remove(*k);
                }
                m.insert("anyOf".into(), Value::Array(branches));
            }
        }
    }

    /// 3.1 numeric `exclusiveMinimum`/`exclusiveMaximum` → 3.0 boolean plus bound.
    fn exclusive(&mut self, m: &mut Map<String, Value>, ex: &str, bound: &str, lower: bool) {
        let Some(Value::Number(n)) = m.get(ex) else {
            return;
        };
        let n = n.clone();
        let stricter_exists = match (m.get(bound).and_then(Value::as_f64), n.as_f64()) {
            (Some(b), Some(x)) => {
                if lower {
                    b > x
                } else {
                    b < x
                }
            }
            _ => false,
        };
        if stricter_exists {
            m.shift_remove(ex);
        } else {
            m.insert(bound.into(), Value::Number(n));
            m.insert(ex.into(), Value::Bool(true));
        }
    }

    /// Integer bounds openapiv3 can read as `i64`.
    fn integer_bounds(&mut self, m: &mut Map<String, Value>, at: &str) {
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        for key in ["minimum", "maximum", "multipleOf"] {
            let Some(Value::Number(n)) = m.get(key) else {
                continue;
            };
            if n.is_i64() {
                continue;
            }
            let Some(f) = n.as_f64() else {
                continue;
            };
            let exact = f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f);
            let fixed: Option<i64> = if exact {
                Some(f as i64)
            } else if key == "multipleOf" {
                None
            } else if f >= LIMIT {
                Some(i64::MAX)
            } else if f < -LIMIT {
                Some(i64::MIN)
            } else if key == "minimum" {
                Some(f.ceil() as i64)
            } else {
                Some(f.floor() as i64)
            };
            let original = n.to_string();
            match fixed {
                Some(i) => {
                    m.insert(key.into(), Value::Number(Number::from(i)));
                    if !exact {
                        self.warn(
                            &format!("{at}/{key}"),
                            format!("integer {key} {original} is not an i64; using {i}"),
                        );
                    }
                }
                None => {
                    m.shift_remove(key);
                    self.warn(
                        &format!("{at}/{key}"),
                        format!("integer multipleOf {original} is not an integer; dropped"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
