//! `oneOf`/`anyOf` to [`UnionDef`].
//!
//! A union with a `discriminator` is tagged when every member can be told apart by the value
//! of the discriminator property. A member's tags, in the order they are claimed:
//! 1. the `mapping` entries that name it;
//! 2. the member's own `const` or `enum` of the discriminator property (what the payload
//!    really says: OpenAI's `OutputMessage` has `type: {enum: [message]}`);
//! 3. its schema name (the OpenAPI implicit mapping), accepted as well.
//!
//! A wire value several members declare (OpenAI's system, user and assistant messages are all
//! `type: message`) selects all of them, and the payload picks among them by best fit; a
//! schema name is not claimed when a member already has it as a tag. Without a discriminator (or when a member has no tag at all) the union is
//! untagged and decoded by best fit (see `emit::unions`).

use std::collections::BTreeSet;

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::{docs_of, TypeSpace};
use crate::ir::names::{self, Scope};
use crate::ir::{TypeKind, TypeRef, UnionDef, UnionVariant};

impl TypeSpace<'_> {
    pub(super) fn union_type(
        &mut self,
        members: &[ReferenceOr<Schema>],
        s: &Schema,
        hint: &str,
        pointer: &str,
        fixed: Option<String>,
        key: &str,
    ) -> TypeRef {
        // Drop `null` members (they make the whole nullable, handled by the field).
        let members: Vec<(usize, &ReferenceOr<Schema>)> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| !matches!(self.resolve(m), Some(Schema { schema_kind: SchemaKind::Any(a), .. }) if a.typ.as_deref() == Some("null")))
            .collect();
        if members.is_empty() {
            return TypeRef::Json;
        }
        if members.len() == 1 {
            let (i, m) = members[0];
            let t = self.type_of(m, hint, &format!("{pointer}/{key}/{i}"));
            return self.alias_or(fixed, t, s, pointer);
        }
        let mut scope = Scope::with_reserved(["Other", "Unknown"]);
        let mut variants: Vec<UnionVariant> = Vec::new();
        // Per kept variant: (mapping and own tags, schema name).
        let mut candidates: Vec<(Vec<String>, Option<String>)> = Vec::new();
        let discriminator = s.schema_data.discriminator.clone();
        for (i, m) in members {
            let ty = self.type_of(
                m,
                &format!("{hint}Variant{i}"),
                &format!("{pointer}/{key}/{i}"),
            );
            if variants.iter().any(|v| v.ty == ty) {
                continue;
            }
            let base = match (&ty, m) {
                (TypeRef::Named(n), _) => n.clone(),
                (TypeRef::Prim(p), _) => format!("{p:?}"),
                (TypeRef::Vec(_), _) => "Array".to_owned(),
                (TypeRef::Map(_), _) => "Object".to_owned(),
                _ => format!("Variant{i}"),
            };
            let mut tags = Vec::new();
            let mut schema_name = None;
            if let Some(d) = &discriminator {
                if let ReferenceOr::Reference { reference } = m {
                    let short = reference.rsplit('/').next().unwrap_or("");
                    for (tag, target) in &d.mapping {
                        if target == reference || target == short {
                            tags.push(tag.clone());
                        }
                    }
                    schema_name = Some(crate::pointer::unescape(short));
                }
                tags.extend(self.wire_values(m, &d.property_name));
            }
            let docs = match m {
                ReferenceOr::Item(inner) => docs_of(inner),
                ReferenceOr::Reference { .. } => None,
            };
            candidates.push((tags, schema_name));
            variants.push(UnionVariant {
                name: scope.claim(&names::pascal(&base)),
                ty,
                tags: Vec::new(),
                docs,
            });
        }
        claim_tags(&mut variants, candidates);
        let tagged = discriminator
            .as_ref()
            .filter(|_| variants.iter().all(|v| !v.tags.is_empty()))
            .map(|d| d.property_name.clone());
        self.define(
            fixed,
            hint,
            pointer,
            s,
            TypeKind::Union(UnionDef {
                variants,
                discriminator: tagged,
            }),
        )
    }

    /// The string values a member allows for property `prop` (its `const`, which the loader
    /// turns into a one-value `enum`, or its `enum`), looking through `$ref`s and `allOf`.
    pub(super) fn wire_values(&self, member: &ReferenceOr<Schema>, prop: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_wire_values(member, prop, &mut out, &mut BTreeSet::new(), 0);
        let mut seen = BTreeSet::new();
        out.retain(|v| seen.insert(v.clone()));
        out
    }

    fn collect_wire_values(
        &self,
        member: &ReferenceOr<Schema>,
        prop: &str,
        out: &mut Vec<String>,
        visited: &mut BTreeSet<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        if let ReferenceOr::Reference { reference } = member {
            if !visited.insert(reference.clone()) {
                return;
            }
        }
        let Some(s) = self.resolve(member) else {
            return;
        };
        let (props, all_of) = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (Some(&o.properties), None),
            SchemaKind::AllOf { all_of } => (None, Some(all_of)),
            SchemaKind::Any(a) => (Some(&a.properties), Some(&a.all_of)),
            _ => (None, None),
        };
        if let Some(p) = props.and_then(|p| p.get(prop)) {
            let p = super::unbox(p);
            if let Some(ps) = self.resolve(&p) {
                out.extend(string_values(ps));
            }
        }
        for m in all_of.into_iter().flatten() {
            self.collect_wire_values(m, prop, out, visited, depth + 1);
        }
    }
}

