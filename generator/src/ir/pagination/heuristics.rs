//! Pagination guessed from names, for operations no extension describes: the query
//! parameters a list takes (`starting_after`, `cursor`, `offset`, `page`, ...), the fields of
//! its page (`has_more`, `next_cursor`, `next`, ...) and a declared `Link` header.

use openapiv3::{ReferenceOr, Schema};

use super::{find_field, offset_is_token, Detected};
use crate::ir::PageScheme;
use crate::load::Document;

/// What the heuristics read of a `GET` operation.
pub(super) struct Page<'a> {
    pub(super) doc: &'a Document,
    pub(super) op: &'a openapiv3::Operation,
    /// Its query parameters' names.
    pub(super) query: Vec<&'a str>,
    /// The properties of its success response.
    pub(super) props: &'a [(String, ReferenceOr<Schema>)],
    /// The headers its success response declares.
    pub(super) success_headers: &'a [String],
}

impl Page<'_> {
    fn has(&self, n: &str) -> bool {
        self.query.contains(&n)
    }
}

/// The items of the page, for every scheme found.
struct Found {
    items_ptr: String,
    item_schema: Option<ReferenceOr<Schema>>,
}

impl Found {
    fn found(&self, scheme: PageScheme, why: &str) -> Option<Detected> {
        Some(Detected {
            scheme,
            items: self.items_ptr.clone(),
            item_schema: self.item_schema.clone(),
            source: format!("heuristic: {why}"),
        })
    }
}

/// The first heuristic that matches, in order: a cursor (`starting_after`, then cursor
/// parameters with a next-cursor field), a `Link` header, a next-URL field, an offset, a
/// page number.
pub(super) fn detect(
    page: &Page,
    items_ptr: String,
    item_schema: Option<ReferenceOr<Schema>>,
) -> Option<Detected> {
    let f = Found {
        items_ptr,
        item_schema,
    };
    cursor(page, &f).or_else(|| links_offsets_and_pages(page, &f))
}

/// A cursor parameter with the field that holds the next cursor.
fn cursor(page: &Page, f: &Found) -> Option<Detected> {
    if page.has("starting_after") {
        if let Some(more) = find_field(page.doc, page.props, &["has_more"]) {
            return f.found(
                PageScheme::Cursor {
                    param: "starting_after".into(),
                    cursor: None,
                    from_last_item: Some("id".into()),
                    has_more: Some(more),
                },
                "starting_after + has_more",
            );
        }
    }
    let cursor_params = [
        "cursor",
        "page_token",
        "pageToken",
        "continue",
        "marker",
        "after",
        "next_token",
        "nextToken",
        "page_cursor",
        "offset",
        "start_cursor",
    ];
    let cursor_fields = [
        "next_cursor",
        "response_metadata/next_cursor",
        "metadata/continue",
        "next_page_token",
        "nextPageToken",
        "next_page/offset",
        "next_marker",
        "next_token",
        "nextToken",
        "cursor/next",
        "paging/next_cursor",
        "next_page_cursor",
        "pagination/next_cursor",
        "meta/next_cursor",
        "last_id",
    ];
    for p in cursor_params {
        if page.has(p) {
            if let Some(c) = find_field(page.doc, page.props, &cursor_fields) {
                let has_more = find_field(page.doc, page.props, &["has_more", "has_next", "more"]);
                return f.found(
                    PageScheme::Cursor {
                        param: p.into(),
                        cursor: Some(c),
                        from_last_item: None,
                        has_more,
                    },
                    &format!("{p} parameter + next cursor field"),
                );
            }
            if p != "offset" {
                if let Some(c) = find_field(page.doc, page.props, &["next_page"]) {
                    return f.found(
                        PageScheme::Cursor {
                            param: p.into(),
                            cursor: Some(c),
                            from_last_item: None,
                            has_more: None,
                        },
                        &format!("{p} parameter + next_page"),
                    );
                }
            }
        }
    }
    None
}

/// A `Link` header, a next-URL field, an offset or a page number.
fn links_offsets_and_pages(page: &Page, f: &Found) -> Option<Detected> {
    let declares_link = page
        .success_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("link"));
    if declares_link
        && ["after", "before", "since", "cursor"]
            .iter()
            .any(|p| page.has(p))
    {
        // GitHub's cursor and `since` lists: the next page is only in the `Link` header.
        return f.found(PageScheme::LinkHeader, "cursor parameter + Link header");
    }
    if let Some(next) = find_field(
        page.doc,
        page.props,
        &[
            "next",
            "next_url",
            "nextUrl",
            "next_page_uri",
            "next_page_url",
            "links/next",
            "_links/next/href",
            "paging/next",
        ],
    ) {
        return f.found(PageScheme::NextUrl { pointer: next }, "next URL field");
    }
    if page.has("offset") && offset_is_token(page.doc, page.op) {
        // An opaque offset token (Asana): the next one is in `next_page.offset`.
        return f.found(
            PageScheme::Cursor {
                param: "offset".into(),
                cursor: Some("/next_page/offset".into()),
                from_last_item: None,
                has_more: None,
            },
            "offset token (string) + next_page.offset",
        );
    }
    if page.has("offset") {
        let limit = ["limit", "count", "page_size", "per_page"]
            .iter()
            .find(|l| page.has(l))
            .map(|l| (*l).to_owned());
        return f.found(
            PageScheme::Offset {
                param: "offset".into(),
                limit_param: limit,
            },
            "offset parameter",
        );
    }
    if page.has("page") {
        if declares_link {
            return f.found(PageScheme::LinkHeader, "page parameter + Link header");
        }
        return f.found(
            PageScheme::PageNumber {
                param: "page".into(),
                start: 1,
            },
            "page parameter",
        );
    }
    None
}
