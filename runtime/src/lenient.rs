//! Lenient decoding of responses; support for generated code.
//!
//! Real payloads break their own specs: a required field is missing (Slack answers
//! `{"ok": true}`), a non-nullable field is `null`, a `format: date` field holds a date-time.
//! A generated crate decodes these instead of failing the call, and reports each one through
//! [`crate::union::deviation`] (type and spec pointer of the field, from the struct's
//! [`Schema`](crate::types::Schema) impl). Only `Deserialize` is lenient: what a client sends
//! is encoded exactly as before.
//!
//! Generated structs reach these through [`crate::types::object::slot`], unless the
//! generated crate's `strict` feature is on (then a payload that breaks its schema is a
//! decode error, as serde alone would have it). A missing or `null` required field is decoded
//! as its type's `Default` only where the type has one (`""`, `0`, `false`, an empty list or map, a struct
//! whose fields are all optional); enums, unions and structs with required fields have none,
//! so such a field still fails to decode.

use crate::union::{deviation, Deviation};

/// The default of a required field that is absent, reported.
pub(crate) fn missing<T: Default>(ty: &'static str, pointer: &'static str) -> T {
    deviation(Deviation::Missing, ty, pointer, None);
    T::default()
}

/// The default of a non-nullable field that is `null`, reported.
pub(crate) fn null<T: Default>(ty: &'static str, pointer: &'static str) -> T {
    deviation(Deviation::Null, ty, pointer, Some("null"));
    T::default()
}

/// A `format: date` string that may be a full RFC 3339 date-time (its date is kept, and
/// reported).
pub(crate) fn date<E: serde::de::Error>(
    s: &str,
    ty: &'static str,
    pointer: &'static str,
) -> Result<crate::types::Date, E> {
    if let Ok(d) = s.parse::<crate::types::Date>() {
        return Ok(d);
    }
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => {
            deviation(Deviation::DateTime, ty, pointer, Some(s));
            Ok(t.date_naive())
        }
        Err(_) => Err(E::custom(format_args!("invalid date `{s}`"))),
    }
}

#[cfg(test)]
mod tests;
