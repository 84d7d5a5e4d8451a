//! Lenient decoding of struct fields (see `sturdy_runtime::lenient`): how each field of a
//! generated struct is read (its slot in `sturdy_runtime::types::object::slot`) and finished
//! (a `Context` step in its `Object::finish`), so a response that breaks its schema in the
//! common ways decodes without failing the call. The generated crate's `strict` feature
//! turns the leniency off at run time (the `Object::STRICT` the decoder reads), giving back
//! what plain serde did. Only decoding changes; requests are
//! encoded as before.
//!
//! - a required, non-nullable field whose type has a `Default` (see [`has_default`]): absent
//!   or `null` decodes as the default;
//! - a required, nullable field: absent decodes as `None`;
//! - a `format: date` field: a full date-time decodes as its date (not for optional nullable
//!   fields, which are `sturdy_runtime::Nullable`).
//!
//! Each is reported with the struct's name and the field's spec pointer
//! (`{the struct's pointer}/properties/{key}`).

use std::collections::BTreeMap;

use crate::ir::{Field, Prim, TypeDef, TypeKind, TypeRef};

/// How a field's value is read from the map (its `slot` type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    /// `slot::Plain`: the type's own `Deserialize`.
    Value,
    /// `slot::NonNull`: `null` decodes as the default.
    NonNull,
    /// `slot::Date`: a date-time keeps its date.
    Date,
    /// `slot::DateOpt`: the same, for an `Option<Date>`.
    DateOpt,
}

/// What a field is once the map is read, if its key was not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Finish {
    /// `optional`: an optional field, absent is `None`/`Absent` (no report).
    Optional,
    /// `take`: serde's rule (an error, or `None` for an `Option`).
    Take,
    /// `or_default`: the default, reported (unless strict).
    OrDefault,
}

/// How field `f` decodes: [`Read`] and [`Finish`].
pub(super) fn field_decode(f: &Field, types: &BTreeMap<String, TypeDef>) -> (Read, Finish) {
    let date = matches!(f.ty, TypeRef::Prim(Prim::Date));
    if !f.required {
        // Optional and nullable: a three-state `Nullable`, whose absent and `null` are both
        // valid already.
        let read = if date && !f.nullable {
            Read::DateOpt
        } else {
            Read::Value
        };
        return (read, Finish::Optional);
    }
    if f.nullable {
        let read = if date { Read::DateOpt } else { Read::Value };
        return (read, Finish::OrDefault);
    }
    if date {
        return (Read::Date, Finish::Take);
    }
    if has_default(&f.ty, types, 0) {
        return (Read::NonNull, Finish::OrDefault);
    }
    (Read::Value, Finish::Take)
}

/// Whether the Rust type of `t` has a `Default` that stands for "nothing": `""`, `0`,
/// `false`, an empty list or map, or a struct whose fields are all optional (emit derives
/// `Default` for exactly those). Enums, unions, dates, ids and JSON values have none.
pub(super) fn has_default(t: &TypeRef, types: &BTreeMap<String, TypeDef>, depth: usize) -> bool {
    match t {
        TypeRef::Prim(p) => matches!(
            p,
            Prim::String | Prim::Bool | Prim::I32 | Prim::I64 | Prim::U64 | Prim::F32 | Prim::F64
        ),
        TypeRef::Vec(_) | TypeRef::Map(_) => true,
        TypeRef::Boxed(inner) => has_default(inner, types, depth),
        TypeRef::Named(n) if depth < 16 => match types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Alias(inner)) => has_default(inner, types, depth + 1),
            Some(TypeKind::Struct(s)) => super::derives_default(s),
            _ => false,
        },
        TypeRef::Named(_) | TypeRef::Json | TypeRef::Unit | TypeRef::Expandable(_) => false,
    }
}

#[cfg(test)]
mod tests;
