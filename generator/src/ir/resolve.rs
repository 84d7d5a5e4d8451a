//! Following local `$ref`s to parameters, bodies, responses and headers.

use openapiv3::ReferenceOr;
use serde::de::DeserializeOwned;

use crate::load::Document;

// `ir::types` imports `escape` from here.
pub use crate::pointer::escape;
use crate::pointer::of_ref;

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
        let ptr = of_ref(&reference)?;
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
