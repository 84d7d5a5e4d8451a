//! The examples of a spec, each paired with the IR type it documents: response
//! `example`/`examples` (of the JSON media type the client decodes; an `examples` entry whose
//! `value` is only a `$ref` to a component example is that example), component schema
//! `example`s, and OpenAI's `x-oaiMeta` examples whose `response` parses as JSON. Examples
//! of `serde_json::Value` or `()` types are left out: they say nothing about a type.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ir::{Operation, ResponseEncoding, StatusMatch, TypeDef, TypeRef};
use crate::pointer::escape;

/// One example of the spec and the type it documents.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SpecExample {
    /// Where it is: a JSON pointer into the document (`#/paths/~1pets/get/responses/200/
    /// content/application~1json/example`, `.../x-oaiMeta/examples/0/response`).
    pub label: String,
    /// The type it documents.
    pub ty: TypeRef,
    /// The schema it documents, as written (a `$ref` for component schemas), for validators.
    pub schema: Value,
    /// The example.
    pub value: Value,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every example of the document `raw` (normalized, see [`crate::load::Document::raw`]),
/// with its type among `operations` and `types`, in document order.
pub fn spec_examples(
    operations: &[Operation],
    types: &BTreeMap<String, TypeDef>,
    raw: &Value,
) -> Vec<SpecExample> {
    let mut out = Vec::new();
    let mut push = |label: String, ty: &TypeRef, schema: &Value, value: Value| {
        if matches!(ty, TypeRef::Json | TypeRef::Unit) {
            return;
        }
        out.push(SpecExample {
            label,
            ty: ty.clone(),
            schema: schema.clone(),
            value,
        });
    };
    let deref = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix('#')
                .and_then(|p| raw.pointer(p))
                .cloned()
                .unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let Some(ir) = operations
                .iter()
                .find(|o| o.path == *path && o.method.as_str().eq_ignore_ascii_case(m))
            else {
                continue;
            };
            let at = format!("#/paths/{}/{m}", escape(path));
            for (status, resp) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let resp = deref(resp);
                let Some(ty) = response_type(ir, status) else {
                    continue;
                };
                // The media type the client decodes: `application/json`, else the first JSON
                // one (GitHub's `...star+json` and `sarif+json` alternatives have other schemas).
                let content = resp.get("content").and_then(Value::as_object);
                let decoded = content.and_then(|c| {
                    c.keys()
                        .find(|k| *k == "application/json")
                        .or_else(|| c.keys().find(|k| k.contains("json")))
                });
                for (ct, media) in content.into_iter().flatten() {
                    if Some(ct) != decoded {
                        continue;
                    }
                    let schema = media.get("schema").cloned().unwrap_or(Value::Null);
                    let here = format!("{at}/responses/{status}/content/{}", escape(ct));
                    if let Some(e) = media.get("example") {
                        push(format!("{here}/example"), &ty, &schema, e.clone());
                    }
                    for (k, e) in media
                        .get("examples")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(v) = deref(e).get("value") {
                            let label = format!("{here}/examples/{}", escape(k));
                            push(label, &ty, &schema, example_value(raw, v));
                        }
                    }
                }
            }
            // OpenAI: `x-oaiMeta.examples` (one or a list) with a JSON `response` string.
            let meta = op.pointer("/x-oaiMeta/examples");
            let metas: Vec<&Value> = match meta {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(v) => vec![v],
                None => vec![],
            };
            let ok_schema = success_schema(op, &deref);
            for (i, e) in metas.into_iter().enumerate() {
                let Some(text) = e.get("response").and_then(Value::as_str) else {
                    continue;
                };
                if ir.success.encoding != ResponseEncoding::Json {
                    continue;
                }
                if let Ok(v) = serde_json::from_str::<Value>(text) {
                    let label = format!("{at}/x-oaiMeta/examples/{i}/response");
                    push(label, &ir.success.ty, &ok_schema, v);
                }
            }
        }
    }
    let by_origin: BTreeMap<&str, &str> = types
        .values()
        .map(|d| (d.origin.as_str(), d.name.as_str()))
        .collect();
    for (name, s) in raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("#/components/schemas/{}", escape(name));
        let Some(rust) = by_origin.get(at.as_str()) else {
            continue;
        };
        let ty = TypeRef::Named((*rust).to_owned());
        let schema = serde_json::json!({ "$ref": at });
        if let Some(e) = s.get("example") {
            push(format!("{at}/example"), &ty, &schema, e.clone());
        }
        if let Some(text) = s.pointer("/x-oaiMeta/example").and_then(Value::as_str) {
            if let Ok(v) = serde_json::from_str::<Value>(text) {
                push(format!("{at}/x-oaiMeta/example"), &ty, &schema, v);
            }
        }
    }
    out
}

/// An example's `value`; one that is only a `$ref` to a component example (GitHub writes
/// `value: {$ref: '#/components/examples/x'}`) is that example's `value`.
pub(crate) fn example_value(raw: &Value, v: &Value) -> Value {
    let target = v
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("$ref"))
        .and_then(Value::as_str)
        .filter(|r| r.starts_with("#/components/examples/"))
        .and_then(|r| raw.pointer(&r[1..]))
        .and_then(|e| e.get("value"));
    target.unwrap_or(v).clone()
}

/// The type of the response `status` of `op` decodes into, if it is JSON.
fn response_type(op: &Operation, status: &str) -> Option<TypeRef> {
    let code = status.parse::<u16>().ok();
    if code == Some(op.success.status) {
        return (op.success.encoding == ResponseEncoding::Json).then(|| op.success.ty.clone());
    }
    let matches = |s: &StatusMatch| match (s, code) {
        (StatusMatch::Code(c), Some(code)) => *c == code,
        (StatusMatch::Range(d), Some(code)) => u16::from(*d) == code / 100,
        (StatusMatch::Default, None) => status == "default",
        _ => false,
    };
    op.errors
        .iter()
        .find(|e| matches(&e.status))
        .map(|e| e.ty.clone())
}

/// The schema of the first 2XX response's JSON media type.
fn success_schema(op: &Value, deref: &dyn Fn(&Value) -> Value) -> Value {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Value::Null;
    };
    responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .find_map(|(_, r)| {
            deref(r)
                .get("content")?
                .as_object()?
                .iter()
                .find(|(ct, _)| ct.contains("json"))
                .and_then(|(_, m)| m.get("schema").cloned())
        })
        .unwrap_or(Value::Null)
}
