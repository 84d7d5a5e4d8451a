//! JSON Schemas to named Rust types.
//!
//! Choices, each made so that decoding real responses does not break:
//! - objects with properties become structs; an object with no properties is a map of JSON
//!   values (`additionalProperties` typed when given); a struct keeps the keys it does not
//!   declare in `extra` unless `additionalProperties: false` (absent means allowed);
//! - string enums are open (an `Unknown(String)` variant is added by emit);
//! - `oneOf`/`anyOf` become unions (see `unions`): dispatched on the discriminator's wire
//!   values when the spec declares one (the payload keeps its discriminator field), by best fit
//!   otherwise, always with a last variant that keeps any other JSON;
//! - `allOf` merges the properties and `required` of its members; a single-member `allOf`
//!   (how 3.1 `$ref` siblings arrive) is the member itself;
//! - a required nullable field is `Option<T>` that is always serialized (as `null` when
//!   `None`); an optional field is `Option<T>` left out when `None`; an optional nullable
//!   field is `sturdy_runtime::Nullable<T>` (left out, `null`, or a value);
//! - recursive types are boxed where the cycle is not already broken by a `Vec` or map;
//! - identical inline object shapes are emitted once (github.json repeats many), which keeps
//!   generated crates smaller and faster to compile, named by content or canonical place, not
//!   by first sighting (see `naming`);
//! - Stripe's expandable fields (`anyOf: [string, Object]`) are `Expandable<Object>`, and
//!   inline union members are named by their title or tag (see `unions`);
//! - anything else degrades to `serde_json::Value` with a warning naming its pointer.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

use crate::ir::names::{self, Scope};
use crate::ir::resolve::escape;
use crate::ir::{EnumDef, EnumVariant, Prim, TypeDef, TypeKind, TypeRef};
use crate::load::Document;
use crate::Warning;

mod naming;
mod objects;
mod recursion;
#[cfg(test)]
mod tests;
mod unions;

use recursion::{box_recursion, break_alias_cycles};

pub(crate) use naming::{rename_operation, rename_webhook};

const MAX_DEPTH: usize = 40;

/// Every named type of an API, built on demand as operations ask for schemas.
pub struct TypeSpace<'a> {
    doc: &'a Document,
    types: BTreeMap<String, TypeDef>,
    names: Scope,
    /// `$ref` → its type, memoized (inserted before a named type is built, for recursion).
    by_ref: BTreeMap<String, TypeRef>,
    /// Component schema name → reserved Rust name.
    component_names: BTreeMap<String, String>,
    /// Inline shapes already emitted: canonical form → type name.
    shapes: BTreeMap<String, String>,
    /// Every place each inline type is used, for its final name.
    sightings: BTreeMap<String, Vec<naming::Sighting>>,
    warnings: Vec<Warning>,
    depth: usize,
    /// `allOf`s being merged, by their members' refs: entering one again is a cycle.
    merging: Vec<String>,
}

fn unbox(s: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match s {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
    }
}

/// The base of a string enum variant's Rust name for the wire `value` (before the scope
/// makes it unique; `Unknown` is reserved for the catch-all).
pub(crate) fn variant_base(value: &str) -> String {
    if value.is_empty() {
        "Empty".to_owned()
    } else {
        names::pascal(value)
    }
}

fn docs_of(s: &Schema) -> Option<String> {
    let d = &s.schema_data;
    match (&d.title, &d.description) {
        (Some(t), Some(desc)) if !desc.trim().starts_with(t.trim()) => {
            Some(format!("{t}\n\n{desc}"))
        }
        (_, Some(desc)) => Some(desc.clone()),
        (Some(t), None) => Some(t.clone()),
        (None, None) => None,
    }
}

impl<'a> TypeSpace<'a> {
    /// An empty space over `doc`.
    pub fn new(doc: &'a Document) -> Self {
        Self {
            doc,
            types: BTreeMap::new(),
            names: Scope::new(),
            by_ref: BTreeMap::new(),
            component_names: BTreeMap::new(),
            shapes: BTreeMap::new(),
            sightings: BTreeMap::new(),
            warnings: Vec::new(),
            depth: 0,
            merging: Vec::new(),
        }
    }

    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    /// Registers every `components.schemas` entry, claiming their names first.
    pub fn add_components(&mut self) {
        let Some(c) = &self.doc.openapi.components else {
            return;
        };
        let mut keys: Vec<&String> = c.schemas.keys().collect();
        keys.sort();
        for k in &keys {
            let n = self.names.claim(&names::type_name(k));
            self.component_names.insert((*k).clone(), n);
        }
        for k in keys {
            let reference = format!("#/components/schemas/{}", escape(k));
            self.ref_type(&reference);
        }
    }

