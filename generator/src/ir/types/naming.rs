//! Names of shared inline types: by content or canonical place, not by first sighting.
//!
//! An inline schema is named from its place when first built (`Charge.billing` →
//! `ChargeBilling`); structurally identical inline shapes are built once, and every place that
//! uses one is recorded. When all types are built, a shape used in several places is renamed:
//! 1. when every place is a property of the same name, after that property alone
//!    (`metadata` → `Metadata`), or, for a one-value enum, after the value and the property
//!    (`type: [message]` → `MessageType`), if no other type has the name and the property
//!    is not too generic to stand alone (`status`, `data`, `type`: see [`GENERIC`]);
//! 2. else after its canonical place: a component schema's before an operation's (`…Body`,
//!    `…Response`), then the shallowest, then the shortest name, then the first in
//!    alphabetical order; kept as it is when that name is taken.
//!
//! Component schemas keep their names. A rename reaches every reference: fields, variants,
//! aliases, and (through [`rename_operation`]) parameters, bodies, responses and webhooks.

use std::collections::BTreeMap;

use crate::ir::names::{self, Scope};
use crate::ir::{EnumDef, Operation, TypeDef, TypeKind, TypeRef, Webhook};

/// Property names too generic to name a type alone (`Status`, `Data` say nothing at the
/// crate root): a shape shared under one of them is named by its canonical place instead.
const GENERIC: &[&str] = &[
    "attributes",
    "body",
    "config",
    "content",
    "data",
    "details",
    "info",
    "item",
    "items",
    "kind",
    "mode",
    "object",
    "options",
    "properties",
    "result",
    "results",
    "settings",
    "state",
    "status",
    "type",
    "value",
];

/// One place an inline shape is used.
#[derive(Debug, Clone)]
pub(super) struct Sighting {
    /// The name that place would give it.
    pub hint: String,
    /// The JSON pointer of the place.
    pub pointer: String,
}

impl Sighting {
    /// The property this place is, when it is one (`…/properties/metadata` → `metadata`).
    fn property(&self) -> Option<String> {
        let (head, last) = self.pointer.rsplit_once('/')?;
        head.ends_with("/properties")
            .then(|| crate::pointer::unescape(last))
    }

    /// Rank of the place: smaller is more canonical.
    fn rank(&self) -> (bool, usize, usize, &str) {
        (
            !self.pointer.starts_with("#/components/"),
            self.pointer.matches("/properties/").count(),
            self.hint.len(),
            &self.hint,
        )
    }
}

/// The new name of every shared inline type whose canonical name differs from its current
/// one, claimed in `scope`.
pub(super) fn canonical_names(
    sightings: &BTreeMap<String, Vec<Sighting>>,
    types: &BTreeMap<String, TypeDef>,
    scope: &mut Scope,
) -> BTreeMap<String, String> {
    let mut renames = BTreeMap::new();
    for (current, places) in sightings {
        if places.len() < 2 {
            continue;
        }
        let first = places[0].property();
        let same_property = first.is_some() && places.iter().all(|p| p.property() == first);
        let by_property = first
            .filter(|_| same_property)
            .map(|p| match types.get(current).map(|d| &d.kind) {
                Some(TypeKind::Enum(EnumDef { variants })) if variants.len() == 1 => {
                    names::type_name(&format!("{}_{p}", variants[0].value))
                }
                _ if GENERIC.contains(&p.as_str()) => String::new(),
                _ => names::type_name(&p),
            })
            .filter(|n| !n.is_empty())
            .filter(|n| n == current || !scope.contains(n));
        let by_place = || {
            let best = places.iter().min_by(|a, b| a.rank().cmp(&b.rank()))?;
            let n = names::type_name(&best.hint);
            (n == *current || !scope.contains(&n)).then_some(n)
        };
        let Some(name) = by_property.or_else(by_place) else {
            continue;
        };
        if name != *current {
            renames.insert(current.clone(), scope.claim(&name));
        }
    }
    renames
}

/// Renames the named types in `t`.
pub(crate) fn rename_ref(t: &mut TypeRef, renames: &BTreeMap<String, String>) {
    match t {
        TypeRef::Named(n) => {
            if let Some(new) = renames.get(n) {
                *n = new.clone();
            }
        }
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) | TypeRef::Expandable(i) => {
            rename_ref(i, renames)
        }
        TypeRef::Prim(_) | TypeRef::Json | TypeRef::Unit => {}
    }
}

/// Renames types and every reference between them.
pub(super) fn rename_types(
    types: BTreeMap<String, TypeDef>,
    renames: &BTreeMap<String, String>,
) -> BTreeMap<String, TypeDef> {
    types
        .into_values()
        .map(|mut d| {
            if let Some(new) = renames.get(&d.name) {
                d.name = new.clone();
            }
            match &mut d.kind {
                TypeKind::Struct(s) => {
                    for f in &mut s.fields {
                        rename_ref(&mut f.ty, renames);
                    }
                    if let Some(a) = &mut s.additional {
                        rename_ref(a, renames);
                    }
                }
                TypeKind::Union(u) => {
                    for v in &mut u.variants {
                        rename_ref(&mut v.ty, renames);
                    }
                }
                TypeKind::Alias(t) => rename_ref(t, renames),
                TypeKind::Enum(_) => {}
            }
            (d.name.clone(), d)
        })
        .collect()
}

