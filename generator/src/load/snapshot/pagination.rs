//! `pagination`: `x-sturdy-pagination` and the query parameters it implies.

use serde_json::{json, Map, Value};

use super::model::{Ext, Pagination, Shape};
use super::{seg, suggest, Converter, PAGE_SCHEMES};
use crate::load::LoadError;

impl Converter<'_> {
    /// `x-sturdy-pagination` and the query parameters it implies (name, JSON type).
    pub(super) fn pagination(
        &self,
        v: &Shape<Ext<Pagination>>,
        ptr: &str,
        method: &str,
    ) -> Result<(Value, PageParams), LoadError> {
        let m = self.shape(v, ptr, "`pagination`")?;
        if method != "get" {
            return Err(self.err(
                ptr,
                "only GET endpoints can be paginated",
                "remove `pagination` or make the endpoint a GET",
            ));
        }
        let scheme = match &m.scheme {
            Some(s) => self.string(s, &seg(ptr, "scheme"), "`scheme`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`pagination` has no `scheme`",
                    format!("one of: {}", PAGE_SCHEMES.join(", ")),
                ))
            }
        };
        if !PAGE_SCHEMES.contains(&scheme) {
            return Err(self.err(
                &seg(ptr, "scheme"),
                format!("unknown pagination scheme `{scheme}`"),
                format!(
                    "{}one of: {}",
                    suggest(scheme, PAGE_SCHEMES),
                    PAGE_SCHEMES.join(", ")
                ),
            ));
        }
        let PageFields {
            param,
            items,
            has_more,
            cursor,
            last,
            limit,
            start,
        } = self.page_fields(m, ptr, scheme)?;
        let mut o = Map::new();
        o.insert("scheme".into(), json!(scheme));
        let mut extra = Vec::new();
        if let Some(p) = &param {
            o.insert("param".into(), json!(p));
            extra.push((
                p.clone(),
                if matches!(scheme, "offset" | "page_number") {
                    "integer"
                } else {
                    "string"
                },
            ));
        }
        o.insert("items".into(), json!(items));
        for (k, v) in [
            ("has_more", has_more),
            ("cursor", cursor),
            ("cursor_from_last_item", last),
            ("limit_param", limit.clone()),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(l) = limit {
            extra.push((l, "integer"));
        }
        if let Some(s) = start {
            o.insert("start".into(), json!(s));
        } else if scheme == "page_number" {
            o.insert("start".into(), json!(1));
        }
        Ok((Value::Object(o), extra))
    }

    /// The pagination's fields, checked against what `scheme` needs.
    fn page_fields(
        &self,
        m: &Pagination,
        ptr: &str,
        scheme: &str,
    ) -> Result<PageFields, LoadError> {
        let text = |v: &Option<Value>, k: &str| -> Result<Option<String>, LoadError> {
            v.as_ref()
                .map(|x| self.string(x, &seg(ptr, k), k).map(str::to_owned))
                .transpose()
        };
        let pointer = |v: &Option<Value>, k: &str| -> Result<Option<String>, LoadError> {
            let v = text(v, k)?;
            if let Some(p) = &v {
                if !(p.is_empty() || p.starts_with('/')) {
                    return Err(self.err(
                        &seg(ptr, k),
                        format!("`{p}` is not a JSON pointer into the response body"),
                        format!("write `/{p}`"),
                    ));
                }
            }
            Ok(v)
        };
        let param = text(&m.param, "param")?;
        let items = match pointer(&m.items, "items")? {
            Some(i) => i,
            None => return Err(self.err(ptr, "`pagination` has no `items`", "point at the array of items in the response, e.g. `items: /data` (`\"\"` for a top-level array)")),
        };
        let (has_more, cursor, last) = (
            pointer(&m.has_more, "has_more")?,
            pointer(&m.cursor, "cursor")?,
            text(&m.cursor_from_last_item, "cursor_from_last_item")?,
        );
        let limit = text(&m.limit_param, "limit_param")?;
        let needs_param = matches!(scheme, "cursor" | "offset" | "page_number" | "page_token");
        if needs_param && param.is_none() {
            return Err(self.err(ptr, format!("`{scheme}` pagination needs `param` (the request parameter that selects the page)"), "e.g. `param: starting_after`"));
        }
        if matches!(scheme, "cursor" | "page_token") && cursor.is_none() && last.is_none() {
            return Err(self.err(ptr, format!("`{scheme}` pagination needs `cursor` (pointer to the next cursor) or `cursor_from_last_item`"), "e.g. `cursor: /next_cursor`"));
        }
        if scheme == "next_url" && cursor.is_none() {
            return Err(self.err(
                ptr,
                "`next_url` pagination needs `cursor`: a pointer to the next page's URL",
                "e.g. `cursor: /links/next`",
            ));
        }
        let start = match &m.start {
            None => None,
            Some(s) => Some(s.as_u64().ok_or_else(|| {
                self.err(
                    &seg(ptr, "start"),
                    "`start` must be a whole number",
                    "usually 0 or 1",
                )
            })?),
        };
        Ok(PageFields {
            param,
            items,
            has_more,
            cursor,
            last,
            limit,
            start,
        })
    }
}

/// Query parameters pagination implies: (name, JSON type).
/// The fields of `pagination`, checked.
struct PageFields {
    param: Option<String>,
    items: String,
    has_more: Option<String>,
    cursor: Option<String>,
    last: Option<String>,
    limit: Option<String>,
    start: Option<u64>,
}

pub(super) type PageParams = Vec<(String, &'static str)>;
