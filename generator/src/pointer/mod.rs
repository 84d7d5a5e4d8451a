//! JSON pointers (RFC 6901), the one place that knows their syntax: escaping a segment,
//! splitting a pointer, following local `$ref`s in a [`serde_json::Value`], and finding where a
//! pointer sits in the source text ([`line_of`] for one pointer, `positions` for many at once,
//! with columns).
//!
//! This module sits below `load`, `ir` and `lint`: it depends on none of them.

mod line;
pub(crate) mod positions;

pub use line::line_of;

use serde_json::Value;

/// Escapes one pointer segment (`~` → `~0`, `/` → `~1`).
///
/// ```
/// use sturdy_generator::pointer::escape;
/// assert_eq!(escape("/pets/{id}"), "~1pets~1{id}");
/// assert_eq!(escape("a~b"), "a~0b");
/// ```
pub fn escape(segment: &str) -> String {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1")
    } else {
        segment.to_owned()
    }
}

/// Unescapes one pointer segment (`~1` → `/`, `~0` → `~`).
pub fn unescape(segment: &str) -> String {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~")
    } else {
        segment.to_owned()
    }
}

/// `base` followed by one escaped `segment`: `push("#/paths", "/pets")` is `#/paths/~1pets`.
pub fn push(base: &str, segment: &str) -> String {
    format!("{base}/{}", escape(segment))
}

/// Splits a JSON pointer (with or without a leading `#`) into unescaped segments; `None` if it
/// is not a pointer (does not start with `/` after the optional `#`, and is not empty).
pub fn segments(pointer: &str) -> Option<Vec<String>> {
    let p = pointer.strip_prefix('#').unwrap_or(pointer);
    if p.is_empty() {
        return Some(Vec::new());
    }
    let rest = p.strip_prefix('/')?;
    Some(rest.split('/').map(unescape).collect())
}

/// The pointer of a local reference (`#/components/x` → `/components/x`); `None` for a
/// reference to another file or URL.
pub fn of_ref(reference: &str) -> Option<&str> {
    reference.strip_prefix('#')
}

/// The value a local `$ref` string (`#/components/schemas/Pet`) names in `root`.
pub fn target<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(of_ref(reference)?)
}

/// Follows `v`'s local `$ref` chain in `root` (up to 16 hops) and returns the first value that
/// is not a reference, or the last one that could not be followed (dangling, remote, a cycle).
pub fn follow<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| target(root, r))
        {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_round_trips_through_segments() {
        for s in ["plain", "/pets/{id}", "a~b", "~1", "~/~0/"] {
            let p = push("#", s);
            assert_eq!(segments(&p), Some(vec![s.to_owned()]), "{p}");
        }
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(segments("#"), Some(vec![]));
        assert_eq!(segments("nope"), None);
    }

    #[test]
    fn follow_walks_ref_chains_and_stops_on_dangling_or_cyclic_refs() {
        let root = json!({
            "a": {"$ref": "#/b"},
            "b": {"$ref": "#/c~1d"},
            "c/d": {"type": "string"},
            "loop": {"$ref": "#/loop"},
            "dangling": {"$ref": "#/missing"},
            "remote": {"$ref": "other.json#/x"}
        });
        assert_eq!(follow(&root, &root["a"]), &json!({"type": "string"}));
        assert_eq!(follow(&root, &root["loop"]), &root["loop"]);
        assert_eq!(follow(&root, &root["dangling"]), &root["dangling"]);
        assert_eq!(follow(&root, &root["remote"]), &root["remote"]);
        assert_eq!(target(&root, "#/c~1d"), Some(&json!({"type": "string"})));
    }
}
