//! Which fields decode leniently, and which structs keep undeclared keys.

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

/// How field `name` of struct `ty` is read and finished by its `Object` impl: the kind of
/// its slot in `type Slots` (`NonNull`, `Plain`, `Date`, `DateOpt`) and its line in
/// `finish` (`start: f.or_default(f2, 2)?,`).
fn field(text: &str, ty: &str, name: &str) -> (String, String) {
    let start = text
        .find(&format!(
            "impl ::sturdy_runtime::types::object::Object for {ty} {{"
        ))
        .expect("Object impl");
    let imp = &text[start..];
    let imp = &imp[..imp.find("\n}").expect("impl end")];
    let init = imp
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{name}: ")))
        .expect("field init")
        .to_owned();
    // `f2` in `f.or_default(f2, 2)?,` or `f.optional(f2),`: field 2, the third slot.
    let index: usize = init
        .split(['(', ' ', ',', ')'])
        .find_map(|w| w.strip_prefix('f').and_then(|n| n.parse().ok()))
        .expect("slot");
    let slots = &imp[imp.find("type Slots =").expect("slots")..];
    let slots = &slots[..slots.find(';').expect("slots end")];
    let kind = slots
        .split("::sturdy_runtime::types::object::slot::")
        .skip(1)
        .nth(index)
        .expect("slot kind")
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned();
    (kind, init)
}

#[test]
fn required_fields_with_a_default_decode_leniently() {
    let t = types_rs();
    let dnd = "Dnd";
    for f in ["enabled", "start", "note", "profile"] {
        let (slot, init) = field(&t, dnd, f);
        assert_eq!(slot, "NonNull", "{f}");
        assert!(init.contains("f.or_default("), "{f}: {init}");
    }
    // No default to fall back on: an enum, a struct with required fields.
    for f in ["kind", "status"] {
        let (slot, init) = field(&t, dnd, f);
        assert_eq!(slot, "Plain", "{f}");
        assert!(init.contains("f.take("), "{f}: {init}");
    }
    // Required and nullable: absent is `None`, reported unless strict.
    let (slot, init) = field(&t, dnd, "until");
    assert!(slot == "Plain" && init.contains("f.or_default("), "{init}");
    assert_eq!(
        field(&t, dnd, "since"),
        ("Date".into(), "since: f.take(f4, 4)?,".into())
    );
    let (slot, init) = field(&t, dnd, "seen");
    assert!(
        slot == "DateOpt" && init == "seen: f.optional(f5),",
        "{init}"
    );
    // The mode is the crate's `strict` feature, read once.
    assert!(t.contains("const STRICT: bool = cfg!(feature = \"strict\");"));
    assert!(t.contains("const STRICT: bool = STRICT;"));
    // One `Schema` impl names the struct for drift reports; field pointers are derived
    // from it at run time (`{POINTER}/properties/{key}`), so none is listed.
    let at = t
        .find("impl ::sturdy_runtime::types::Schema for Dnd {")
        .expect("Schema impl");
    let imp = &t[at..];
    let imp = &imp[..imp.find('}').unwrap()];
    assert!(imp.contains("const NAME: &'static str = \"Dnd\";"), "{imp}");
    assert!(imp.contains("const POINTER: &'static str = \"#/components/schemas/Dnd\";"));
    assert!(!t.contains("FIELDS"));
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
