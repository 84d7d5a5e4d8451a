use super::*;

/// Normalizes `schema` as `components.schemas.S` of a 3.1 document and returns it.
fn norm(schema: Value) -> (Value, Vec<Warning>) {
    let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": schema}}});
    let mut w = Vec::new();
    normalize(&mut doc, true, &mut w);
    (doc["components"]["schemas"]["S"].take(), w)
}

fn n(schema: Value) -> Value {
    norm(schema).0
}

#[test]
fn boolean_schemas() {
    assert_eq!(n(json!(true)), json!({}));
    assert_eq!(n(json!(false)), json!({"not": {}}));
    assert_eq!(
        n(
            json!({"type": "object", "properties": {"a": true, "b": false}, "additionalProperties": false})
        ),
        json!({"type": "object", "properties": {"a": {}, "b": {"not": {}}}, "additionalProperties": false})
    );
}

#[test]
fn type_arrays() {
    assert_eq!(
        n(json!({"type": ["string", "null"]})),
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        n(json!({"type": ["null", "integer"], "minimum": 1})),
        json!({"type": "integer", "nullable": true, "minimum": 1})
    );
    assert_eq!(
        n(json!({"type": ["integer", "number"]})),
        json!({"type": "number"})
    );
    assert_eq!(
        n(
            json!({"type": ["string", "array"], "items": {"type": "string"}, "maxLength": 3, "enum": ["a", ["b"]]})
        ),
        json!({"anyOf": [
            {"type": "string", "maxLength": 3, "enum": ["a"]},
            {"type": "array", "items": {"type": "string"}, "enum": [["b"]]}
        ]})
    );
    assert_eq!(
        n(json!({"type": ["null"]})),
        json!({"nullable": true, "enum": [null]})
    );
}

#[test]
fn null_type_alone_and_in_any_of() {
    assert_eq!(
        n(json!({"type": "null"})),
        json!({"nullable": true, "enum": [null]})
    );
    assert_eq!(
        n(
            json!({"anyOf": [{"$ref": "#/components/schemas/P"}, {"type": "null"}], "description": "d"})
        ),
        json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/components/schemas/P"}]})
    );
    assert_eq!(
        n(json!({"oneOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]})),
        json!({"nullable": true, "type": "string", "format": "uuid"})
    );
    assert_eq!(
        n(json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
    );
}

#[test]
fn ref_with_siblings() {
    assert_eq!(
        n(json!({"$ref": "#/components/schemas/P", "description": "d"})),
        json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/P"}]})
    );
    assert_eq!(
        n(json!({"$ref": "#/components/schemas/P", "$comment": "c"})),
        json!({"$ref": "#/components/schemas/P"})
    );
    // 3.0: siblings are ignored by the specification; left untouched.
    let mut doc = json!({"openapi": "3.0.3", "components": {"schemas": {"S": {"$ref": "#/x", "description": "d"}}}});
    normalize(&mut doc, false, &mut Vec::new());
    assert_eq!(
        doc["components"]["schemas"]["S"],
        json!({"$ref": "#/x", "description": "d"})
    );
}

#[test]
fn const_and_examples() {
    assert_eq!(
        n(json!({"type": "string", "const": "x"})),
        json!({"type": "string", "enum": ["x"]})
    );
    assert_eq!(
        n(json!({"type": "string", "examples": ["a", "b"]})),
        json!({"type": "string", "example": "a"})
    );
    assert_eq!(
        n(json!({"examples": ["a"], "example": "z"})),
        json!({"example": "z"})
    );
}

#[test]
fn exclusive_bounds() {
    assert_eq!(
        n(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10.5})),
        json!({"type": "number", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 10.5})
    );
    assert_eq!(
        n(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": 1})),
        json!({"type": "integer", "minimum": 5})
    );
    assert_eq!(
        n(json!({"type": "integer", "exclusiveMinimum": true, "minimum": 1})),
        json!({"type": "integer", "exclusiveMinimum": true, "minimum": 1})
    );
}

#[test]
fn integer_bounds_fit_i64() {
    let (v, w) =
        norm(json!({"type": "integer", "minimum": -9223372036854776000.0_f64, "maximum": 1e30}));
    assert_eq!(
        v,
        json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].pointer, "#/components/schemas/S/maximum");
    let (v, w) = norm(json!({"type": "integer", "minimum": 1.5, "multipleOf": 0.5}));
    assert_eq!(v, json!({"type": "integer", "minimum": 2}));
    assert_eq!(w.len(), 2);
    let parsed: openapiv3::Schema = serde_json::from_value(n(
        json!({"type": "integer", "minimum": -9223372036854776000.0_f64}),
    ))
    .unwrap();
    assert!(matches!(
        parsed.schema_kind,
        openapiv3::SchemaKind::Type(openapiv3::Type::Integer(_))
    ));
}

#[test]
fn content_encoding_and_media_type() {
    assert_eq!(
        n(json!({"type": "string", "contentEncoding": "base64"}))["format"],
        "byte"
    );
    assert_eq!(
        n(json!({"type": "string", "contentMediaType": "application/octet-stream"}))["format"],
        "binary"
    );
    assert_eq!(
        n(json!({"type": "string", "contentMediaType": "text/plain"})).get("format"),
        None
    );
    assert_eq!(
        n(json!({"type": "string", "format": "x", "contentEncoding": "base64"}))["format"],
        "x"
    );
}

#[test]
fn prefix_items() {
    assert_eq!(
        n(json!({"type": "array", "prefixItems": [{"type": "string"}]})),
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(
        n(
            json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})
        ),
        json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})
    );
}

#[test]
fn nested_and_defs_positions() {
    let v = n(
        json!({"type": "object", "$defs": {"D": {"type": ["string", "null"]}},
        "properties": {"type": {"const": 1}, "examples": {"type": "array", "examples": [[1]]}},
        "example": {"type": ["x"]}}),
    );
    assert_eq!(v["$defs"]["D"], json!({"type": "string", "nullable": true}));
    assert_eq!(v["properties"]["type"], json!({"enum": [1]}));
    assert_eq!(
        v["properties"]["examples"],
        json!({"type": "array", "example": [1]})
    );
    // Example data is never rewritten.
    assert_eq!(v["example"], json!({"type": ["x"]}));
}

#[test]
fn document_rules() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "webhooks": {"ping": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": ["object", "null"]}}}}}}},
        "components": {"securitySchemes": {"tls": {"type": "mutualTLS"}, "key": {"type": "apiKey", "in": "header", "name": "k"}}}
    });
    let mut w = Vec::new();
    normalize(&mut doc, true, &mut w);
    assert_eq!(doc["paths"], json!({}));
    let op = &doc["webhooks"]["ping"]["post"];
    assert_eq!(op["responses"], json!({}));
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"],
        json!({"type": "object", "nullable": true})
    );
    assert!(doc["components"]["securitySchemes"].get("tls").is_none());
    assert_eq!(w[0].pointer, "#/components/securitySchemes/tls");
    let mut doc = json!({"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {}}}}}});
    normalize(&mut doc, false, &mut Vec::new());
    assert_eq!(
        doc["paths"]["/a"]["get"]["responses"]["200"]["description"],
        ""
    );
}
