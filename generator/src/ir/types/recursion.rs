//! Recursion: boxing the fields that make a type contain itself, and breaking alias cycles.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{TypeDef, TypeKind, TypeRef};
use crate::Warning;

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
pub(super) fn box_recursion(types: &mut BTreeMap<String, TypeDef>) {
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
pub(super) fn break_alias_cycles(
    types: &mut BTreeMap<String, TypeDef>,
    warnings: &mut Vec<Warning>,
) {
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
