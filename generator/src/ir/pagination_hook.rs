//! Where operations ask for pagination: detection, then the item type.

use openapiv3::{ReferenceOr, Schema};

use crate::ir::operations::Ctx;
use crate::ir::{Pagination, ParamLocation};

/// Detects the pagination of a GET operation and types its items.
pub(crate) fn detect(
    _cx: &mut Ctx<'_, '_>,
    _op: &openapiv3::Operation,
    _pointer: &str,
    _params: &[(String, ParamLocation)],
    _success: Option<&ReferenceOr<Schema>>,
    _success_headers: &[String],
    _type_prefix: &str,
) -> Option<Pagination> {
    None
}
