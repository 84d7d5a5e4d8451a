//! The example each operation's fake answers with (`testing::fake()` in a generated crate).
//!
//! While operations are built, `spec_example` takes the success response's own example:
//! the media type's `example`, else its first `examples` entry (a `value` that only refers to
//! a component example is that example's value), else the schema's `example`.
//! Once every type is known, `settle` keeps that example only if it fits the response
//! type (so the fake's answer always decodes), and otherwise synthesizes one from the type:
//! required fields only, an enum's first value, a union's first variant (with its
//! discriminator), one item per array, placeholder values for formats, and a bounded
//! depth. The result is deterministic.

use std::collections::BTreeMap;

use openapiv3::{MediaType, ReferenceOr, Schema};
use serde_json::{json, Map, Value};

use crate::ir::resolve::resolve;
use crate::ir::{Operation, Prim, ResponseEncoding, TypeDef, TypeKind, TypeRef};
use crate::load::Document;

/// How deep a synthesized value nests before optional parts are left out.
const MAX_DEPTH: usize = 6;

/// The spec's own example for a success media type at `pointer`, if it declares one.
pub(crate) fn spec_example(doc: &Document, mt: &MediaType, pointer: &str) -> Option<Value> {
    // A value that only refers to a component example (GitHub) is that example's value.
    let value = |v: &Value| crate::ir::evidence::example_value(&doc.raw, v);
    if let Some(v) = &mt.example {
        return Some(value(v));
    }
    if let Some((name, e)) = mt.examples.iter().next() {
        let here = format!("{pointer}/examples/{}", crate::pointer::escape(name));
        if let Some(v) = resolve(doc, e, &here).and_then(|(e, _)| e.value) {
            return Some(value(&v));
        }
    }
    let schema: &ReferenceOr<Schema> = mt.schema.as_ref()?;
    let (s, _) = resolve(doc, schema, &format!("{pointer}/schema"))?;
    s.schema_data.example
}

/// Settles every success example: the spec's if it fits the type, else a synthesized one.
pub(crate) fn settle(ops: &mut [Operation], types: &BTreeMap<String, TypeDef>) {
    for op in ops {
        let s = &mut op.success;
        s.example = match s.encoding {
            ResponseEncoding::Json => Some(match s.example.take() {
                Some(v) if fits(&v, &s.ty, types, 0) => v,
                _ => synthesize(&s.ty, types, 0),
            }),
            ResponseEncoding::Text => Some(match s.example.take() {
                Some(Value::String(t)) => Value::String(t),
                _ => Value::String("example".into()),
            }),
            ResponseEncoding::Bytes | ResponseEncoding::Empty => None,
        };
    }
}

fn prim(p: Prim) -> Value {
    match p {
        Prim::String => json!("example"),
        Prim::Bool => json!(true),
        Prim::I32 | Prim::I64 | Prim::U64 => json!(1),
        Prim::F32 | Prim::F64 => json!(1.5),
        Prim::DateTime => json!("2024-01-01T00:00:00Z"),
        Prim::Date => json!("2024-01-01"),
        Prim::Uuid => json!("00000000-0000-4000-8000-000000000000"),
        Prim::Binary | Prim::Base64 => json!(""),
    }
}

/// A value of type `ty` (see the module docs).
pub fn synthesize(ty: &TypeRef, types: &BTreeMap<String, TypeDef>, depth: usize) -> Value {
    if depth > 4 * MAX_DEPTH {
        // Only a type that requires itself gets here; no finite value fits it.
        return Value::Null;
    }
    match ty {
        TypeRef::Prim(p) => prim(*p),
        TypeRef::Vec(t) if depth < MAX_DEPTH => json!([synthesize(t, types, depth + 1)]),
        TypeRef::Vec(_) => json!([]),
        TypeRef::Map(_) | TypeRef::Json => json!({}),
        TypeRef::Boxed(t) => synthesize(t, types, depth),
        TypeRef::Unit => Value::Null,
        // An expandable field is synthesized unexpanded: the object's id.
        TypeRef::Expandable(_) => json!("id_example"),
        TypeRef::Named(n) => match types.get(n) {
            Some(def) => named(def, types, depth),
            None => json!({}),
        },
    }
}

