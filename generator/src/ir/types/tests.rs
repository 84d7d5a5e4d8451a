use super::*;
use std::path::Path;

fn space_of(yaml: &str) -> (BTreeMap<String, TypeDef>, Vec<Warning>) {
    let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
    let mut s = TypeSpace::new(&doc);
    s.add_components();
    s.finish()
}

const HEAD: &str =
    "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n";

#[test]
fn all_of_merges_properties_and_required() {
    let (t, _) = space_of(&format!(
        "{HEAD}    A: {{type: object, required: [a], properties: {{a: {{type: string}}}}}}\n    B:\n      allOf:\n        - $ref: '#/components/schemas/A'\n        - {{type: object, required: [b], properties: {{b: {{type: integer}}}}}}\n"
    ));
    let TypeKind::Struct(s) = &t["B"].kind else {
        panic!("{:?}", t["B"])
    };
    let names: Vec<(&str, bool)> = s
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.required))
        .collect();
    assert_eq!(names, vec![("a", true), ("b", true)]);
}

#[test]
fn discriminated_one_of_is_tagged() {
    let (t, _) = space_of(&format!(
        "{HEAD}    Card: {{type: object, required: [kind], properties: {{kind: {{type: string}}}}}}\n    Bank: {{type: object, required: [kind], properties: {{kind: {{type: string}}}}}}\n    Pay:\n      oneOf: [{{$ref: '#/components/schemas/Card'}}, {{$ref: '#/components/schemas/Bank'}}]\n      discriminator: {{propertyName: kind, mapping: {{card: '#/components/schemas/Card'}}}}\n"
    ));
    let TypeKind::Union(u) = &t["Pay"].kind else {
        panic!()
    };
    assert_eq!(u.discriminator.as_deref(), Some("kind"));
    assert_eq!(u.variants[0].tags, vec!["card", "Card"]);
    assert_eq!(u.variants[1].tags, vec!["Bank"]);
}

#[test]
fn expandable_any_of_string_or_ref() {
    let (t, _) = space_of(&format!(
        "{HEAD}    C: {{type: object, properties: {{id: {{type: string}}}}}}\n    O:\n      type: object\n      properties:\n        customer: {{anyOf: [{{type: string}}, {{$ref: '#/components/schemas/C'}}]}}\n"
    ));
    let TypeKind::Struct(s) = &t["O"].kind else {
        panic!()
    };
    // An object with an `id`: the id or the object.
    assert_eq!(
        s.fields[0].ty,
        TypeRef::Expandable(Box::new(TypeRef::Named("C".into())))
    );
}

#[test]
fn enum_with_null_ignores_null_and_names_are_safe() {
    let (t, _) = space_of(&format!("{HEAD}    S: {{type: string, nullable: true, enum: [open, in-progress, '', Unknown, null, type]}}\n"));
    let TypeKind::Enum(e) = &t["S"].kind else {
        panic!()
    };
    let names: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Open", "InProgress", "Empty", "Unknown2", "Type"]
    );
}

#[test]
fn recursion_is_boxed_only_where_needed() {
    let (t, _) = space_of(&format!(
        "{HEAD}    Node:\n      type: object\n      properties:\n        parent: {{$ref: '#/components/schemas/Node'}}\n        children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}\n"
    ));
    let TypeKind::Struct(s) = &t["Node"].kind else {
        panic!()
    };
    assert!(matches!(s.fields[0].ty, TypeRef::Boxed(_)));
    assert!(matches!(s.fields[1].ty, TypeRef::Vec(_)));
}

#[test]
fn keywords_and_collisions() {
    let (t, _) = space_of(&format!(
        "{HEAD}    Result: {{type: object, properties: {{type: {{type: string}}, self: {{type: string}}, a-b: {{type: string}}, a_b: {{type: string}}}}}}\n"
    ));
    let s = &t["ResultType"];
    let TypeKind::Struct(s) = &s.kind else {
        panic!()
    };
    let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["type_", "self_", "a_b", "a_b_2"]);
}

#[test]
fn untypable_degrades_with_a_warning() {
    let (t, w) = space_of(&format!("{HEAD}    N: {{not: {{type: string}}}}\n"));
    assert_eq!(t["N"].kind, TypeKind::Alias(TypeRef::Json));
    assert!(w
        .iter()
        .any(|w| w.pointer.contains("/N") && w.message.contains("not")));
}

#[test]
fn all_of_with_annotations_is_the_ref_and_cycles_through_inline_all_of_end() {
    let (t, _) = space_of(&format!(
        "{HEAD}    A: {{type: object, properties: {{b: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{description: d}}]}}}}}}\n    B: {{type: object, properties: {{a: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{description: d}}]}}}}}}\n"
    ));
    let TypeKind::Struct(a) = &t["A"].kind else {
        panic!()
    };
    assert_eq!(
        a.fields[0].ty,
        TypeRef::Boxed(Box::new(TypeRef::Named("B".into())))
    );
    let (t, _) = space_of(&format!(
        "{HEAD}    X:\n      allOf:\n        - $ref: '#/components/schemas/Y'\n        - type: object\n          properties:\n            child: {{allOf: [{{$ref: '#/components/schemas/X'}}, {{$ref: '#/components/schemas/Y'}}]}}\n    Y: {{type: object, properties: {{y: {{type: string}}}}}}\n"
    ));
    assert!(t.contains_key("X"));
}

#[test]
fn a_string_with_stray_additional_properties_is_a_string() {
    // GitHub `hook-delivery.response.payload`.
    let (t, _) = space_of(&format!(
        "{HEAD}    R:\n      type: object\n      properties:\n        payload: {{type: string, nullable: true, additionalProperties: true}}\n        headers: {{type: object, nullable: true, additionalProperties: true}}\n"
    ));
    let TypeKind::Struct(s) = &t["R"].kind else {
        panic!()
    };
    assert_eq!(s.fields[0].ty, TypeRef::Prim(Prim::String));
    assert_eq!(s.fields[1].ty, TypeRef::Map(Box::new(TypeRef::Json)));
}

#[test]
fn alias_cycles_break() {
    let (t, w) = space_of(&format!(
        "{HEAD}    A: {{type: array, items: {{$ref: '#/components/schemas/A'}}}}\n"
    ));
    assert_eq!(t["A"].kind, TypeKind::Alias(TypeRef::Json));
    assert!(!w.is_empty());
}
