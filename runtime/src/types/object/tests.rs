//! The generic struct decoder against what serde's derive did for the same struct: same
//! values, same errors, undeclared keys kept, duplicate keys refused, strict mode plain.

use serde::de::MapAccess;
use serde::Deserialize;
use serde_json::json;

use super::{Decoder, Key, Object};
use crate::types::{Extra, Schema};

/// A struct as a generated crate writes it: required, required nullable, optional, and kept
/// undeclared keys; `STRICT` chooses the mode.
#[derive(Debug, PartialEq)]
struct Pet<const STRICT: bool> {
    id: i64,
    owner: Option<String>,
    tag: Option<String>,
    kind: Kind,
    extra: Extra,
}

/// A type without a `Default`: a missing field of it is an error even when lenient.
#[derive(Debug, PartialEq, Deserialize)]
enum Kind {
    #[serde(rename = "cat")]
    Cat,
}

impl<const STRICT: bool> Schema for Pet<STRICT> {
    const NAME: &'static str = "Pet";
    const POINTER: &'static str = "#/components/schemas/Pet";
}

impl<const STRICT: bool> Object for Pet<STRICT> {
    const KEYS: &'static [&'static str] = &["id", "owner", "tag", "kind"];
    fn visit<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let de = Decoder::<Self, _>::of(&map, STRICT);
        let (mut f0, mut f1, mut f2, mut f3) = (None, None, None, None);
        let mut extra = Default::default();
        while let Some(key) = de.key(&mut map)? {
            match key {
                Key::Field(0) => de.non_null(&mut map, &mut f0, 0),
                Key::Field(1) => de.value(&mut map, &mut f1, 1),
                Key::Field(2) => de.value(&mut map, &mut f2, 2),
                Key::Field(3) => de.value(&mut map, &mut f3, 3),
                key => de.extra(&mut map, &mut extra, key),
            }?;
        }
        Ok(Self {
            id: de.or_default(f0, 0)?,
            owner: de.or_default(f1, 1)?,
            tag: f2.unwrap_or_default(),
            kind: de.take(f3, 3)?,
            extra: de.undeclared(extra),
        })
    }
}

impl<'de, const STRICT: bool> Deserialize<'de> for Pet<STRICT> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::deserialize(d)
    }
}

/// The same struct through serde's derive (strict): the reference for errors.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Derived {
    id: i64,
    owner: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    kind: Kind,
}

fn both(v: serde_json::Value) -> (Result<Pet<true>, String>, Result<Derived, String>) {
    (
        serde_json::from_value(v.clone()).map_err(|e| e.to_string()),
        serde_json::from_value(v).map_err(|e| e.to_string()),
    )
}

