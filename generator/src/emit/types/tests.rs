//! Emitted structs: the three field states, `Default`, and request constructors.

use std::path::Path;

use crate::{Layout, Settings};

fn types_rs(yaml: &str) -> String {
    let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
    let settings = Settings {
        crate_name: Some("t".into()),
        ..Settings::default()
    };
    let out = crate::generate_document(&doc, &settings, Layout::Crate).expect("generate");
    out.generated.files["src/types.rs"].clone()
}

/// The text of `pub struct name { ... }` (or `impl name { ... }`), up to its closing brace.
fn item<'a>(text: &'a str, head: &str) -> &'a str {
    let start = text
        .find(head)
        .unwrap_or_else(|| panic!("{head} in\n{text}"));
    let end = text[start..].find("\n}\n").expect("end") + start;
    &text[start..end]
}

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets/{id}:
    patch:
      operationId: UpdatePet
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PetPatch'}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
  /pets:
    post:
      operationId: CreatePet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses: {'204': {description: ok}}
components:
  schemas:
    PetPatch:
      type: object
      properties:
        nickname: {type: string, nullable: true}
        name: {type: string}
    NewPet:
      type: object
      required: [name, tags, owner]
      properties:
        name: {type: string}
        tags: {type: array, items: {type: string}}
        owner: {type: string, nullable: true}
        age: {type: integer}
        nickname: {type: string, nullable: true}
        new: {type: string}
    Pet:
      type: object
      required: [id]
      properties:
        id: {type: string}
        nickname: {type: string, nullable: true}
"#;

#[test]
fn optional_nullable_fields_have_three_states() {
    let t = types_rs(SPEC);
    let patch = item(&t, "pub struct PetPatch {");
    assert!(
        patch.contains("    pub nickname: ::sturdy_runtime::Nullable<::std::string::String>,"),
        "{patch}"
    );
    assert!(
        patch.contains("pub name: ::std::option::Option<::std::string::String>,"),
        "{patch}"
    );
    // Absent is left out when encoded, `null` written: both are lent as `field::Opt`,
    // which skips `None` and `Nullable::Absent` (the runtime's `types::object::tests`).
    let obj = item(
        &t,
        "impl ::sturdy_runtime::types::object::Object for PetPatch {",
    );
    assert!(
        obj.contains("::sturdy_runtime::types::object::field::Opt(&self.name)"),
        "{obj}"
    );
    assert!(
        obj.contains("::sturdy_runtime::types::object::field::Opt(&self.nickname)"),
        "{obj}"
    );
    // Required and nullable stays an `Option` that is always sent; absent decodes as `None`
    // (reported as a lenient decode unless the crate's `strict` feature is on).
    let new_pet = item(&t, "pub struct NewPet {");
    assert!(
        new_pet.contains("    pub owner: ::std::option::Option<::std::string::String>,"),
        "{new_pet}"
    );
    let visit = item(
        &t,
        "impl ::sturdy_runtime::types::object::Object for NewPet {",
    );
    assert!(visit.contains("owner: f.or_default(f2, 2)?,"), "{visit}");
}

#[test]
fn all_optional_structs_are_default_and_have_no_constructor() {
    let t = types_rs(SPEC);
    let at = t.find("pub struct PetPatch {").expect("PetPatch");
    let derive = t[..at].rfind("#[derive(").expect("derive");
    assert!(t[derive..at].contains("Default"), "{}", &t[derive..at]);
    assert!(!t.contains("impl PetPatch {"), "{t}");
}

#[test]
fn request_structs_take_required_fields_in_new_and_the_rest_by_setters() {
    let t = types_rs(SPEC);
    let b = item(&t, "impl NewPet {");
    assert!(
        b.contains(
            "pub fn new(\n        name: impl ::std::convert::Into<::std::string::String>,\n        tags: impl ::std::convert::Into<::std::vec::Vec<::std::string::String>>,\n    ) -> Self {"
        ),
        "{b}"
    );
    assert!(
        b.contains("owner: ::std::default::Default::default(),"),
        "{b}"
    );
    assert!(
        b.contains(
            "pub fn age(mut self, v: impl ::std::convert::Into<i64>) -> Self {\n        self.age = ::std::option::Option::Some(v.into());"
        ),
        "{b}"
    );
    assert!(
        b.contains("self.nickname = ::sturdy_runtime::Nullable::Value(v.into());"),
        "{b}"
    );
    assert!(
        b.contains("self.owner = ::std::option::Option::Some(v.into());"),
        "{b}"
    );
    // A field named like the constructor keeps no setter.
    assert_eq!(b.matches("pub fn new(").count(), 1, "{b}");
}

