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
        if let Some(t) = self.expandable(&members, s, hint, pointer, key) {
            return self.alias_or(fixed, t, s, pointer);
        }
        // A union of a few component schemas is named by them (`CustomerOrDeletedCustomer`).
        let content = content_name(&members, &self.component_names);
        let hint = content.as_deref().unwrap_or(hint);
        let mut scope = Scope::with_reserved(["Other", "Unknown"]);
        let mut variants: Vec<UnionVariant> = Vec::new();
        // Per kept variant: (mapping and own tags, schema name).
        let mut candidates: Vec<(Vec<String>, Option<String>)> = Vec::new();
        let discriminator = s.schema_data.discriminator.clone();
        let by_content = self.content_labels(&members);
        for (k, (i, m)) in members.iter().copied().enumerate() {
            let prop = discriminator.as_ref().map(|d| d.property_name.as_str());
            let label = self.member_label(m, prop).or_else(|| by_content[k].clone());
            let member_hint = match &label {
                Some(l) => format!("{hint}{l}"),
                None if is_array(m) => hint.to_owned(),
                None => format!("{hint}Variant{i}"),
            };
            let ty = self.type_of(m, &member_hint, &format!("{pointer}/{key}/{i}"));
            if variants.iter().any(|v| v.ty == ty) {
                continue;
            }
            let base = match (&ty, m, label) {
                (TypeRef::Named(_), ReferenceOr::Item(_), Some(l)) => l,
                (TypeRef::Named(n), _, _) => n.clone(),
                (TypeRef::Prim(p), _, _) => format!("{p:?}"),
                (TypeRef::Vec(_), _, _) => "Array".to_owned(),
                (TypeRef::Map(_), _, _) => "Object".to_owned(),
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

    /// A name for an inline member from what it says about itself: its `title`, else the one
    /// wire value of its discriminator (or `type`/`object`/`kind`/`event`) property, else its only
    /// property; a string enum is `Known` (the values the spec lists). `None` for a `$ref`
    /// (named by its schema) and for a member that says nothing.
    fn member_label(&self, m: &ReferenceOr<Schema>, discriminator: Option<&str>) -> Option<String> {
        let ReferenceOr::Item(s) = m else {
            return None;
        };
        if let Some(t) = s
            .schema_data
            .title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            return Some(names::pascal(t));
        }
        for p in discriminator
            .into_iter()
            .chain(["type", "object", "kind", "event"])
        {
            if let [v] = self.wire_values(m, p).as_slice() {
                return Some(if v.is_empty() {
                    "Empty".to_owned()
                } else {
                    names::pascal(v)
                });
            }
        }
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) if !st.enumeration.is_empty() => {
                Some("Known".to_owned())
            }
            SchemaKind::Type(Type::Object(o)) if o.properties.len() == 1 => {
                o.properties.keys().next().map(|k| names::pascal(k))
            }
            SchemaKind::Any(a)
                if a.typ.as_deref() == Some("string") && !a.enumeration.is_empty() =>
            {
                Some("Known".to_owned())
            }
            SchemaKind::Any(a) if a.properties.len() == 1 && a.all_of.is_empty() => {
                a.properties.keys().next().map(|k| names::pascal(k))
            }
            _ => None,
        }
    }

    /// Names for inline object members that say nothing about themselves, from how they
    /// differ from their siblings: the only object among the members is `Object`; otherwise
    /// the first property (required ones first) that no other member declares
    /// (GitHub's protection rules: `WaitTimer`, `Reviewers`). `None` where nothing tells.
    fn content_labels(&self, members: &[(usize, &ReferenceOr<Schema>)]) -> Vec<Option<String>> {
        let props: Vec<Option<Vec<&str>>> = members
            .iter()
            .map(|(_, m)| self.resolve(m).and_then(ordered_properties))
            .collect();
        let objects = props.iter().filter(|p| p.is_some()).count();
        members
            .iter()
            .enumerate()
            .map(|(k, (_, m))| {
                let ReferenceOr::Item(_) = m else {
                    return None;
                };
                let own = props[k].as_ref()?;
                if objects == 1 {
                    return Some("Object".to_owned());
                }
                let others = props
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .filter_map(|(_, p)| p.as_ref());
                let taken: BTreeSet<&str> = others.flatten().copied().collect();
                own.iter()
                    .find(|p| !taken.contains(*p))
                    .map(|p| names::pascal(p))
            })
            .collect()
    }

    /// `anyOf: [string, $ref]`, Stripe's expandable field (`x-expansionResources`, or an
    /// object with an `id`): `Expandable<T>`, the id or the object; with several objects,
    /// `Expandable` of their union.
    fn expandable(
        &mut self,
        members: &[(usize, &ReferenceOr<Schema>)],
        s: &Schema,
        hint: &str,
        pointer: &str,
        key: &str,
    ) -> Option<TypeRef> {
        let declared = s
            .schema_data
            .extensions
            .contains_key("x-expansionResources");
        let (ids, objects): (Vec<_>, Vec<_>) = members
            .iter()
            .partition(|(_, m)| matches!(m, ReferenceOr::Item(i) if is_plain_string(i)));
        if ids.len() != 1 || objects.is_empty() {
            return None;
        }
        for (_, m) in &objects {
            let ReferenceOr::Reference { .. } = m else {
                return None;
            };
            let props = object_properties(self.resolve(m)?)?;
            if !declared && !props.contains(&"id") {
                return None;
            }
        }
        if let [(i, m)] = objects.as_slice() {
            let t = self.type_of(m, hint, &format!("{pointer}/{key}/{i}"));
            return Some(TypeRef::Expandable(Box::new(t)));
        }
        let refs: Vec<ReferenceOr<Schema>> = objects.iter().map(|(_, m)| (*m).clone()).collect();
        let union = Schema {
            schema_data: Default::default(),
            schema_kind: SchemaKind::AnyOf {
                any_of: refs.clone(),
            },
        };
        let t = self.union_type(&refs, &union, hint, pointer, None, key);
        Some(TypeRef::Expandable(Box::new(t)))
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

/// `type: string` with no `enum` and no format that makes it something else.
fn is_plain_string(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => {
            st.enumeration.is_empty()
                && matches!(st.format, openapiv3::VariantOrUnknownOrEmpty::Empty)
        }
        SchemaKind::Any(a) => {
            a.typ.as_deref() == Some("string") && a.enumeration.is_empty() && a.format.is_none()
        }
        _ => false,
    }
}

