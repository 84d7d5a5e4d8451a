//! [`Extra`]: the properties of an object that its schema does not declare.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The properties of a JSON object that its schema does not declare, kept so that a decoded
/// value re-encodes to what was received (a read-modify-write round trip loses nothing).
///
/// Generated structs whose schema allows additional properties (the OpenAPI default, or
/// `additionalProperties: true`) carry one as `#[serde(flatten)] pub extra: Extra`; it is
/// empty, and encodes to nothing, unless the payload had such keys. `Debug` lists the keys
/// only: an undeclared property may hold anything, secrets included.
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Extra(pub BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Value>::deserialize(d)?;
        // A union variant that parks keys here accounts for the payload less well.
        crate::union::parked(map.len());
        Ok(Self(map))
    }
}

/// A generated struct's identity for drift reports: its name and its spec pointer. The
/// reports of its undeclared keys ([`undeclared`]) and of its leniently decoded fields
/// ([`crate::lenient`]; a field's pointer is `{POINTER}/properties/{key}`) name it.
pub trait Schema {
    /// The Rust type's name.
    const NAME: &'static str;
    /// Where the spec defines it (a JSON pointer).
    const POINTER: &'static str;
}

/// Decodes the [`Extra`] of struct `S` and reports its keys, if any, as an
/// [`UndeclaredField`](crate::drift::DriftKind::UndeclaredField) drift signal naming `S` (the
/// sample lists the keys, never their values). For a hand-written struct:
/// `#[serde(flatten, deserialize_with = "::sturdy_runtime::types::undeclared::<_, Pet>")]`;
/// generated structs decode through [`crate::types::object`], which reports the same way.
pub fn undeclared<'de, D: serde::Deserializer<'de>, S: Schema>(d: D) -> Result<Extra, D::Error> {
    let map = BTreeMap::<String, Value>::deserialize(d)?;
    Ok(report::<S>(Extra(map)))
}

/// Reports the keys of `extra`, if any, for struct `S` (see [`undeclared`]).
pub(crate) fn report<S: Schema>(extra: Extra) -> Extra {
    report_named(S::NAME, S::POINTER, extra)
}

/// Reports the keys of `extra`, if any, for the struct named `name` defined at `pointer`.
pub(crate) fn report_named(name: &'static str, pointer: &'static str, extra: Extra) -> Extra {
    // A union variant that parks keys here accounts for the payload less well.
    crate::union::parked(extra.len());
    if !extra.is_empty() {
        let keys = extra
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",");
        crate::drift::report(
            crate::drift::DriftKind::UndeclaredField,
            name,
            pointer,
            Some(&keys),
        );
    }
    extra
}

impl Extra {
    /// No properties.
    pub fn new() -> Self {
        Self::default()
    }
}

impl std::ops::Deref for Extra {
    type Target = BTreeMap<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<BTreeMap<String, Value>> for Extra {
    fn from(map: BTreeMap<String, Value>) -> Self {
        Self(map)
    }
}

impl std::fmt::Debug for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pet {
        name: String,
        #[serde(flatten)]
        extra: Extra,
    }

    #[derive(Debug, Deserialize)]
    struct Reported {
        #[allow(dead_code)]
        name: String,
        #[serde(flatten, deserialize_with = "undeclared::<_, Reported>")]
        extra: Extra,
    }

    impl Schema for Reported {
        const NAME: &'static str = "Reported";
        const POINTER: &'static str = "#/components/schemas/Reported";
    }

    #[test]
    fn undeclared_keys_are_reported_as_drift_with_keys_only() {
        let client = crate::Client::builder()
            .base_url("http://localhost")
            .build()
            .unwrap();
        crate::drift::scope(&client, "getReported", || {
            let wire = serde_json::json!({"name": "a", "token": "sk_secret", "b": 1});
            let r: Reported = serde_json::from_value(wire).unwrap();
            assert_eq!(r.extra.len(), 2);
            let _: Reported = serde_json::from_value(serde_json::json!({"name": "a"})).unwrap();
        });
        let report = client.drift();
        let entries: Vec<_> = report.iter().collect();
        assert_eq!(entries.len(), 1, "{report}");
        assert_eq!(entries[0].kind, crate::drift::DriftKind::UndeclaredField);
        assert_eq!(entries[0].pointer, "#/components/schemas/Reported");
        assert_eq!(entries[0].sample.as_deref(), Some("b,token"));
        assert!(!format!("{report}").contains("sk_secret"));
    }

    #[test]
    fn undeclared_keys_round_trip_and_debug_shows_keys_only() {
        let wire = serde_json::json!({"name": "rex", "token": "sk_live_secret", "n": {"a": [1]}});
        let pet: Pet = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(pet.name, "rex");
        assert_eq!(pet.extra.len(), 2);
        assert_eq!(serde_json::to_value(&pet).unwrap(), wire);
        let debug = format!("{pet:?}");
        assert!(debug.contains("\"token\""), "{debug}");
        assert!(!debug.contains("sk_live_secret"), "{debug}");
        // Nothing undeclared: nothing added on the way out.
        let plain: Pet = serde_json::from_str(r#"{"name":"a"}"#).unwrap();
        assert!(plain.extra.is_empty());
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"name":"a"}"#);
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Details {
        message: Option<String>,
        #[serde(flatten)]
        extra: Extra,
    }
    #[derive(Debug, Serialize, Deserialize)]
    struct DoneDetails {
        message: Option<String>,
        sha: Option<String>,
        #[serde(flatten)]
        extra: Extra,
    }
    #[derive(Debug, Serialize, Deserialize)]
    struct Pending {
        details: Details,
    }
    #[derive(Debug, Serialize, Deserialize)]
    struct Done {
        details: DoneDetails,
    }
    #[derive(Debug, Serialize)]
    #[serde(untagged)]
    enum Merge {
        Pending(Pending),
        Done(Done),
    }

    /// Both variants re-encode `done` exactly (`Pending` parks `sha` in its nested `extra`);
    /// the one that declares `sha` wins. Old code: `Pending`, the first exact one.
    #[test]
    fn a_union_prefers_the_variant_that_declares_the_keys_over_one_that_parks_them() {
        use crate::union::{variant, Kind, Shape, Union};
        static U: Union = Union::new(
            "Merge",
            "#/merge",
            &[Shape::of(Kind::Object), Shape::of(Kind::Object)],
        );
        let decode = |v: Value| {
            U.decode::<Merge, serde_json::Error>(
                v,
                |i, v| match i {
                    0 => variant(v).map(Merge::Pending),
                    _ => variant(v).map(Merge::Done),
                },
                None,
            )
            .unwrap()
        };
        let done = decode(serde_json::json!({"details": {"message": "m", "sha": "abc"}}));
        assert!(matches!(done, Merge::Done(_)), "{done:?}");
        let pending = decode(serde_json::json!({"details": {"message": "m"}}));
        assert!(matches!(pending, Merge::Pending(_)), "{pending:?}");
        // Keys nothing declares stay kept by the first variant.
        let other = decode(serde_json::json!({"details": {"x": 1}}));
        assert!(matches!(other, Merge::Pending(_)), "{other:?}");
        // Outside a union nothing is counted.
        let _: Details = serde_json::from_value(serde_json::json!({"x": 1})).unwrap();
        assert_eq!(crate::union::tests_parked(), 0);
    }
}
