//! Lenient decoding of responses; support for generated code.
//!
//! Real payloads break their own specs: a required field is missing (Slack answers
//! `{"ok": true}`), a non-nullable field is `null`, a `format: date` field holds a date-time.
//! A generated crate decodes these instead of failing the call, and reports each one through
//! [`crate::union::deviation`] (type and spec pointer of the field, from the struct's
//! [`Schema`] impl). Only `Deserialize` is
//! lenient: what a client sends is encoded exactly as before.
//!
//! Generated structs name these functions in serde attributes, unless the generated crate's
//! `strict` feature is on (then a payload that breaks its schema is a decode error, as serde
//! alone would have it). A missing or `null` required field is decoded as its type's
//! `Default` only where the type has one (`""`, `0`, `false`, an empty list or map, a struct
//! whose fields are all optional); enums, unions and structs with required fields have none,
//! so such a field still fails to decode.

use serde::{Deserialize, Deserializer};

use crate::types::Schema;
use crate::union::{deviation, Deviation};

/// The spec pointer of lenient field `I` of `S` ([`Schema::FIELDS`]).
fn pointer<S: Schema, const I: usize>() -> &'static str {
    S::FIELDS.get(I).copied().unwrap_or("")
}

/// The default of a required field that is absent (`#[serde(default = ...)]`).
pub fn missing<T: Default, S: Schema, const I: usize>() -> T {
    deviation(Deviation::Missing, S::NAME, pointer::<S, I>(), None);
    T::default()
}

/// A non-nullable field: `null` becomes the type's default (`#[serde(deserialize_with = ...)]`).
pub fn non_null<'de, D, T, S, const I: usize>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
    S: Schema,
{
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(v),
        None => {
            deviation(Deviation::Null, S::NAME, pointer::<S, I>(), Some("null"));
            Ok(T::default())
        }
    }
}

/// A `format: date` string that may be a full RFC 3339 date-time (its date is kept).
fn date<S: Schema, const I: usize, E: serde::de::Error>(s: &str) -> Result<crate::types::Date, E> {
    if let Ok(d) = s.parse::<crate::types::Date>() {
        return Ok(d);
    }
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => {
            deviation(Deviation::DateTime, S::NAME, pointer::<S, I>(), Some(s));
            Ok(t.date_naive())
        }
        Err(_) => Err(E::custom(format_args!("invalid date `{s}`"))),
    }
}

/// A required `format: date` field (`#[serde(deserialize_with = ...)]`).
pub fn date_time_as_date<'de, D, S, const I: usize>(d: D) -> Result<crate::types::Date, D::Error>
where
    D: Deserializer<'de>,
    S: Schema,
{
    let s = String::deserialize(d)?;
    date::<S, I, D::Error>(&s)
}

/// An optional or nullable `format: date` field (`#[serde(deserialize_with = ...)]`).
pub fn date_time_as_date_opt<'de, D, S, const I: usize>(
    d: D,
) -> Result<Option<crate::types::Date>, D::Error>
where
    D: Deserializer<'de>,
    S: Schema,
{
    match Option::<String>::deserialize(d)? {
        Some(s) => date::<S, I, D::Error>(&s).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