fn named(def: &TypeDef, types: &BTreeMap<String, TypeDef>, depth: usize) -> Value {
    match &def.kind {
        TypeKind::Alias(t) => synthesize(t, types, depth),
        TypeKind::Enum(e) => e
            .variants
            .first()
            .map(|v| json!(v.value))
            .unwrap_or(json!("example")),
        TypeKind::Struct(s) => {
            let mut obj = Map::new();
            for f in s.fields.iter().filter(|f| f.required) {
                let value = if f.nullable {
                    Value::Null
                } else {
                    synthesize(&f.ty, types, depth + 1)
                };
                obj.insert(f.wire_name.clone(), value);
            }
            Value::Object(obj)
        }
        TypeKind::Union(u) => {
            let Some(v) = u.variants.first() else {
                return json!({});
            };
            let mut value = synthesize(&v.ty, types, depth + 1);
            if let (Some(prop), Some(tag), Value::Object(obj)) =
                (&u.discriminator, v.tags.first(), &mut value)
            {
                obj.insert(prop.clone(), json!(tag));
            }
            value
        }
    }
}

/// Whether `v` decodes as `ty` (conservatively: a union needs a variant that fits).
pub fn fits(v: &Value, ty: &TypeRef, types: &BTreeMap<String, TypeDef>, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match ty {
        TypeRef::Prim(p) => fits_prim(v, *p),
        TypeRef::Vec(t) => v
            .as_array()
            .is_some_and(|a| a.iter().all(|i| fits(i, t, types, depth + 1))),
        TypeRef::Map(t) => v
            .as_object()
            .is_some_and(|o| o.values().all(|i| fits(i, t, types, depth + 1))),
        TypeRef::Boxed(t) => fits(v, t, types, depth),
        TypeRef::Json => true,
        TypeRef::Unit => true,
        TypeRef::Expandable(t) => v.is_string() || fits(v, t, types, depth + 1),
        TypeRef::Named(n) => types.get(n).is_some_and(|def| match &def.kind {
            TypeKind::Alias(t) => fits(v, t, types, depth + 1),
            TypeKind::Enum(_) => v.is_string(),
            TypeKind::Struct(s) => v.as_object().is_some_and(|o| {
                s.fields.iter().all(|f| match o.get(&f.wire_name) {
                    None => !f.required,
                    Some(Value::Null) => f.nullable || !f.required,
                    Some(x) => fits(x, &f.ty, types, depth + 1),
                }) && s.additional.as_ref().is_none_or(|t| {
                    o.iter()
                        .filter(|(k, _)| !s.fields.iter().any(|f| &f.wire_name == *k))
                        .all(|(_, x)| fits(x, t, types, depth + 1))
                })
            }),
            TypeKind::Union(u) => u
                .variants
                .iter()
                .any(|var| fits(v, &var.ty, types, depth + 1)),
        }),
    }
}

fn fits_prim(v: &Value, p: Prim) -> bool {
    let s = v.as_str();
    match p {
        Prim::String | Prim::Binary | Prim::Base64 => s.is_some(),
        Prim::Bool => v.is_boolean(),
        Prim::I32 => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        Prim::I64 => v.is_i64(),
        Prim::U64 => v.is_u64(),
        Prim::F32 | Prim::F64 => v.is_number(),
        Prim::DateTime => s.is_some_and(|s| {
            let (date, time) = s.split_at(s.len().min(10));
            is_date(date)
                && time.starts_with(['T', 't'])
                && time.len() >= 9
                && (time.ends_with(['Z', 'z']) || time[1..].contains(['+', '-']))
        }),
        Prim::Date => s.is_some_and(is_date),
        Prim::Uuid => s.is_some_and(|s| {
            s.len() == 36
                && s.char_indices().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        }),
    }
}

/// `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

#[cfg(test)]
mod tests;
