//! YAML into `serde_json::Value`, tolerating what YAML allows and JSON does not: integers
//! beyond 64 bits (openai.yaml writes `-9223372036854776000`; kept as the nearest `f64`),
//! non-string mapping keys (`200:` becomes `"200"`), and NaN/infinity (become `null`).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses YAML text into a JSON value.
pub(crate) fn from_str(text: &str) -> Result<Value, serde_yaml::Error> {
    let de = serde_yaml::Deserializer::from_str(text);
    ValueSeed.deserialize(de)
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for ValueVisitor {
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
        d.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key_seed(KeySeed)? {
            let v = map.next_value_seed(ValueSeed)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A tagged value (`!Tag value`): keep the value, drop the tag.
        let (_, variant): (de::IgnoredAny, _) = data.variant()?;
        de::VariantAccess::newtype_variant_seed(variant, ValueSeed)
    }
}

/// A mapping key as a string, whatever scalar it was written as.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let v = d.deserialize_any(ValueVisitor)?;
        Ok(match v {
            Value::String(s) => s,
            Value::Null => "null".to_owned(),
            other => other.to_string(),
        })
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
    fn tags_and_anchors() {
        let v = from_str("a: &x {k: 1}\nb: *x\nc: !custom 5\n").unwrap();
        assert_eq!(v["b"], json!({"k": 1}));
        assert_eq!(v["c"], json!(5));
    }

    #[test]
    fn errors_have_a_location() {
        let e = from_str("a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.location().is_some());
    }
}
