//! The generic struct decoder against what serde's derive did for the same struct: same
//! values, same errors, undeclared keys kept, duplicate keys refused, strict mode plain.

use serde::Deserialize;
use serde_json::json;

use super::{field, slot, Context, Error, Object, Skip, Undeclared};
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
#[derive(Debug, PartialEq, Deserialize, serde::Serialize)]
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
    const STRICT: bool = STRICT;
    type Slots = (
        slot::NonNull<i64>,
        slot::Plain<Option<String>>,
        slot::Plain<Option<String>>,
        slot::Plain<Kind>,
    );
    type Rest = Undeclared;
    fn finish(s: Self::Slots, rest: Undeclared, f: &Context) -> Result<Self, Error> {
        let (f0, f1, f2, f3) = s;
        Ok(Self {
            id: f.or_default(f0, 0)?,
            owner: f.or_default(f1, 1)?,
            tag: f.optional(f2),
            kind: f.take(f3, 3)?,
            extra: f.undeclared(rest),
        })
    }
    const NAMES: &'static [&'static str] = Self::KEYS;
    type Refs<'a> = (
        field::Req<'a, i64>,
        field::Req<'a, Option<String>>,
        field::Opt<'a, Option<String>>,
        field::Req<'a, Kind>,
        field::Rest<'a, Extra>,
    );
    fn refs(&self) -> Self::Refs<'_> {
        (
            field::Req(&self.id),
            field::Req(&self.owner),
            field::Opt(&self.tag),
            field::Req(&self.kind),
            field::Rest(&self.extra),
        )
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
    let a = Context::of::<Pet<false>>().field_pointer(0);
    let b = Context::of::<Pet<true>>().field_pointer(0);
    assert_eq!(a, "#/components/schemas/Pet/properties/id");
    assert!(std::ptr::eq(a, b));
    struct Odd;
    impl Schema for Odd {
        const NAME: &'static str = "Odd";
        const POINTER: &'static str = "#/o";
    }
    impl Object for Odd {
        const KEYS: &'static [&'static str] = &["a/b~c"];
        const STRICT: bool = false;
        type Slots = ();
        type Rest = Skip;
        fn finish(_: (), _: Skip, _: &Context) -> Result<Self, Error> {
            Ok(Odd)
        }
        const NAMES: &'static [&'static str] = &[];
        type Refs<'a> = ();
        fn refs(&self) -> Self::Refs<'_> {}
    }
    assert_eq!(
        Context::of::<Odd>().field_pointer(0),
        "#/o/properties/a~1b~0c"
    );
}

/// A struct of 40 fields: its slots nest (tuples of at most 16), and each key lands in its
/// own field, a duplicate is refused by name, and undeclared keys are skipped.
mod nested {
    use serde::Deserialize;

    use super::super::{slot, Context, Error, Object, Skip};
    use crate::types::Schema;

    #[derive(Debug, PartialEq)]
    pub struct Wide(pub Vec<Option<i64>>);

    type P = slot::Plain<Option<i64>>;
    type Sixteen = (P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P);

    const KEYS: [&str; 40] = [
        "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13",
        "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25", "k26",
        "k27", "k28", "k29", "k30", "k31", "k32", "k33", "k34", "k35", "k36", "k37", "k38", "k39",
    ];

    impl Schema for Wide {
        const NAME: &'static str = "Wide";
        const POINTER: &'static str = "#/w";
    }

