//! Loading fixtures: bundling, 3.1 documents, and every kind of error.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::*;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(rel)
}

fn load_fixture(rel: &str) -> Result<Document, LoadError> {
    load(&fixture(rel))
}

fn schema<'a>(doc: &'a Document, name: &str) -> &'a Value {
    doc.raw
        .pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("no schema {name}"))
}

#[test]
fn bundles_external_files_with_cycles() {
    let doc = load_fixture("load/bundle/api.yaml").unwrap();
    // The root's own `Pet` keeps its name; common.yaml's gets a fresh one.
    assert_eq!(
        schema(&doc, "Pet")["properties"]["nickname"]["type"],
        "string"
    );
    let pet = schema(&doc, "Pet_2");
    assert_eq!(pet["required"], json!(["name"]));
    // A reference to itself inside common.yaml (a cycle) points at the copy.
    assert_eq!(
        pet["properties"]["parent"]["$ref"],
        "#/components/schemas/Pet_2"
    );
    assert_eq!(pet["properties"]["tag"]["$ref"], "#/components/schemas/Tag");
    assert_eq!(
        pet["properties"]["owner"]["$ref"],
        "#/components/schemas/owner"
    );
    assert_eq!(
        pet["discriminator"]["mapping"]["tagged"],
        "#/components/schemas/Tag"
    );
    // owner.json refers back to common.yaml (a cycle across files and folders).
    assert_eq!(
        schema(&doc, "owner")["properties"]["pets"]["items"]["$ref"],
        "#/components/schemas/Pet_2"
    );
    assert_eq!(schema(&doc, "Owner")["$ref"], "#/components/schemas/owner");
    // Responses go to `components/responses`.
    let get = doc.raw.pointer("/paths/~1pets~1{id}/get").unwrap();
    assert_eq!(
        get["responses"]["default"]["$ref"],
        "#/components/responses/Problem"
    );
    assert_eq!(
        doc.raw["components"]["responses"]["Problem"]["description"],
        "A problem"
    );
    // A path item from another file is copied in place, its refs rebased on its own folder.
    let owners = doc.raw.pointer("/paths/~1owners/get").unwrap();
    assert_eq!(owners["operationId"], "listOwners");
    assert_eq!(
        owners
            .pointer("/responses/200/content/application~1json/schema/items/$ref")
            .unwrap(),
        "#/components/schemas/owner"
    );
    assert_eq!(doc.openapi.operations().count(), 3);
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
}

#[test]
fn references_into_paths_are_hoisted() {
    let doc = load_fixture("load/bundle/api.yaml").unwrap();
    let get = doc.raw.pointer("/paths/~1pets~1{id}/get").unwrap();
    let param_ref = get["parameters"][0]["$ref"].as_str().unwrap();
    assert!(
        param_ref.starts_with("#/components/parameters/"),
        "{param_ref}"
    );
    let param = doc.raw.pointer(&param_ref[1..]).unwrap();
    assert_eq!(param["name"], "limit");
    // A reference to a reference into paths is followed to what it finally names.
    let schema_ref = get
        .pointer("/responses/200/content/application~1json/schema/$ref")
        .unwrap();
    assert_eq!(schema_ref, "#/components/schemas/Pet_2");
    // The typed view sees the same references.
    let op = doc
        .openapi
        .operations()
        .find(|(_, _, o)| o.operation_id.as_deref() == Some("getPet"))
        .unwrap()
        .2;
    assert!(
        matches!(&op.parameters[0], openapiv3::ReferenceOr::Reference { reference } if reference == param_ref)
    );
}