    /// The type of `schema` found at `pointer`; an inline object, enum or union becomes a
    /// named type called after `hint`.
    pub fn type_of(&mut self, schema: &ReferenceOr<Schema>, hint: &str, pointer: &str) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.ref_type(reference),
            ReferenceOr::Item(s) => self.schema_type(s, hint, pointer, None),
        }
    }

    /// The same for a boxed schema reference.
    pub fn type_of_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.ref_type(reference),
            ReferenceOr::Item(s) => self.schema_type(s, hint, pointer, None),
        }
    }

    /// Follows local `$ref`s (chains too) to the schema.
    pub fn resolve<'s>(&'s self, schema: &'s ReferenceOr<Schema>) -> Option<&'s Schema> {
        let mut cur = schema;
        for _ in 0..32 {
            match cur {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix("#/components/schemas/")?;
                    let name = crate::pointer::unescape(name);
                    cur = self.doc.openapi.components.as_ref()?.schemas.get(&name)?;
                }
            }
        }
        None
    }

    /// Whether the schema (after refs) is nullable.
    pub fn is_nullable(&self, schema: &ReferenceOr<Schema>) -> bool {
        self.resolve(schema).is_some_and(|s| s.schema_data.nullable)
    }

    fn component(&self, reference: &str) -> Option<(String, ReferenceOr<Schema>)> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        let name = crate::pointer::unescape(name);
        let s = self.doc.openapi.components.as_ref()?.schemas.get(&name)?;
        Some((name, s.clone()))
    }

    /// The type a `$ref` names.
    fn ref_type(&mut self, reference: &str) -> TypeRef {
        if let Some(t) = self.by_ref.get(reference) {
            return t.clone();
        }
        let Some((name, schema)) = self.component(reference) else {
            // A local ref outside components (the loader moves most into components).
            let target = reference
                .strip_prefix('#')
                .and_then(|p| self.doc.raw.pointer(p))
                .and_then(|v| serde_json::from_value::<ReferenceOr<Schema>>(v.clone()).ok());
            return match target {
                Some(ReferenceOr::Item(s)) => {
                    let hint = names::type_name(reference.rsplit('/').next().unwrap_or("Value"));
                    self.by_ref.insert(reference.to_owned(), TypeRef::Json);
                    let t = self.schema_type(&s, &hint, reference, None);
                    self.by_ref.insert(reference.to_owned(), t.clone());
                    t
                }
                _ => {
                    self.warn(
                        reference,
                        format!("reference `{reference}` could not be resolved; typed as JSON"),
                    );
                    self.by_ref.insert(reference.to_owned(), TypeRef::Json);
                    TypeRef::Json
                }
            };
        };
        let rust_name = match self.component_names.get(&name) {
            Some(n) => n.clone(),
            None => {
                let n = self.names.claim(&names::type_name(&name));
                self.component_names.insert(name.clone(), n.clone());
                n
            }
        };
        let pointer = reference.to_owned();
        match &schema {
            ReferenceOr::Reference { reference: next } => {
                // An alias of another component.
                self.by_ref
                    .insert(reference.to_owned(), TypeRef::Named(rust_name.clone()));
                let target = self.ref_type(next);
                self.types.insert(
                    rust_name.clone(),
                    TypeDef {
                        name: rust_name.clone(),
                        origin: pointer,
                        docs: None,
                        deprecated: false,
                        kind: TypeKind::Alias(target),
                    },
                );
                TypeRef::Named(rust_name)
            }
            ReferenceOr::Item(s) => {
                // Reserve first so recursive references find the name.
                self.by_ref
                    .insert(reference.to_owned(), TypeRef::Named(rust_name.clone()));
                let t = self.schema_type(s, &rust_name, &pointer, Some(rust_name.clone()));
                match &t {
                    TypeRef::Named(n) if *n == rust_name => {}
                    other => {
                        // A primitive, array or map component: a named alias of it.
                        self.types.insert(
                            rust_name.clone(),
                            TypeDef {
                                name: rust_name.clone(),
                                origin: pointer,
                                docs: docs_of(s),
                                deprecated: s.schema_data.deprecated,
                                kind: TypeKind::Alias(other.clone()),
                            },
                        );
                    }
                }
                TypeRef::Named(rust_name)
            }
        }
    }

    /// Registers a named type: `fixed` for components, else a fresh name from `hint`, reusing
    /// an identical inline shape.
    fn define(
        &mut self,
        fixed: Option<String>,
        hint: &str,
        pointer: &str,
        s: &Schema,
        kind: TypeKind,
    ) -> TypeRef {
        let docs = docs_of(s);
        let deprecated = s.schema_data.deprecated;
        let name = match fixed {
            Some(n) => n,
            None => {
                let key = format!("{kind:?}|{deprecated}");
                let sighting = naming::Sighting {
                    hint: hint.to_owned(),
                    pointer: pointer.to_owned(),
                };
                if let Some(existing) = self.shapes.get(&key) {
                    let existing = existing.clone();
                    self.sightings
                        .entry(existing.clone())
                        .or_default()
                        .push(sighting);
                    return TypeRef::Named(existing);
                }
                let n = self.names.claim(&names::type_name(hint));
                self.shapes.insert(key, n.clone());
                self.sightings.insert(n.clone(), vec![sighting]);
                n
            }
        };
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                origin: pointer.to_owned(),
                docs,
                deprecated,
                kind,
            },
        );
        TypeRef::Named(name)
    }

    fn schema_type(
        &mut self,
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        if self.depth > MAX_DEPTH {
            self.warn(pointer, "schema nested too deeply; typed as JSON");
            return TypeRef::Json;
        }
        self.depth += 1;
        let t = self.schema_type_inner(s, hint, pointer, fixed);
        self.depth -= 1;
        t
    }

    fn schema_type_inner(
        &mut self,
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                if !values.is_empty() {
                    return self.enum_type(values, s, hint, pointer, fixed);
                }
                TypeRef::Prim(match &st.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Prim::DateTime,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Prim::Date,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Prim::Binary,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Prim::Base64,
                    VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => Prim::Uuid,
                    _ => Prim::String,
                })
            }
            SchemaKind::Type(Type::Integer(it)) => TypeRef::Prim(match &it.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => Prim::I32,
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uint64" => Prim::U64,
                _ => Prim::I64,
            }),
            SchemaKind::Type(Type::Number(nt)) => TypeRef::Prim(match &nt.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::NumberFormat::Float) => Prim::F32,
                _ => Prim::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Prim(Prim::Bool),
            SchemaKind::Type(Type::Array(a)) => {
                let item = match &a.items {
                    Some(i) => {
                        self.type_of_boxed(i, &format!("{hint}Item"), &format!("{pointer}/items"))
                    }
                    None => TypeRef::Json,
                };
                TypeRef::Vec(Box::new(item))
            }
            SchemaKind::Type(Type::Object(o)) => self.object_type(
                &o.properties,
                &o.required,
                o.additional_properties.as_ref(),
                s,
                hint,
                pointer,
                fixed,
            ),
            SchemaKind::OneOf { one_of } => {
                self.union_type(one_of, s, hint, pointer, fixed, "oneOf")
            }
            SchemaKind::AnyOf { any_of } => {
                self.union_type(any_of, s, hint, pointer, fixed, "anyOf")
            }
            SchemaKind::AllOf { all_of } => self.all_of_type(all_of, s, hint, pointer, fixed),
            SchemaKind::Not { .. } => {
                self.warn(pointer, "`not` schemas cannot be typed; typed as JSON");
                TypeRef::Json
            }
            SchemaKind::Any(any) => self.any_type(any, s, hint, pointer, fixed),
        }
    }

    /// A schema without a single `type` keyword openapiv3 understands (`SchemaKind::Any`):
    /// compositions first, then an object by its properties, else by its `type`.
    fn any_type(
        &mut self,
        any: &openapiv3::AnySchema,
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        if !any.one_of.is_empty() {
            return self.union_type(&any.one_of, s, hint, pointer, fixed, "oneOf");
        }
        if !any.any_of.is_empty() {
            return self.union_type(&any.any_of, s, hint, pointer, fixed, "anyOf");
        }
        if !any.all_of.is_empty() {
            if any.properties.is_empty() {
                return self.all_of_type(&any.all_of, s, hint, pointer, fixed);
            }
            let mut members = any.all_of.clone();
            let mut own = Schema {
                schema_data: Default::default(),
                schema_kind: SchemaKind::Any(any.clone()),
            };
            if let SchemaKind::Any(a) = &mut own.schema_kind {
                a.all_of.clear();
            }
            members.push(ReferenceOr::Item(own));
            return self.all_of_type(&members, s, hint, pointer, fixed);
        }
        // A stray `additionalProperties` beside `type: string` (GitHub's
        // `HookDelivery.response.payload`) does not make an object.
        let object_like = matches!(any.typ.as_deref(), None | Some("object"));
        if object_like
            && (!any.properties.is_empty()
                || any.typ.as_deref() == Some("object")
                || any.additional_properties.is_some())
        {
            return self.object_type(
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
                s,
                hint,
                pointer,
                fixed,
            );
        }
        self.any_by_type(any, s, hint, pointer, fixed)
    }

    /// An `AnySchema` that is not an object or a composition, by its `type` (JSON when none).
    fn any_by_type(
        &mut self,
        any: &openapiv3::AnySchema,
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        match any.typ.as_deref() {
            Some("array") => {
                let item = match &any.items {
                    Some(i) => {
                        self.type_of_boxed(i, &format!("{hint}Item"), &format!("{pointer}/items"))
                    }
                    None => TypeRef::Json,
                };
                TypeRef::Vec(Box::new(item))
            }
            Some("string") => {
                let values: Vec<String> = any
                    .enumeration
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                if !values.is_empty() {
                    return self.enum_type(values, s, hint, pointer, fixed);
                }
                TypeRef::Prim(match any.format.as_deref() {
                    Some("date-time") => Prim::DateTime,
                    Some("date") => Prim::Date,
                    Some("uuid") => Prim::Uuid,
                    Some("binary") => Prim::Binary,
                    Some("byte") => Prim::Base64,
                    _ => Prim::String,
                })
            }
            Some("integer") => TypeRef::Prim(if any.format.as_deref() == Some("int32") {
                Prim::I32
            } else {
                Prim::I64
            }),
            Some("number") => TypeRef::Prim(Prim::F64),
            Some("boolean") => TypeRef::Prim(Prim::Bool),
            _ => TypeRef::Json,
        }
    }

    /// A component whose schema is just another type becomes a named alias of it; an inline
    /// one is that type.
    fn alias_or(
        &mut self,
        fixed: Option<String>,
        t: TypeRef,
        s: &Schema,
        pointer: &str,
    ) -> TypeRef {
        match fixed {
            Some(name) => {
                let def = TypeDef {
                    name: name.clone(),
                    origin: pointer.to_owned(),
                    docs: docs_of(s),
                    deprecated: s.schema_data.deprecated,
                    kind: TypeKind::Alias(t),
                };
                self.types.insert(name.clone(), def);
                TypeRef::Named(name)
            }
            None => t,
        }
    }

    fn enum_type(
        &mut self,
        values: Vec<String>,
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        let mut scope = Scope::with_reserved(["Unknown"]);
        let mut seen = BTreeSet::new();
        let mut variants = Vec::new();
        for v in values {
            if !seen.insert(v.clone()) {
                continue;
            }
            variants.push(EnumVariant {
                name: scope.claim(&variant_base(&v)),
                value: v,
                docs: None,
            });
        }
        self.define(
            fixed,
            hint,
            pointer,
            s,
            TypeKind::Enum(EnumDef { variants }),
        )
    }

    /// The named types (recursion boxed, alias cycles broken) and the warnings collected.
    pub fn finish(self) -> (BTreeMap<String, TypeDef>, Vec<Warning>) {
        let (types, warnings, _) = self.finish_with_renames();
        (types, warnings)
    }

    /// [`finish`](Self::finish), shared inline types renamed (see `naming`); the renames
    /// (old name → new) are for the operations and webhooks built meanwhile
    /// (`rename_operation`, `rename_webhook`).
    pub fn finish_with_renames(
        mut self,
    ) -> (
        BTreeMap<String, TypeDef>,
        Vec<Warning>,
        BTreeMap<String, String>,
    ) {
        let renames = naming::canonical_names(&self.sightings, &self.types, &mut self.names);
        let mut types = naming::rename_types(std::mem::take(&mut self.types), &renames);
        break_alias_cycles(&mut types, &mut self.warnings);
        box_recursion(&mut types);
        (types, self.warnings, renames)
    }
}
