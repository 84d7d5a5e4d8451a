//! YAML into `serde_json::Value`, tolerating what YAML allows and JSON does not: integers
//! beyond 64 bits (openai.yaml writes `-9223372036854776000`; kept as the nearest `f64`),
//! non-string mapping keys (`200:` becomes `"200"`), and NaN/infinity (become `null`).
//!
//! [`duplicate_key`] reads text again to find the first key that appears twice in one mapping
//! (which [`from_str`], like every JSON value, keeps only once).

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses YAML text into a JSON value.
pub(crate) fn from_str(text: &str) -> Result<Value, serde_yaml::Error> {
    let de = serde_yaml::Deserializer::from_str(text);
    ValueSeed(None).deserialize(de)
}

/// A key written twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// JSON pointer of the key (`/endpoints/get_pet`).
    pub pointer: String,
    /// The key.
    pub key: String,
    /// 1-based line and column where the second one was read, if the parser says.
    pub again: Option<(usize, usize)>,
}

/// The first key that appears twice in one mapping of `text` (JSON or YAML, chosen as
/// [`crate::load::parse_text`] does), or `None` if there is none or the text does not parse.
pub(crate) fn duplicate_key(text: &str) -> Option<Duplicate> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let track = Track::default();
    if body.trim_start().starts_with(['{', '[']) {
        let mut de = serde_json::Deserializer::from_str(body);
        match ValueSeed(Some(&track)).deserialize(&mut de) {
            Ok(_) => return None,
            Err(e) if track.dup.borrow().is_some() => {
                return track.found(Some((e.line(), e.column())))
            }
            // Not JSON: YAML flow style, as `parse_text` reads it.
            Err(_) => {}
        }
    }
    let de = serde_yaml::Deserializer::from_str(body);
    match ValueSeed(Some(&track)).deserialize(de) {
        Ok(_) => None,
        Err(e) => track.found(e.location().map(|l| (l.line(), l.column()))),
    }
}

/// The path being read and the first duplicate found.
#[derive(Default)]
struct Track {
    path: RefCell<Vec<String>>,
    dup: RefCell<Option<(String, String)>>,
}

impl Track {
    fn found(&self, again: Option<(usize, usize)>) -> Option<Duplicate> {
        let (pointer, key) = self.dup.borrow_mut().take()?;
        Some(Duplicate {
            pointer,
            key,
            again,
        })
    }

    /// Reads one child value under `segment`.
    fn child<T, E>(
        track: Option<&Track>,
        segment: String,
        read: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(t) = track {
            t.path.borrow_mut().push(segment);
        }
        let r = read();
        if let Some(t) = track {
            t.path.borrow_mut().pop();
        }
        r
    }

    fn pointer(&self, key: &str) -> String {
        let mut p = String::new();
        for s in self.path.borrow().iter().map(String::as_str).chain([key]) {
            p.push('/');
            p.push_str(&crate::pointer::escape(s));
        }
        p
    }
}

/// Reads any value; with a [`Track`], fails at the first duplicate key.
struct ValueSeed<'t>(Option<&'t Track>);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor(self.0))
    }
}

struct ValueVisitor<'t>(Option<&'t Track>);

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Number(i.into()),
            Err(_) => match u64::try_from(v) {
                Ok(u) => Value::Number(u.into()),
                Err(_) => float(v as f64),
            },
        })
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => Value::Number(u.into()),
            Err(_) => float(v as f64),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor(self.0))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let track = self.0;
        loop {
            let next = Track::child(track, out.len().to_string(), || {
                seq.next_element_seed(ValueSeed(track))
            })?;
            match next {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let track = self.0;
        while let Some(k) = map.next_key_seed(KeySeed(track.map(|t| (t, &out))))? {
            let v = Track::child(track, k.clone(), || map.next_value_seed(ValueSeed(track)))?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A tagged value (`!Tag value`): keep the value, drop the tag.
        let (_, variant): (de::IgnoredAny, _) = data.variant()?;
        de::VariantAccess::newtype_variant_seed(variant, ValueSeed(self.0))
    }
}

/// A mapping key as a string, whatever scalar it was written as; with a [`Track`] and the keys
/// read so far, a key already there fails while the parser is at it (so its error has the
/// second key's position).
struct KeySeed<'a>(Option<(&'a Track, &'a Map<String, Value>)>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(KeyVisitor(self.0))
    }
}

struct KeyVisitor<'a>(Option<(&'a Track, &'a Map<String, Value>)>);

