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
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(pub BTreeMap<String, Value>);

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
}