#[test]
fn a_full_payload_decodes_and_undeclared_keys_are_kept() {
    let v = json!({"id": 7, "owner": null, "tag": "a", "kind": "cat", "born": {"y": 2020}});
    let pet: Pet<false> = serde_json::from_value(v.clone()).unwrap();
    assert_eq!((pet.id, pet.owner, pet.tag), (7, None, Some("a".into())));
    assert_eq!(pet.extra.get("born"), Some(&json!({"y": 2020})));
    // From bytes too (borrowed keys), and from a reader (transient keys).
    let text = v.to_string();
    let a: Pet<false> = serde_json::from_str(&text).unwrap();
    let b: Pet<false> = serde_json::from_reader(text.as_bytes()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn strict_errors_are_the_derives_errors() {
    for v in [
        json!({"owner": null, "kind": "cat"}),
        json!({"id": "x", "owner": null, "kind": "cat"}),
        json!({"id": null, "owner": null, "kind": "cat"}),
        json!({"id": 1, "owner": null}),
        json!({"id": 1, "owner": null, "kind": "dog"}),
        json!("pet"),
    ] {
        let (ours, derived) = both(v.clone());
        let (ours, derived) = (ours.unwrap_err(), derived.unwrap_err());
        // The derive's visitor says `struct Derived`; ours names the struct the same way.
        assert_eq!(ours.replace("Pet", "Derived"), derived, "{v}");
    }
    // A key met twice (JSON text can say so; a `Value` cannot).
    let text = r#"{"id": 1, "kind": "cat", "id": 2}"#;
    let ours = serde_json::from_str::<Pet<true>>(text)
        .unwrap_err()
        .to_string();
    let derived = serde_json::from_str::<Derived>(text)
        .unwrap_err()
        .to_string();
    assert_eq!(ours, derived);
    assert!(ours.starts_with("duplicate field `id`"), "{ours}");
    // A required nullable field left out is `None`, as with the derive.
    let (ours, derived) = both(json!({"id": 1, "kind": "cat"}));
    assert_eq!(ours.unwrap().owner, derived.unwrap().owner);
}

#[test]
fn lenient_fills_defaults_where_strict_refuses() {
    let v = json!({"id": null, "kind": "cat"});
    assert!(serde_json::from_value::<Pet<true>>(v.clone()).is_err());
    let pet: Pet<false> = serde_json::from_value(v).unwrap();
    assert_eq!(pet.id, 0);
    let pet: Pet<false> = serde_json::from_value(json!({"kind": "cat"})).unwrap();
    assert_eq!((pet.id, pet.owner), (0, None));
    // No default for an enum: still the derive's error.
    let e = serde_json::from_value::<Pet<false>>(json!({"id": 1})).unwrap_err();
    assert_eq!(e.to_string(), "missing field `kind`");
}

#[test]
fn field_pointers_are_made_once_per_field() {
    let a = super::field_pointer::<Pet<false>>(0);
    let b = super::field_pointer::<Pet<true>>(0);
    assert_eq!(a, "#/components/schemas/Pet/properties/id");
    assert!(std::ptr::eq(a, b));
    struct Odd;
    impl Schema for Odd {
        const NAME: &'static str = "Odd";
        const POINTER: &'static str = "#/o";
    }
    impl Object for Odd {
        const KEYS: &'static [&'static str] = &["a/b~c"];
        fn visit<'de, A: MapAccess<'de>>(_: A) -> Result<Self, A::Error> {
            Ok(Odd)
        }
    }
    assert_eq!(super::field_pointer::<Odd>(0), "#/o/properties/a~1b~0c");
}

mod encode {
    use serde::{Serialize, Serializer};
    use serde_json::json;

    use crate::types::object::Encoder;
    use crate::types::Extra;
    use crate::Nullable;

    /// Every kind of field a generated struct has.
    struct Patch {
        id: i64,
        owner: Option<String>,
        tag: Option<String>,
        nick: Nullable<String>,
        extra: Extra,
    }

    impl Serialize for Patch {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut e = Encoder::new(s, &["id", "owner", "tag", "nick"])?;
            e.field(0, &self.id);
            e.field(1, &self.owner);
            e.optional(2, &self.tag);
            e.nullable(3, &self.nick);
            e.extra(&self.extra);
            e.end()
        }
    }

    /// The same through serde's derive, as emitted before.
    #[derive(Serialize)]
    struct Derived<'a> {
        id: i64,
        owner: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tag: &'a Option<String>,
        #[serde(skip_serializing_if = "Nullable::is_absent")]
        nick: &'a Nullable<String>,
        #[serde(flatten)]
        extra: &'a Extra,
    }

    fn both(p: &Patch) -> (String, String) {
        let d = Derived {
            id: p.id,
            owner: &p.owner,
            tag: &p.tag,
            nick: &p.nick,
            extra: &p.extra,
        };
        (
            serde_json::to_string(p).unwrap(),
            serde_json::to_string(&d).unwrap(),
        )
    }

    #[test]
    fn fields_are_written_as_the_derive_wrote_them() {
        let mut extra = Extra::new();
        extra.insert("z".into(), json!({"k": [1]}));
        for p in [
            Patch {
                id: 1,
                owner: None,
                tag: None,
                nick: Nullable::Absent,
                extra: Extra::new(),
            },
            Patch {
                id: 2,
                owner: Some("o".into()),
                tag: Some("t".into()),
                nick: Nullable::Null,
                extra,
            },
            Patch {
                id: 3,
                owner: None,
                tag: None,
                nick: Nullable::Value("n".into()),
                extra: Extra::new(),
            },
        ] {
            let (ours, derived) = both(&p);
            assert_eq!(ours, derived);
        }
        let (ours, _) = both(&Patch {
            id: 1,
            owner: None,
            tag: None,
            nick: Nullable::Null,
            extra: Extra::new(),
        });
        assert_eq!(ours, r#"{"id":1,"owner":null,"nick":null}"#);
    }

    /// A value that cannot be encoded.
    struct Broken;

    impl Serialize for Broken {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("broken value"))
        }
    }

    struct Two(Broken, std::cell::Cell<bool>);

    /// Records whether it was asked to encode itself.
    struct Spy<'a>(&'a std::cell::Cell<bool>);

    impl Serialize for Spy<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.set(true);
            s.serialize_unit()
        }
    }

    impl Serialize for Two {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut e = Encoder::new(s, &["a", "b"])?;
            e.field(0, &self.0);
            e.field(1, &Spy(&self.1));
            e.end()
        }
    }

    #[test]
    fn the_first_error_is_returned_and_later_fields_are_not_encoded() {
        let two = Two(Broken, std::cell::Cell::new(false));
        let e = serde_json::to_string(&two).unwrap_err();
        assert_eq!(e.to_string(), "broken value");
        assert!(!two.1.get(), "a field after the error was encoded");
    }
}
