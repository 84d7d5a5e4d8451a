//! Walks one example against its IR type and records where it departs from the type in a
//! way the pass relaxes: a required property omitted, `null` in a required non-nullable
//! property, a string outside a string enum. Wrong primitive types are not recorded.
//!
//! Structs: an object that shares no declared property with the struct is not evidence
//! about it (an example of something else), and is not walked. Unions: a value with a
//! discriminator tag is walked into the member the tag selects; any other value into the one
//! member whose JSON shape it has (for objects, among several, the one member that declares
//! every key). Members still tied (a shared tag, the same keys) are told apart by their own
//! string enum properties: the one member whose enums accept the value's strings is walked.
//! A value that stays ambiguous is not walked at all.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::ir::{EnumDef, Prim, StructDef, TypeDef, TypeKind, TypeRef, UnionDef};
use crate::pointer::escape;

/// How deep the walk follows a value.
const MAX_DEPTH: usize = 64;

/// A departure of the examples from a type, keyed by the type's Rust name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Finding {
    /// A required property an example omits.
    Omitted {
        /// The struct.
        ty: String,
        /// The property's wire name.
        field: String,
    },
    /// `null` in a required property that is not nullable.
    Null {
        /// The struct.
        ty: String,
        /// The property's wire name.
        field: String,
    },
    /// A string that is not a value of the enum.
    Value {
        /// The enum.
        ty: String,
        /// The value.
        value: String,
    },
}

impl Finding {
    /// The named type it is about.
    pub(super) fn ty(&self) -> &str {
        match self {
            Finding::Omitted { ty, .. } | Finding::Null { ty, .. } | Finding::Value { ty, .. } => {
                ty
            }
        }
    }
}

/// Which examples showed a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    /// The pointer of the first place (the example's label and the path inside it).
    pub first: String,
    /// How many examples showed it.
    pub examples: usize,
    /// The last example counted (an example counts once).
    last: usize,
}

/// Collects findings over many examples.
pub(super) struct Walker<'a> {
    types: &'a BTreeMap<String, TypeDef>,
    /// What was found, sorted.
    pub found: BTreeMap<Finding, Seen>,
    example: usize,
}

impl<'a> Walker<'a> {
    pub(super) fn new(types: &'a BTreeMap<String, TypeDef>) -> Self {
        Walker {
            types,
            found: BTreeMap::new(),
            example: 0,
        }
    }

    /// Walks one example labelled `label` (a JSON pointer) against `ty`.
    pub(super) fn example(&mut self, label: &str, value: &Value, ty: &TypeRef) {
        self.example += 1;
        self.walk(value, ty, label, 0);
    }

    fn record(&mut self, finding: Finding, at: &str) {
        let n = self.example;
        let seen = self.found.entry(finding).or_insert_with(|| Seen {
            first: at.to_owned(),
            examples: 0,
            last: 0,
        });
        if seen.last != n {
            seen.last = n;
            seen.examples += 1;
        }
    }