/// The string values of a schema's `enum` (after `const` became a one-value `enum`).
fn string_values(s: &Schema) -> Vec<String> {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => st.enumeration.iter().flatten().cloned().collect(),
        SchemaKind::Any(a) => a
            .enumeration
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Gives each variant its tags: every mapping entry and wire value it declares (a value several
/// members declare selects all of them, to be told apart by best fit), then its schema name
/// unless some member already has that tag.
fn claim_tags(variants: &mut [UnionVariant], candidates: Vec<(Vec<String>, Option<String>)>) {
    let mut taken = BTreeSet::new();
    let mut names = Vec::new();
    for (v, (tags, name)) in variants.iter_mut().zip(candidates) {
        for t in tags {
            if !v.tags.contains(&t) {
                taken.insert(t.clone());
                v.tags.push(t);
            }
        }
        names.push(name);
    }
    for (v, name) in variants.iter_mut().zip(names) {
        if let Some(n) = name {
            if taken.insert(n.clone()) {
                v.tags.push(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::ir::{TypeDef, TypeKind, UnionDef};
    use crate::Warning;

    use super::TypeSpace;

    fn space_of(yaml: &str) -> (BTreeMap<String, TypeDef>, Vec<Warning>) {
        let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
        let mut s = TypeSpace::new(&doc);
        s.add_components();
        s.finish()
    }

    fn union<'a>(t: &'a BTreeMap<String, TypeDef>, name: &str) -> &'a UnionDef {
        match &t[name].kind {
            TypeKind::Union(u) => u,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn tags(u: &UnionDef) -> Vec<Vec<&str>> {
        u.variants
            .iter()
            .map(|v| v.tags.iter().map(String::as_str).collect())
            .collect()
    }

    const HEAD: &str =
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n";

    #[test]
    fn tags_come_from_the_members_const_or_enum_then_the_schema_name() {
        // OpenAI's shape: no mapping, each member's `type` a const (3.1) or one-value enum.
        let (t, _) = space_of(&format!(
            "{HEAD}    OutputMessage: {{type: object, required: [type], properties: {{type: {{type: string, const: message}}}}}}\n    FileSearchCall:\n      allOf:\n        - {{type: object, properties: {{id: {{type: string}}}}}}\n        - {{type: object, properties: {{type: {{type: string, enum: [file_search_call]}}}}}}\n    Free: {{type: object, properties: {{type: {{type: string}}}}}}\n    OutputItem:\n      oneOf: [{{$ref: '#/components/schemas/OutputMessage'}}, {{$ref: '#/components/schemas/FileSearchCall'}}, {{$ref: '#/components/schemas/Free'}}]\n      discriminator: {{propertyName: type}}\n"
        ));
        let u = union(&t, "OutputItem");
        assert_eq!(u.discriminator.as_deref(), Some("type"));
        assert_eq!(
            tags(u),
            vec![
                vec!["message", "OutputMessage"],
                vec!["file_search_call", "FileSearchCall"],
                vec!["Free"],
            ]
        );
    }

    #[test]
    fn mapping_first_and_a_shared_wire_value_selects_every_member_declaring_it() {
        let (t, _) = space_of(&format!(
            "{HEAD}    A: {{type: object, properties: {{kind: {{enum: [a, shared]}}}}}}\n    B: {{type: object, properties: {{kind: {{enum: [shared, A]}}}}}}\n    U:\n      oneOf: [{{$ref: '#/components/schemas/A'}}, {{$ref: '#/components/schemas/B'}}]\n      discriminator: {{propertyName: kind, mapping: {{x: '#/components/schemas/B'}}}}\n"
        ));
        // B's own `A` value outranks A's schema name.
        assert_eq!(
            tags(union(&t, "U")),
            vec![vec!["a", "shared"], vec!["x", "shared", "A", "B"]]
        );
    }

    #[test]
    fn inline_members_with_consts_are_tagged() {
        let (t, _) = space_of(&format!(
            "{HEAD}    U:\n      oneOf:\n        - {{type: object, properties: {{t: {{const: one}}, a: {{type: string}}}}}}\n        - {{type: object, properties: {{t: {{const: two}}, b: {{type: string}}}}}}\n      discriminator: {{propertyName: t}}\n"
        ));
        let u = union(&t, "U");
        assert_eq!(u.discriminator.as_deref(), Some("t"));
        assert_eq!(tags(u), vec![vec!["one"], vec!["two"]]);
    }

    #[test]
    fn a_mapping_entry_to_a_missing_file_leaves_the_one_of_in_charge() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bad/missing-mapping-file.yaml");
        let doc = crate::load::load(&path).expect("load goes on");
        let mut s = TypeSpace::new(&doc);
        s.add_components();
        let (t, _) = s.finish();
        let u = union(&t, "Pet");
        assert_eq!(u.discriminator.as_deref(), Some("kind"));
        assert_eq!(tags(u), vec![vec!["cat", "Cat"], vec!["dog", "Dog"]]);
    }
}
