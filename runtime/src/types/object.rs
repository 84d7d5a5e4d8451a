//! Decoding and encoding generated structs: one generic visitor (and one generic encoder,
//! [`serialize`], and [`debug`]) in the runtime instead of serde's and std's derives per
//! struct.
//!
//! A generated struct implements [`Object`]: its wire keys ([`Object::KEYS`]), the type of
//! its [`Slots`] (one [`Slot`] per field, nested in tuples of at most 16), what it keeps of
//! undeclared keys ([`Object::Rest`]), and [`Object::finish`], which builds the struct from
//! the slots once the map is read. The loop over the map (key lookup, duplicate keys,
//! lenient reading, undeclared keys) is generic code here, checked by rustc once; what it
//! checks per struct is a type and one short function without generics. The behaviour is
//! serde's derive with `#[serde(flatten)] extra` and the lenient attributes of earlier
//! versions: the same values decode, the same errors name the same fields.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use sturdy_runtime::types::object::{self, field, slot, Context, Object};
//! use sturdy_runtime::types::{Extra, Schema};
//!
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
//!     const STRICT: bool = false;
//!     type Slots = (slot::NonNull<i64>, slot::Plain<Option<String>>);
//!     type Rest = object::Undeclared;
//!     fn finish(s: Self::Slots, extra: Self::Rest, f: &Context) -> Result<Self, object::Error> {
//!         let (f0, f1) = s;
//!         Ok(Self {
//!             id: f.or_default(f0, 0)?,
//!             tag: f.optional(f1),
//!             extra: f.undeclared(extra),
//!         })
//!     }
//!     const NAMES: &'static [&'static str] = Self::KEYS;
//!     type Refs<'a> = (field::Req<'a, i64>, field::Opt<'a, Option<String>>, field::Rest<'a, Extra>);
//!     fn refs(&self) -> Self::Refs<'_> {
//!         (field::Req(&self.id), field::Opt(&self.tag), field::Rest(&self.extra))
//!     }
//! }
//!
//! impl<'de> Deserialize<'de> for Pet {
//!     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
//!         object::deserialize(d)
//!     }
//! }
//!
//! impl Serialize for Pet {
//!     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
//!         object::serialize(self, s)
//!     }
//! }
//!
//! impl PartialEq for Pet {
//!     fn eq(&self, other: &Self) -> bool {
//!         object::eq(self, other)
//!     }
//! }
//!
//! impl std::fmt::Debug for Pet {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         object::debug(self, f)
//!     }
//! }
//!
//! let pet: Pet = serde_json::from_str(r#"{"id": null, "tag": "x", "born": 2020}"#).unwrap();
//! assert_eq!((pet.id, pet.tag.as_deref()), (0, Some("x")));
//! assert_eq!(pet.extra.keys().collect::<Vec<_>>(), ["born"]);
//! assert_eq!(serde_json::to_string(&pet).unwrap(), r#"{"id":0,"tag":"x","born":2020}"#);
//! assert_eq!(format!("{pet:?}"), r#"Pet { id: 0, tag: Some("x"), extra: {"born"} }"#);
//! let same: Pet = serde_json::from_str(r#"{"id": 0, "tag": "x", "born": 2020}"#).unwrap();
//! assert_eq!(pet, same);
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::lenient;
use crate::types::{Extra, Schema};

/// Calls macro `$m` once per tuple size the slots and lent fields come in (1 to 16), with
/// a type parameter name and a field index per element (`SA 0 SB 1 ..`).
macro_rules! for_each_tuple {
    ($m:ident) => {
        $m!(SA 0);
        $m!(SA 0 SB 1);
        $m!(SA 0 SB 1 SC 2);
        $m!(SA 0 SB 1 SC 2 SD 3);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9 SK 10);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9 SK 10 SL 11);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9 SK 10 SL 11 SM 12);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9 SK 10 SL 11 SM 12 SN 13);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9 SK 10 SL 11 SM 12 SN 13 SO 14);
        $m!(SA 0 SB 1 SC 2 SD 3 SE 4 SF 5 SG 6 SH 7 SI 8 SJ 9 SK 10 SL 11 SM 12 SN 13 SO 14 SP 15);
    };
}

pub mod slot;

pub use slot::{Rest, Skip, Slot, Slots};

/// Undeclared keys kept as JSON values, for an [`Extra`] (see [`Context::undeclared`]).
pub type Undeclared = BTreeMap<String, Value>;

/// A struct decoded by [`deserialize`].
pub trait Object: Schema + Sized {
    /// The wire names of the fields, in declaration order: field `i` is `KEYS[i]`.
    const KEYS: &'static [&'static str];
    /// Whether a payload that breaks the schema is an error instead of a lenient decode
    /// reported as drift (a generated crate's `strict` feature).
    const STRICT: bool;
    /// One slot per field, in [`Object::KEYS`] order: a [`Slot`], or a tuple of at most 16
    /// (of slots or of such tuples, for more fields).
    type Slots: Slots;
    /// What undeclared keys become: [`Skip`] (none kept), [`Undeclared`] (an [`Extra`]), or
    /// a map of a declared value type.
    type Rest: Rest;
    /// The struct from its slots and undeclared keys, once the map is read; `f` knows the
    /// struct's keys and mode ([`Context::take`], [`Context::or_default`], ...).
    fn finish(slots: Self::Slots, rest: Self::Rest, f: &Context) -> Result<Self, Error>;
    /// The Rust names of the fields, in [`Object::KEYS`] order (for `Debug`).
    const NAMES: &'static [&'static str];
    /// The fields lent for encoding, `Debug` and `PartialEq`, in [`Object::KEYS`] order, each wrapped in
    /// how it is written ([`field::Req`], [`field::Opt`]), then the kept undeclared keys
    /// ([`field::Rest`]); nested in tuples of at most 16 like [`Object::Slots`].
    type Refs<'a>: Fields
    where
        Self: 'a;
    /// The fields, lent (see [`Object::Refs`]).
    fn refs(&self) -> Self::Refs<'_>;
}

