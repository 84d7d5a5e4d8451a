//! A driver program that calls every operation of a generated client once per documented
//! status (asking Prism for that status with `Prefer: code=N`), with arguments synthesized
//! from the IR's types, and prints one JSON line per call. Given `fake` instead of a base
//! URL, it calls every operation once on the client's `testing::fake()` (success status
//! only), so each line says whether the fake's answer decoded.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};
use sturdy_generator::emit::operations::is_copy;
use sturdy_generator::emit::rust::type_tokens;
use sturdy_generator::ir::{
    Api, BodyEncoding, Param, Prim, ResponseEncoding, StatusMatch, TypeKind, TypeRef,
};

/// A JSON value of type `ty` that the spec's validator should accept (required fields only,
/// first enum value, first union variant, one element per array).
pub fn synth(api: &Api, ty: &TypeRef, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    match ty {
        TypeRef::Prim(p) => match p {
            Prim::String => json!("string"),
            Prim::Bool => json!(true),
            Prim::I32 | Prim::I64 | Prim::U64 => json!(1),
            Prim::F32 | Prim::F64 => json!(1.5),
            Prim::DateTime => json!("2024-01-02T03:04:05Z"),
            Prim::Date => json!("2024-01-02"),
            Prim::Uuid => json!("6f1c5a38-2d7a-4b6e-9b1f-3a1e0c5d7e21"),
            Prim::Binary => json!("sturdy"),
            Prim::Base64 => json!("c3R1cmR5"),
        },
        TypeRef::Named(n) => match api.types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Struct(s)) => {
                let mut m = serde_json::Map::new();
                for f in s.fields.iter().filter(|f| f.required && !f.read_only) {
                    m.insert(f.wire_name.clone(), synth(api, &f.ty, depth + 1));
                }
                Value::Object(m)
            }
            Some(TypeKind::Enum(e)) => e
                .variants
                .first()
                .map(|v| json!(v.value))
                .unwrap_or(json!("string")),
            Some(TypeKind::Union(u)) => match u.variants.first() {
                Some(v) => {
                    let mut value = synth(api, &v.ty, depth + 1);
                    if let (Some(prop), Some(tag), Value::Object(m)) =
                        (&u.discriminator, v.tags.first(), &mut value)
                    {
                        m.insert(prop.clone(), json!(tag));
                    }
                    value
                }
                None => json!({}),
            },
            Some(TypeKind::Alias(inner)) => synth(api, inner, depth + 1),
            None => Value::Null,
        },
        TypeRef::Vec(inner) => json!([synth(api, inner, depth + 1)]),
        TypeRef::Map(_) => json!({}),
        TypeRef::Boxed(inner) => synth(api, inner, depth + 1),
        // The id form is always valid.
        TypeRef::Expandable(_) => json!("id_1"),
        TypeRef::Json => json!({}),
        TypeRef::Unit => Value::Null,
    }
}

/// The shortest string a regex matches (first alternative, minimum repetitions), or `None`
/// when the pattern uses what `regex-syntax` does not parse (look-arounds).
pub fn string_for_pattern(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, HirKind};
    fn walk(h: &regex_syntax::hir::Hir, out: &mut String) {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(&String::from_utf8_lossy(&l.0)),
            HirKind::Class(Class::Unicode(c)) => {
                if let Some(r) = c.ranges().first() {
                    out.push(r.start());
                }
            }
            HirKind::Class(Class::Bytes(c)) => {
                if let Some(r) = c.ranges().first() {
                    out.push(r.start() as char);
                }
            }
            HirKind::Repetition(r) => {
                for _ in 0..r.min.max(if r.max == Some(0) { 0 } else { r.min.max(1) }) {
                    walk(&r.sub, out);
                }
            }
            HirKind::Capture(c) => walk(&c.sub, out),
            HirKind::Concat(v) => v.iter().for_each(|h| walk(h, out)),
            HirKind::Alternation(v) => {
                if let Some(h) = v.first() {
                    walk(h, out)
                }
            }
        }
    }
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out);
    Some(out)
}