    fn walk(&mut self, v: &Value, ty: &TypeRef, at: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match ty {
            TypeRef::Prim(_) | TypeRef::Json | TypeRef::Unit => {}
            TypeRef::Boxed(t) => self.walk(v, t, at, depth + 1),
            TypeRef::Expandable(t) => {
                if v.is_object() {
                    self.walk(v, t, at, depth + 1);
                }
            }
            TypeRef::Vec(t) => {
                for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                    self.walk(item, t, &format!("{at}/{i}"), depth + 1);
                }
            }
            TypeRef::Map(t) => {
                for (k, item) in v.as_object().into_iter().flatten() {
                    self.walk(item, t, &format!("{at}/{}", escape(k)), depth + 1);
                }
            }
            TypeRef::Named(n) => {
                let types = self.types;
                let Some(def) = types.get(n) else { return };
                match &def.kind {
                    TypeKind::Alias(t) => self.walk(v, t, at, depth + 1),
                    TypeKind::Enum(e) => {
                        if let Some(s) = v.as_str() {
                            if !e.variants.iter().any(|x| x.value == s) {
                                let value = s.to_owned();
                                self.record(
                                    Finding::Value {
                                        ty: n.clone(),
                                        value,
                                    },
                                    at,
                                );
                            }
                        }
                    }
                    TypeKind::Struct(s) => {
                        if let Some(o) = v.as_object() {
                            self.object(n, s, o, at, depth);
                        }
                    }
                    TypeKind::Union(u) => {
                        if let Some(member) = self.member(u, v) {
                            self.walk(v, member, at, depth + 1);
                        }
                    }
                }
            }
        }
    }

    fn object(
        &mut self,
        name: &str,
        s: &StructDef,
        o: &Map<String, Value>,
        at: &str,
        depth: usize,
    ) {
        if !s.fields.iter().any(|f| o.contains_key(&f.wire_name)) {
            return;
        }
        for f in &s.fields {
            let here = format!("{at}/{}", escape(&f.wire_name));
            match o.get(&f.wire_name) {
                None if f.required => {
                    let finding = Finding::Omitted {
                        ty: name.to_owned(),
                        field: f.wire_name.clone(),
                    };
                    self.record(finding, at);
                }
                None => {}
                Some(Value::Null) if f.required && !f.nullable => {
                    let finding = Finding::Null {
                        ty: name.to_owned(),
                        field: f.wire_name.clone(),
                    };
                    self.record(finding, &here);
                }
                Some(Value::Null) => {}
                Some(x) => self.walk(x, &f.ty, &here, depth + 1),
            }
        }
        if let Some(t) = &s.additional {
            for (k, x) in o {
                if !s.fields.iter().any(|f| &f.wire_name == k) {
                    self.walk(x, t, &format!("{at}/{}", escape(k)), depth + 1);
                }
            }
        }
    }

    /// The member of `u` that `v` is evidence about, if exactly one can be told.
    fn member<'u>(&self, u: &'u UnionDef, v: &Value) -> Option<&'u TypeRef> {
        if let (Some(prop), Some(o)) = (&u.discriminator, v.as_object()) {
            if let Some(tag) = o.get(prop).and_then(Value::as_str) {
                let tagged: Vec<&TypeRef> = u
                    .variants
                    .iter()
                    .filter(|m| m.tags.iter().any(|t| t == tag))
                    .map(|m| &m.ty)
                    .collect();
                // Members that share a tag are told apart by their own enum properties.
                return match tagged.as_slice() {
                    [only] => Some(*only),
                    _ => self.one_accepting(tagged, o),
                };
            }
        }
        let shaped: Vec<&TypeRef> = u
            .variants
            .iter()
            .map(|m| &m.ty)
            .filter(|t| self.shape(v, t, 0) != Shape::No)
            .collect();
        if shaped.iter().any(|t| self.shape(v, t, 0) == Shape::Maybe) {
            return None;
        }
        if let [only] = shaped.as_slice() {
            return Some(*only);
        }
        let o = v.as_object()?;
        let declaring: Vec<&TypeRef> = shaped
            .into_iter()
            .filter(|t| {
                self.struct_of(t, 0).is_some_and(|s| {
                    s.additional.is_some()
                        || o.keys().all(|k| s.fields.iter().any(|f| &f.wire_name == k))
                })
            })
            .collect();
        match declaring.as_slice() {
            [only] => Some(*only),
            _ => self.one_accepting(declaring, o),
        }
    }

    /// The one candidate whose own enum properties accept the values `o` has for them.
    fn one_accepting<'u>(
        &self,
        candidates: Vec<&'u TypeRef>,
        o: &Map<String, Value>,
    ) -> Option<&'u TypeRef> {
        let mut accepting = candidates.into_iter().filter(|t| {
            self.struct_of(t, 0).is_some_and(|s| {
                s.fields.iter().all(|f| {
                    match (
                        o.get(&f.wire_name).and_then(Value::as_str),
                        self.enum_of(&f.ty, 0),
                    ) {
                        (Some(x), Some(e)) => e.variants.iter().any(|v| v.value == x),
                        _ => true,
                    }
                })
            })
        });
        match (accepting.next(), accepting.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    }

    /// The kind of the named type `t` is, through aliases and boxes.
    fn kind_of(&self, t: &TypeRef, depth: usize) -> Option<&'a TypeKind> {
        if depth > MAX_DEPTH {
            return None;
        }
        match t {
            TypeRef::Boxed(t) => self.kind_of(t, depth + 1),
            TypeRef::Named(n) => match &self.types.get(n)?.kind {
                TypeKind::Alias(t) => self.kind_of(t, depth + 1),
                kind => Some(kind),
            },
            _ => None,
        }
    }

    /// The string enum `t` names (through aliases and boxes).
    fn enum_of(&self, t: &TypeRef, depth: usize) -> Option<&'a EnumDef> {
        match self.kind_of(t, depth)? {
            TypeKind::Enum(e) => Some(e),
            _ => None,
        }
    }

    /// The struct `t` names (through aliases and boxes).
    fn struct_of(&self, t: &TypeRef, depth: usize) -> Option<&'a StructDef> {
        match self.kind_of(t, depth)? {
            TypeKind::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Whether `v` has the JSON shape of `t`: surely, surely not, or cannot be told.
    fn shape(&self, v: &Value, t: &TypeRef, depth: usize) -> Shape {
        let yes = |b: bool| if b { Shape::Yes } else { Shape::No };
        if depth > MAX_DEPTH {
            return Shape::Maybe;
        }
        match t {
            TypeRef::Prim(p) => yes(match p {
                Prim::Bool => v.is_boolean(),
                Prim::I32 | Prim::I64 | Prim::U64 | Prim::F32 | Prim::F64 => v.is_number(),
                _ => v.is_string(),
            }),
            TypeRef::Vec(_) => yes(v.is_array()),
            TypeRef::Map(_) => yes(v.is_object()),
            TypeRef::Expandable(_) => yes(v.is_string() || v.is_object()),
            TypeRef::Boxed(t) => self.shape(v, t, depth + 1),
            TypeRef::Unit => yes(v.is_null()),
            TypeRef::Json => Shape::Maybe,
            TypeRef::Named(n) => match self.types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Struct(_)) => yes(v.is_object()),
                Some(TypeKind::Enum(_)) => yes(v.is_string()),
                Some(TypeKind::Alias(t)) => self.shape(v, t, depth + 1),
                Some(TypeKind::Union(_)) | None => Shape::Maybe,
            },
        }
    }
}

/// See [`Walker::shape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Yes,
    No,
    Maybe,
}
