use std::path::Path;

use serde_json::json;

use crate::ir::Operation;

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Examples, version: 1.0.0}
paths:
  /media/{id}:
    get:
      operationId: mediaExample
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              example: {id: 3, name: Media}
  /named/{id}:
    get:
      operationId: namedExample
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              examples:
                first: {$ref: '#/components/examples/Rex'}
                second: {value: {id: 9, name: Second}}
  /valueref/{id}:
    get:
      operationId: valueRefExample
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              examples:
                default: {value: {$ref: '#/components/examples/Fido'}}
  /schema:
    get:
      operationId: schemaExample
      responses:
        '201':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Owner'}
  /wrong:
    get:
      operationId: wrongExample
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              example: {id: "not a number", name: Bad}
  /synth:
    get:
      operationId: synthesized
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [pets, kind, at, day, uid, shape, maybe, count]
                properties:
                  pets: {type: array, items: {$ref: '#/components/schemas/Pet'}}
                  kind: {type: string, enum: [cat, dog]}
                  at: {type: string, format: date-time}
                  day: {type: string, format: date}
                  uid: {type: string, format: uuid}
                  shape: {$ref: '#/components/schemas/Shape'}
                  maybe: {type: string, nullable: true}
                  count: {type: integer, format: int64}
                  optional: {type: string}
  /loop:
    get:
      operationId: recursive
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
  /text:
    get:
      operationId: text
      responses:
        '200':
          description: ok
          content:
            text/plain:
              schema: {type: string}
              example: hello
  /none:
    delete:
      operationId: empty
      responses:
        '204': {description: gone}
components:
  examples:
    Rex: {value: {id: 1, name: Rex}}
    Fido: {value: {id: 2, name: Fido}}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        tag: {type: string}
    Owner:
      type: object
      required: [name]
      properties: {name: {type: string}}
      example: {name: Ann}
    Circle:
      type: object
      required: [type, radius]
      properties: {type: {type: string}, radius: {type: number}}
    Square:
      type: object
      required: [type, side]
      properties: {type: {type: string}, side: {type: number}}
    Shape:
      oneOf: [{$ref: '#/components/schemas/Circle'}, {$ref: '#/components/schemas/Square'}]
      discriminator:
        propertyName: type
        mapping: {circle: '#/components/schemas/Circle', square: '#/components/schemas/Square'}
    Node:
      type: object
      required: [name, children]
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
"##;

fn op(id: &str) -> Operation {
    let doc = crate::load::load_str(SPEC, Path::new("t.yaml")).unwrap();
    let (api, _) = crate::ir::build(&doc).unwrap();
    api.operations.into_iter().find(|o| o.id == id).unwrap()
}

fn example(id: &str) -> serde_json::Value {
    op(id)
        .success
        .example
        .expect("a JSON or text response has an example")
}

#[test]
fn the_media_types_example_comes_first() {
    assert_eq!(example("mediaExample"), json!({"id": 3, "name": "Media"}));
}

#[test]
fn else_the_first_named_example_through_its_reference() {
    assert_eq!(example("namedExample"), json!({"id": 1, "name": "Rex"}));
}

#[test]
fn a_value_that_refers_to_a_component_example_is_that_example() {
    // GitHub writes `examples: {default: {value: {$ref: '#/components/examples/..'}}}`.
    assert_eq!(example("valueRefExample"), json!({"id": 2, "name": "Fido"}));
}

#[test]
fn else_the_schemas_example() {
    let o = op("schemaExample");
    assert_eq!(o.success.status, 201);
    assert_eq!(o.success.example, Some(json!({"name": "Ann"})));
}

#[test]
fn an_example_that_does_not_fit_the_type_is_replaced_by_a_synthesized_one() {
    assert_eq!(example("wrongExample"), json!({"id": 1, "name": "example"}));
}

#[test]
fn a_synthesized_value_has_required_fields_first_enum_values_formats_and_the_union_tag() {
    assert_eq!(
        example("synthesized"),
        json!({
            "pets": [{"id": 1, "name": "example"}],
            "kind": "cat",
            "at": "2024-01-01T00:00:00Z",
            "day": "2024-01-01",
            "uid": "00000000-0000-4000-8000-000000000000",
            "shape": {"type": "circle", "radius": 1.5},
            "maybe": null,
            "count": 1,
        })
    );
}

#[test]
fn a_recursive_type_stops_at_the_depth_bound_and_is_deterministic() {
    let v = example("recursive");
    let mut depth = 0;
    let mut node = &v;
    while let Some(child) = node["children"].get(0) {
        depth += 1;
        node = child;
    }
    assert_eq!(node["children"], json!([]));
    assert!((1..=super::MAX_DEPTH).contains(&depth), "{depth}");
    assert_eq!(v, example("recursive"));
}

#[test]
fn text_keeps_its_example_and_empty_bodies_have_none() {
    assert_eq!(example("text"), json!("hello"));
    assert_eq!(op("empty").success.example, None);
}

#[test]
fn fits_checks_formats_and_integer_ranges() {
    use super::fits;
    use crate::ir::{Prim, TypeRef};
    let types = Default::default();
    let p = |p| TypeRef::Prim(p);
    assert!(fits(
        &json!("2024-05-06T07:08:09+02:00"),
        &p(Prim::DateTime),
        &types,
        0
    ));
    assert!(!fits(&json!("yesterday"), &p(Prim::DateTime), &types, 0));
    assert!(!fits(&json!("2024-5-6"), &p(Prim::Date), &types, 0));
    assert!(!fits(&json!(3_000_000_000u64), &p(Prim::I32), &types, 0));
    assert!(!fits(&json!(-1), &p(Prim::U64), &types, 0));
    assert!(!fits(&json!("xyz"), &p(Prim::Uuid), &types, 0));
    let list = TypeRef::Vec(Box::new(p(Prim::Bool)));
    assert!(fits(&json!([true, false]), &list, &types, 0));
    assert!(!fits(&json!([true, 1]), &list, &types, 0));
}
