//! The forms a model value takes: [`Shape`] (a mapping or list read into its type, or the
//! value as written when it has another form), [`Ext`] (a mapping with its `x-…` keys set
//! aside) and [`present`] (a key written with no value is there, as `null`).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::Value;

/// A mapping (or, for a list type, a list) read as `T`, or the value as written when it has
/// another form: the short form of an entry, or a shape the converter of its concern reports
/// ("must be a mapping, found a list"). A wrong form never fails the read.
pub(in crate::load::snapshot) enum Shape<T> {
    /// The value had `T`'s form and was read into it.
    Read(T),
    /// The value as written.
    Other(Value),
}

/// Whether a type is read from a mapping or from a list.
pub(in crate::load::snapshot) trait Form {
    /// `true` for a list.
    const LIST: bool = false;
}

impl<T> Form for Vec<T> {
    const LIST: bool = true;
}

impl<K, V, S> Form for indexmap::IndexMap<K, V, S> {}

impl<T> Form for Ext<T> {}

impl<'de, T: Deserialize<'de> + Form> Deserialize<'de> for Shape<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor(PhantomData))
    }
}

struct ShapeVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Form> Visitor<'de> for ShapeVisitor<T> {
    type Value = Shape<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if T::LIST {
            let mut m = serde_json::Map::new();
            let mut map = map;
            while let Some((k, v)) = map.next_entry::<String, Value>()? {
                m.insert(k, v);
            }
            return Ok(Shape::Other(Value::Object(m)));
        }
        T::deserialize(MapAccessDeserializer::new(map)).map(Shape::Read)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if T::LIST {
            return T::deserialize(SeqAccessDeserializer::new(seq)).map(Shape::Read);
        }
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok(Shape::Other(Value::Array(items)))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::Bool(b)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::from(n)))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::from(n)))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::from(n)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::String(s.to_owned())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Shape::Other(Value::Null))
    }
}

/// A mapping of the format read as `T`, with its extension keys (`x-…`, allowed at every
/// level) set aside in the order written.
pub(in crate::load::snapshot) struct Ext<T> {
    /// The format's keys.
    pub(in crate::load::snapshot) body: T,
    /// The `x-…` keys and their values.
    pub(in crate::load::snapshot) ext: Vec<(String, Value)>,
    /// The format's keys in the order written.
    pub(in crate::load::snapshot) keys: Vec<String>,
}

impl<T> Deref for Ext<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ext<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ExtVisitor(PhantomData))
    }
}

struct ExtVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ExtVisitor<T> {
    type Value = Ext<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let (mut ext, mut keys) = (Vec::new(), Vec::new());
        let body = T::deserialize(MapAccessDeserializer::new(SkipExt {
            inner: map,
            ext: &mut ext,
            keys: &mut keys,
        }))?;
        Ok(Ext { body, ext, keys })
    }
}

/// A mapping without its `x-…` keys (kept in `ext`). The keys are read through the inner
/// mapping's key seed, so an unknown key's error carries the key in its path.
struct SkipExt<'e, A> {
    inner: A,
    ext: &'e mut Vec<(String, Value)>,
    keys: &'e mut Vec<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipExt<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let mut seed = Some(seed);
        loop {
            match self.inner.next_key_seed(KeyOrExt(&mut seed, self.keys))? {
                None => return Ok(None),
                Some(Key::Ext(k)) => {
                    let v: Value = self.inner.next_value()?;
                    self.ext.push((k, v));
                }
                Some(Key::Field(f)) => return Ok(Some(f)),
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

enum Key<F> {
    Ext(String),
    Field(F),
}

/// Reads a key: an extension key as itself, any other through the struct's field seed.
struct KeyOrExt<'s, K>(&'s mut Option<K>, &'s mut Vec<String>);

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeyOrExt<'_, K> {
    type Value = Key<K::Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let k = String::deserialize(d)?;
        if k.starts_with("x-") {
            return Ok(Key::Ext(k));
        }
        let seed = self
            .0
            .take()
            .ok_or_else(|| de::Error::custom("a key was read twice"))?;
        self.1.push(k.clone());
        seed.deserialize(k.into_deserializer()).map(Key::Field)
    }
}

/// For `#[serde(default, deserialize_with = "present")]`: a key written with no value (`key:`,
/// `null`) is there, so the converter can say what it should have been.
pub(in crate::load::snapshot) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}
