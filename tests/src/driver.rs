//! A driver program that calls every operation of a generated client once per documented
//! status (asking Prism for that status with `Prefer: code=N`), with arguments synthesized
//! from the IR's types, and prints one JSON line per call.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};
use sturdy_generator::emit::rust::type_tokens;
use sturdy_generator::ir::{Api, BodyEncoding, Param, Prim, ResponseEncoding, StatusMatch, TypeKind, TypeRef};

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
            Some(TypeKind::Enum(e)) => e.variants.first().map(|v| json!(v.value)).unwrap_or(json!("string")),
            Some(TypeKind::Union(u)) => match u.variants.first() {
                Some(v) => {
                    let mut value = synth(api, &v.ty, depth + 1);
                    if let (Some(prop), Some(tag), Value::Object(m)) = (&u.discriminator, v.tags.first(), &mut value) {
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
        TypeRef::Json => json!({}),
        TypeRef::Unit => Value::Null,
    }
}

fn ty_path(ty: &TypeRef, krate: &str) -> String {
    type_tokens(ty).to_string().replace("crate :: ", &format!("{krate} :: "))
}

fn raw(s: &str) -> String {
    let mut hashes = String::from("#");
    while s.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{s}\"{hashes}")
}

fn is_copy(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Prim(Prim::Bool | Prim::I32 | Prim::I64 | Prim::U64 | Prim::F32 | Prim::F64 | Prim::DateTime | Prim::Date | Prim::Uuid))
}

/// The driver's `main.rs` for a generated crate named `krate` (its Rust identifier).
pub fn driver_source(api: &Api, krate: &str) -> String {
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
"#,
    );
    let _ = writeln!(s, "    let client = {krate}::Client::builder().base_url(base)");
    for (name, scheme) in &api.security_schemes {
        let value = match scheme.kind {
            sturdy_generator::ir::SecurityKind::Basic => "sturdy_runtime::Credential::basic(\"user\", \"pass\")",
            _ => "sturdy_runtime::Credential::token(\"sturdy-test-token\")",
        };
        let _ = writeln!(s, "        .credential({name:?}, {value})");
    }
    s.push_str("        .runtime(|r| r.retry(sturdy_runtime::RetryPolicy::none()))\n        .build().expect(\"client\");\n");
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
        let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
        for (i, p) in required.iter().enumerate() {
            let v = serde_json::to_string(&synth(api, &p.ty, 0)).expect("json");
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
                BodyEncoding::Bytes => args.push("sturdy_runtime::bytes::Bytes::from_static(b\"sturdy\")".into()),
                BodyEncoding::Text => args.push("\"sturdy\"".into()),
                _ => {
                    let v = serde_json::to_string(&synth(api, &b.ty, 0)).expect("json");
                    bindings.push(("body".into(), ty_path(&b.ty, krate), v));
                    args.push(if b.required { "&body".into() } else { "Some(&body)".into() });
                }
            }
        }
        if op.params.iter().any(|p| !p.required) {
            args.push("Default::default()".into());
        }
        let _ = op.success.encoding == ResponseEncoding::Json;
        let names: Vec<&str> = bindings.iter().map(|(n, _, _)| n.as_str()).collect();
        let exprs: Vec<String> = bindings.iter().map(|(_, t, v)| format!("ex::<{t}>({})", raw(v))).collect();
        let id = &op.id;
        let call_codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        let typed_expr: Vec<String> = codes.iter().map(|c| format!("({c}, {})", typed.get(c).copied().unwrap_or(false))).collect();
        let _ = call_codes;
        let pattern = if names.is_empty() { "()".to_owned() } else { format!("({},)", names.iter().map(|n| format!("Some({n})")).collect::<Vec<_>>().join(", ")) };
        let tuple = if exprs.is_empty() { "()".to_owned() } else { format!("({},)", exprs.join(", ")) };
        let _ = writeln!(
            s,
            "    if let {pattern} = {tuple} {{\n        for (code, typed) in [{}] {{\n            let r = client.{}({}).header(\"Prefer\", prefer(code, dynamic)).await;\n            report({id:?}, code, typed, r);\n        }}\n    }} else {{ skip({id:?}, \"arguments\"); }}",
            typed_expr.join(", "),
            op.method_name,
            args.join(", "),
        );
    }
    s.push_str("}\n");
    s
}