#[test]
fn response_only_structs_get_no_constructor() {
    let t = types_rs(SPEC);
    assert!(t.contains("pub struct Pet {"), "{t}");
    assert!(!t.contains("impl Pet {"), "{t}");
}

#[test]
fn what_an_ungated_type_holds_is_not_gated() {
    // `Loose` is reached by no operation, so it is always compiled; the shape it shares
    // with the gated `Pet` must be too.
    let t = types_rs(
        r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    get:
      operationId: GetPet
      tags: [pets]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
  /other:
    get:
      operationId: GetOther
      tags: [other]
      responses: {'204': {description: ok}}
components:
  schemas:
    Pet:
      type: object
      properties:
        inner: {type: object, properties: {line1: {type: string}}}
    Loose:
      type: object
      properties:
        inner: {type: object, properties: {line1: {type: string}}}
"#,
    );
    let at = t.find("pub line1").expect("line1");
    let head = t[..at].rfind("pub struct").expect("struct");
    let attrs_start = t[..head].rfind("}\n").map_or(0, |i| i + 2);
    assert!(!t[attrs_start..head].contains("cfg("), "{t}");
    assert!(
        t.contains("#[cfg(feature = \"pets\")]\npub struct Pet "),
        "{t}"
    );
}

#[test]
fn expandable_objects_and_their_union_variants_have_ids() {
    let t = types_rs(
        r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Customer: {type: object, required: [id], properties: {id: {type: string}}}
    Gone: {type: object, required: [id], properties: {id: {type: string}, deleted: {type: boolean}}}
    Charge:
      type: object
      properties:
        either: {anyOf: [{type: string}, {$ref: '#/components/schemas/Customer'}, {$ref: '#/components/schemas/Gone'}]}
"#,
    );
    assert!(
        t.contains("pub either: ::std::option::Option<\n        ::sturdy_runtime::Expandable<crate::types::CustomerOrGone>,"),
        "{t}"
    );
    for ty in ["Customer", "Gone", "CustomerOrGone"] {
        assert!(
            t.contains(&format!("impl ::sturdy_runtime::ObjectId for {ty} {{")),
            "{ty}: {t}"
        );
    }
    assert!(!t.contains("ObjectId for Charge"), "{t}");
}

#[test]
fn a_union_with_one_string_variant_converts_from_str() {
    let t = types_rs(
        r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    ModelId:
      anyOf:
        - type: string
        - type: string
          enum: [gpt-4o, gpt-4o-mini]
    CountOrBox:
      oneOf:
        - {type: integer}
        - {type: object, properties: {a: {type: string}}}
"#,
    );
    let from = item(&t, "impl ::std::convert::From<&str> for ModelId {");
    assert!(from.contains("Self::String(s.to_owned())"), "{from}");
    assert!(t.contains("impl ::std::convert::From<::std::string::String> for ModelId {"));
    // No string variant: no conversion.
    assert!(t.contains("pub enum CountOrBox"), "{t}");
    assert!(!t.contains("From<&str> for CountOrBox"), "{t}");
}

/// An open enum lists its wire values once, in an `OpenEnum` impl, and its `from_wire` and
/// serde impls call the runtime's generic functions instead of repeating a `match` and a
/// drift report per enum (compile time of large APIs).
#[test]
fn open_enums_delegate_their_machinery_to_the_runtime() {
    let t = types_rs(
        r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Status:
      type: string
      enum: [pending, in-transit]
"#,
    );
    let imp = item(&t, "impl ::sturdy_runtime::types::OpenEnum for Status {");
    assert!(
        imp.contains(
            "const KNOWN: &'static [(&'static str, Self)] = &[\n        (\"pending\", Self::Pending),\n        (\"in-transit\", Self::InTransit),\n    ];"
        ),
        "{imp}"
    );
    assert!(imp.contains("const POINTER: &'static str = \"#/components/schemas/Status\";"));
    assert!(imp.contains("const UNKNOWN: fn(::std::string::String) -> Self = Self::Unknown;"));
    let inherent = item(&t, "impl Status {");
    assert!(
        inherent.contains("Self::InTransit => \"in-transit\","),
        "{inherent}"
    );
    assert!(inherent.contains("::sturdy_runtime::types::open_enum::from_wire(s)"));
    // One `match` on the enum (`as_str`), none on wire strings.
    assert_eq!(t.matches("\"in-transit\"").count(), 2, "{t}");
    assert!(!t.contains("match s.as_str()"), "{t}");
    let de = item(&t, "impl<'de> ::serde::Deserialize<'de> for Status {");
    assert!(
        de.contains("::sturdy_runtime::types::open_enum::deserialize(d)"),
        "{de}"
    );
    assert!(!t.contains("drift::report"), "{t}");
}
