//! Which named types reach which: what a type names directly, everything reachable from
//! some roots, and the types a request sends. One traversal for the emitter's feature gates
//! and constructors and for example evidence.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Operation, TypeDef, TypeKind, TypeRef};

/// Pushes the named type `t` names, if any (through lists, maps, boxes and expandable
/// fields).
pub fn named_in(t: &TypeRef, out: &mut Vec<String>) {
    match t {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) | TypeRef::Expandable(i) => {
            named_in(i, out)
        }
        TypeRef::Prim(_) | TypeRef::Json | TypeRef::Unit => {}
    }
}

/// The named types the definition of `name` names directly: its fields and additional
/// properties, its union members, its alias target.
pub fn named_by(types: &BTreeMap<String, TypeDef>, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    match types.get(name).map(|d| &d.kind) {
        Some(TypeKind::Struct(s)) => {
            for f in &s.fields {
                named_in(&f.ty, &mut out);
            }
            if let Some(a) = &s.additional {
                named_in(a, &mut out);
            }
        }
        Some(TypeKind::Union(u)) => {
            for v in &u.variants {
                named_in(&v.ty, &mut out);
            }
        }
        Some(TypeKind::Alias(t)) => named_in(t, &mut out),
        Some(TypeKind::Enum(_)) | None => {}
    }
    out
}

/// Adds to `seen` every named type reachable from `roots`.
pub fn reach(types: &BTreeMap<String, TypeDef>, roots: Vec<String>, seen: &mut BTreeSet<String>) {
    let mut stack = roots;
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone()) {
            stack.extend(named_by(types, &n));
        }
    }
}

/// The named types a request body or parameter reaches: the types a client builds and
/// sends. The emitter gives them constructors; example evidence never relaxes them.
pub fn request_types(
    operations: &[Operation],
    types: &BTreeMap<String, TypeDef>,
) -> BTreeSet<String> {
    let mut roots = Vec::new();
    for op in operations {
        for t in op
            .params
            .iter()
            .map(|p| &p.ty)
            .chain(op.body.iter().map(|b| &b.ty))
        {
            named_in(t, &mut roots);
        }
    }
    let mut seen = BTreeSet::new();
    reach(types, roots, &mut seen);
    seen
}
