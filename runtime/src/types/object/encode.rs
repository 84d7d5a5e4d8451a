//! Encoding generated structs, and their `Debug` and `PartialEq`: a struct lends its fields
//! as a tuple of references ([`Object::refs`](super::Object::refs)), each wrapped in how it
//! is written ([`field::Req`], [`field::Opt`], [`field::Rest`]); [`serialize`] writes them as
//! a map, [`debug`] and [`eq`] as serde's and std's derives would. The per-field steps are these generic impls,
//! checked once; a struct's own code is one function without generics.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Object;
use crate::types::Extra;
use crate::Nullable;

/// How each field is written: the wrappers of [`Object::refs`](super::Object::refs).
pub mod field {
    /// A required field: always written (`null` for a `None`).
    pub struct Req<'a, T>(pub &'a T);
    /// An optional field (`Option` or `Nullable`): left out when absent.
    pub struct Opt<'a, T>(pub &'a T);
    /// The undeclared keys a struct kept (its `Extra`, or a typed map): each written as a
    /// key of the struct's map. Last; it has no key of its own.
    pub struct Rest<'a, T>(pub &'a T);
}

use field::{Opt, Req, Rest};

/// A struct's fields as [`Object::refs`](super::Object::refs) lends them: a wrapper, or a
/// tuple of at most 16 (of wrappers or of such tuples).
pub trait Fields {
    /// Writes the fields present as entries of `map`; field `*at` is `keys[*at]`.
    fn encode<M: SerializeMap>(
        &self,
        keys: &[&'static str],
        at: &mut usize,
        map: &mut M,
    ) -> Result<(), M::Error>;
    /// Adds every field to `d`, as `#[derive(Debug)]` does; field `*at` is `names[*at]`.
    fn debug(&self, names: &[&'static str], at: &mut usize, d: &mut fmt::DebugStruct<'_, '_>);
    /// Whether every field equals `other`'s, in order, as `#[derive(PartialEq)]` compares.
    fn same(&self, other: &Self) -> bool;
}

/// Whether an optional field is absent (left out when encoded).
pub trait Absent {
    /// `None`, or [`Nullable::Absent`].
    fn is_absent(&self) -> bool;
}

impl<T> Absent for Option<T> {
    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl<T> Absent for Nullable<T> {
    fn is_absent(&self) -> bool {
        Nullable::is_absent(self)
    }
}

fn name(names: &[&'static str], at: &mut usize) -> &'static str {
    let n = names.get(*at).copied().unwrap_or("");
    *at += 1;
    n
}

impl<T: Serialize + fmt::Debug + PartialEq> Fields for Req<'_, T> {
    fn encode<M: SerializeMap>(
        &self,
        keys: &[&'static str],
        at: &mut usize,
        map: &mut M,
    ) -> Result<(), M::Error> {
        map.serialize_entry(name(keys, at), self.0)
    }
    fn debug(&self, names: &[&'static str], at: &mut usize, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field(name(names, at), self.0);
    }
    fn same(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Serialize + Absent + fmt::Debug + PartialEq> Fields for Opt<'_, T> {
    fn encode<M: SerializeMap>(
        &self,
        keys: &[&'static str],
        at: &mut usize,
        map: &mut M,
    ) -> Result<(), M::Error> {
        if self.0.is_absent() {
            *at += 1;
            return Ok(());
        }
        Req(self.0).encode(keys, at, map)
    }
    fn debug(&self, names: &[&'static str], at: &mut usize, d: &mut fmt::DebugStruct<'_, '_>) {
        Req(self.0).debug(names, at, d);
    }
    fn same(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// Undeclared keys a struct keeps: its [`Extra`], or a map of a declared value type.
pub trait Kept: fmt::Debug + PartialEq {
    /// Writes every entry into the struct's map.
    fn encode<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

impl Kept for Extra {
    fn encode<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        self.0.encode(map)
    }
}

impl<V: Serialize + fmt::Debug + PartialEq> Kept for BTreeMap<String, V> {
    fn encode<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        self.iter().try_for_each(|(k, v)| map.serialize_entry(k, v))
    }
}

impl<T: Kept> Fields for Rest<'_, T> {
    fn encode<M: SerializeMap>(
        &self,
        _keys: &[&'static str],
        _at: &mut usize,
        map: &mut M,
    ) -> Result<(), M::Error> {
        self.0.encode(map)
    }
    /// The kept keys as the field `extra` (an [`Extra`] lists its keys only).
    fn debug(&self, _: &[&'static str], _: &mut usize, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("extra", self.0);
    }
    fn same(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// No field.
impl Fields for () {
    fn encode<M: SerializeMap>(
        &self,
        _: &[&'static str],
        _: &mut usize,
        _: &mut M,
    ) -> Result<(), M::Error> {
        Ok(())
    }
    fn debug(&self, _: &[&'static str], _: &mut usize, _: &mut fmt::DebugStruct<'_, '_>) {}
    fn same(&self, _: &Self) -> bool {
        true
    }
}

macro_rules! tuple_fields {
    ($($t:ident $n:tt)+) => {
        impl<$($t: Fields),+> Fields for ($($t,)+) {
            fn encode<M: SerializeMap>(
                &self,
                keys: &[&'static str],
                at: &mut usize,
                map: &mut M,
            ) -> Result<(), M::Error> {
                $(self.$n.encode(keys, at, map)?;)+
                Ok(())
            }
            fn debug(
                &self,
                names: &[&'static str],
                at: &mut usize,
                d: &mut fmt::DebugStruct<'_, '_>,
            ) {
                $(self.$n.debug(names, at, d);)+
            }
            fn same(&self, other: &Self) -> bool {
                $(self.$n.same(&other.$n))&&+
            }
        }
    };
}

for_each_tuple!(tuple_fields);

/// `Serialize` for an [`Object`]: a map of its fields present, then its kept undeclared
/// keys.
pub fn serialize<T: Object, S: Serializer>(t: &T, s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(None)?;
    t.refs().encode(T::KEYS, &mut 0, &mut map)?;
    map.end()
}

/// `PartialEq` for an [`Object`], as `#[derive(PartialEq)]` compares: field by field, in
/// order, then the kept undeclared keys.
pub fn eq<T: Object>(a: &T, b: &T) -> bool {
    a.refs().same(&b.refs())
}

/// `Debug` for an [`Object`], as `#[derive(Debug)]` writes it: `Name { field: value, .. }`,
/// every field (absent ones too) by its Rust name, then `extra`.
pub fn debug<T: Object>(t: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut d = f.debug_struct(T::NAME);
    t.refs().debug(T::NAMES, &mut 0, &mut d);
    d.finish()
}
