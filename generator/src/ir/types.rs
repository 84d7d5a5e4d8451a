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

use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::ir::names::{self, Scope};
use crate::ir::resolve::escape;
use crate::ir::{EnumDef, EnumVariant, Field, Prim, StructDef, TypeDef, TypeKind, TypeRef};
use crate::load::Document;
use crate::Warning;

mod naming;
mod unions;

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
            SchemaKind::Any(any) => {
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
                match any.typ.as_deref() {
                    Some("array") => {
                        let item = match &any.items {
                            Some(i) => self.type_of_boxed(
                                i,
                                &format!("{hint}Item"),
                                &format!("{pointer}/items"),
                            ),
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
            let base = if v.is_empty() {
                "Empty".to_owned()
            } else {
                names::pascal(&v)
            };
            variants.push(EnumVariant {
                name: scope.claim(&base),
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

    #[allow(clippy::too_many_arguments)]
    fn object_type(
        &mut self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        let extra_ty = match additional {
            Some(AdditionalProperties::Schema(inner)) => Some(self.type_of(
                inner,
                &format!("{hint}Value"),
                &format!("{pointer}/additionalProperties"),
            )),
            // Absent means allowed (the OpenAPI default): undeclared keys are kept as JSON.
            Some(AdditionalProperties::Any(true)) | None => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) => None,
        };
        if properties.is_empty() {
            // A free-form object or a pure map. A component keeps its name as an alias.
            return TypeRef::Map(Box::new(extra_ty.unwrap_or(TypeRef::Json)));
        }
        let mut scope = Scope::with_reserved(["extra"]);
        let mut fields = Vec::new();
        for (name, prop) in properties {
            let field_hint = format!("{hint}{}", names::pascal(name));
            let prop_ptr = format!("{pointer}/properties/{}", escape(name));
            let ty = self.type_of_boxed(prop, &field_hint, &prop_ptr);
            let resolved = self.resolve(&unbox(prop)).cloned();
            let (nullable, docs, deprecated, read_only) = match (&resolved, prop) {
                (Some(r), ReferenceOr::Item(_)) => (
                    r.schema_data.nullable,
                    docs_of(r),
                    r.schema_data.deprecated,
                    r.schema_data.read_only,
                ),
                (Some(r), ReferenceOr::Reference { .. }) => {
                    (r.schema_data.nullable, None, false, false)
                }
                (None, _) => (false, None, false, false),
            };
            fields.push(Field {
                name: scope.claim(&names::snake(name)),
                wire_name: name.clone(),
                ty,
                required: required.contains(name),
                nullable,
                docs,
                deprecated,
                read_only,
            });
        }
        // `extra` is reserved in `scope` for the map of additional properties.
        self.define(
            fixed,
            hint,
            pointer,
            s,
            TypeKind::Struct(StructDef {
                fields,
                additional: extra_ty,
            }),
        )
    }

    /// Properties and `required` of an `allOf` member, following refs and nested `allOf`.
    fn collect_all_of(
        &self,
        member: &ReferenceOr<Schema>,
        props: &mut indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &mut Vec<String>,
        additional: &mut Option<AdditionalProperties>,
        visited: &mut BTreeSet<String>,
        non_object: &mut bool,
    ) {
        if let ReferenceOr::Reference { reference } = member {
            if !visited.insert(reference.clone()) {
                return;
            }
        }
        let Some(s) = self.resolve(member) else {
            *non_object = true;
            return;
        };
        match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                for (k, v) in &o.properties {
                    props.insert(k.clone(), v.clone());
                }
                required.extend(o.required.iter().cloned());
                if o.additional_properties.is_some() {
                    *additional = o.additional_properties.clone();
                }
            }
            SchemaKind::AllOf { all_of } => {
                for m in all_of {
                    self.collect_all_of(m, props, required, additional, visited, non_object);
                }
            }
            SchemaKind::Any(a) => {
                for m in &a.all_of {
                    self.collect_all_of(m, props, required, additional, visited, non_object);
                }
                for (k, v) in &a.properties {
                    props.insert(k.clone(), v.clone());
                }
                required.extend(a.required.iter().cloned());
                if a.additional_properties.is_some() {
                    *additional = a.additional_properties.clone();
                }
                if a.properties.is_empty()
                    && a.all_of.is_empty()
                    && (!a.one_of.is_empty() || !a.any_of.is_empty())
                {
                    *non_object = true;
                }
            }
            _ => *non_object = true,
        }
    }

    fn all_of_type(
        &mut self,
        members: &[ReferenceOr<Schema>],
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        // Members that only annotate (a description beside a `$ref`) add nothing to the type.
        let members: Vec<ReferenceOr<Schema>> = members
            .iter()
            .filter(|m| !is_annotation(m))
            .cloned()
            .collect();
        if members.is_empty() {
            return TypeRef::Map(Box::new(TypeRef::Json));
        }
        if members.len() == 1 {
            let t = self.type_of(&members[0], hint, &format!("{pointer}/allOf/0"));
            return self.alias_or(fixed, t, s, pointer);
        }
        let key: String = members
            .iter()
            .map(|m| match m {
                ReferenceOr::Reference { reference } => reference.clone(),
                ReferenceOr::Item(_) => "inline".to_owned(),
            })
            .collect::<Vec<_>>()
            .join("|");
        if key.contains('#') && self.merging.contains(&key) {
            self.warn(
                pointer,
                "allOf refers back to itself through inline schemas; typed as JSON",
            );
            return TypeRef::Json;
        }
        self.merging.push(key);
        let t = self.merge_all_of(&members, s, hint, pointer, fixed);
        self.merging.pop();
        t
    }

    fn merge_all_of(
        &mut self,
        members: &[ReferenceOr<Schema>],
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
    ) -> TypeRef {
        let mut props = indexmap::IndexMap::new();
        let mut required = Vec::new();
        let mut additional = None;
        let mut visited = BTreeSet::new();
        let mut non_object = false;
        for m in members {
            self.collect_all_of(
                m,
                &mut props,
                &mut required,
                &mut additional,
                &mut visited,
                &mut non_object,
            );
        }
        if non_object {
            self.warn(pointer, "allOf with a member that is not an object: only the object members' properties are kept");
        }
        if props.is_empty() {
            return TypeRef::Map(Box::new(TypeRef::Json));
        }
        self.object_type(
            &props,
            &required,
            additional.as_ref(),
            s,
            hint,
            pointer,
            fixed,
        )
    }

    /// The named types (recursion boxed, alias cycles broken) and the warnings collected.
    pub fn finish(self) -> (BTreeMap<String, TypeDef>, Vec<Warning>) {
        let (types, warnings, _) = self.finish_with_renames();
        (types, warnings)
    }

    /// [`finish`](Self::finish), shared inline types renamed (see `naming`); the renames
    /// (old name → new) are for the operations and webhooks built meanwhile
    /// ([`rename_operation`], [`rename_webhook`]).
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

/// Whether a schema only annotates (description, title, example...) without saying anything
/// about the value's type.
fn is_annotation(m: &ReferenceOr<Schema>) -> bool {
    match m {
        ReferenceOr::Reference { .. } => false,
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Any(a) => {
                a.typ.is_none()
                    && a.properties.is_empty()
                    && a.items.is_none()
                    && a.all_of.is_empty()
                    && a.one_of.is_empty()
                    && a.any_of.is_empty()
                    && a.not.is_none()
                    && a.enumeration.is_empty()
                    && a.additional_properties.is_none()
                    && a.format.is_none()
            }
            _ => false,
        },
    }
}

/// Named types a type holds without indirection (through `Option` but not `Vec`/map/`Box`),
/// following aliases.
fn direct_named(
    t: &TypeRef,
    types: &BTreeMap<String, TypeDef>,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    if let TypeRef::Named(n) = t {
        match types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Alias(inner)) => direct_named(inner, types, out, depth + 1),
            Some(_) => {
                out.insert(n.clone());
            }
            None => {}
        }
    }
}

