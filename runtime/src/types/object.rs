//! Decoding and encoding generated structs: one generic visitor (and one [`Encoder`]) in the
//! runtime instead of serde's derives per struct.
//!
//! A generated struct implements [`Object`]: its wire keys ([`Object::KEYS`]) and a
//! `visit` body that reads each entry of the map into a slot (`Option<T>` per field), then
//! builds the struct. The reading and finishing steps are the [`Decoder`]'s methods, so what
//! rustc type-checks per struct is one short function; the machinery (key lookup, duplicate
//! keys, missing fields, lenient decoding, undeclared keys) is checked once, here. The
//! behaviour is serde's derive with `#[serde(flatten)] extra` and the lenient attributes of
//! earlier versions: the same values decode, the same errors name the same fields.
//!
//! ```
//! use serde::Deserialize;
//! use sturdy_runtime::types::object::{self, Decoder, Key, Object};
//! use sturdy_runtime::types::{Extra, Schema};
//!
//! #[derive(Debug)]
//! struct Pet {
//!     id: i64,
//!     tag: Option<String>,
//!     extra: Extra,
//! }
//!
//! impl Schema for Pet {
//!     const NAME: &'static str = "Pet";
//!     const POINTER: &'static str = "#/components/schemas/Pet";
//! }
//!
//! impl Object for Pet {
//!     const KEYS: &'static [&'static str] = &["id", "tag"];
//!     fn visit<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
//!         let de = Decoder::<Self, _>::of(&map, false);
//!         let (mut f0, mut f1) = (None, None);
//!         let mut extra = Default::default();
//!         while let Some(key) = de.key(&mut map)? {
//!             match key {
//!                 Key::Field(0) => de.non_null(&mut map, &mut f0, 0),
//!                 Key::Field(1) => de.value(&mut map, &mut f1, 1),
//!                 key => de.extra(&mut map, &mut extra, key),
//!             }?;
//!         }
//!         Ok(Self {
//!             id: de.or_default(f0, 0)?,
//!             tag: f1.unwrap_or_default(),
//!             extra: de.undeclared(extra),
//!         })
//!     }
//! }
//!
//! impl<'de> Deserialize<'de> for Pet {
//!     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
//!         object::deserialize(d)
//!     }
//! }
//!
//! let pet: Pet = serde_json::from_str(r#"{"id": null, "tag": "x", "born": 2020}"#).unwrap();
//! assert_eq!((pet.id, pet.tag.as_deref()), (0, Some("x")));
//! assert_eq!(pet.extra.keys().collect::<Vec<_>>(), ["born"]);
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::lenient;
use crate::types::{Extra, Schema};

/// A generated struct's decoding; see the [module docs](self).
pub trait Object: Schema + Sized {
    /// The wire names of the declared fields, in field order ([`Key::Field`] indexes it).
    const KEYS: &'static [&'static str];

    /// Reads the struct from the entries of a JSON object.
    fn visit<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a generated struct: a map, read by [`Object::visit`].
pub fn deserialize<'de, T: Object, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor::<T>(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::visit(map)
    }
}

/// A key of the object being read: a declared field (its index in [`Object::KEYS`]) or
/// another key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The field at this index of [`Object::KEYS`].
    Field(usize),
    /// A key the struct does not declare.
    Other(String),
}

struct KeySeed(&'static [&'static str]);

impl KeySeed {
    fn find(&self, s: &str) -> Option<usize> {
        self.0.iter().position(|k| *k == s)
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
        Ok(match self.find(s) {
            Some(i) => Key::Field(i),
            None => Key::Other(s.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Key, E> {
        Ok(match self.find(&s) {
            Some(i) => Key::Field(i),
            None => Key::Other(s),
        })
    }

    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(b) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(b), &self)),
        }
    }
}

/// The steps of [`Object::visit`] for struct `S` whose map reports errors as `E`; `strict`
/// turns lenient decoding off (the generated crate's `strict` feature).
pub struct Decoder<S, E> {
    strict: bool,
    marker: PhantomData<fn() -> (S, E)>,
}

impl<S, E> Clone for Decoder<S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, E> Copy for Decoder<S, E> {}

impl<S: Object, E: de::Error> Decoder<S, E> {
    /// The decoder for the entries of `map`.
    pub fn of<'de, A: MapAccess<'de, Error = E>>(_map: &A, strict: bool) -> Self {
        Self {
            strict,
            marker: PhantomData,
        }
    }

    /// The next key, if any.
    pub fn key<'de, A: MapAccess<'de, Error = E>>(self, map: &mut A) -> Result<Option<Key>, E> {
        map.next_key_seed(KeySeed(S::KEYS))
    }

    /// Reads field `i` into its slot; a key met twice is an error, as with serde's derive.
    pub fn value<'de, A, T>(self, map: &mut A, slot: &mut Option<T>, i: usize) -> Result<(), E>
    where
        A: MapAccess<'de, Error = E>,
        T: Deserialize<'de>,
    {
        self.once(slot, i)?;
        *slot = Some(map.next_value()?);
        Ok(())
    }

    /// Reads a required, non-nullable field whose type has a `Default`: `null` decodes as the
    /// default and is reported (unless strict).
    pub fn non_null<'de, A, T>(self, map: &mut A, slot: &mut Option<T>, i: usize) -> Result<(), E>
    where
        A: MapAccess<'de, Error = E>,
        T: Deserialize<'de> + Default,
    {
        self.lenient(map, slot, i, NonNull::<S, T>(i, PhantomData))
    }

