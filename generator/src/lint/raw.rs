//! Reading the raw document for lint: operations with their resolved parameters, success
//! responses, and the list and pagination heuristics of the `no-pagination` rule.

use serde_json::Value;

use crate::pointer::{escape, follow};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub(super) struct Op<'a> {
    pub(super) path: &'a str,
    pub(super) method: &'a str,
    pub(super) pointer: String,
    pub(super) op: &'a Value,
    /// Path-level and operation-level parameters, resolved.
    pub(super) params: Vec<&'a Value>,
}

pub(super) fn operations(raw: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    let Some(paths) = raw.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = follow(raw, item);
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| follow(raw, p)).collect())
            .unwrap_or_default();
        for m in METHODS {
            let Some(op) = item.get(*m) else {
                continue;
            };
            let mut params = shared.clone();
            if let Some(a) = op.get("parameters").and_then(Value::as_array) {
                params.extend(a.iter().map(|p| follow(raw, p)));
            }
            out.push(Op {
                path,
                method: m,
                pointer: format!("#/paths/{}/{m}", escape(path)),
                op,
                params,
            });
        }
    }
    out
}

pub(super) fn is_empty_schema(s: &Value) -> bool {
    s.as_object().is_some_and(|o| {
        o.keys().all(|k| {
            matches!(
                k.as_str(),
                "description" | "title" | "example" | "examples" | "nullable"
            )
        })
    })
}

pub(super) fn success_response<'a>(raw: &'a Value, op: &'a Value) -> Option<(&'a str, &'a Value)> {
    let responses = op.get("responses")?.as_object()?;
    let (status, r) = responses.iter().find(|(s, _)| s.starts_with('2'))?;
    Some((status.as_str(), follow(raw, r)))
}

pub(super) fn json_media(content: &Value) -> Vec<(&str, &Value)> {
    content
        .as_object()
        .map(|c| {
            c.iter()
                .filter(|(ct, _)| ct.contains("json") || ct.contains("x-www-form-urlencoded"))
                .map(|(ct, m)| (ct.as_str(), m))
                .collect()
        })
        .unwrap_or_default()
}

const PAGE_PARAMS: &[&str] = &[
    "cursor",
    "page",
    "page_token",
    "pagetoken",
    "next_token",
    "nexttoken",
    "offset",
    "starting_after",
    "ending_before",
    "after",
    "before",
    "marker",
    "next",
    "start",
    "skip",
    "continuation",
    "continuation_token",
    "continuationtoken",
    "pagination_token",
    "since",
    "from",
    "page_number",
    "pagenumber",
];

const ENVELOPE_FIELDS: &[&str] = &[
    "data",
    "items",
    "results",
    "entries",
    "records",
    "values",
    "list",
    "objects",
    "elements",
    "edges",
    "nodes",
    "content",
    "resources",
];

/// Whether a success schema is a list: an array, or an object envelope around one.
pub(super) fn is_list(raw: &Value, schema: &Value) -> bool {
    let s = follow(raw, schema);
    if s.get("type").and_then(Value::as_str) == Some("array") {
        return true;
    }
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return false;
    };
    props.iter().any(|(k, p)| {
        let p = follow(raw, p);
        p.get("type").and_then(Value::as_str) == Some("array")
            && (ENVELOPE_FIELDS.contains(&k.to_ascii_lowercase().as_str()) || props.len() <= 3)
    })
}

pub(super) fn has_pagination(raw: &Value, o: &Op<'_>) -> bool {
    if o.op.as_object().is_some_and(|m| {
        m.keys()
            .any(|k| k.starts_with("x-") && k.contains("paginat"))
    }) {
        return true;
    }
    if o.params.iter().any(|p| {
        p.get("in").and_then(Value::as_str) == Some("query")
            && p.get("name").and_then(Value::as_str).is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                PAGE_PARAMS.contains(&n.as_str()) || n.contains("cursor") || n.contains("page")
            })
    }) {
        return true;
    }
    success_response(raw, o.op)
        .and_then(|(_, r)| r.get("headers"))
        .and_then(Value::as_object)
        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("link")))
}

pub(super) fn is_version_segment(seg: &str) -> bool {
    let b = seg.as_bytes();
    let dated = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    (b.len() >= 2 && (b[0] == b'v' || b[0] == b'V') && b[1].is_ascii_digit()) || dated
}