fn is_array(m: &ReferenceOr<Schema>) -> bool {
    match m {
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Type(Type::Array(_)) => true,
            SchemaKind::Any(a) => a.typ.as_deref() == Some("array"),
            _ => false,
        },
        ReferenceOr::Reference { .. } => false,
    }
}

/// The property names of an object schema (`None` when it is not one).
fn object_properties(s: &Schema) -> Option<Vec<&str>> {
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            Some(o.properties.keys().map(String::as_str).collect())
        }
        SchemaKind::Any(a) if !a.properties.is_empty() => {
            Some(a.properties.keys().map(String::as_str).collect())
        }
        _ => None,
    }
}

/// An object schema's properties, required ones first, each in declaration order.
fn ordered_properties(s: &Schema) -> Option<Vec<&str>> {
    let (props, required) = match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => {
            (&o.properties, &o.required)
        }
        SchemaKind::Any(a) if !a.properties.is_empty() => (&a.properties, &a.required),
        _ => return None,
    };
    let (mut first, rest): (Vec<&str>, Vec<&str>) = props
        .keys()
        .map(String::as_str)
        .partition(|k| required.iter().any(|r| r == k));
    first.extend(rest);
    Some(first)
}

/// `AOrBOrC` for a union of two or three component schemas.
fn content_name(
    members: &[(usize, &ReferenceOr<Schema>)],
    components: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    if !(2..=3).contains(&members.len()) {
        return None;
    }
    let names: Option<Vec<&str>> = members
        .iter()
        .map(|(_, m)| match m {
            ReferenceOr::Reference { reference } => {
                let short = reference.strip_prefix("#/components/schemas/")?;
                components
                    .get(&crate::pointer::unescape(short))
                    .map(String::as_str)
            }
            ReferenceOr::Item(_) => None,
        })
        .collect();
    Some(names?.join("Or"))
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

    fn names(t: &BTreeMap<String, TypeDef>, name: &str) -> Vec<(String, String)> {
        union(t, name)
            .variants
            .iter()
            .map(|v| {
                let ty = match &v.ty {
                    crate::ir::TypeRef::Named(n) => n.clone(),
                    other => format!("{other:?}"),
                };
                (v.name.clone(), ty)
            })
            .collect()
    }

    #[test]
    fn inline_members_are_named_by_title_tag_or_content_not_by_position() {
        let (t, _) = space_of(&format!(
            "{HEAD}    Source:\n      oneOf:\n        - {{title: card, type: object, properties: {{brand: {{type: string}}, last4: {{type: string}}}}}}\n        - {{type: object, properties: {{object: {{type: string, enum: [bank_account]}}, bank: {{type: string}}}}}}\n        - {{type: string, enum: [cash, check]}}\n        - {{type: object, properties: {{note: {{type: string}}}}}}\n        - {{type: array, items: {{type: object, properties: {{a: {{type: string}}, b: {{type: string}}}}}}}}\n"
        ));
        let pairs: Vec<(&str, &str)> = vec![
            ("Card", "SourceCard"),
            ("BankAccount", "SourceBankAccount"),
            ("Known", "SourceKnown"),
            ("Note", "SourceNote"),
        ];
        let got = names(&t, "Source");
        for (i, (v, ty)) in pairs.iter().enumerate() {
            assert_eq!((got[i].0.as_str(), got[i].1.as_str()), (*v, *ty));
        }
        assert_eq!(got[4].0, "Array");
        assert!(t.contains_key("SourceItem"), "{:?}", t.keys());
        assert!(t.keys().all(|k| !k.contains("Variant")), "{:?}", t.keys());
    }

    #[test]
    fn members_that_say_nothing_are_named_by_how_they_differ() {
        // GitHub's environment protection rules and issue labels.
        let (t, _) = space_of(&format!(
            "{HEAD}    Rule:\n      anyOf:\n        - {{type: object, required: [id, type], properties: {{id: {{type: integer}}, type: {{type: string}}, wait_timer: {{type: integer}}}}}}\n        - {{type: object, required: [id, type], properties: {{id: {{type: integer}}, type: {{type: string}}, prevent_self_review: {{type: boolean}}, reviewers: {{type: array, items: {{type: string}}}}}}}}\n        - {{type: object, required: [id, type, reviewers], properties: {{id: {{type: integer}}, type: {{type: string}}, reviewers: {{type: string}}}}}}\n    Label:\n      oneOf:\n        - {{type: string}}\n        - {{type: object, properties: {{id: {{type: integer}}, name: {{type: string}}}}}}\n"
        ));
        let got = names(&t, "Rule");
        assert_eq!(got[0], ("WaitTimer".to_owned(), "RuleWaitTimer".to_owned()));
        assert_eq!(
            got[1],
            (
                "PreventSelfReview".to_owned(),
                "RulePreventSelfReview".to_owned()
            )
        );
        // Nothing only its own: still numbered, never a wrong name.
        assert_eq!(got[2].1, "RuleVariant2");
        let got = names(&t, "Label");
        assert_eq!(got[1], ("Object".to_owned(), "LabelObject".to_owned()));
    }

    #[test]
    fn a_string_or_an_object_is_expandable() {
        let (t, _) = space_of(&format!(
            "{HEAD}    Customer: {{type: object, required: [id], properties: {{id: {{type: string}}}}}}\n    Gone: {{type: object, properties: {{id: {{type: string}}, deleted: {{type: boolean}}}}}}\n    NoId: {{type: object, properties: {{name: {{type: string}}}}}}\n    Charge:\n      type: object\n      properties:\n        customer: {{anyOf: [{{type: string, maxLength: 50}}, {{$ref: '#/components/schemas/Customer'}}]}}\n        either:\n          anyOf: [{{type: string}}, {{$ref: '#/components/schemas/Customer'}}, {{$ref: '#/components/schemas/Gone'}}]\n          x-expansionResources: {{oneOf: [{{$ref: '#/components/schemas/Customer'}}]}}\n        named: {{anyOf: [{{type: string}}, {{$ref: '#/components/schemas/NoId'}}]}}\n"
        ));
        let TypeKind::Struct(s) = &t["Charge"].kind else {
            panic!()
        };
        use crate::ir::TypeRef;
        let exp = |n: &str| TypeRef::Expandable(Box::new(TypeRef::Named(n.into())));
        assert_eq!(s.fields[0].ty, exp("Customer"));
        assert_eq!(s.fields[1].ty, exp("CustomerOrGone"));
        assert_eq!(
            names(&t, "CustomerOrGone"),
            vec![
                ("Customer".to_owned(), "Customer".to_owned()),
                ("Gone".to_owned(), "Gone".to_owned())
            ]
        );
        // Without `x-expansionResources` and without an `id`, a plain union.
        assert!(
            matches!(&s.fields[2].ty, TypeRef::Named(n) if matches!(t[n].kind, TypeKind::Union(_)))
        );
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
