use std::path::Path;

use crate::ir::{Api, Field, TypeKind, TypeRef};
use crate::Warning;

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Evidence, version: 1.0.0}
paths:
  /jobs/{id}:
    get:
      operationId: getJob
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Job'}
              examples:
                paused: {value: {id: j1, status: paused, instructions: null}}
                running: {value: {id: j2, status: running, projects: [], instructions: go}}
                resumed: {value: {id: j3, status: paused, projects: [], instructions: go}}
  /jobs:
    post:
      operationId: createJob
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/JobSpec'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/JobSpec'}
              example: {model: m1}
  /events:
    get:
      operationId: listEvents
      responses:
        '200':
          description: ok
          x-unused: true
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Event'}
              example:
                - {kind: created, at: 5}
                - {kind: deleted, id: 7, size: "big"}
                - {unrelated: true}
      x-oaiMeta:
        examples:
          response: '[{"kind": "created", "at": 6, "color": "mauve"}]'
  /conversation:
    get:
      operationId: listConversation
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Item'}
              example:
                - {type: message, role: user}
                - {type: message, role: bot, text: hi}
  /shapes:
    get:
      operationId: getShape
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Shape'}
              example: {radius: 2}
components:
  schemas:
    Job:
      type: object
      required: [id, status, projects, instructions]
      properties:
        id: {type: string}
        status: {$ref: '#/components/schemas/JobStatus'}
        projects: {type: array, items: {type: string}}
        instructions: {type: string}
    JobStatus:
      type: string
      enum: [running, done]
    JobSpec:
      type: object
      required: [model, seed]
      properties:
        model: {type: string}
        seed: {type: integer}
    Event:
      oneOf:
        - {$ref: '#/components/schemas/Created'}
        - {$ref: '#/components/schemas/Deleted'}
      discriminator:
        propertyName: kind
        mapping: {created: '#/components/schemas/Created', deleted: '#/components/schemas/Deleted'}
    Created:
      type: object
      required: [kind, at, color]
      properties:
        kind: {type: string}
        at: {type: integer}
        color: {type: string, enum: [red, blue]}
    Deleted:
      type: object
      required: [kind, id, size]
      properties:
        kind: {type: string}
        id: {type: integer}
        size: {type: integer}
    Item:
      oneOf:
        - {$ref: '#/components/schemas/SystemMessage'}
        - {$ref: '#/components/schemas/UserMessage'}
      discriminator: {propertyName: type}
    SystemMessage:
      type: object
      required: [role, type, text]
      properties:
        type: {type: string, enum: [message]}
        role: {type: string, enum: [system]}
        text: {type: string}
    UserMessage:
      type: object
      required: [role, type, text]
      properties:
        type: {type: string, enum: [message]}
        role: {type: string, enum: [user]}
        text: {type: string}
    Shape:
      oneOf:
        - type: string
        - {$ref: '#/components/schemas/Circle'}
    Circle:
      type: object
      required: [radius, center]
      properties:
        radius: {type: number}
        center: {type: number}
      example: {center: 1}
"##;

fn build(spec: &str) -> (Api, Vec<Warning>) {
    let doc = crate::load::load_str(spec, Path::new("t.yaml")).unwrap();
    crate::ir::build(&doc).unwrap()
}

fn field<'a>(api: &'a Api, ty: &str, wire: &str) -> &'a Field {
    let TypeKind::Struct(s) = &api.types[ty].kind else {
        panic!("{ty} is not a struct");
    };
    s.fields.iter().find(|f| f.wire_name == wire).unwrap()
}

fn enum_values(api: &Api, ty: &str) -> Vec<(String, String)> {
    let TypeKind::Enum(e) = &api.types[ty].kind else {
        panic!("{ty} is not an enum");
    };
    e.variants
        .iter()
        .map(|v| (v.name.clone(), v.value.clone()))
        .collect()
}

