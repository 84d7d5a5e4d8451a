//! Encoding generated structs: [`Encoder`].

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::Nullable;

/// Writes one struct as a map: its declared fields by index into its keys, then its
/// undeclared keys; the counterpart of the decoder, one generic step per field instead of
/// serde's `Serialize` derive.
///
/// The first error is kept and the remaining fields are skipped, so a generated
/// `Serialize::serialize` is a straight list of calls with no branch or `?` per field:
///
/// ```
/// use serde::Serialize;
/// use sturdy_runtime::types::object::Encoder;
///
/// struct Pet {
///     id: i64,
///     tag: Option<String>,
/// }
///
/// impl Serialize for Pet {
///     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
///         let mut e = Encoder::new(s, &["id", "tag"])?;
///         e.field(0, &self.id);
///         e.optional(1, &self.tag);
///         e.end()
///     }
/// }
///
/// let pet = Pet { id: 7, tag: None };
/// assert_eq!(serde_json::to_string(&pet).unwrap(), r#"{"id":7}"#);
/// ```
pub struct Encoder<M: SerializeMap> {
    map: M,
    keys: &'static [&'static str],
    error: Option<M::Error>,
}

impl<M: SerializeMap> Encoder<M> {
    /// Starts the map of a struct whose wire keys are `keys`.
    pub fn new<S>(s: S, keys: &'static [&'static str]) -> Result<Self, S::Error>
    where
        S: Serializer<SerializeMap = M, Error = M::Error>,
    {
        Ok(Self {
            map: s.serialize_map(None)?,
            keys,
            error: None,
        })
    }

    /// Writes field `i` (a required field: always written, `null` for a `None`).
    pub fn field<T: Serialize + ?Sized>(&mut self, i: usize, value: &T) {
        if self.error.is_none() {
            let key = self.keys.get(i).copied().unwrap_or("");
            if let Err(e) = self.map.serialize_entry(key, value) {
                self.error = Some(e);
            }
        }
    }

    /// Writes optional field `i` unless it is `None`.
    pub fn optional<T: Serialize>(&mut self, i: usize, value: &Option<T>) {
        if let Some(v) = value {
            self.field(i, v);
        }
    }

    /// Writes optional, nullable field `i` unless it is absent (`null` when null).
    pub fn nullable<T: Serialize>(&mut self, i: usize, value: &Nullable<T>) {
        if !value.is_absent() {
            self.field(i, value);
        }
    }

    /// Writes the undeclared keys a struct kept (its [`Extra`](crate::types::Extra), which
    /// derefs to such a map, or a typed map).
    pub fn extra<V: Serialize>(&mut self, extra: &BTreeMap<String, V>) {
        for (k, v) in extra {
            if self.error.is_some() {
                return;
            }
            if let Err(e) = self.map.serialize_entry(k, v) {
                self.error = Some(e);
            }
        }
    }

    /// Ends the map; the first error met, if any.
    pub fn end(self) -> Result<M::Ok, M::Error> {
        match self.error {
            Some(e) => Err(e),
            None => self.map.end(),
        }
    }
}
