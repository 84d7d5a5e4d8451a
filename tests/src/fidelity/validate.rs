//! A small JSON Schema check (the OpenAPI 3.0 subset that decides whether a typed client can
//! hold a value): `$ref`, `type`, `nullable`, `enum`, `properties`, `required`,
//! `additionalProperties`, `items`, `allOf`/`anyOf`/`oneOf` (one match suffices), and the
//! formats the generated types parse (`date-time`, `date`, `uuid`, `int32`). Anything else is
//! not checked, so "valid" here is a superset of truly valid.

use serde_json::Value;

/// Whether `value` is valid against `schema`, whose `$ref`s point into `root`.
pub fn valid(root: &Value, schema: &Value, value: &Value) -> bool {
    check(root, schema, value, 0)
}

fn check(root: &Value, schema: &Value, value: &Value, depth: usize) -> bool {
    if depth > 64 {
        return true;
    }
    let Some(s) = schema.as_object() else {
        return true;
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(target) => check(root, target, value, depth + 1),
            None => true,
        };
    }
    if value.is_null() && s.get("nullable") == Some(&Value::Bool(true)) {
        return true;
    }
    let sub = |k: &str, v: &Value| match s.get(k) {
        Some(x) => check(root, x, v, depth + 1),
        None => true,
    };
    if let Some(Value::Array(all)) = s.get("allOf") {
        if !all.iter().all(|x| check(root, x, value, depth + 1)) {
            return false;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(any)) = s.get(key) {
            if !any.iter().any(|x| check(root, x, value, depth + 1)) {
                return false;
            }
        }
    }
    if let Some(Value::Array(e)) = s.get("enum") {
        if !e.contains(value) {
            return false;
        }
    }
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    let kind_ok = match s.get("type") {
        Some(Value::String(t)) => kind(t, format, value),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .any(|t| kind(t, format, value)),
        _ => true,
    };
    if !kind_ok {
        return false;
    }
    match value {
        Value::Object(m) => {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(req)) = s.get("required") {
                if !req
                    .iter()
                    .filter_map(Value::as_str)
                    .all(|k| m.contains_key(k))
                {
                    return false;
                }
            }
            m.iter().all(|(k, v)| match props.and_then(|p| p.get(k)) {
                Some(p) => check(root, p, v, depth + 1),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => false,
                    Some(a @ Value::Object(_)) => check(root, a, v, depth + 1),
                    _ => true,
                },
            })
        }
        Value::Array(items) => items.iter().all(|v| sub("items", v)),
        _ => true,
    }
}

fn kind(t: &str, format: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => match v.as_i64() {
            Some(n) if format == "int32" => i32::try_from(n).is_ok(),
            Some(_) => true,
            None => v.is_u64(),
        },
        "number" => v.is_number(),
        "string" => v.as_str().is_some_and(|s| string_format(format, s)),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn string_format(format: &str, s: &str) -> bool {
    let digits = |r: std::ops::Range<usize>| {
        s.get(r)
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
    };
    let date = s.len() >= 10 && digits(0..4) && digits(5..7) && digits(8..10);
    match format {
        "date" => s.len() == 10 && date,
        "date-time" => {
            date && s.len() >= 20
                && matches!(s.as_bytes()[10], b'T' | b't')
                && digits(11..13)
                && digits(14..16)
                && digits(17..19)
                && (s.ends_with(['Z', 'z']) || s[19..].contains(['+', '-']))
        }
        "uuid" => {
            s.len() == 36
                && s.bytes().enumerate().all(|(i, b)| {
                    matches!(i, 8 | 13 | 18 | 23) == (b == b'-')
                        && (b == b'-' || b.is_ascii_hexdigit())
                })
        }
        _ => true,
    }
}

/// Whether `value` (valid against `schema`) carries object keys its schema does not declare,
/// where the schema declares properties and no `additionalProperties`: a typed struct drops
/// them by design. For `anyOf`/`oneOf`, only when every branch it is valid against does.
pub fn undeclared(root: &Value, schema: &Value, value: &Value) -> bool {
    undeclared_at(root, schema, value, 0)
}

fn deref<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(t) => schema = t,
                None => return schema,
            },
            None => return schema,
        }
    }
    schema
}

fn undeclared_at(root: &Value, schema: &Value, value: &Value, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    let s = deref(root, schema);
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(bs)) = s.get(key) {
            let fits: Vec<&Value> = bs.iter().filter(|b| valid(root, b, value)).collect();
            return !fits.is_empty()
                && fits
                    .iter()
                    .all(|b| undeclared_at(root, b, value, depth + 1));
        }
    }
    match value {
        Value::Object(m) => {
            let mut props: Vec<(&String, &Value)> = Vec::new();
            let mut open = false;
            declared(root, s, &mut props, &mut open, 0);
            if !open && !props.is_empty() && m.keys().any(|k| !props.iter().any(|(p, _)| *p == k)) {
                return true;
            }
            m.iter().any(|(k, v)| {
                props
                    .iter()
                    .filter(|(p, _)| *p == k)
                    .any(|(_, ps)| undeclared_at(root, ps, v, depth + 1))
            })
        }
        Value::Array(items) => match s.get("items") {
            Some(i) => items.iter().any(|v| undeclared_at(root, i, v, depth + 1)),
            None => false,
        },
        _ => false,
    }
}

/// Declared properties of a schema and its `allOf` members; `open` when any allows more.
fn declared<'a>(
    root: &'a Value,
    s: &'a Value,
    props: &mut Vec<(&'a String, &'a Value)>,
    open: &mut bool,
    depth: usize,
) {
    let s = deref(root, s);
    if depth > 16 {
        *open = true;
        return;
    }
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        props.extend(p.iter());
    }
    if matches!(
        s.get("additionalProperties"),
        Some(Value::Object(_) | Value::Bool(true))
    ) {
        *open = true;
    }
    for m in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        declared(root, m, props, open, depth + 1);
    }
    if s.get("anyOf").is_some() || s.get("oneOf").is_some() {
        *open = true;
    }
}

#[cfg(test)]
mod tests {
    use super::valid;
    use serde_json::json;

    #[test]
    fn the_subset_is_checked() {
        let root = json!({"components": {"schemas": {"A": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "format": "int32"}, "at": {"type": "string", "format": "date-time"}, "k": {"enum": ["x"]}}, "additionalProperties": false}}}});
        let a = json!({"$ref": "#/components/schemas/A"});
        assert!(valid(
            &root,
            &a,
            &json!({"id": 1, "at": "2024-01-01T00:00:00Z", "k": "x"})
        ));
        assert!(!valid(&root, &a, &json!({})));
        assert!(!valid(&root, &a, &json!({"id": 4_000_000_000u64})));
        assert!(!valid(&root, &a, &json!({"id": 1, "at": "yesterday"})));
        assert!(!valid(&root, &a, &json!({"id": 1, "k": "y"})));
        assert!(!valid(&root, &a, &json!({"id": 1, "extra": 1})));
        let any = json!({"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/A"}], "nullable": true});
        assert!(valid(&root, &any, &json!("s")) && valid(&root, &any, &json!(null)));
        assert!(!valid(&root, &any, &json!(1)));
        let open = json!({"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {}}}}});
        assert!(!super::undeclared(&root, &open, &json!({"a": {"b": 1}})));
        assert!(super::undeclared(
            &root,
            &open,
            &json!({"a": {"b": 1, "c": 2}})
        ));
        assert!(!super::undeclared(&root, &any, &json!({"id": 1})));
    }
}
