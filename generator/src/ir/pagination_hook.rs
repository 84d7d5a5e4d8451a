//! Where operations ask for pagination: detection, then the item type.

use openapiv3::{ReferenceOr, Schema};

use crate::ir::operations::Ctx;
use crate::ir::{Pagination, ParamLocation, TypeRef};

/// Detects the pagination of a GET operation and types its items.
pub(crate) fn detect(
    cx: &mut Ctx<'_, '_>,
    op: &openapiv3::Operation,
    pointer: &str,
    params: &[(String, ParamLocation)],
    success: Option<&ReferenceOr<Schema>>,
    success_headers: &[String],
    type_prefix: &str,
) -> Option<Pagination> {
    let found =
        crate::ir::pagination::detect(cx.doc, op, pointer, params, success, success_headers)?;
    let item_ty = match &found.item_schema {
        Some(s) => cx.space.type_of(
            s,
            &format!("{type_prefix}Item"),
            &format!("{pointer}/pagination/items"),
        ),
        None => TypeRef::Json,
    };
    Some(Pagination {
        scheme: found.scheme,
        items: found.items,
        item_ty,
        source: found.source,
    })
}