/// Renames the types an operation refers to.
pub(crate) fn rename_operation(op: &mut Operation, renames: &BTreeMap<String, String>) {
    for p in &mut op.params {
        rename_ref(&mut p.ty, renames);
    }
    if let Some(b) = &mut op.body {
        rename_ref(&mut b.ty, renames);
    }
    rename_ref(&mut op.success.ty, renames);
    for e in &mut op.errors {
        rename_ref(&mut e.ty, renames);
    }
    if let Some(p) = &mut op.pagination {
        rename_ref(&mut p.item_ty, renames);
    }
    if let Some(s) = &mut op.streaming {
        rename_ref(&mut s.event, renames);
    }
}

/// Renames the type a webhook carries.
pub(crate) fn rename_webhook(w: &mut Webhook, renames: &BTreeMap<String, String>) {
    rename_ref(&mut w.ty, renames);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::ir::{TypeDef, TypeKind, TypeRef};

    fn space_of(yaml: &str) -> BTreeMap<String, TypeDef> {
        let doc = crate::load::load_str(yaml, Path::new("t.yaml")).expect("load");
        let mut s = super::super::TypeSpace::new(&doc);
        s.add_components();
        s.finish().0
    }

    fn field(t: &BTreeMap<String, TypeDef>, ty: &str, i: usize) -> TypeRef {
        match &t[ty].kind {
            TypeKind::Struct(s) => s.fields[i].ty.clone(),
            other => panic!("{ty}: {other:?}"),
        }
    }

    const HEAD: &str =
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n";
    const SHAPE: &str = "{type: object, properties: {line1: {type: string}}}";

    #[test]
    fn a_shape_shared_by_properties_of_one_name_is_named_by_the_property() {
        let t = space_of(&format!(
            "{HEAD}    Card: {{type: object, properties: {{address: {SHAPE}}}}}\n    Charge: {{type: object, properties: {{address: {SHAPE}}}}}\n"
        ));
        assert_eq!(field(&t, "Card", 0), TypeRef::Named("Address".into()));
        assert_eq!(field(&t, "Charge", 0), TypeRef::Named("Address".into()));
        assert!(!t.contains_key("CardAddress"), "{:?}", t.keys());
    }

    #[test]
    fn a_shared_one_value_enum_is_named_by_value_and_property() {
        let tag = "{type: string, enum: [message]}";
        let t = space_of(&format!(
            "{HEAD}    User: {{type: object, properties: {{type: {tag}}}}}\n    System: {{type: object, properties: {{type: {tag}}}}}\n"
        ));
        assert_eq!(field(&t, "User", 0), TypeRef::Named("MessageType".into()));
        assert_eq!(field(&t, "System", 0), TypeRef::Named("MessageType".into()));
    }

    #[test]
    fn a_generic_property_does_not_name_a_shared_shape_alone() {
        let status = "{type: string, enum: [queued, done]}";
        let t = space_of(&format!(
            "{HEAD}    Job: {{type: object, properties: {{status: {status}}}}}\n    Run: {{type: object, properties: {{status: {status}}}}}\n"
        ));
        assert_eq!(field(&t, "Job", 0), TypeRef::Named("JobStatus".into()));
        assert_eq!(field(&t, "Run", 0), TypeRef::Named("JobStatus".into()));
        assert!(!t.contains_key("Status"), "{:?}", t.keys());
    }

    #[test]
    fn otherwise_the_shallowest_place_names_it_not_the_first_seen() {
        // `A` is built first and sees the shape deeper down.
        let t = space_of(&format!(
            "{HEAD}    A: {{type: object, properties: {{outer: {{type: object, properties: {{inner: {SHAPE}}}}}}}}}\n    B: {{type: object, properties: {{home: {SHAPE}}}}}\n"
        ));
        assert_eq!(field(&t, "B", 0), TypeRef::Named("BHome".into()));
        assert_eq!(field(&t, "AOuter", 0), TypeRef::Named("BHome".into()));
        assert!(!t.contains_key("AOuterInner"), "{:?}", t.keys());
    }

    #[test]
    fn a_shape_used_once_keeps_its_place_name_and_taken_names_are_not_stolen() {
        let t = space_of(&format!(
            "{HEAD}    Address: {{type: string}}\n    Card: {{type: object, properties: {{address: {SHAPE}, billing: {{type: object, properties: {{zip: {{type: string}}}}}}}}}}\n    Charge: {{type: object, properties: {{address: {SHAPE}}}}}\n"
        ));
        // `Address` is a component: the shared shape falls back to its canonical place.
        assert_eq!(field(&t, "Charge", 0), TypeRef::Named("CardAddress".into()));
        assert_eq!(field(&t, "Card", 1), TypeRef::Named("CardBilling".into()));
        assert_eq!(
            t["Address"].kind,
            TypeKind::Alias(TypeRef::Prim(crate::ir::Prim::String))
        );
    }

    #[test]
    fn renames_reach_operations() {
        let yaml = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      operationId: GetA\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {SHAPE}\ncomponents:\n  schemas:\n    A: {{type: object, properties: {{outer: {{type: object, properties: {{inner: {SHAPE}}}}}}}}}\n    B: {{type: object, properties: {{home: {SHAPE}}}}}\n");
        let doc = crate::load::load_str(&yaml, Path::new("t.yaml")).expect("load");
        let (api, _) = crate::ir::build(&doc).expect("ir");
        let op = &api.operations[0];
        assert_eq!(op.success.ty, TypeRef::Named("BHome".into()));
        assert!(api.types.contains_key("BHome"), "{:?}", api.types.keys());
        assert!(
            !api.types.contains_key("AOuterInner"),
            "{:?}",
            api.types.keys()
        );
    }
}