impl KeyVisitor<'_> {
    fn key<E: de::Error>(self, v: Result<Value, E>) -> Result<String, E> {
        // A mapping or list as a key (YAML's `? ` complex keys) has no JSON form; spelled as
        // JSON text, nested ones escape each other's quotes and double in size per level.
        const NOT_SCALAR: &str = "a mapping key must be a string, number, boolean or null, \
                                  not a mapping or a list: write the key as plain text";
        let k = match v? {
            Value::String(s) => s,
            Value::Null => "null".to_owned(),
            Value::Array(_) | Value::Object(_) => return Err(E::custom(NOT_SCALAR)),
            other => other.to_string(),
        };
        if let Some((t, _)) = self.0.filter(|(_, seen)| seen.contains_key(&k)) {
            *t.dup.borrow_mut() = Some((t.pointer(&k), k.clone()));
            return Err(E::custom(format!("duplicate key `{k}`")));
        }
        Ok(k)
    }
}

macro_rules! key_scalars {
    ($($visit:ident: $t:ty),*) => {$(
        fn $visit<E: de::Error>(self, v: $t) -> Result<String, E> {
            self.key(ValueVisitor(None).$visit(v))
        }
    )*};
}

impl<'de> Visitor<'de> for KeyVisitor<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }

    key_scalars!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_i128: i128,
        visit_u128: u128, visit_f64: f64, visit_str: &str, visit_string: String);

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.key(ValueVisitor(None).visit_unit())
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        self.key(ValueVisitor(None).visit_none())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        self.key(d.deserialize_any(ValueVisitor(None)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<String, A::Error> {
        self.key(ValueVisitor(None).visit_seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
        self.key(ValueVisitor(None).visit_map(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<String, A::Error> {
        self.key(ValueVisitor(None).visit_enum(data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn big_integers_and_odd_keys() {
        let v = from_str("a: -9223372036854776000\nb: 18446744073709551615\nc: 1e400\n200: x\ntrue: y\n~: z\nd: [1, 2.5]\n").unwrap();
        assert_eq!(v["a"].as_f64(), Some(-9.223372036854776e18));
        assert_eq!(v["b"], json!(18446744073709551615u64));
        assert_eq!(v["200"], "x");
        assert_eq!(v["true"], "y");
        assert_eq!(v["null"], "z");
        assert_eq!(v["d"], json!([1, 2.5]));
    }

    #[test]
    fn a_mapping_or_list_as_a_key_is_an_error_not_a_doubling_string() {
        // Found by the loader fuzz target: 50 nested `? ` keys took minutes and gigabytes.
        let nested = " ?".repeat(50) + " FF";
        let e = from_str(&nested).unwrap_err().to_string();
        assert!(e.contains("a mapping key must be"), "{e}");
        assert!(from_str("? [a, b]\n: 1\n").is_err());
        assert_eq!(from_str("? plain\n: 1\n").unwrap(), json!({"plain": 1}));
    }

    #[test]
    fn tags_and_anchors() {
        let v = from_str("a: &x {k: 1}\nb: *x\nc: !custom 5\n").unwrap();
        assert_eq!(v["b"], json!({"k": 1}));
        assert_eq!(v["c"], json!(5));
    }

    #[test]
    fn duplicate_keys_are_found_with_their_pointer_and_line() {
        let yaml = "a:\n  b: 1\n  list:\n    - {x: 1}\n    - {x: 2, x: 3}\n  b: 2\n";
        let d = duplicate_key(yaml).unwrap();
        assert_eq!((d.pointer.as_str(), d.key.as_str()), ("/a/list/1/x", "x"));
        assert_eq!(d.again.map(|p| p.0), Some(5));
        let d = duplicate_key("a:\n  b: 1\n  c: 2\n  b: 3\n").unwrap();
        assert_eq!(
            (d.pointer.as_str(), d.again.map(|p| p.0)),
            ("/a/b", Some(4))
        );
        let json = "{\n  \"e\": {\"a/b\": 1,\n  \"a/b\": 2}\n}";
        let d = duplicate_key(json).unwrap();
        assert_eq!(
            (d.pointer.as_str(), d.again.map(|p| p.0)),
            ("/e/a~1b", Some(3))
        );
        assert_eq!(duplicate_key("a: 1\nb: {a: 1}\n"), None);
        // Flow-style YAML that is not JSON is read as YAML, as `parse_text` does.
        let d = duplicate_key("{a: 1,\n a: 2}").unwrap();
        assert_eq!((d.pointer.as_str(), d.again.map(|p| p.0)), ("/a", Some(2)));
        assert_eq!(duplicate_key("{\"a\": 1, \"b\": [{\"a\": 2}]}"), None);
        assert_eq!(duplicate_key("a: [1, 2\n"), None);
        assert_eq!(from_str("a: 1\na: 2\n").unwrap()["a"], 2);
    }

    #[test]
    fn errors_have_a_location() {
        let e = from_str("a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.location().is_some());
    }
}