/// A JSON value valid for the spec's own `schema` (as found in the loaded document): its
/// example or first enum value for scalars, formats and patterns honoured, required
/// properties only, first `oneOf`/`anyOf` member with its discriminator set.
pub fn synth_schema(raw: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    if let Some(r) = schema.get("$ref").and_then(|r| r.as_str()) {
        return match r.strip_prefix('#').and_then(|p| raw.pointer(p)) {
            Some(s) => synth_schema(raw, s, depth + 1),
            None => Value::Null,
        };
    }
    if let Some(v) = schema
        .get("enum")
        .and_then(|e| e.as_array())
        .and_then(|a| a.iter().find(|v| !v.is_null()))
    {
        return v.clone();
    }
    if let Some(all) = schema.get("allOf").and_then(|a| a.as_array()) {
        let mut merged = serde_json::Map::new();
        let mut other = None;
        for m in all {
            match synth_schema(raw, m, depth + 1) {
                Value::Object(o) => merged.extend(o),
                v => other = Some(v),
            }
        }
        if let Some(Value::Object(o)) = object_part(raw, schema, depth) {
            merged.extend(o);
        }
        return if merged.is_empty() {
            other.unwrap_or(json!({}))
        } else {
            Value::Object(merged)
        };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = schema.get(key).and_then(|a| a.as_array()) {
            let Some(first) = members
                .iter()
                .find(|m| m.get("type").and_then(|t| t.as_str()) != Some("null"))
            else {
                return Value::Null;
            };
            let mut v = synth_schema(raw, first, depth + 1);
            if let (Some(d), Value::Object(o)) = (schema.get("discriminator"), &mut v) {
                if let Some(prop) = d.get("propertyName").and_then(|p| p.as_str()) {
                    let target = first.get("$ref").and_then(|r| r.as_str()).unwrap_or("");
                    let tag = d
                        .get("mapping")
                        .and_then(|m| m.as_object())
                        .and_then(|m| {
                            m.iter().find(|(_, t)| {
                                t.as_str() == Some(target)
                                    || target.ends_with(&format!("/{}", t.as_str().unwrap_or("\0")))
                            })
                        })
                        .map(|(k, _)| k.clone())
                        .unwrap_or_else(|| target.rsplit('/').next().unwrap_or("").to_owned());
                    o.entry(prop.to_owned()).or_insert(json!(tag));
                }
            }
            return v;
        }
    }
    let ty = schema.get("type").and_then(|t| t.as_str()).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            ""
        },
    );
    let scalar_example = schema
        .get("example")
        .filter(|e| !e.is_object() && !e.is_array() && !e.is_null());
    match ty {
        "string" => {
            if let Some(e) = scalar_example.filter(|e| e.is_string()) {
                return e.clone();
            }
            let format = schema.get("format").and_then(|f| f.as_str()).unwrap_or("");
            let s = match format {
                "date-time" => "2024-01-02T03:04:05Z".to_owned(),
                "date" => "2024-01-02".to_owned(),
                "uuid" => "6f1c5a38-2d7a-4b6e-9b1f-3a1e0c5d7e21".to_owned(),
                "ipv4" | "ip" => "192.0.2.10".to_owned(),
                "ipv6" => "2001:db8::1".to_owned(),
                "email" => "user@example.com".to_owned(),
                "uri" | "url" => "https://example.com/x".to_owned(),
                "hostname" => "example.com".to_owned(),
                "byte" => "c3R1cmR5".to_owned(),
                _ => schema
                    .get("pattern")
                    .and_then(|p| p.as_str())
                    .and_then(string_for_pattern)
                    .unwrap_or_else(|| "string".to_owned()),
            };
            let min = schema
                .get("minLength")
                .and_then(|m| m.as_u64())
                .unwrap_or(0) as usize;
            if s.len() < min {
                json!(format!("{s}{}", "x".repeat(min - s.len())))
            } else {
                json!(s)
            }
        }
        "integer" | "number" => {
            if let Some(e) = scalar_example.filter(|e| e.is_number()) {
                return e.clone();
            }
            let min = schema
                .get("minimum")
                .and_then(|m| m.as_f64())
                .unwrap_or(1.0);
            let max = schema
                .get("maximum")
                .and_then(|m| m.as_f64())
                .unwrap_or(f64::MAX);
            let v = 1f64.max(min).min(max);
            if ty == "integer" {
                json!(v.ceil() as i64)
            } else {
                json!(v)
            }
        }
        "boolean" => json!(true),
        "array" => match schema.get("items") {
            Some(i) => json!([synth_schema(raw, i, depth + 1)]),
            None => json!([]),
        },
        "object" => object_part(raw, schema, depth).unwrap_or(json!({})),
        _ => Value::Null,
    }
}

fn object_part(raw: &Value, schema: &Value, depth: usize) -> Option<Value> {
    let props = schema.get("properties")?.as_object()?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let mut m = serde_json::Map::new();
    for (k, v) in props {
        if required.contains(&k.as_str()) && v.get("readOnly") != Some(&json!(true)) {
            m.insert(k.clone(), synth_schema(raw, v, depth + 1));
        }
    }
    Some(Value::Object(m))
}