fn edges_of(def: &TypeDef, types: &BTreeMap<String, TypeDef>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match &def.kind {
        TypeKind::Struct(s) => {
            for f in &s.fields {
                direct_named(&f.ty, types, &mut out, 0);
            }
        }
        TypeKind::Union(u) => {
            for v in &u.variants {
                direct_named(&v.ty, types, &mut out, 0);
            }
        }
        _ => {}
    }
    out
}

/// Boxes every field or variant whose type reaches back to its own type without
/// indirection.
fn box_recursion(types: &mut BTreeMap<String, TypeDef>) {
    let graph: BTreeMap<String, BTreeSet<String>> = types
        .iter()
        .map(|(n, d)| (n.clone(), edges_of(d, types)))
        .collect();
    // reaches[a] contains b if b is reachable from a.
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                if let Some(next) = graph.get(&n) {
                    stack.extend(next.iter().cloned());
                }
            }
        }
        false
    };
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let mut to_box: Vec<usize> = Vec::new();
        let def = &types[&name];
        let tys: Vec<&TypeRef> = match &def.kind {
            TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
            TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
            _ => continue,
        };
        for (i, t) in tys.iter().enumerate() {
            let mut direct = BTreeSet::new();
            direct_named(t, types, &mut direct, 0);
            if direct.iter().any(|d| reaches(d, &name)) {
                to_box.push(i);
            }
        }
        if to_box.is_empty() {
            continue;
        }
        let def = types.get_mut(&name).expect("present");
        match &mut def.kind {
            TypeKind::Struct(s) => {
                for i in to_box {
                    let t = std::mem::replace(&mut s.fields[i].ty, TypeRef::Unit);
                    s.fields[i].ty = TypeRef::Boxed(Box::new(t));
                }
            }
            TypeKind::Union(u) => {
                for i in to_box {
                    let t = std::mem::replace(&mut u.variants[i].ty, TypeRef::Unit);
                    u.variants[i].ty = TypeRef::Boxed(Box::new(t));
                }
            }
            _ => {}
        }
    }
}

