//! Which fields get lenient attributes, and which structs keep undeclared keys.

use std::path::Path;

use crate::{Layout, Settings};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /dnd.info:
    get:
      operationId: DndInfo
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Dnd'}
components:
  schemas:
    Dnd:
      type: object
      required: [ok, enabled, start, until, since, kind, note, profile, status]
      properties:
        ok: {type: boolean}
        enabled: {type: boolean}
        start: {type: integer}
        until: {type: string, nullable: true}
        since: {type: string, format: date}
        seen: {type: string, format: date}
        kind: {type: string, enum: [a, b]}
        note: {type: string}
        profile: {$ref: '#/components/schemas/Profile'}
        status: {$ref: '#/components/schemas/Status'}
    Profile:
      type: object
      properties:
        name: {type: string}
    Status:
      type: object
      additionalProperties: false
      required: [code]
      properties:
        code: {type: string}
"#;

fn types_rs() -> String {
    let doc = crate::load::load_str(SPEC, Path::new("t.yaml")).expect("load");
    let settings = Settings {
        crate_name: Some("t".into()),
        ..Settings::default()
    };
    let out = crate::generate_document(&doc, &settings, Layout::Crate).expect("generate");
    out.generated.files["src/types.rs"].clone()
}

/// The attributes of field `name` of struct `ty` (the text since the previous field).
fn field<'a>(text: &'a str, ty: &str, name: &str) -> &'a str {
    let start = text.find(&format!("pub struct {ty} {{")).expect("struct");
    let rest = &text[start..];
    let end = rest.find(&format!("    pub {name}:")).expect("field");
    let begin = rest[..end].rfind("    pub ").unwrap_or(0);
    &rest[begin..end]
}

#[test]
fn required_fields_with_a_default_decode_leniently_and_name_their_pointer() {
    let t = types_rs();
    let dnd = "Dnd";
    for f in ["enabled", "start", "note", "profile"] {
        let a = field(&t, dnd, f);
        assert!(
            a.contains("lenient::missing::") && a.contains("lenient::non_null::"),
            "{f}: {a}"
        );
        assert!(a.contains("not(feature = \"strict\")"), "{f}: {a}");
    }
    // No default to fall back on: an enum, a struct with required fields.
    for f in ["kind", "status"] {
        assert!(!field(&t, dnd, f).contains("lenient"), "{f}");
    }
    // Required and nullable: absent is `None`, reported unless strict.
    let until = field(&t, dnd, "until");
    assert!(
        until.contains("#[cfg_attr(feature = \"strict\", serde(default))]"),
        "{until}"
    );
    assert!(until.contains("lenient::missing::"), "{until}");
    assert!(field(&t, dnd, "since").contains("lenient::date_time_as_date::"));
    assert!(field(&t, dnd, "seen").contains("lenient::date_time_as_date_opt::"));
    // Pointers in field order of the lenient fields, in the one `Schema` impl that also
    // names the struct (no second trait carries the same identity).
    assert!(!t.contains("lenient::Fields"));
    let at = t
        .find("impl ::sturdy_runtime::types::Schema for Dnd {")
        .expect("Schema impl");
    let imp = &t[at..];
    assert!(imp.contains("const NAME: &'static str = \"Dnd\";"), "{imp}");
    assert!(
        imp.contains("const FIELDS: &'static [&'static str]"),
        "{imp}"
    );
    let enabled = imp
        .find("#/components/schemas/Dnd/properties/enabled")
        .unwrap();
    let status = imp
        .find("#/components/schemas/Dnd/properties/profile")
        .unwrap();
    assert!(enabled < status);
    assert!(!imp[..imp.find('}').unwrap()].contains("properties/kind"));
}

#[test]
fn structs_keep_undeclared_keys_unless_additional_properties_is_false() {
    let t = types_rs();
    let extra = |s: &str| {
        let start = t.find(&format!("pub struct {s} {{")).expect("struct");
        let body = &t[start..];
        body[..body.find("\n}").unwrap()].contains("pub extra: ::sturdy_runtime::types::Extra")
    };
    assert!(extra("Dnd"));
    assert!(extra("Profile"));
    assert!(!extra("Status"));
}