fn evidence(warnings: &[Warning]) -> Vec<String> {
    warnings
        .iter()
        .filter(|w| w.message.contains("example"))
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_required_property_an_example_omits_becomes_optional() {
    let (api, warnings) = build(SPEC);
    let projects = field(&api, "Job", "projects");
    assert!(!projects.required && !projects.nullable);
    assert!(field(&api, "Job", "id").required);
    let w = evidence(&warnings);
    assert!(
        w.contains(&"#/components/schemas/Job/properties/projects: required property `projects` is omitted by the example at `#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/paused`: made optional (example evidence; `x-sturdy-example-evidence: false` at the document's root turns this off)".to_owned()),
        "{w:#?}"
    );
}

#[test]
fn null_in_a_required_property_makes_it_nullable() {
    let (api, warnings) = build(SPEC);
    let instructions = field(&api, "Job", "instructions");
    assert!(instructions.required && instructions.nullable);
    assert!(evidence(&warnings).iter().any(|w| w.starts_with(
        "#/components/schemas/Job/properties/instructions: non-nullable property `instructions` is `null` in the example at `#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/paused/instructions`: made nullable"
    )));
}

#[test]
fn a_value_outside_the_enum_becomes_a_variant_and_is_counted_once_per_example() {
    let (api, warnings) = build(SPEC);
    assert_eq!(
        enum_values(&api, "JobStatus"),
        [
            ("Running", "running"),
            ("Done", "done"),
            ("Paused", "paused")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let TypeKind::Enum(e) = &api.types["JobStatus"].kind else {
        unreachable!()
    };
    assert_eq!(
        e.variants[2].docs.as_deref(),
        Some("Not in the spec's `enum`; the spec's example at `#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/paused/status` shows it.")
    );
    let w = evidence(&warnings);
    assert!(
        w.contains(&"#/components/schemas/JobStatus: `paused` is not a value of the enum but is shown by 2 examples, first at `#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/paused/status`: variant `Paused` added (example evidence; `x-sturdy-example-evidence: false` at the document's root turns this off)".to_owned()),
        "{w:#?}"
    );
}

#[test]
fn a_one_value_enum_is_a_constant_and_gains_no_variant() {
    let spec = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /event:
    get:
      operationId: getEvent
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Retrieved'}
              example: {type: conversation.item.created, id: x}
components:
  schemas:
    Retrieved:
      type: object
      required: [type, id]
      properties:
        type: {type: string, enum: [conversation.item.retrieved]}
        id: {type: string}
"#;
    let (api, warnings) = build(spec);
    let TypeRef::Named(tag) = &field(&api, "Retrieved", "type").ty else {
        panic!("the tag is a named enum");
    };
    assert_eq!(enum_values(&api, tag).len(), 1);
    assert!(
        evidence(&warnings)
            .iter()
            .any(|w| w.contains("left as declared: a one-value enum is a constant")),
        "{:#?}",
        evidence(&warnings)
    );
}

#[test]
fn a_type_a_request_reaches_stays_strict_with_a_warning() {
    let (api, warnings) = build(SPEC);
    assert!(field(&api, "JobSpec", "seed").required);
    assert!(evidence(&warnings).iter().any(|w| w.starts_with(
        "#/components/schemas/JobSpec/properties/seed: required property `seed` is omitted by the example at `#/paths/~1jobs/post/responses/200/content/application~1json/example`; left as declared: `JobSpec` is part of a request"
    )), "{:#?}", evidence(&warnings));
}

#[test]
fn a_discriminated_union_is_walked_into_the_member_its_tag_selects() {
    let (api, warnings) = build(SPEC);
    // `created` omits `color`; the x-oaiMeta example shows `mauve`.
    assert!(!field(&api, "Created", "color").required);
    assert!(field(&api, "Created", "at").required);
    // `deleted` has every property (a wrong type is not evidence); `{unrelated}` shares no
    // property with any member and has no tag.
    assert!(field(&api, "Deleted", "size").required);
    assert!(field(&api, "Deleted", "id").required);
    let color = api
        .types
        .values()
        .find(|d| d.origin.ends_with("/Created/properties/color"))
        .unwrap();
    let TypeKind::Enum(e) = &color.kind else {
        panic!()
    };
    assert!(e.variants.iter().any(|v| v.value == "mauve"));
    assert!(evidence(&warnings).iter().any(|w| w
        .contains("the example at `#/paths/~1events/get/x-oaiMeta/examples/0/response/0/color`")));
}

#[test]
fn members_sharing_a_tag_are_told_apart_by_their_enums_or_not_at_all() {
    let (api, _) = build(SPEC);
    // `{type: message, role: user}` is the user message (the system one's `role` rejects
    // `user`): its `text` is not guaranteed. `{type: message, role: bot}` could be neither:
    // no member gains a `bot` role.
    assert!(!field(&api, "UserMessage", "text").required);
    assert!(field(&api, "SystemMessage", "text").required);
    let mut enums = 0;
    for (name, ty) in &api.types {
        if let TypeKind::Enum(e) = &ty.kind {
            if ty.origin.contains("Message/properties/role") {
                assert_eq!(e.variants.len(), 1, "{name}: {:?}", e.variants);
                enums += 1;
            }
        }
    }
    assert_eq!(enums, 2);
}

#[test]
fn an_untagged_union_is_walked_only_into_its_one_fitting_member() {
    let (api, _) = build(SPEC);
    // `{radius: 2}` can only be the Circle; the component example shows `center` only.
    assert!(!field(&api, "Circle", "center").required);
    assert!(!field(&api, "Circle", "radius").required);
}

#[test]
fn the_extension_turns_the_pass_off() {
    let off = SPEC.replacen(
        "info: {title: Evidence",
        "x-sturdy-example-evidence: false\ninfo: {title: Evidence",
        1,
    );
    let (api, warnings) = build(&off);
    assert!(field(&api, "Job", "projects").required);
    assert!(!field(&api, "Job", "instructions").nullable);
    assert_eq!(enum_values(&api, "JobStatus").len(), 2);
    assert!(evidence(&warnings).is_empty(), "{:#?}", evidence(&warnings));
}

#[test]
fn the_pass_is_deterministic() {
    let (a, wa) = build(SPEC);
    let (b, wb) = build(SPEC);
    assert_eq!(a, b);
    assert_eq!(wa, wb);
    let w = evidence(&wa);
    let mut sorted = w.clone();
    sorted.sort();
    assert_eq!(w, sorted);
    assert_eq!(w.len(), 9, "{w:#?}");
}

#[test]
fn the_examples_of_a_spec_are_labelled_by_their_pointers() {
    let doc = crate::load::load_str(SPEC, Path::new("t.yaml")).unwrap();
    let (api, _) = crate::ir::build(&doc).unwrap();
    let labels: Vec<String> = super::spec_examples(&api.operations, &api.types, &doc.raw)
        .into_iter()
        .map(|e| e.label)
        .collect();
    let expect = [
        "#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/paused",
        "#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/running",
        "#/paths/~1jobs~1{id}/get/responses/200/content/application~1json/examples/resumed",
        "#/paths/~1jobs/post/responses/200/content/application~1json/example",
        "#/paths/~1events/get/responses/200/content/application~1json/example",
        "#/paths/~1events/get/x-oaiMeta/examples/0/response",
        "#/paths/~1shapes/get/responses/200/content/application~1json/example",
        "#/paths/~1conversation/get/responses/200/content/application~1json/example",
        "#/components/schemas/Circle/example",
    ];
    let mut want: Vec<String> = expect.iter().map(|s| (*s).to_owned()).collect();
    let mut got = labels.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn an_example_value_that_refers_to_a_component_example_is_that_example() {
    let spec = r##"
openapi: 3.0.3
info: {title: Refs, version: 1.0.0}
paths:
  /pets:
    get:
      operationId: getPet
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              examples:
                linked: {value: {$ref: '#/components/examples/rex'}}
                literal: {value: {$ref: 'not a component example'}}
components:
  examples:
    rex: {value: {name: Rex}}
  schemas:
    Pet:
      type: object
      required: [name, age]
      properties:
        name: {type: string}
        age: {type: integer}
"##;
    let doc = crate::load::load_str(spec, Path::new("t.yaml")).unwrap();
    let (api, _) = crate::ir::build(&doc).unwrap();
    let values: Vec<serde_json::Value> =
        super::spec_examples(&api.operations, &api.types, &doc.raw)
            .into_iter()
            .map(|e| e.value)
            .collect();
    assert_eq!(
        values,
        [
            serde_json::json!({"name": "Rex"}),
            serde_json::json!({"$ref": "not a component example"})
        ]
    );
    assert!(!field(&api, "Pet", "age").required);
}