    impl Object for Wide {
        const KEYS: &'static [&'static str] = &KEYS;
        const STRICT: bool = true;
        type Slots = (Sixteen, Sixteen, (P, P, P, P, P, P, P, P));
        type Rest = Skip;
        fn finish(s: Self::Slots, _: Skip, f: &Context) -> Result<Self, Error> {
            let (a, b, c) = s;
            let mut out = Vec::new();
            let a = [
                a.0, a.1, a.2, a.3, a.4, a.5, a.6, a.7, a.8, a.9, a.10, a.11, a.12, a.13, a.14,
                a.15,
            ];
            let b = [
                b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7, b.8, b.9, b.10, b.11, b.12, b.13, b.14,
                b.15,
            ];
            let c = [c.0, c.1, c.2, c.3, c.4, c.5, c.6, c.7];
            for slot in a.into_iter().chain(b).chain(c) {
                out.push(f.optional(slot));
            }
            Ok(Wide(out))
        }
        const NAMES: &'static [&'static str] = &KEYS;
        type Refs<'a> = ();
        fn refs(&self) -> Self::Refs<'_> {}
    }

    impl<'de> Deserialize<'de> for Wide {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::super::deserialize(d)
        }
    }

    /// Slots nested another way than the emitter's (groups of unequal width): the same
    /// leaves, left to right.
    #[derive(Debug, PartialEq)]
    pub struct Uneven(pub [Option<i64>; 5]);

    impl Schema for Uneven {
        const NAME: &'static str = "Uneven";
        const POINTER: &'static str = "#/u";
    }

    impl Object for Uneven {
        const KEYS: &'static [&'static str] = &["a", "b", "c", "d", "e"];
        const STRICT: bool = true;
        type Slots = (P, (P, P, P), P);
        type Rest = Skip;
        fn finish(s: Self::Slots, _: Skip, f: &Context) -> Result<Self, Error> {
            let (a, (b, c, d), e) = s;
            Ok(Uneven([a, b, c, d, e].map(|s| f.optional(s))))
        }
        const NAMES: &'static [&'static str] = Self::KEYS;
        type Refs<'a> = ();
        fn refs(&self) -> Self::Refs<'_> {}
    }

    impl<'de> Deserialize<'de> for Uneven {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::super::deserialize(d)
        }
    }

    #[test]
    fn unevenly_nested_slots_keep_their_order() {
        let u: Uneven =
            serde_json::from_str(r#"{"e": 5, "c": 3, "a": 1, "d": 4, "b": 2}"#).unwrap();
        assert_eq!(u.0, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
        let u: Uneven = serde_json::from_str(r#"{"d": 4}"#).unwrap();
        assert_eq!(u.0, [None, None, None, Some(4), None]);
    }

    #[test]
    fn every_key_lands_in_its_own_field() {
        let text = format!(
            "{{{}, \"other\": [1]}}",
            (0..40)
                .map(|i| format!("\"k{i}\": {}", i * 10))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let w: Wide = serde_json::from_str(&text).unwrap();
        assert_eq!(w.0, (0..40).map(|i| Some(i * 10)).collect::<Vec<_>>());
        let w: Wide = serde_json::from_str(r#"{"k17": 1, "k39": 2}"#).unwrap();
        assert_eq!(
            (w.0[17], w.0[39], w.0[16], w.0[38]),
            (Some(1), Some(2), None, None)
        );
        let e = serde_json::from_str::<Wide>(r#"{"k33": 1, "k33": 2}"#).unwrap_err();
        assert!(e.to_string().starts_with("duplicate field `k33`"), "{e}");
    }
}

mod encode {
    use serde::{Serialize, Serializer};
    use serde_json::json;

    use crate::types::object::field::{Opt, Req, Rest};
    use crate::types::object::Fields;
    use crate::types::Extra;
    use crate::Nullable;

    /// Every kind of field a generated struct has.
    #[derive(Clone)]
    struct Patch {
        id: i64,
        owner: Option<String>,
        tag: Option<String>,
        nick: Nullable<String>,
        extra: Extra,
    }

    const KEYS: &[&str] = &["id", "owner", "tag", "nick"];

    impl Patch {
        /// What `Object::refs` lends.
        fn refs(&self) -> impl Fields + '_ {
            (
                Req(&self.id),
                Req(&self.owner),
                Opt(&self.tag),
                (Opt(&self.nick), Rest(&self.extra)),
            )
        }
    }

    impl Serialize for Patch {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(None)?;
            self.refs().encode(KEYS, &mut 0, &mut map)?;
            map.end()
        }
    }

    impl std::fmt::Debug for Patch {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let mut d = f.debug_struct("Patch");
            self.refs().debug(KEYS, &mut 0, &mut d);
            d.finish()
        }
    }

    /// The same through serde's and std's derives, as emitted before.
    #[derive(Serialize, Debug)]
    #[serde(rename = "Patch")]
    #[allow(dead_code)]
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

    fn both(p: &Patch) -> ((String, String), (String, String)) {
        let d = Derived {
            id: p.id,
            owner: &p.owner,
            tag: &p.tag,
            nick: &p.nick,
            extra: &p.extra,
        };
        (
            (
                serde_json::to_string(p).unwrap(),
                serde_json::to_string(&d).unwrap(),
            ),
            (
                format!("{p:?}"),
                format!("{d:?}").replace("Derived", "Patch"),
            ),
        )
    }

    #[test]
    fn fields_are_written_and_debugged_as_the_derives_did() {
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
            let ((ours, derived), (ours_debug, derived_debug)) = both(&p);
            assert_eq!(ours, derived);
            assert_eq!(ours_debug, derived_debug);
        }
        let ((ours, _), (debug, _)) = both(&Patch {
            id: 1,
            owner: None,
            tag: None,
            nick: Nullable::Null,
            extra: Extra::new(),
        });
        assert_eq!(ours, r#"{"id":1,"owner":null,"nick":null}"#);
        assert_eq!(
            debug,
            "Patch { id: 1, owner: None, tag: None, nick: Null, extra: {} }"
        );
    }

    #[test]
    fn fields_compare_as_the_derive_did() {
        let a = Patch {
            id: 1,
            owner: None,
            tag: Some("t".into()),
            nick: Nullable::Null,
            extra: Extra::new(),
        };
        let same = a.clone();
        assert!(a.refs().same(&same.refs()));
        let mut b = a.clone();
        b.nick = Nullable::Absent;
        assert!(!a.refs().same(&b.refs()), "absent and null differ");
        let mut c = a.clone();
        c.extra.insert("z".into(), json!(1));
        assert!(!a.refs().same(&c.refs()), "kept keys count");
    }

    /// A value that cannot be encoded.
    #[derive(PartialEq)]
    struct Broken;

    impl Serialize for Broken {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("broken value"))
        }
    }

    impl std::fmt::Debug for Broken {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Broken")
        }
    }

    /// Records whether it was asked to encode itself.
    #[derive(PartialEq)]
    struct Spy<'a>(&'a std::cell::Cell<bool>);

    impl Serialize for Spy<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.set(true);
            s.serialize_unit()
        }
    }

    impl std::fmt::Debug for Spy<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Spy")
        }
    }

    struct Two(Broken, std::cell::Cell<bool>);

    impl Serialize for Two {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(None)?;
            (Req(&self.0), Req(&Spy(&self.1))).encode(&["a", "b"], &mut 0, &mut map)?;
            map.end()
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
