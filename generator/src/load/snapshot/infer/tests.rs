//! Unit tests of type inference.

use super::*;

fn infer(name: &str, examples: &[Value]) -> (Value, BTreeMap<String, Value>) {
    let mut shape = Shape::of_examples(examples);
    let mut reg = Registry::default();
    reg.extract_site(&mut shape, name, &BTreeMap::new());
    (schema_of(&shape), reg.schemas())
}

#[test]
fn strings_by_format() {
    assert!(is_date_time("2024-06-20T12:34:56Z"));
    assert!(is_date_time("2024-06-20T12:34:56.123+02:00"));
    assert!(!is_date_time("2024-06-20T25:34:56Z"));
    assert!(!is_date_time("2024-06-20T12:34:56"));
    assert!(is_date("2024-02-29"));
    assert!(!is_date("2024-13-01"));
    assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
    assert!(!is_date_time("ü€2024-06-20T12:34:56Z"));
}

#[test]
fn mixed_numbers_are_number_and_null_makes_nullable() {
    let (root, schemas) = infer(
        "Thing",
        &[json!({"n": 1, "x": null}), json!({"n": 2.5, "x": "a"})],
    );
    assert_eq!(root, json!({"$ref": "#/components/schemas/Thing"}));
    assert_eq!(
        schemas["Thing"],
        json!({"type": "object", "required": ["n", "x"], "properties": {
            "n": {"type": "number"},
            "x": {"type": ["string", "null"]}
        }})
    );
}

#[test]
fn optional_when_missing_in_one_example() {
    let (_, schemas) = infer("T", &[json!({"a": 1, "b": true}), json!({"a": 2})]);
    assert_eq!(schemas["T"]["required"], json!(["a"]));
    assert_eq!(schemas["T"]["properties"]["b"], json!({"type": "boolean"}));
}

#[test]
fn nested_objects_are_named_and_arrays_merge_their_items() {
    let (root, schemas) = infer(
        "List",
        &[
            json!({"data": [{"id": "x", "card": {"last4": "4242"}}, {"id": "y", "card": null}], "empty": []}),
        ],
    );
    assert_eq!(root, json!({"$ref": "#/components/schemas/List"}));
    assert_eq!(
        schemas["List"]["properties"]["data"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/ListDataItem"}})
    );
    assert_eq!(
        schemas["List"]["properties"]["empty"],
        json!({"type": "array", "items": {}})
    );
    assert_eq!(
        schemas["ListDataItem"]["properties"]["card"],
        json!({"anyOf": [{"$ref": "#/components/schemas/ListDataItemCard"}, {"type": "null"}]})
    );
    assert_eq!(schemas["ListDataItemCard"]["required"], json!(["last4"]));
}

#[test]
fn overrides_name_nested_types_and_same_names_merge() {
    let mut reg = Registry::default();
    let overrides: BTreeMap<String, String> = [("/data".to_owned(), "Charge".to_owned())].into();
    let mut a = Shape::of_examples(&[json!({"data": [{"id": "ch_1", "amount": 100}]})]);
    reg.extract_site(&mut a, "ChargeList", &overrides);
    let mut b = Shape::of_examples(&[json!({"id": "ch_2", "amount": 1.5, "refunded": false})]);
    reg.extract_site(&mut b, "Charge", &BTreeMap::new());
    let s = reg.schemas();
    assert_eq!(
        s["Charge"]["properties"]["amount"],
        json!({"type": "number"})
    );
    assert_eq!(s["Charge"]["required"], json!(["id", "amount"]));
    assert_eq!(s.len(), 2);
}

#[test]
fn a_type_named_in_two_places_merges_its_nested_objects() {
    let mut reg = Registry::default();
    let overrides: BTreeMap<String, String> = [
        ("/data".to_owned(), "Charge".to_owned()),
        ("/data/card".to_owned(), "Card".to_owned()),
    ]
    .into();
    let mut list = Shape::of_examples(&[
        json!({"data": [{"id": "a", "card": {"last4": "4242", "checks": {"cvc": "fail", "zip": "pass"}}}]}),
    ]);
    reg.extract_site(&mut list, "ChargeList", &overrides);
    let mut one = Shape::of_examples(&[
        json!({"id": "b", "card": {"last4": "1111", "brand": "visa", "checks": {"cvc": "pass"}}}),
    ]);
    reg.extract_site(&mut one, "Charge", &BTreeMap::new());
    let s = reg.schemas();
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        ["Card", "CardChecks", "Charge", "ChargeList"]
    );
    assert_eq!(s["Charge"]["properties"]["card"], reference("Card"));
    assert_eq!(s["Card"]["required"], json!(["last4", "checks"]));
    assert_eq!(s["Card"]["properties"]["brand"], json!({"type": "string"}));
    assert_eq!(s["CardChecks"]["required"], json!(["cvc"]));
    // The nested objects of the second place are aliases: refs to them follow.
    let renamed = reg.renamed();
    assert_eq!(renamed["ChargeCard"], "Card");
    let mut doc = json!({"a": [reference("ChargeCardChecks")], "b": reference("ChargeCard")});
    rename_refs(&mut doc, &renamed);
    assert_eq!(
        doc,
        json!({"a": [reference("CardChecks")], "b": reference("Card")})
    );
}

#[test]
fn odd_keys_are_kept_on_the_wire() {
    let (_, schemas) = infer(
        "T",
        &[json!({"@odata.type": "x", "2fa": true, "type": "k", "": 1})],
    );
    let props = schemas["T"]["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        props.keys().cloned().collect::<Vec<_>>(),
        vec!["@odata.type", "2fa", "type", ""]
    );
}

#[test]
fn top_level_arrays_name_their_items_after_the_site() {
    let (root, schemas) = infer(
        "Pet",
        &[json!([{"id": 1}, {"id": 2, "tag": "a"}]), json!([])],
    );
    assert_eq!(
        root,
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}})
    );
    assert_eq!(schemas["Pet"]["required"], json!(["id"]));
}

#[test]
fn mixed_kinds_become_any_of() {
    let (root, _) = infer("X", &[json!("a"), json!(1), json!(null)]);
    assert_eq!(
        root,
        json!({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]})
    );
    let (only_null, _) = infer("X", &[json!(null)]);
    assert!(only_null.get("type").is_none());
}

#[test]
fn formats_only_when_every_string_agrees() {
    let (r, _) = infer(
        "X",
        &[
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-02T00:00:00+01:00"),
        ],
    );
    assert_eq!(r, json!({"type": "string", "format": "date-time"}));
    let (r, _) = infer("X", &[json!("2024-01-01T00:00:00Z"), json!("yesterday")]);
    assert_eq!(r, json!({"type": "string"}));
    let (r, _) = infer("X", &[json!("2024-01-01")]);
    assert_eq!(r, json!({"type": "string", "format": "date"}));
}