    /// Reads a required `format: date` field: a full date-time keeps its date and is
    /// reported (unless strict).
    pub fn date<'de, A>(
        self,
        map: &mut A,
        slot: &mut Option<super::Date>,
        i: usize,
    ) -> Result<(), E>
    where
        A: MapAccess<'de, Error = E>,
    {
        self.lenient(map, slot, i, DateSeed::<S>(i, PhantomData))
    }

    /// Reads an optional or nullable `format: date` field, as [`Decoder::date`].
    pub fn date_opt<'de, A>(
        self,
        map: &mut A,
        slot: &mut Option<Option<super::Date>>,
        i: usize,
    ) -> Result<(), E>
    where
        A: MapAccess<'de, Error = E>,
    {
        self.lenient(map, slot, i, DateOptSeed::<S>(i, PhantomData))
    }

    /// Reads field `i` through `seed` (lenient), or as [`Decoder::value`] when strict.
    fn lenient<'de, A, T, D>(
        self,
        map: &mut A,
        slot: &mut Option<T>,
        i: usize,
        seed: D,
    ) -> Result<(), E>
    where
        A: MapAccess<'de, Error = E>,
        T: Deserialize<'de>,
        D: DeserializeSeed<'de, Value = T>,
    {
        if self.strict {
            return self.value(map, slot, i);
        }
        self.once(slot, i)?;
        *slot = Some(map.next_value_seed(seed)?);
        Ok(())
    }

    /// Keeps an undeclared key (and its value) in the struct's map of additional properties.
    pub fn extra<'de, A, V>(
        self,
        map: &mut A,
        extra: &mut BTreeMap<String, V>,
        key: Key,
    ) -> Result<(), E>
    where
        A: MapAccess<'de, Error = E>,
        V: Deserialize<'de>,
    {
        match key {
            Key::Other(k) => {
                let v = map.next_value()?;
                extra.insert(k, v);
                Ok(())
            }
            Key::Field(_) => self.skip(map),
        }
    }

    /// Skips the value of a key the struct does not keep.
    pub fn skip<'de, A: MapAccess<'de, Error = E>>(self, map: &mut A) -> Result<(), E> {
        map.next_value::<de::IgnoredAny>().map(|_| ())
    }

    /// Field `i` once the map is read: its value, or, absent, what serde's derive gives
    /// (`None` for an `Option`, else a `missing field` error).
    pub fn take<'de, T: Deserialize<'de>>(self, slot: Option<T>, i: usize) -> Result<T, E> {
        match slot {
            Some(v) => Ok(v),
            None => T::deserialize(Missing::<E>(key::<S>(i), PhantomData)),
        }
    }

    /// A required field whose type has a `Default` (or is an `Option`): absent decodes as the
    /// default and is reported (unless strict: then as [`Decoder::take`]).
    pub fn or_default<'de, T: Deserialize<'de> + Default>(
        self,
        slot: Option<T>,
        i: usize,
    ) -> Result<T, E> {
        match slot {
            Some(v) => Ok(v),
            None if self.strict => self.take(None, i),
            None => Ok(lenient::missing(S::NAME, field_pointer::<S>(i))),
        }
    }

    /// The struct's [`Extra`] from the undeclared keys read; reported as drift when there
    /// are any (see [`crate::types::undeclared`]).
    pub fn undeclared(self, extra: BTreeMap<String, Value>) -> Extra {
        super::extra::report::<S>(Extra(extra))
    }

    fn once<T>(self, slot: &Option<T>, i: usize) -> Result<(), E> {
        match slot {
            Some(_) => Err(E::duplicate_field(key::<S>(i))),
            None => Ok(()),
        }
    }
}

fn key<S: Object>(i: usize) -> &'static str {
    S::KEYS.get(i).copied().unwrap_or("")
}

/// The spec pointer of field `i` of `S` (`{S::POINTER}/properties/{key}`), made once per
/// field and kept for the life of the process: drift reports hold `&'static str`s, and
/// there are only as many as the API declares fields.
fn field_pointer<S: Object>(i: usize) -> &'static str {
    static SEEN: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let key = crate::drift::pointer_segment(key::<S>(i));
    let pointer = format!("{}/properties/{key}", S::POINTER);
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(p) = seen.get(pointer.as_str()) {
        return p;
    }
    let p: &'static str = Box::leak(pointer.into_boxed_str());
    seen.insert(p);
    p
}

struct NonNull<S, T>(usize, PhantomData<fn() -> (S, T)>);

impl<'de, S: Object, T: Deserialize<'de> + Default> DeserializeSeed<'de> for NonNull<S, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        match Option::<T>::deserialize(d)? {
            Some(v) => Ok(v),
            None => Ok(lenient::null(S::NAME, field_pointer::<S>(self.0))),
        }
    }
}

struct DateSeed<S>(usize, PhantomData<fn() -> S>);

impl<'de, S: Object> DeserializeSeed<'de> for DateSeed<S> {
    type Value = super::Date;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<super::Date, D::Error> {
        let s = String::deserialize(d)?;
        lenient::date(&s, S::NAME, field_pointer::<S>(self.0))
    }
}

struct DateOptSeed<S>(usize, PhantomData<fn() -> S>);

impl<'de, S: Object> DeserializeSeed<'de> for DateOptSeed<S> {
    type Value = Option<super::Date>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<super::Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => lenient::date(&s, S::NAME, field_pointer::<S>(self.0)).map(Some),
            None => Ok(None),
        }
    }
}

/// The deserializer of a field that is not there: `None` for an `Option`, else serde's
/// `missing field` error.
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

mod encode;

pub use encode::Encoder;

#[cfg(test)]
mod tests;
