//! [`Expandable`]: a field that holds an object's id, or the object itself when the request
//! asked to expand it (Stripe's `anyOf: [string, Object]` with `x-expansionResources`).
//!
//! One generic type for every such field, instead of a fresh two-variant union per field.
//! On the wire it is the bare id string or the object; [`Expandable::id`] reads the id in
//! both cases for objects that carry one ([`ObjectId`], implemented by generated types with
//! a required string `id`).
//!
//! ```
//! use sturdy_runtime::{Expandable, ObjectId};
//! #[derive(Debug, PartialEq, serde::Deserialize)]
//! struct Customer { id: String, email: Option<String> }
//! impl ObjectId for Customer {
//!     fn object_id(&self) -> &str { &self.id }
//! }
//! let id: Expandable<Customer> = serde_json::from_str(r#""cus_1""#).unwrap();
//! let full: Expandable<Customer> = serde_json::from_str(r#"{"id":"cus_1","email":null}"#).unwrap();
//! assert_eq!(id.id(), "cus_1");
//! assert_eq!(full.id(), "cus_1");
//! assert!(id.as_object().is_none() && full.as_object().is_some());
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An object's id, or the object (boxed: expandable objects refer to each other). Only two
/// shapes exist on the wire, so the enum is exhaustive.
#[derive(Debug, Clone, PartialEq)]
pub enum Expandable<T> {
    /// Not expanded: the id.
    Id(String),
    /// Expanded: the object.
    Object(Box<T>),
}

/// An object with an id, so that [`Expandable::id`] can read it from an expanded object.
pub trait ObjectId {
    /// The object's id.
    fn object_id(&self) -> &str;
}

impl<T> Expandable<T> {
    /// Whether the object was expanded.
    pub fn is_object(&self) -> bool {
        matches!(self, Self::Object(_))
    }

    /// The object, when expanded.
    pub fn as_object(&self) -> Option<&T> {
        match self {
            Self::Object(o) => Some(o),
            Self::Id(_) => None,
        }
    }

    /// The object, when expanded, by value.
    pub fn into_object(self) -> Option<T> {
        match self {
            Self::Object(o) => Some(*o),
            Self::Id(_) => None,
        }
    }
}

impl<T: ObjectId> Expandable<T> {
    /// The id: the bare id, or the expanded object's.
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Object(o) => o.object_id(),
        }
    }
}

impl<T> From<String> for Expandable<T> {
    fn from(id: String) -> Self {
        Self::Id(id)
    }
}

impl<T> From<&str> for Expandable<T> {
    fn from(id: &str) -> Self {
        Self::Id(id.to_owned())
    }
}

impl<T: Serialize> Serialize for Expandable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Id(id) => s.serialize_str(id),
            Self::Object(o) => o.serialize(s),
        }
    }
}

/// A JSON string is an id; anything else must decode as `T` (its error is the one reported).
impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Expandable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(id) => Ok(Self::Id(id)),
            other => serde_json::from_value(other)
                .map(|o| Self::Object(Box::new(o)))
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Expandable, ObjectId};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Customer {
        id: String,
        name: String,
    }

    impl ObjectId for Customer {
        fn object_id(&self) -> &str {
            &self.id
        }
    }

    #[test]
    fn an_id_and_an_object_round_trip_and_both_have_the_id() {
        let id: Expandable<Customer> = serde_json::from_str(r#""cus_1""#).unwrap();
        assert_eq!(id, Expandable::Id("cus_1".into()));
        assert_eq!(id.id(), "cus_1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""cus_1""#);
        let wire = r#"{"id":"cus_2","name":"Ada"}"#;
        let obj: Expandable<Customer> = serde_json::from_str(wire).unwrap();
        assert_eq!(obj.id(), "cus_2");
        assert_eq!(obj.as_object().map(|c| c.name.as_str()), Some("Ada"));
        assert_eq!(serde_json::to_string(&obj).unwrap(), wire);
        assert!(obj.is_object() && !id.is_object());
        assert_eq!(obj.into_object().map(|c| c.name), Some("Ada".to_owned()));
    }

    #[test]
    fn neither_an_id_nor_the_object_is_an_error() {
        assert!(serde_json::from_str::<Expandable<Customer>>("5").is_err());
        assert!(serde_json::from_str::<Expandable<Customer>>(r#"{"id":"x"}"#).is_err());
    }

    #[test]
    fn ids_convert() {
        assert_eq!(
            Expandable::<Customer>::from("c"),
            Expandable::Id("c".into())
        );
        assert_eq!(
            Expandable::<Customer>::from("c".to_owned()).into_object(),
            None
        );
    }
}
