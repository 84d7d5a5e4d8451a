//! Typed parsing into `openapiv3::OpenAPI`, with errors that point at the failing value.
//!
//! serde_path_to_error gives the path of the failure, but openapiv3's untagged and flattened
//! types buffer their input, so that path stops at the enclosing schema, parameter or path
//! item. From there the failing value is found by parsing the children one level at a time
//! (each as the openapiv3 type its position calls for) and descending into the one that fails.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::kind::Kind;
use super::LoadError;
use crate::pointer::{escape, line_of, segments};

/// Parses the normalized document.
pub(crate) fn parse(
    root: &Value,
    text: &str,
    path: &Path,
) -> Result<openapiv3::OpenAPI, LoadError> {
    // The fast path; the path-tracking parse runs only to explain a failure.
    if let Ok(doc) = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(root) {
        return Ok(doc);
    }
    match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(root) {
        Ok(doc) => Ok(doc),
        Err(e) => {
            let pointer = to_pointer(e.path());
            let message = e.into_inner().to_string();
            let (pointer, message) = refine(root, pointer, message);
            Err(LoadError::Invalid {
                path: path.to_owned(),
                line: line_of(text, &pointer),
                pointer: format!("#{pointer}"),
                message: format!(
                    "{message}; this value does not fit OpenAPI 3.x, fix it or remove it"
                ),
            })
        }
    }
}

/// A serde_path_to_error path as a JSON pointer (`/paths/~1pets/get`), up to the first
/// segment it cannot name.
fn to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape(key));
            }
            Segment::Enum { .. } => {}
            Segment::Unknown => break,
        }
    }
    out
}

fn check_as<T: DeserializeOwned>(v: &Value) -> Option<String> {
    T::deserialize(v).err().map(|e| e.to_string())
}

/// Why `v`, in a position of `kind`, does not parse (`None`: it parses, or the position is
/// not one openapiv3 reads).
fn check(kind: Kind, v: &Value) -> Option<String> {
    use openapiv3 as o;
    use Kind::*;
    match kind {
        Root => check_as::<o::OpenAPI>(v),
        Paths => check_as::<o::Paths>(v),
        PathItem => check_as::<o::ReferenceOr<o::PathItem>>(v),
        Operation => check_as::<o::Operation>(v),
        Parameter => check_as::<o::ReferenceOr<o::Parameter>>(v),
        RequestBody => check_as::<o::ReferenceOr<o::RequestBody>>(v),
        Responses => check_as::<o::Responses>(v),
        Response => check_as::<o::ReferenceOr<o::Response>>(v),
        MediaType => check_as::<o::MediaType>(v),
        Encoding => check_as::<o::Encoding>(v),
        Header => check_as::<o::ReferenceOr<o::Header>>(v),
        Example => check_as::<o::ReferenceOr<o::Example>>(v),
        Callback => check_as::<o::Callback>(v),
        Components => check_as::<o::Components>(v),
        Schema => check_as::<o::ReferenceOr<o::Schema>>(v),
        SchemaOrBool => check_as::<o::AdditionalProperties>(v),
        ParameterList | ParameterMap | RequestBodyMap | ResponseMap | ContentMap | EncodingMap
        | HeaderMap | ExampleMap | CallbackMap | SchemaMap | SchemaList => {
            first_failing_child(kind, v).map(|(_, m)| m)
        }
        PathItemMap | SecuritySchemeMap | Other | Opaque => None,
    }
}

fn first_failing_child(kind: Kind, v: &Value) -> Option<(String, String)> {
    match v {
        Value::Object(m) => m
            .iter()
            .find_map(|(k, c)| check(kind.child(k), c).map(|e| (escape(k), e))),
        Value::Array(a) => {
            let ck = kind.child("0");
            a.iter()
                .enumerate()
                .find_map(|(i, c)| check(ck, c).map(|e| (i.to_string(), e)))
        }
        _ => None,
    }
}

/// Descends from `pointer` to the innermost value that fails to parse.
fn refine(root: &Value, mut pointer: String, mut message: String) -> (String, String) {
    while let Some(v) = root.pointer(&pointer) {
        let Some(segs) = segments(&pointer) else {
            break;
        };
        let kind = Kind::at(&segs);
        match first_failing_child(kind, v) {
            Some((seg, m)) => {
                pointer.push('/');
                pointer.push_str(&seg);
                message = m;
            }
            None => break,
        }
    }
    (pointer, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_failing_schema_inside_a_flattened_parent() {
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {
                "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"x": {"type": "array", "items": {"required": "nope"}}}
                }}}}}
            }}}
        });
        let err = parse(&doc, "", Path::new("spec.json")).unwrap_err();
        match err {
            LoadError::Invalid {
                pointer, message, ..
            } => {
                assert_eq!(pointer, "#/paths/~1a/get/responses/200/content/application~1json/schema/properties/x/items");
                assert!(message.contains("invalid type"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_required_field_points_at_its_parent() {
        let doc = json!({"openapi": "3.0.3", "info": {"version": "1"}, "paths": {}});
        let text = "{\n\"openapi\": \"3.0.3\",\n\"info\": {\"version\": \"1\"},\n\"paths\": {}\n}";
        match parse(&doc, text, Path::new("spec.json")).unwrap_err() {
            LoadError::Invalid {
                pointer,
                line,
                message,
                ..
            } => {
                assert_eq!(pointer, "#/info");
                assert_eq!(line, Some(3));
                assert!(message.contains("title"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
