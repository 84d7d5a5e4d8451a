//! Following local `$ref`s to parameters, bodies, responses and headers.

use openapiv3::ReferenceOr;
use serde::de::DeserializeOwned;

use crate::load::Document;

/// The JSON pointer of a local reference (`#/components/x` → `/components/x`).
pub fn pointer_of(reference: &str) -> Option<&str> {
    reference.strip_prefix('#')
}

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Resolves `item` (following reference chains, up to a depth) into an owned `T`.
/// Returns the value and the pointer it was found at, or `None` for a dangling or remote ref.
pub fn resolve<T: DeserializeOwned + Clone>(
    doc: &Document,
    item: &ReferenceOr<T>,
    here: &str,
) -> Option<(T, String)> {
    let mut reference = match item {
        ReferenceOr::Item(v) => return Some((v.clone(), here.to_owned())),
        ReferenceOr::Reference { reference } => reference.clone(),
    };
    for _ in 0..32 {
        let ptr = pointer_of(&reference)?;
        let value = doc.raw.pointer(ptr)?;
        if let Some(next) = value.get("$ref").and_then(|r| r.as_str()) {
            reference = next.to_owned();
            continue;
        }
        let parsed = T::deserialize(value).ok()?;
        return Some((parsed, format!("#{ptr}")));
    }
    None
}