/// `type A = Vec<A>` does not compile: an alias that reaches itself through other aliases
/// becomes JSON.
fn break_alias_cycles(types: &mut BTreeMap<String, TypeDef>, warnings: &mut Vec<Warning>) {
    fn alias_targets(t: &TypeRef, out: &mut Vec<String>) {
        match t {
            TypeRef::Named(n) => out.push(n.clone()),
            TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) => alias_targets(i, out),
            _ => {}
        }
    }
    let aliases: Vec<String> = types
        .iter()
        .filter(|(_, d)| matches!(d.kind, TypeKind::Alias(_)))
        .map(|(n, _)| n.clone())
        .collect();
    for a in aliases {
        let mut stack = Vec::new();
        if let Some(TypeKind::Alias(t)) = types.get(&a).map(|d| &d.kind) {
            alias_targets(t, &mut stack);
        }
        let mut seen = BTreeSet::new();
        let mut cyclic = false;
        while let Some(n) = stack.pop() {
            if n == a {
                cyclic = true;
                break;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(TypeKind::Alias(t)) = types.get(&n).map(|d| &d.kind) {
                alias_targets(t, &mut stack);
            }
        }
        if cyclic {
            let d = types.get_mut(&a).expect("present");
            warnings.push(Warning {
                pointer: d.origin.clone(),
                message: "type alias refers to itself; typed as JSON".into(),
            });
            d.kind = TypeKind::Alias(TypeRef::Json);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn space_of(yaml: &str) -> (BTreeMap<String, TypeDef>, Vec<Warning>) {
        let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
        let mut s = TypeSpace::new(&doc);
        s.add_components();
        s.finish()
    }

    const HEAD: &str =
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n";

    #[test]
    fn all_of_merges_properties_and_required() {
        let (t, _) = space_of(&format!(
            "{HEAD}    A: {{type: object, required: [a], properties: {{a: {{type: string}}}}}}\n    B:\n      allOf:\n        - $ref: '#/components/schemas/A'\n        - {{type: object, required: [b], properties: {{b: {{type: integer}}}}}}\n"
        ));
        let TypeKind::Struct(s) = &t["B"].kind else {
            panic!("{:?}", t["B"])
        };
        let names: Vec<(&str, bool)> = s
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.required))
            .collect();
        assert_eq!(names, vec![("a", true), ("b", true)]);
    }

    #[test]
    fn discriminated_one_of_is_tagged() {
        let (t, _) = space_of(&format!(
            "{HEAD}    Card: {{type: object, required: [kind], properties: {{kind: {{type: string}}}}}}\n    Bank: {{type: object, required: [kind], properties: {{kind: {{type: string}}}}}}\n    Pay:\n      oneOf: [{{$ref: '#/components/schemas/Card'}}, {{$ref: '#/components/schemas/Bank'}}]\n      discriminator: {{propertyName: kind, mapping: {{card: '#/components/schemas/Card'}}}}\n"
        ));
        let TypeKind::Union(u) = &t["Pay"].kind else {
            panic!()
        };
        assert_eq!(u.discriminator.as_deref(), Some("kind"));
        assert_eq!(u.variants[0].tags, vec!["card", "Card"]);
        assert_eq!(u.variants[1].tags, vec!["Bank"]);
    }

    #[test]
    fn expandable_any_of_string_or_ref() {
        let (t, _) = space_of(&format!(
            "{HEAD}    C: {{type: object, properties: {{id: {{type: string}}}}}}\n    O:\n      type: object\n      properties:\n        customer: {{anyOf: [{{type: string}}, {{$ref: '#/components/schemas/C'}}]}}\n"
        ));
        let TypeKind::Struct(s) = &t["O"].kind else {
            panic!()
        };
        // An object with an `id`: the id or the object.
        assert_eq!(
            s.fields[0].ty,
            TypeRef::Expandable(Box::new(TypeRef::Named("C".into())))
        );
    }

    #[test]
    fn enum_with_null_ignores_null_and_names_are_safe() {
        let (t, _) = space_of(&format!("{HEAD}    S: {{type: string, nullable: true, enum: [open, in-progress, '', Unknown, null, type]}}\n"));
        let TypeKind::Enum(e) = &t["S"].kind else {
            panic!()
        };
        let names: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["Open", "InProgress", "Empty", "Unknown2", "Type"]
        );
    }

    #[test]
    fn recursion_is_boxed_only_where_needed() {
        let (t, _) = space_of(&format!(
            "{HEAD}    Node:\n      type: object\n      properties:\n        parent: {{$ref: '#/components/schemas/Node'}}\n        children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}\n"
        ));
        let TypeKind::Struct(s) = &t["Node"].kind else {
            panic!()
        };
        assert!(matches!(s.fields[0].ty, TypeRef::Boxed(_)));
        assert!(matches!(s.fields[1].ty, TypeRef::Vec(_)));
    }

    #[test]
    fn keywords_and_collisions() {
        let (t, _) = space_of(&format!(
            "{HEAD}    Result: {{type: object, properties: {{type: {{type: string}}, self: {{type: string}}, a-b: {{type: string}}, a_b: {{type: string}}}}}}\n"
        ));
        let s = &t["ResultType"];
        let TypeKind::Struct(s) = &s.kind else {
            panic!()
        };
        let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["type_", "self_", "a_b", "a_b_2"]);
    }

    #[test]
    fn untypable_degrades_with_a_warning() {
        let (t, w) = space_of(&format!("{HEAD}    N: {{not: {{type: string}}}}\n"));
        assert_eq!(t["N"].kind, TypeKind::Alias(TypeRef::Json));
        assert!(w
            .iter()
            .any(|w| w.pointer.contains("/N") && w.message.contains("not")));
    }

    #[test]
    fn all_of_with_annotations_is_the_ref_and_cycles_through_inline_all_of_end() {
        let (t, _) = space_of(&format!(
            "{HEAD}    A: {{type: object, properties: {{b: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{description: d}}]}}}}}}\n    B: {{type: object, properties: {{a: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{description: d}}]}}}}}}\n"
        ));
        let TypeKind::Struct(a) = &t["A"].kind else {
            panic!()
        };
        assert_eq!(
            a.fields[0].ty,
            TypeRef::Boxed(Box::new(TypeRef::Named("B".into())))
        );
        let (t, _) = space_of(&format!(
            "{HEAD}    X:\n      allOf:\n        - $ref: '#/components/schemas/Y'\n        - type: object\n          properties:\n            child: {{allOf: [{{$ref: '#/components/schemas/X'}}, {{$ref: '#/components/schemas/Y'}}]}}\n    Y: {{type: object, properties: {{y: {{type: string}}}}}}\n"
        ));
        assert!(t.contains_key("X"));
    }

    #[test]
    fn a_string_with_stray_additional_properties_is_a_string() {
        // GitHub `hook-delivery.response.payload`.
        let (t, _) = space_of(&format!(
            "{HEAD}    R:\n      type: object\n      properties:\n        payload: {{type: string, nullable: true, additionalProperties: true}}\n        headers: {{type: object, nullable: true, additionalProperties: true}}\n"
        ));
        let TypeKind::Struct(s) = &t["R"].kind else {
            panic!()
        };
        assert_eq!(s.fields[0].ty, TypeRef::Prim(Prim::String));
        assert_eq!(s.fields[1].ty, TypeRef::Map(Box::new(TypeRef::Json)));
    }

    #[test]
    fn alias_cycles_break() {
        let (t, w) = space_of(&format!(
            "{HEAD}    A: {{type: array, items: {{$ref: '#/components/schemas/A'}}}}\n"
        ));
        assert_eq!(t["A"].kind, TypeKind::Alias(TypeRef::Json));
        assert!(!w.is_empty());
    }
}
