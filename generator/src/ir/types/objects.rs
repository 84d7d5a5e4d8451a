//! Objects: properties to struct fields, and `allOf` merged into one struct.

use std::collections::BTreeSet;

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

use super::{docs_of, unbox, TypeSpace};
use crate::ir::names::{self, Scope};
use crate::ir::resolve::escape;
use crate::ir::{Field, StructDef, TypeKind, TypeRef};

impl TypeSpace<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn object_type(
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
    pub(super) fn collect_all_of(
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

    pub(super) fn all_of_type(
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

    pub(super) fn merge_all_of(
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
