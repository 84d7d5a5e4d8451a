//! [`Nullable`]: a field that may be left out, sent as `null`, or sent with a value.
//!
//! Generated structs use it for properties that are optional *and* nullable, where "leave
//! it" and "clear it" mean different things (a PATCH body). A required nullable property stays
//! an `Option` (always sent, `null` when `None`), and an optional non-nullable one stays an
//! `Option` left out when `None`.
//!
//! In a generated struct the field carries
//! `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`, so:
//!
//! | state | serialized | decoded from |
//! |---|---|---|
//! | [`Nullable::Absent`] | key left out | key missing |
//! | [`Nullable::Null`] | `"key": null` | `"key": null` |
//! | [`Nullable::Value`] | `"key": value` | `"key": value` |
//!
//! Outside such a struct (a bare value, a list item) `Absent` serializes as `null`. Form
//! bodies skip nulls, so there `Null` is sent as nothing, like `Absent`.
//!
//! ```
//! use sturdy_runtime::Nullable;
//! let name: Nullable<String> = "Ada".to_owned().into();
//! assert_eq!(name.value().map(String::as_str), Some("Ada"));
//! assert!(Nullable::<String>::default().is_absent());
//! assert!(Nullable::<String>::from(None).is_null());
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional nullable value: absent, explicitly `null`, or a value. `Default` is
/// [`Nullable::Absent`]. The three states are the whole domain, so the enum is exhaustive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Nullable<T> {
    /// Not sent, or missing from a response.
    #[default]
    Absent,
    /// Sent, or received, as `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether it is [`Nullable::Absent`] (what `skip_serializing_if` asks).
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether it is [`Nullable::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Whether it holds a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Self::Value(_))
    }

    /// The value, if any (`None` for both `Absent` and `Null`).
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value dereferenced, if any, as [`Option::as_deref`] (`Nullable<String>` gives
    /// `Option<&str>`).
    ///
    /// ```
    /// use sturdy_runtime::Nullable;
    /// let content: Nullable<String> = Nullable::Value("hi".to_owned());
    /// assert_eq!(content.as_deref().unwrap_or(""), "hi");
    /// assert_eq!(Nullable::<String>::Null.as_deref(), None);
    /// ```
    pub fn as_deref(&self) -> Option<&T::Target>
    where
        T: std::ops::Deref,
    {
        self.value().map(|v| &**v)
    }

    /// The value, if any, mutably.
    pub fn value_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if any, dropping the difference between `Absent` and `Null`.
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A reference to the value, keeping the state.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(v) => Nullable::Value(v),
        }
    }

    /// Maps the value, keeping `Absent` and `Null`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(v) => Nullable::Value(f(v)),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(v: T) -> Self {
        Self::Value(v)
    }
}

/// `Some(v)` is a value and `None` an explicit `null` (a caller who passes an `Option`
/// is saying what to send); leave a field [`Nullable::Absent`] by not setting it.
impl<T> From<Option<T>> for Nullable<T> {
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => Self::Value(v),
            None => Self::Null,
        }
    }
}

impl<T> From<Nullable<T>> for Option<T> {
    fn from(v: Nullable<T>) -> Self {
        v.into_option()
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(v) => s.serialize_some(v),
            Self::Absent | Self::Null => s.serialize_none(),
        }
    }
}

/// A present key decodes to `Null` or `Value`; a missing one is `Absent` through the field's
/// `#[serde(default)]`.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        nickname: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        limit: Nullable<Vec<u32>>,
    }

    fn round_trip(p: Patch, wire: &str) {
        assert_eq!(serde_json::to_string(&p).unwrap(), wire);
        assert_eq!(serde_json::from_str::<Patch>(wire).unwrap(), p);
    }

    #[test]
    fn all_three_states_round_trip() {
        round_trip(
            Patch {
                nickname: Nullable::Absent,
                limit: Nullable::Absent,
            },
            "{}",
        );
        round_trip(
            Patch {
                nickname: Nullable::Null,
                limit: Nullable::Null,
            },
            r#"{"nickname":null,"limit":null}"#,
        );
        round_trip(
            Patch {
                nickname: "ada".to_owned().into(),
                limit: vec![1, 2].into(),
            },
            r#"{"nickname":"ada","limit":[1,2]}"#,
        );
    }

    #[test]
    fn a_wrong_value_is_an_error_not_a_null() {
        assert!(serde_json::from_str::<Patch>(r#"{"nickname":5}"#).is_err());
    }

    #[test]
    fn conversions_say_which_state() {
        assert_eq!(Nullable::from(3), Nullable::Value(3));
        assert_eq!(Nullable::from(Some(3)), Nullable::Value(3));
        assert_eq!(Nullable::<i32>::from(None), Nullable::Null);
        assert_eq!(Nullable::<i32>::default(), Nullable::Absent);
        assert_eq!(Option::from(Nullable::Value(3)), Some(3));
        assert_eq!(Nullable::<i32>::Null.into_option(), None);
        assert_eq!(Nullable::Value(2).map(|v| v * 2), Nullable::Value(4));
        assert_eq!(Nullable::<i32>::Null.map(|v| v * 2), Nullable::Null);
        assert_eq!(Nullable::Value(2).as_ref().value(), Some(&&2));
        let mut n = Nullable::Value(1);
        if let Some(v) = n.value_mut() {
            *v = 7;
        }
        assert_eq!(n.value(), Some(&7));
        assert!(Nullable::<i32>::Absent.is_absent() && !Nullable::<i32>::Null.is_absent());
        assert!(Nullable::Value(1).is_value() && Nullable::<i32>::Null.is_null());
    }

    #[test]
    fn default_needs_no_default_value() {
        struct NoDefault;
        assert!(Nullable::<NoDefault>::default().is_absent());
    }

    #[test]
    fn a_bare_absent_is_null() {
        assert_eq!(
            serde_json::to_string(&Nullable::<i32>::Absent).unwrap(),
            "null"
        );
        assert_eq!(
            serde_json::from_str::<Nullable<i32>>("null").unwrap(),
            Nullable::Null
        );
    }
}
