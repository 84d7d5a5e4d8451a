//! Where a struct's fields are read to before the struct is built: a [`Slot`] per field (the
//! value, once read, and how it is read: [`Plain`], [`NonNull`], [`Date`], [`DateOpt`]),
//! grouped in tuples ([`Slots`]), and what undeclared keys become ([`Rest`]).
//!
//! A generated struct names its slots as a type (`type Slots = (Plain<i64>, NonNull<String>)`)
//! rather than reading them in code of its own: the reading is these impls, checked once.
//! A tuple holds at most 16 slots; a struct with more fields nests them
//! (`((Plain<i64>, ..16), (..))`): field `i` is the `i`-th leaf, left to right.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess};
use serde::Deserialize;

use super::Context;
use crate::lenient;

/// The value of one field once read (`None` until its key is met), read the way `K` says.
pub struct Slot<T, K>(Option<T>, PhantomData<fn() -> K>);

impl<T, K> Default for Slot<T, K> {
    fn default() -> Self {
        Self(None, PhantomData)
    }
}

impl<T, K> Slot<T, K> {
    /// The value read, if the key was met.
    pub fn into_inner(self) -> Option<T> {
        self.0
    }

    /// Refuses a key met twice (serde's `duplicate field` error).
    fn once<E: de::Error>(&self, cx: &Context, at: usize) -> Result<(), E> {
        match self.0 {
            Some(_) => Err(E::duplicate_field(cx.key(at))),
            None => Ok(()),
        }
    }
}

/// How a slot is read (the `K` of [`Slot`]).
pub mod kind {
    /// The type's own `Deserialize`.
    pub enum Plain {}
    /// `null` decodes as the default, reported (unless strict).
    pub enum NonNull {}
    /// A date; a full date-time keeps its date, reported (unless strict).
    pub enum Date {}
}

/// A field read by its type's own `Deserialize`.
pub type Plain<T> = Slot<T, kind::Plain>;
/// A required, non-nullable field with a default: `null` decodes as the default.
pub type NonNull<T> = Slot<T, kind::NonNull>;
/// A required `format: date` field: a date-time decodes as its date.
pub type Date = Slot<crate::types::Date, kind::Date>;
/// An optional or nullable `format: date` field: the same, for an `Option<Date>`.
pub type DateOpt = Slot<Option<crate::types::Date>, kind::Date>;

/// A struct's slots: one [`Slot`], or a tuple of at most 16 of them (or of such tuples).
pub trait Slots: Sized {
    /// How many fields (leaves).
    const LEN: usize;
    /// Every slot empty.
    fn empty() -> Self;
    /// Reads the map's next value into field `i` (of these slots); `at` is the field's
    /// index in the struct, for errors and drift pointers.
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        i: usize,
        at: usize,
        map: &mut A,
        cx: &Context,
    ) -> Result<(), A::Error>;
}

/// How a slot of kind `K` reads a `T` when decoding leniently (strictly, every kind reads
/// with the type's own `Deserialize`).
pub trait Read<T> {
    /// Reads the map's next value, by the lenient rule of this kind.
    fn lenient<'de, A: MapAccess<'de>>(map: &mut A, cx: &Context, at: usize)
        -> Result<T, A::Error>;
}

impl<T: DeserializeOwned> Read<T> for kind::Plain {
    fn lenient<'de, A: MapAccess<'de>>(map: &mut A, _: &Context, _: usize) -> Result<T, A::Error> {
        map.next_value()
    }
}

impl<T: DeserializeOwned + Default> Read<T> for kind::NonNull {
    fn lenient<'de, A: MapAccess<'de>>(
        map: &mut A,
        cx: &Context,
        at: usize,
    ) -> Result<T, A::Error> {
        map.next_value_seed(NonNullSeed::<T>(cx, at, PhantomData))
    }
}

impl Read<crate::types::Date> for kind::Date {
    fn lenient<'de, A: MapAccess<'de>>(
        map: &mut A,
        cx: &Context,
        at: usize,
    ) -> Result<crate::types::Date, A::Error> {
        map.next_value_seed(DateSeed(cx, at))
    }
}

impl Read<Option<crate::types::Date>> for kind::Date {
    fn lenient<'de, A: MapAccess<'de>>(
        map: &mut A,
        cx: &Context,
        at: usize,
    ) -> Result<Option<crate::types::Date>, A::Error> {
        map.next_value_seed(DateOptSeed(cx, at))
    }
}

