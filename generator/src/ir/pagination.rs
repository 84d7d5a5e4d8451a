//! Which list operations paginate, and how.
//!
//! Found in this order:
//! 1. `x-sturdy-pagination` on the operation:
//!    `{scheme: cursor|page_token|offset|page_number|next_url|link_header, param, items,
//!    has_more?, cursor?, cursor_from_last_item?, limit_param?, start?}` (pointers are JSON
//!    pointers into the response body; for `next_url`, `cursor` points at the URL).
//! 2. Extensions other tools use: `x-dropshot-pagination` (Oxide: `page_token`, `next_page`,
//!    `items`), `x-speakeasy-pagination` (`type`, `inputs`, `outputs` with JSONPath),
//!    `x-fern-pagination` (`cursor`/`offset`, `next_cursor`, `results` as `$request.x` /
//!    `$response.a.b`), `x-ms-pageable` (`nextLinkName`, `itemName`).
//! 3. Heuristics on parameters and the success response (refs and `allOf` followed):
//!    - `starting_after` + `has_more` + `data` (Stripe): cursor from the last item's `id`;
//!    - a cursor parameter (`cursor`, `page_token`, `pageToken`, `continue`, `marker`, `after`,
//!      `offset` when the response has `next_page.offset` as in Asana) and a next-cursor field
//!      (`next_cursor`, `response_metadata.next_cursor`, `metadata.continue`,
//!      `next_page_token`, `nextPageToken`, `next_page`, `next_marker`, `next_page.offset`);
//!    - a `next` URL field beside an array (Spotify, Box);
//!    - `offset` (+ `limit`) with an array;
//!    - `after`, `before`, `since` or `cursor` with a declared `Link` header and no next-cursor
//!      field (GitHub) → the `Link` header;
//!    - `page` (+ `per_page`) with a declared `Link` header (GitHub) → the `Link` header, else
//!      page numbers.

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use crate::ir::{PageScheme, ParamLocation};
use crate::load::Document;

mod heuristics;

/// What detection found.
#[derive(Debug, Clone)]
pub struct Detected {
    /// The scheme.
    pub scheme: PageScheme,
    /// JSON pointer to the items array.
    pub items: String,
    /// The items' schema, when known.
    pub item_schema: Option<ReferenceOr<Schema>>,
    /// How it was found.
    pub source: String,
}

fn resolve<'d>(doc: &'d Document, s: &'d ReferenceOr<Schema>) -> Option<&'d Schema> {
    let mut cur = s;
    for _ in 0..16 {
        match cur {
            ReferenceOr::Item(s) => return Some(s),
            ReferenceOr::Reference { reference } => {
                let name =
                    crate::pointer::unescape(reference.strip_prefix("#/components/schemas/")?);
                cur = doc.openapi.components.as_ref()?.schemas.get(&name)?;
            }
        }
    }
    None
}

/// Properties of an object schema (following `allOf`).
fn properties(
    doc: &Document,
    s: &ReferenceOr<Schema>,
    out: &mut Vec<(String, ReferenceOr<Schema>)>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    let Some(s) = resolve(doc, s) else { return };
    let unbox = |b: &ReferenceOr<Box<Schema>>| match b {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(i) => ReferenceOr::Item((**i).clone()),
    };
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            out.extend(o.properties.iter().map(|(k, v)| (k.clone(), unbox(v))))
        }
        SchemaKind::AllOf { all_of } => all_of
            .iter()
            .for_each(|m| properties(doc, m, out, depth + 1)),
        SchemaKind::Any(a) => {
            out.extend(a.properties.iter().map(|(k, v)| (k.clone(), unbox(v))));
            a.all_of
                .iter()
                .for_each(|m| properties(doc, m, out, depth + 1));
        }
        _ => {}
    }
}