/// `Deserialize` for an [`Object`]: a map, each key read into its slot or its rest.
pub fn deserialize<'de, T: Object, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor::<T>(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let cx = Context::of::<T>();
        let mut slots = T::Slots::empty();
        let mut rest = T::Rest::default();
        // Where the next key is looked for first: after the last one found, since payloads
        // mostly list their keys in the schema's order.
        let mut next = 0;
        while let Some(key) = map.next_key_seed(KeySeed(T::KEYS, next))? {
            match key {
                Key::Field(i) => {
                    next = i + 1;
                    slots.read(i, i, &mut map, &cx)?
                }
                Key::Other(k) => rest.read(k, &mut map)?,
            }
        }
        T::finish(slots, rest, &cx).map_err(Error::into_de)
    }
}

/// A key of the map: field `i` of [`Object::KEYS`], or an undeclared one.
enum Key {
    Field(usize),
    Other(String),
}

/// Finds a key among the wire keys, from index `.1` on, then from the start.
struct KeySeed(&'static [&'static str], usize);

impl KeySeed {
    fn find(&self, s: &str) -> Option<usize> {
        let start = self.1.min(self.0.len());
        let (before, after) = self.0.split_at(start);
        after
            .iter()
            .position(|k| *k == s)
            .map(|i| start + i)
            .or_else(|| before.iter().position(|k| *k == s))
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

/// What reading and finishing a struct's fields need to know of it: its name and pointer
/// (drift reports), its keys (errors) and its mode.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    name: &'static str,
    pointer: &'static str,
    keys: &'static [&'static str],
    strict: bool,
}

impl Context {
    /// The context of struct `S`.
    pub fn of<S: Object>() -> Self {
        Self {
            name: S::NAME,
            pointer: S::POINTER,
            keys: S::KEYS,
            strict: S::STRICT,
        }
    }

    /// Whether the struct decodes strictly.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// The wire name of field `i`.
    pub fn key(&self, i: usize) -> &'static str {
        self.keys.get(i).copied().unwrap_or("")
    }

    /// The spec pointer of field `i` (`{POINTER}/properties/{key}`), made once per field and
    /// kept for the life of the process: drift reports hold `&'static str`s, and there are
    /// only as many as the API declares fields.
    pub(crate) fn field_pointer(&self, i: usize) -> &'static str {
        static SEEN: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
        let key = crate::drift::pointer_segment(self.key(i));
        let pointer = format!("{}/properties/{key}", self.pointer);
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

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// A required field: its value, else serde's rule for a missing field (`None` for an
    /// `Option`, else a `missing field` error).
    pub fn take<T: DeserializeOwned, K>(&self, slot: Slot<T, K>, i: usize) -> Result<T, Error> {
        match slot.into_inner() {
            Some(v) => Ok(v),
            None => T::deserialize(Missing(self.key(i))),
        }
    }

    /// A required field whose type has a default: absent decodes as the default, reported
    /// as drift (strict: [`Context::take`]).
    pub fn or_default<T: DeserializeOwned + Default, K>(
        &self,
        slot: Slot<T, K>,
        i: usize,
    ) -> Result<T, Error> {
        match slot.into_inner() {
            Some(v) => Ok(v),
            None if self.strict => T::deserialize(Missing(self.key(i))),
            None => Ok(lenient::missing(self.name, self.field_pointer(i))),
        }
    }

    /// An optional field: absent is the type's default (`None`, `Nullable::Absent`).
    pub fn optional<T: Default, K>(&self, slot: Slot<T, K>) -> T {
        slot.into_inner().unwrap_or_default()
    }

    /// The struct's [`Extra`] from the undeclared keys read; reported as drift when there
    /// are any (see [`crate::types::undeclared`]).
    pub fn undeclared(&self, extra: Undeclared) -> Extra {
        super::extra::report_named(self.name, self.pointer, Extra(extra))
    }
}

/// Why [`Object::finish`] failed: a required field is missing, or its type's own rule for
/// "missing" failed. Becomes the deserializer's error (`missing field `...``).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(ErrorKind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    Missing(&'static str),
    Custom(String),
}

impl Error {
    fn into_de<E: de::Error>(self) -> E {
        match self.0 {
            ErrorKind::Missing(key) => E::missing_field(key),
            ErrorKind::Custom(msg) => E::custom(msg),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ErrorKind::Missing(key) => write!(f, "missing field `{key}`"),
            ErrorKind::Custom(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Self(ErrorKind::Custom(msg.to_string()))
    }

    fn missing_field(field: &'static str) -> Self {
        Self(ErrorKind::Missing(field))
    }
}

/// The deserializer of a field that is not there: `None` for an `Option`, else serde's
/// `missing field` error.
struct Missing(&'static str);

impl<'de> Deserializer<'de> for Missing {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

mod encode;

pub use encode::{debug, eq, field, serialize, Absent, Fields, Kept};

#[cfg(test)]
mod tests;