impl<T: DeserializeOwned, K: Read<T>> Slots for Slot<T, K> {
    const LEN: usize = 1;
    fn empty() -> Self {
        Self::default()
    }
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        _i: usize,
        at: usize,
        map: &mut A,
        cx: &Context,
    ) -> Result<(), A::Error> {
        self.once(cx, at)?;
        self.0 = Some(if cx.strict() {
            map.next_value()?
        } else {
            K::lenient(map, cx, at)?
        });
        Ok(())
    }
}

/// No field.
impl Slots for () {
    const LEN: usize = 0;
    fn empty() -> Self {}
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        _i: usize,
        _at: usize,
        map: &mut A,
        _cx: &Context,
    ) -> Result<(), A::Error> {
        map.next_value::<IgnoredAny>().map(|_| ())
    }
}

macro_rules! tuple_slots {
    ($($t:ident $n:tt)+) => {
        impl<$($t: Slots),+> Slots for ($($t,)+) {
            const LEN: usize = 0 $(+ $t::LEN)+;
            fn empty() -> Self {
                ($($t::empty(),)+)
            }
            fn read<'de, M: MapAccess<'de>>(
                &mut self,
                i: usize,
                at: usize,
                map: &mut M,
                cx: &Context,
            ) -> Result<(), M::Error> {
                if i >= Self::LEN {
                    return map.next_value::<IgnoredAny>().map(|_| ());
                }
                let lens = [$($t::LEN),+];
                let width = lens[0];
                // The emitter's shape: every element as wide as the first but the last, which
                // is no wider; field `i` is then in element `i / width` (a jump, not a
                // comparison per element). The lengths are constants, so only one branch is
                // compiled.
                let regular = width > 0
                    && lens[..lens.len() - 1].iter().all(|&l| l == width)
                    && lens[lens.len() - 1] <= width;
                if regular {
                    let rest = i % width;
                    return match i / width {
                        $($n => self.$n.read(rest, at, map, cx),)+
                        _ => map.next_value::<IgnoredAny>().map(|_| ()),
                    };
                }
                let mut i = i;
                $(
                    if i < $t::LEN {
                        return self.$n.read(i, at, map, cx);
                    }
                    i -= $t::LEN;
                )+
                let _ = i;
                map.next_value::<IgnoredAny>().map(|_| ())
            }
        }
    };
}

for_each_tuple!(tuple_slots);

/// What a struct keeps of the keys it does not declare.
pub trait Rest: Default {
    /// Reads the value of undeclared key `key`.
    fn read<'de, A: MapAccess<'de>>(&mut self, key: String, map: &mut A) -> Result<(), A::Error>;
}

/// Nothing: the schema allows no other key (`additionalProperties: false`); values of
/// undeclared keys are skipped.
#[derive(Debug, Default, Clone, Copy)]
pub struct Skip;

impl Rest for Skip {
    fn read<'de, A: MapAccess<'de>>(&mut self, _key: String, map: &mut A) -> Result<(), A::Error> {
        map.next_value::<IgnoredAny>().map(|_| ())
    }
}

/// Every undeclared key, with its value decoded as `V` (JSON values for an
/// [`Extra`](crate::types::Extra)).
impl<V: DeserializeOwned> Rest for BTreeMap<String, V> {
    fn read<'de, A: MapAccess<'de>>(&mut self, key: String, map: &mut A) -> Result<(), A::Error> {
        let v = map.next_value()?;
        self.insert(key, v);
        Ok(())
    }
}

struct NonNullSeed<'a, T>(&'a Context, usize, PhantomData<fn() -> T>);

impl<'de, T: Deserialize<'de> + Default> DeserializeSeed<'de> for NonNullSeed<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        match Option::<T>::deserialize(d)? {
            Some(v) => Ok(v),
            None => Ok(lenient::null(self.0.name(), self.0.field_pointer(self.1))),
        }
    }
}

struct DateSeed<'a>(&'a Context, usize);

impl<'de> DeserializeSeed<'de> for DateSeed<'_> {
    type Value = crate::types::Date;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let s = String::deserialize(d)?;
        lenient::date(&s, self.0.name(), self.0.field_pointer(self.1))
    }
}

struct DateOptSeed<'a>(&'a Context, usize);

impl<'de> DeserializeSeed<'de> for DateOptSeed<'_> {
    type Value = Option<crate::types::Date>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => lenient::date(&s, self.0.name(), self.0.field_pointer(self.1)).map(Some),
            None => Ok(None),
        }
    }
}