fn array_items(doc: &Document, s: &ReferenceOr<Schema>) -> Option<Option<ReferenceOr<Schema>>> {
    let s = resolve(doc, s)?;
    let items = match &s.schema_kind {
        SchemaKind::Type(Type::Array(a)) => a.items.clone(),
        SchemaKind::Any(a) if a.typ.as_deref() == Some("array") => a.items.clone(),
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => return array_items(doc, &all_of[0]),
        _ => return None,
    };
    Some(items.map(|b| match b {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
        ReferenceOr::Item(i) => ReferenceOr::Item(*i),
    }))
}

/// A pointer to the first property named in `path` that exists (`a/b` nested).
fn find_field(
    doc: &Document,
    props: &[(String, ReferenceOr<Schema>)],
    candidates: &[&str],
) -> Option<String> {
    for c in candidates {
        let mut parts = c.split('/');
        let first = parts.next()?;
        let Some((_, schema)) = props.iter().find(|(k, _)| k == first) else {
            continue;
        };
        let mut pointer = format!("/{first}");
        let mut cur = schema.clone();
        let mut ok = true;
        for part in parts {
            let mut inner = Vec::new();
            properties(doc, &cur, &mut inner, 0);
            match inner.into_iter().find(|(k, _)| k == part) {
                Some((_, s)) => {
                    pointer.push('/');
                    pointer.push_str(part);
                    cur = s;
                }
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return Some(pointer);
        }
    }
    None
}

const ITEM_NAMES: &[&str] = &[
    "data", "items", "results", "entries", "records", "values", "value", "members", "channels",
    "messages", "elements", "list",
];

/// The items array of a page: a top-level array, a well-known name, or the only array.
fn items_of(
    doc: &Document,
    success: &ReferenceOr<Schema>,
    props: &[(String, ReferenceOr<Schema>)],
) -> Option<(String, Option<ReferenceOr<Schema>>)> {
    if let Some(items) = array_items(doc, success) {
        return Some((String::new(), items));
    }
    let arrays: Vec<(&String, Option<ReferenceOr<Schema>>)> = props
        .iter()
        .filter_map(|(k, s)| array_items(doc, s).map(|i| (k, i)))
        .collect();
    for name in ITEM_NAMES {
        if let Some((k, i)) = arrays.iter().find(|(k, _)| k.as_str() == *name) {
            return Some((format!("/{k}"), i.clone()));
        }
    }
    if arrays.len() == 1 {
        let (k, i) = &arrays[0];
        return Some((format!("/{k}"), i.clone()));
    }
    None
}

/// Whether a success body is a list: the JSON pointer of its items, or `None`. A list is a
/// top-level array (``), an array under a well-known items name (`/data`, `/items`, ...; the
/// names [`detect`] looks for), or the only array of a small wrapper (at most three
/// properties, such as `{count, things}`). A bigger object whose one array is a field of a
/// single resource (a customer's `tags`) is not a list.
pub fn list_items(doc: &Document, success: Option<&ReferenceOr<Schema>>) -> Option<String> {
    let success = success?;
    let mut props = Vec::new();
    properties(doc, success, &mut props, 0);
    let (pointer, _) = items_of(doc, success, &props)?;
    let named = ITEM_NAMES.contains(&pointer.trim_start_matches('/'));
    (pointer.is_empty() || named || props.len() <= 3).then_some(pointer)
}

fn ext_str(v: &serde_json::Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(str::to_owned)
}

/// Detects the pagination of a GET operation.
pub fn detect(
    doc: &Document,
    op: &openapiv3::Operation,
    _op_pointer: &str,
    params: &[(String, ParamLocation)],
    success: Option<&ReferenceOr<Schema>>,
    success_headers: &[String],
) -> Option<Detected> {
    let query: Vec<&str> = params
        .iter()
        .filter(|(_, l)| *l == ParamLocation::Query)
        .map(|(n, _)| n.as_str())
        .collect();
    let mut props = Vec::new();
    if let Some(s) = success {
        properties(doc, s, &mut props, 0);
    }
    let items = success.and_then(|s| items_of(doc, s, &props));

    // 1. Our own extension.
    if let Some(x) = op.extensions.get("x-sturdy-pagination") {
        return sturdy_extension(x, items.as_ref());
    }
    // 2. Others' extensions.
    if op.extensions.contains_key("x-dropshot-pagination") {
        let (ptr, item) = items.clone().unwrap_or(("/items".into(), None));
        return Some(Detected {
            scheme: PageScheme::Cursor {
                param: "page_token".into(),
                cursor: Some("/next_page".into()),
                from_last_item: None,
                has_more: None,
            },
            items: ptr,
            item_schema: item,
            source: "x-dropshot-pagination".into(),
        });
    }
    if let Some(x) = op.extensions.get("x-speakeasy-pagination") {
        if let Some(d) = speakeasy(x, &props, doc) {
            return Some(d);
        }
    }
    if let Some(x) = op.extensions.get("x-fern-pagination") {
        if let Some(d) = fern(x, &props, doc) {
            return Some(d);
        }
    }
    if let Some(x) = op.extensions.get("x-ms-pageable") {
        let next = ext_str(x, "nextLinkName")?;
        let item_name = ext_str(x, "itemName").unwrap_or_else(|| "value".into());
        let item = props
            .iter()
            .find(|(k, _)| *k == item_name)
            .and_then(|(_, s)| array_items(doc, s))
            .flatten();
        return Some(Detected {
            scheme: PageScheme::NextUrl {
                pointer: format!("/{next}"),
            },
            items: format!("/{item_name}"),
            item_schema: item,
            source: "x-ms-pageable".into(),
        });
    }
    // 3. Heuristics.
    let (items_ptr, item_schema) = items?;
    let page = heuristics::Page {
        doc,
        op,
        query,
        props: &props,
        success_headers,
    };
    heuristics::detect(&page, items_ptr, item_schema)
}

/// The pagination `x-sturdy-pagination` declares (`None` for an unknown scheme).
fn sturdy_extension(
    x: &serde_json::Value,
    items: Option<&(String, Option<ReferenceOr<Schema>>)>,
) -> Option<Detected> {
    let scheme_name = ext_str(x, "scheme").unwrap_or_default();
    let param = ext_str(x, "param").unwrap_or_default();
    let items_ptr = ext_str(x, "items")
        .or_else(|| items.as_ref().map(|(p, _)| p.clone()))
        .unwrap_or_default();
    let scheme = match scheme_name.as_str() {
        "cursor" | "page_token" => PageScheme::Cursor {
            param,
            cursor: ext_str(x, "cursor"),
            from_last_item: ext_str(x, "cursor_from_last_item"),
            has_more: ext_str(x, "has_more"),
        },
        "offset" => PageScheme::Offset {
            param,
            limit_param: ext_str(x, "limit_param"),
        },
        "page_number" => PageScheme::PageNumber {
            param,
            start: x.get("start").and_then(|s| s.as_u64()).unwrap_or(1),
        },
        "next_url" => PageScheme::NextUrl {
            pointer: ext_str(x, "cursor")
                .or_else(|| ext_str(x, "next"))
                .unwrap_or_else(|| "/next".into()),
        },
        "link_header" => PageScheme::LinkHeader,
        _ => return None,
    };
    let item_schema = items
        .as_ref()
        .filter(|(p, _)| *p == items_ptr)
        .and_then(|(_, s)| s.clone());
    Some(Detected {
        scheme,
        items: items_ptr,
        item_schema,
        source: "x-sturdy-pagination".into(),
    })
}

/// Whether the operation's `offset` query parameter is a string (an opaque token), not a number.
fn offset_is_token(doc: &Document, op: &openapiv3::Operation) -> bool {
    op.parameters.iter().any(|p| {
        let value = match p {
            ReferenceOr::Item(p) => serde_json::to_value(p).ok(),
            ReferenceOr::Reference { reference } => {
                crate::pointer::target(&doc.raw, reference).cloned()
            }
        };
        value.is_some_and(|v| {
            v.get("name").and_then(|n| n.as_str()) == Some("offset")
                && v.get("in").and_then(|n| n.as_str()) == Some("query")
                && v.pointer("/schema/type").and_then(|t| t.as_str()) == Some("string")
        })
    })
}

/// `$.a.b`, `$response.a.b` or `a.b` as a JSON pointer (`/a/b`).
fn json_path_pointer(path: &str) -> String {
    let p = path
        .trim_start_matches("$response")
        .trim_start_matches('$')
        .trim_start_matches('.');
    if p.is_empty() {
        String::new()
    } else {
        format!("/{}", p.replace('.', "/"))
    }
}

fn item_schema_at(
    doc: &Document,
    props: &[(String, ReferenceOr<Schema>)],
    pointer: &str,
) -> Option<ReferenceOr<Schema>> {
    let first = pointer.trim_start_matches('/').split('/').next()?;
    props
        .iter()
        .find(|(k, _)| k == first)
        .and_then(|(_, s)| array_items(doc, s))
        .flatten()
}

/// `x-speakeasy-pagination`.
fn speakeasy(
    x: &serde_json::Value,
    props: &[(String, ReferenceOr<Schema>)],
    doc: &Document,
) -> Option<Detected> {
    let inputs: Vec<(String, String)> = x
        .get("inputs")?
        .as_array()?
        .iter()
        .filter_map(|i| Some((ext_str(i, "name")?, ext_str(i, "type")?)))
        .collect();
    let outputs = x.get("outputs");
    let out = |k: &str| {
        outputs
            .and_then(|o| o.get(k))
            .and_then(|v| v.as_str())
            .map(json_path_pointer)
    };
    let items = out("results").unwrap_or_default();
    let input = |t: &str| {
        inputs
            .iter()
            .find(|(_, ty)| ty == t)
            .map(|(n, _)| n.clone())
    };
    let scheme = match ext_str(x, "type")?.as_str() {
        "cursor" => PageScheme::Cursor {
            param: input("cursor")?,
            cursor: out("nextCursor"),
            from_last_item: None,
            has_more: None,
        },
        "offsetLimit" => match (input("offset"), input("page")) {
            (Some(o), _) => PageScheme::Offset {
                param: o,
                limit_param: input("limit"),
            },
            (None, Some(p)) => PageScheme::PageNumber { param: p, start: 1 },
            _ => return None,
        },
        "url" => PageScheme::NextUrl {
            pointer: out("nextUrl")?,
        },
        _ => return None,
    };
    let item_schema = item_schema_at(doc, props, &items);
    Some(Detected {
        scheme,
        items,
        item_schema,
        source: "x-speakeasy-pagination".into(),
    })
}

/// `x-fern-pagination`.
fn fern(
    x: &serde_json::Value,
    props: &[(String, ReferenceOr<Schema>)],
    doc: &Document,
) -> Option<Detected> {
    let req = |k: &str| ext_str(x, k).map(|v| v.trim_start_matches("$request.").to_owned());
    let items = ext_str(x, "results")
        .map(|r| json_path_pointer(&r))
        .unwrap_or_default();
    let scheme = if let Some(c) = req("cursor") {
        PageScheme::Cursor {
            param: c,
            cursor: ext_str(x, "next_cursor").map(|n| json_path_pointer(&n)),
            from_last_item: None,
            has_more: None,
        }
    } else if let Some(o) = req("offset") {
        PageScheme::PageNumber { param: o, start: 1 }
    } else {
        return None;
    };
    let item_schema = item_schema_at(doc, props, &items);
    Some(Detected {
        scheme,
        items,
        item_schema,
        source: "x-fern-pagination".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn detect_in(op_yaml: &str) -> Option<Detected> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /x:\n    get:\n{op_yaml}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  data: {{type: array, items: {{type: string}}}}\n                  next: {{type: string}}\n                  has_more: {{type: boolean}}\n"
        );
        let doc = crate::load::load_str(&text, Path::new("t.yaml")).unwrap();
        let item = doc
            .openapi
            .paths
            .paths
            .get("/x")
            .unwrap()
            .as_item()
            .unwrap()
            .get
            .clone()
            .unwrap();
        let params: Vec<(String, ParamLocation)> = item
            .parameters
            .iter()
            .filter_map(|p| p.as_item())
            .map(|p| (p.parameter_data_ref().name.clone(), ParamLocation::Query))
            .collect();
        let schema = item
            .responses
            .responses
            .values()
            .next()
            .unwrap()
            .as_item()
            .unwrap()
            .content["application/json"]
            .schema
            .clone()
            .unwrap();
        detect(&doc, &item, "#/paths/~1x/get", &params, Some(&schema), &[])
    }

    #[test]
    fn speakeasy_and_fern_extensions() {
        let d = detect_in("      x-speakeasy-pagination: {type: cursor, inputs: [{name: after, in: parameters, type: cursor}], outputs: {results: $.data, nextCursor: $.next}}\n").unwrap();
        assert_eq!(
            d.scheme,
            PageScheme::Cursor {
                param: "after".into(),
                cursor: Some("/next".into()),
                from_last_item: None,
                has_more: None
            }
        );
        assert_eq!(d.items, "/data");
        assert!(d.item_schema.is_some());
        let d = detect_in("      x-fern-pagination: {cursor: $request.starting_after, next_cursor: $response.next, results: $response.data}\n").unwrap();
        assert_eq!(
            d.scheme,
            PageScheme::Cursor {
                param: "starting_after".into(),
                cursor: Some("/next".into()),
                from_last_item: None,
                has_more: None
            }
        );
    }

    #[test]
    fn stripe_shape_by_heuristic() {
        let d = detect_in(
            "      parameters: [{name: starting_after, in: query, schema: {type: string}}]\n",
        )
        .unwrap();
        assert!(
            matches!(d.scheme, PageScheme::Cursor { ref param, ref has_more, .. } if param == "starting_after" && has_more.as_deref() == Some("/has_more"))
        );
        assert_eq!(d.source, "heuristic: starting_after + has_more");
    }

    /// A GitHub-style list: an array body, a cursor or `since` parameter, and a `Link` header.
    fn detect_array(param: &str, headers: &[String]) -> Option<Detected> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /x:\n    get:\n      parameters: [{{name: {param}, in: query, schema: {{type: string}}}}]\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: array, items: {{type: string}}}}\n"
        );
        let doc = crate::load::load_str(&text, Path::new("t.yaml")).unwrap();
        let op = doc.openapi.paths.paths["/x"]
            .as_item()
            .unwrap()
            .get
            .clone()
            .unwrap();
        let schema = op
            .responses
            .responses
            .values()
            .next()
            .unwrap()
            .as_item()
            .unwrap()
            .content["application/json"]
            .schema
            .clone();
        let params = [(param.to_owned(), ParamLocation::Query)];
        detect(
            &doc,
            &op,
            "#/paths/~1x/get",
            &params,
            schema.as_ref(),
            headers,
        )
    }

    #[test]
    fn github_cursor_lists_follow_the_link_header() {
        let link = ["Link".to_owned()];
        for p in ["after", "before", "since", "cursor"] {
            let d = detect_array(p, &link).unwrap_or_else(|| panic!("{p}"));
            assert_eq!(d.scheme, PageScheme::LinkHeader, "{p}");
            assert_eq!(d.source, "heuristic: cursor parameter + Link header");
        }
        // Without a declared Link header a bare `since` filter is not pagination.
        assert!(detect_array("since", &[]).is_none());
    }
}