/// The spec's schemas of an operation's parameters (by location and name) and body.
fn op_schemas(
    raw: &Value,
    path: &str,
    method: &str,
    body_ct: Option<&str>,
) -> (BTreeMap<(String, String), Value>, Option<Value>) {
    let deref = |v: &Value| -> Value {
        let mut cur = v.clone();
        for _ in 0..8 {
            match cur
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| raw.pointer(p))
            {
                Some(next) => cur = next.clone(),
                None => break,
            }
        }
        cur
    };
    let item = raw
        .get("paths")
        .and_then(|p| p.get(path))
        .map(&deref)
        .unwrap_or(Value::Null);
    let op = item.get(method).cloned().unwrap_or(Value::Null);
    let mut params = BTreeMap::new();
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for p in list.as_array().into_iter().flatten() {
            let p = deref(p);
            if let (Some(n), Some(l), Some(s)) = (
                p.get("name").and_then(|v| v.as_str()),
                p.get("in").and_then(|v| v.as_str()),
                p.get("schema"),
            ) {
                params.insert((l.to_owned(), n.to_owned()), s.clone());
            }
        }
    }
    let body = body_ct.and_then(|ct| {
        op.get("requestBody").map(&deref).and_then(|b| {
            b.get("content")
                .and_then(|c| c.get(ct))
                .and_then(|m| m.get("schema"))
                .cloned()
        })
    });
    (params, body)
}

fn ty_path(ty: &TypeRef, krate: &str) -> String {
    type_tokens(ty)
        .to_string()
        .replace("crate :: ", &format!("{krate} :: "))
}

fn raw_str(s: &str) -> String {
    let mut hashes = String::from("#");
    while s.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{s}\"{hashes}")
}

