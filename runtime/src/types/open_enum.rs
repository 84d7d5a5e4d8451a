//! [`OpenEnum`]: the machinery of generated open string enums, written (and type-checked)
//! once here instead of in every generated enum.
//!
//! A generated enum lists its known variants with their wire values in [`OpenEnum::KNOWN`]
//! and keeps its own `as_str` (one `match`); its `from_wire`, `Serialize`, `Deserialize`
//! (with the drift report of an unknown value), `Display` and `ParamValue` impls are one-line
//! calls to the functions below.

use serde::{Deserialize, Deserializer, Serializer};

/// A generated open string enum: known variants, each with its wire value, plus a catch-all
/// that keeps any other string.
///
/// ```
/// use sturdy_runtime::types::{open_enum, OpenEnum};
///
/// #[derive(Debug, Clone, PartialEq)]
/// enum Status {
///     Paid,
///     Unknown(String),
/// }
/// impl OpenEnum for Status {
///     const NAME: &'static str = "Status";
///     const POINTER: &'static str = "#/components/schemas/Status";
///     const KNOWN: &'static [(&'static str, Self)] = &[("paid", Self::Paid)];
///     const UNKNOWN: fn(String) -> Self = Self::Unknown;
///     fn wire(&self) -> &str {
///         match self {
///             Self::Paid => "paid",
///             Self::Unknown(s) => s,
///         }
///     }
/// }
/// assert_eq!(open_enum::from_wire::<Status>("paid".into()), Status::Paid);
/// assert_eq!(
///     open_enum::from_wire::<Status>("void".into()),
///     Status::Unknown("void".into())
/// );
/// ```
pub trait OpenEnum: Sized + Clone + 'static {
    /// The Rust type's name (drift reports).
    const NAME: &'static str;
    /// Where the spec defines it (a JSON pointer; drift reports).
    const POINTER: &'static str;
    /// Each known variant with its wire value, in declaration order.
    const KNOWN: &'static [(&'static str, Self)];
    /// The catch-all variant (`Unknown`) holding a value not in [`OpenEnum::KNOWN`].
    const UNKNOWN: fn(String) -> Self;
    /// The value on the wire.
    fn wire(&self) -> &str;
}

/// The known variant of wire value `s`, else the catch-all holding `s`.
pub fn from_wire<T: OpenEnum>(s: String) -> T {
    known::<T>(&s).unwrap_or_else(|| (T::UNKNOWN)(s))
}

fn known<T: OpenEnum>(s: &str) -> Option<T> {
    T::KNOWN
        .iter()
        .find(|(w, _)| *w == s)
        .map(|(_, v)| v.clone())
}

/// Decodes a string; an unknown value is kept and reported as an
/// [`UnknownEnumValue`](crate::drift::DriftKind::UnknownEnumValue) drift signal naming `T`.
pub fn deserialize<'de, T: OpenEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    Ok(match known::<T>(&s) {
        Some(v) => v,
        None => {
            crate::drift::report(
                crate::drift::DriftKind::UnknownEnumValue,
                T::NAME,
                T::POINTER,
                Some(&s),
            );
            (T::UNKNOWN)(s)
        }
    })
}

/// Encodes the wire value.
pub fn serialize<T: OpenEnum, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.wire())
}

/// Writes the wire value (`Display`).
pub fn fmt<T: OpenEnum>(v: &T, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(v.wire())
}

/// The wire value as a parameter (`ParamValue`).
pub fn to_param<T: OpenEnum>(v: &T) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Borrowed(v.wire())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    enum Status {
        Pending,
        InTransit,
        Unknown(String),
    }

    impl OpenEnum for Status {
        const NAME: &'static str = "Status";
        const POINTER: &'static str = "#/components/schemas/Status";
        const KNOWN: &'static [(&'static str, Self)] =
            &[("pending", Self::Pending), ("in-transit", Self::InTransit)];
        const UNKNOWN: fn(String) -> Self = Self::Unknown;
        fn wire(&self) -> &str {
            match self {
                Self::Pending => "pending",
                Self::InTransit => "in-transit",
                Self::Unknown(s) => s,
            }
        }
    }

    impl serde::Serialize for Status {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(self, s)
        }
    }

    impl<'de> Deserialize<'de> for Status {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d)
        }
    }

    impl std::fmt::Display for Status {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            fmt(self, f)
        }
    }

    #[test]
    fn known_values_map_to_their_variants_and_back() {
        for (wire, v) in Status::KNOWN {
            assert_eq!(&from_wire::<Status>((*wire).to_owned()), v);
            let decoded: Status = serde_json::from_value(serde_json::json!(wire)).unwrap();
            assert_eq!(&decoded, v);
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(wire));
            assert_eq!(v.to_string(), *wire);
            assert_eq!(to_param(v), *wire);
        }
    }

    #[test]
    fn an_unknown_value_is_kept_re_encoded_and_reported_as_drift() {
        let client = crate::Client::builder()
            .base_url("http://localhost")
            .build()
            .unwrap();
        crate::drift::scope(&client, "getStatus", || {
            let v: Status = serde_json::from_value(serde_json::json!("lost")).unwrap();
            assert_eq!(v, Status::Unknown("lost".into()));
            assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::json!("lost"));
            assert_eq!(v.to_string(), "lost");
            // A known value is not drift.
            let _: Status = serde_json::from_value(serde_json::json!("pending")).unwrap();
        });
        let report = client.drift();
        let entries: Vec<_> = report.iter().collect();
        assert_eq!(entries.len(), 1, "{report}");
        assert_eq!(entries[0].kind, crate::drift::DriftKind::UnknownEnumValue);
        assert_eq!(entries[0].pointer, "#/components/schemas/Status");
        assert_eq!(entries[0].sample.as_deref(), Some("lost"));
    }

    #[test]
    fn a_value_that_is_not_a_string_is_an_error_not_a_panic() {
        assert!(serde_json::from_value::<Status>(serde_json::json!(3)).is_err());
        assert!(serde_json::from_value::<Status>(serde_json::json!(null)).is_err());
        assert!(serde_json::from_value::<Status>(serde_json::json!({"a": 1})).is_err());
    }
}