#[test]
fn loads_a_31_document() {
    let doc = load_fixture("load/v31.yaml").unwrap();
    assert_eq!(doc.source_version, "3.1.0");
    // The path item reference is copied in place, with its callback.
    let post = doc.raw.pointer("/paths/~1things/post").unwrap();
    assert_eq!(post["operationId"], "createThing");
    assert!(post
        .pointer("/callbacks/onDone/{$request.body#~1callback}/post")
        .is_some());
    let (_, _, op) = doc.openapi.operations().next().unwrap();
    assert_eq!(op.callbacks["onDone"].len(), 1);
    // `$ref` with a sibling → allOf.
    assert_eq!(
        post.pointer("/responses/201/content/application~1json/schema")
            .unwrap(),
        &json!({"description": "The created thing", "allOf": [{"$ref": "#/components/schemas/Thing"}]})
    );
    // Webhooks stay at the top level of raw, normalized, their refs copied in.
    assert_eq!(doc.raw["webhooks"].as_object().unwrap().len(), 2);
    assert_eq!(doc.raw.pointer("/webhooks/thingDeleted/post/requestBody/content/application~1json/schema/properties/id/type").unwrap(), "string");
    let thing = schema(&doc, "Thing");
    let p = &thing["properties"];
    assert_eq!(p["id"], json!({"type": "string", "nullable": true}));
    assert_eq!(p["kind"], json!({"enum": ["thing"]}));
    assert_eq!(p["size"]["minimum"], 0);
    assert_eq!(p["size"]["exclusiveMinimum"], true);
    assert_eq!(p["anything"], json!({}));
    assert_eq!(p["nothing"], json!({"not": {}}));
    assert_eq!(
        p["label"],
        json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Label"}]})
    );
    assert_eq!(
        p["tuple"]["items"],
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert_eq!(p["data"]["format"], "byte");
    assert_eq!(p["examples_field"]["example"], "a");
    // A reference into `$defs` is hoisted into components.
    let nested = p["nested"]["$ref"].as_str().unwrap();
    assert_eq!(
        doc.raw.pointer(&nested[1..]).unwrap()["properties"]["n"],
        json!({"type": "integer", "nullable": true})
    );
    // And the typed view has it all.
    let typed = doc.openapi.components.as_ref().unwrap();
    assert!(typed.schemas.contains_key("Thing"));
}

#[test]
fn document_line_of_uses_the_source() {
    let doc = load_fixture("load/v31.yaml").unwrap();
    assert_eq!(doc.line_of("#/webhooks/thingCreated"), Some(14));
    assert_eq!(
        doc.line_of("#/components/schemas/Thing/properties/size/exclusiveMinimum"),
        Some(83)
    );
    assert_eq!(doc.line_of("#/nowhere"), None);
    assert!(format!("{:?}", doc.source).starts_with("SourceText("));
}

#[test]
fn unreadable_file() {
    match load_fixture("bad/does-not-exist.yaml").unwrap_err() {
        LoadError::Read { path, .. } => assert!(path.ends_with("bad/does-not-exist.yaml")),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn invalid_json_has_line_and_column() {
    let e = load_fixture("bad/truncated.json").unwrap_err();
    match &e {
        LoadError::Syntax {
            format,
            line,
            column,
            ..
        } => {
            assert_eq!(*format, "JSON");
            assert_eq!((*line, *column), (6, 0));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        e.to_string().contains("truncated.json:6:0: invalid JSON"),
        "{e}"
    );
}

#[test]
fn invalid_yaml_has_line_and_column() {
    match load_fixture("bad/invalid.yaml").unwrap_err() {
        LoadError::Syntax { format, line, .. } => {
            assert_eq!(format, "YAML");
            assert_eq!(line, 8);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn dangling_ref_names_pointer_and_line() {
    let e = load_fixture("bad/dangling.yaml").unwrap_err();
    match &e {
        LoadError::DanglingRef {
            path,
            pointer,
            line,
            reference,
        } => {
            assert!(path.ends_with("dangling.yaml"));
            assert_eq!(
                pointer,
                "#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref"
            );
            assert_eq!(*line, Some(14));
            assert_eq!(reference, "#/components/schemas/Missing");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.to_string().contains("dangling.yaml:14:"), "{e}");
}

#[test]
fn dangling_ref_in_another_file_names_that_file() {
    match load_fixture("bad/dangling-external.yaml").unwrap_err() {
        LoadError::DanglingRef {
            path,
            pointer,
            line,
            reference,
        } => {
            assert!(path.ends_with("ext/schemas.yaml"), "{path:?}");
            assert_eq!(pointer, "#/Thing/properties/other/$ref");
            assert_eq!(line, Some(5));
            assert_eq!(reference, "#/Other");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn missing_referenced_file() {
    match load_fixture("bad/missing-file-ref.yaml").unwrap_err() {
        LoadError::RefFile {
            line,
            reference,
            source,
            ..
        } => {
            assert_eq!(line, Some(14));
            assert_eq!(reference, "./nowhere.yaml#/Thing");
            assert!(matches!(*source, LoadError::Read { .. }));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn discriminator_mapping_to_a_missing_file_is_a_warning() {
    let doc = load_fixture("bad/missing-mapping-file.yaml").expect("loads");
    let w: Vec<_> = doc
        .warnings
        .iter()
        .filter(|w| w.message.contains("discriminator mapping"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", doc.warnings);
    assert_eq!(
        w[0].pointer,
        "#/components/schemas/Pet/discriminator/mapping/cat"
    );
    // The entry is left as written; the local one is untouched.
    assert_eq!(
        schema(&doc, "Pet")["discriminator"]["mapping"]["dog"],
        "#/components/schemas/Dog"
    );
}

#[test]
fn remote_ref_is_a_warning_not_a_fetch() {
    let doc = load_fixture("bad/remote-ref.yaml").unwrap();
    assert_eq!(doc.warnings.len(), 1);
    assert!(
        doc.warnings[0].message.contains("not fetched"),
        "{}",
        doc.warnings[0].message
    );
    assert_eq!(
        doc.warnings[0].pointer,
        "#/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
    );
}

#[test]
fn swagger_2_is_refused_with_advice() {
    let e = load_fixture("bad/swagger2.json").unwrap_err();
    assert!(matches!(e, LoadError::NotOpenApi { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("Swagger 2.0") && msg.contains("convert"),
        "{msg}"
    );
}

#[test]
fn not_an_object_or_no_version() {
    for (file, needle) in [
        ("bad/array.json", "an array"),
        ("bad/scalar.yaml", "a string"),
        ("bad/no-version.yaml", "no top-level `openapi`"),
        ("bad/unsupported-version.yaml", "4.0.0"),
    ] {
        let e = load_fixture(file).unwrap_err();
        assert!(matches!(e, LoadError::NotOpenApi { .. }), "{file}: {e:?}");
        assert!(e.to_string().contains(needle), "{file}: {e}");
    }
    let e = load_str("", Path::new("empty.yaml")).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn invalid_schema_points_at_the_value() {
    match load_fixture("bad/invalid-schema.json").unwrap_err() {
        LoadError::Invalid { pointer, line, .. } => {
            assert_eq!(pointer, "#/paths/~1a/get/responses/200/content/application~1json/schema/properties/tags/items");
            assert_eq!(line, Some(15));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn json_and_yaml_by_content_not_extension() {
    let yaml_in_json_name = "openapi: '3.0.3'\ninfo: {title: t, version: '1'}\npaths: {}\n";
    assert!(load_str(yaml_in_json_name, Path::new("spec.json")).is_ok());
    let json_in_yaml_name = "\u{feff}  {\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}";
    assert!(load_str(json_in_yaml_name, Path::new("spec.yaml")).is_ok());
    // YAML flow style that is not JSON still loads.
    let flow = "{openapi: 3.1.0, info: {title: t, version: '1'}, paths: {}}";
    let doc = load_str(flow, Path::new("spec.yaml")).unwrap();
    assert_eq!(doc.source_version, "3.1.0");
    // A YAML number version is read as a string.
    let numeric = "openapi: 3.1\ninfo: {title: t, version: '1'}\n";
    assert_eq!(
        load_str(numeric, Path::new("x.yaml"))
            .unwrap()
            .source_version,
        "3.1"
    );
}

#[test]
fn ref_must_be_a_string() {
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: 5\n      responses: {}\n";
    match load_str(text, Path::new("x.yaml")).unwrap_err() {
        LoadError::Invalid { pointer, line, .. } => {
            assert_eq!(pointer, "#/paths/~1a/get/parameters/0/$ref");
            assert_eq!(line, Some(7));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn callback_cycle_ends() {
    let text = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
      "paths": {"/a": {"post": {"callbacks": {"cb": {"$ref": "#/components/callbacks/Loop"}}, "responses": {}}}},
      "components": {"callbacks": {"Loop": {"{$url}": {"post": {"callbacks": {"again": {"$ref": "#/components/callbacks/Loop"}}, "responses": {}}}}}}}"##;
    let doc = load_str(text, Path::new("loop.json")).unwrap();
    assert!(
        doc.warnings.iter().any(|w| w.message.contains("cycle")),
        "{:?}",
        doc.warnings
    );
}

/// Truncations and byte flips of real fixtures never panic; they load or return an error.
#[test]
fn mutated_inputs_never_panic() {
    let sources = [
        std::fs::read_to_string(fixture("load/v31.yaml")).unwrap(),
        std::fs::read_to_string(fixture("load/bundle/api.yaml")).unwrap(),
        std::fs::read_to_string(fixture("bad/invalid-schema.json")).unwrap(),
    ];
    let base = fixture("load/bundle/api.yaml");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut outcomes = (0, 0);
    for text in &sources {
        let bytes = text.as_bytes();
        for cut in (0..bytes.len()).step_by(7) {
            let t = String::from_utf8_lossy(&bytes[..cut]);
            match load_str(&t, &base) {
                Ok(_) => outcomes.0 += 1,
                Err(_) => outcomes.1 += 1,
            }
        }
        for _ in 0..300 {
            let mut b = bytes.to_vec();
            for _ in 0..3 {
                let i = (next() as usize) % b.len();
                b[i] = b"{}[]:,-\"' \n#$&*!|>0a/~"[(next() as usize) % 22];
            }
            let t = String::from_utf8_lossy(&b);
            match load_str(&t, &base) {
                Ok(d) => {
                    outcomes.0 += 1;
                    let _ = d.line_of("#/paths");
                }
                Err(e) => {
                    outcomes.1 += 1;
                    let _ = e.to_string();
                }
            }
        }
    }
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[test]
fn percent_encoded_local_refs_become_plain_pointers() {
    let text = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
      "x-webhooks": {"a b": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A%20B"}}}}, "responses": {}}}},
      "components": {"schemas": {"A B": {"type": ["string", "null"]}, "C": {"$ref": "#/components/schemas/A%20B"}}}}"##;
    let doc = load_str(text, Path::new("p.json")).unwrap();
    assert_eq!(schema(&doc, "C")["$ref"], "#/components/schemas/A B");
    assert_eq!(
        doc.raw
            .pointer("/x-webhooks/a b/post/requestBody/content/application~1json/schema/$ref")
            .unwrap(),
        "#/components/schemas/A B"
    );
    assert_eq!(
        schema(&doc, "A B"),
        &json!({"type": "string", "nullable": true})
    );
}