/// The driver's `main.rs` for a generated crate named `krate` (its Rust identifier);
/// `raw` is the loaded document, whose schemas give valid argument values.
pub fn driver_source(api: &Api, raw: &Value, krate: &str) -> String {
    let mut s = String::new();
    s.push_str("#![allow(deprecated, unused_mut, irrefutable_let_patterns, clippy::all)]\n");
    s.push_str("use sturdy_runtime::serde_json;\n");
    s.push_str(
        r#"
fn ex<T: serde::de::DeserializeOwned>(json: &str) -> Option<T> { serde_json::from_str(json).ok() }

fn report<T, E: std::fmt::Debug>(op: &str, code: u16, typed_expected: bool, r: Result<sturdy_runtime::Response<T>, sturdy_runtime::Error<E>>) {
    let line = match r {
        Ok(resp) => serde_json::json!({"op": op, "code": code, "ok": true, "status": resp.status()}),
        Err(e) => serde_json::json!({
            "op": op, "code": code, "ok": false, "kind": e.kind().as_str(), "status": e.status(),
            "typed": e.typed().is_some(), "typed_expected": typed_expected,
            "violations": e.headers().and_then(|h| h.get("sl-violations")).and_then(|v| v.to_str().ok()),
            "message": e.to_string(),
        }),
    };
    println!("{line}");
}

fn skip(op: &str, what: &str) {
    println!("{}", serde_json::json!({"op": op, "skipped": what}));
}

fn prefer(code: u16, dynamic: bool) -> String {
    match (code, dynamic) {
        (0, false) => String::new(),
        (0, true) => "dynamic=true".into(),
        (c, false) => format!("code={c}"),
        (c, true) => format!("code={c}, dynamic=true"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args.next().expect("base URL");
    let dynamic = args.next().as_deref() == Some("dynamic");
    let fake = base == "fake";
    // The fake answers each operation's success only.
    let calls_per_op = if fake { 1 } else { usize::MAX };
"#,
    );
    s.push_str("    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect(\"http\");\n");
    let _ = writeln!(
        s,
        "    let client = {krate}::Client::builder().base_url(if fake {{ \"https://fake.invalid\".to_owned() }} else {{ base }})"
    );
    for (name, scheme) in &api.security_schemes {
        let value = match scheme.kind {
            sturdy_generator::ir::SecurityKind::Basic => {
                "sturdy_runtime::Credential::basic(\"user\", \"pass\")"
            }
            _ => "sturdy_runtime::Credential::token(\"sturdy-test-token\")",
        };
        let _ = writeln!(s, "        .credential({name:?}, {value})");
    }
    s.push_str("        .runtime(|r| r.retry(sturdy_runtime::RetryPolicy::none()).http_client(http))\n        .build().expect(\"client\");\n");
    let _ = writeln!(
        s,
        "    let client = if fake {{ {krate}::testing::fake() }} else {{ client }};"
    );
    for op in &api.operations {
        let mut codes: Vec<u16> = Vec::new();
        if op.success.status != 0 {
            codes.push(op.success.status);
        } else {
            codes.push(0);
        }
        let mut typed: BTreeMap<u16, bool> = BTreeMap::new();
        for e in &op.errors {
            if let StatusMatch::Code(c) = e.status {
                codes.push(c);
                typed.insert(c, e.ty != TypeRef::Unit);
            }
        }
        let mut bindings = Vec::new();
        let mut args = Vec::new();
        let (param_schemas, body_schema) = op_schemas(
            raw,
            &op.path,
            &op.method.as_str().to_ascii_lowercase(),
            op.body.as_ref().map(|b| b.content_type.as_str()),
        );
        let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
        for (i, p) in required.iter().enumerate() {
            let loc = format!("{:?}", p.location).to_ascii_lowercase();
            let value = match param_schemas.get(&(loc, p.name.clone())) {
                Some(schema) => synth_schema(raw, schema, 0),
                None => synth(api, &p.ty, 0),
            };
            let v = serde_json::to_string(&value).expect("json");
            let (t, pass) = match &p.ty {
                TypeRef::Prim(Prim::String) => ("String".to_owned(), format!("&a{i}")),
                t if is_copy(t) => (ty_path(t, krate), format!("a{i}")),
                t => (ty_path(t, krate), format!("&a{i}")),
            };
            bindings.push((format!("a{i}"), t, v));
            args.push(pass);
        }
        if let Some(b) = &op.body {
            match b.encoding {
                BodyEncoding::Bytes => {
                    args.push("sturdy_runtime::bytes::Bytes::from_static(b\"sturdy\")".into())
                }
                BodyEncoding::Text => args.push("\"sturdy\"".into()),
                _ => {
                    let value = match &body_schema {
                        Some(schema) => synth_schema(raw, schema, 0),
                        None => synth(api, &b.ty, 0),
                    };
                    let v = serde_json::to_string(&value).expect("json");
                    bindings.push(("body".into(), ty_path(&b.ty, krate), v));
                    args.push(if b.required {
                        "&body".into()
                    } else {
                        "Some(&body)".into()
                    });
                }
            }
        }
        if op.params.iter().any(|p| !p.required) {
            args.push("Default::default()".into());
        }
        let _ = op.success.encoding == ResponseEncoding::Json;
        let names: Vec<&str> = bindings.iter().map(|(n, _, _)| n.as_str()).collect();
        let exprs: Vec<String> = bindings
            .iter()
            .map(|(_, t, v)| format!("ex::<{t}>({})", raw_str(v)))
            .collect();
        let id = &op.id;
        let call_codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        let typed_expr: Vec<String> = codes
            .iter()
            .map(|c| format!("({c}, {})", typed.get(c).copied().unwrap_or(false)))
            .collect();
        let _ = call_codes;
        let pattern = if names.is_empty() {
            "()".to_owned()
        } else {
            format!(
                "({},)",
                names
                    .iter()
                    .map(|n| format!("Some({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let tuple = if exprs.is_empty() {
            "()".to_owned()
        } else {
            format!("({},)", exprs.join(", "))
        };
        let _ = writeln!(
            s,
            "    if let {pattern} = {tuple} {{\n        for (code, typed) in [{}].into_iter().take(calls_per_op) {{\n            let r = client.{}({}).header(\"Prefer\", prefer(code, dynamic)).await;\n            report({id:?}, code, typed, r);\n        }}\n    }} else {{ skip({id:?}, \"arguments\"); }}",
            typed_expr.join(", "),
            op.method_name,
            args.join(", "),
        );
    }
    // Webhooks: sign an example event as the provider would, verify it, decode it.
    if api.runtime.webhook_signature.is_some() {
        for w in &api.webhooks {
            let mut body = synth(api, &w.ty, 0);
            if let (Some(tag), serde_json::Value::Object(o)) =
                (w.discriminator_values.first(), &mut body)
            {
                o.insert("type".into(), json!(tag));
            }
            let body = serde_json::to_string(&body).expect("json");
            let name = &w.name;
            let variant = &w.variant;
            let _ = writeln!(
                s,
                "    {{\n        let body = {body_lit}.as_bytes();\n        let v = {krate}::webhooks::verifier(vec![\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\".to_owned()]).build().expect(\"verifier\");\n        let now = std::time::SystemTime::now();\n        let headers = v.sign(\"evt_1\", now, body).expect(\"sign\");\n        let verified = v.verify(&headers, body, now).is_ok();\n        let mut tampered = body.to_vec(); tampered.push(b' ');\n        let refused = v.verify(&headers, &tampered, now).is_err();\n        let decoded = matches!({krate}::webhooks::WebhookEvent::from_payload({name:?}, body), Ok({krate}::webhooks::WebhookEvent::{variant}(_)));\n        println!(\"{{}}\", serde_json::json!({{\"webhook\": {name:?}, \"verified\": verified, \"tampered_refused\": refused, \"decoded\": decoded}}));\n    }}",
                body_lit = raw_str(&body),
            );
        }
    }
    s.push_str("}\n");
    s
}
