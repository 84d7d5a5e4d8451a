//! `sturdy_runtime::ObjectId` for the types that expandable fields hold, so that
//! `Expandable::id()` reads the id of an expanded object: a struct with a required string
//! `id`, or a union whose variants all are such structs (its `Other` reads `id` from the
//! JSON, empty when there is none).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::ident;
use crate::ir::{Prim, TypeDef, TypeKind, TypeRef};

/// Named types held by an `Expandable` anywhere in the model, and the variants of such unions.
pub(super) fn targets(types: &BTreeMap<String, TypeDef>) -> BTreeSet<String> {
    fn walk(t: &TypeRef, inside: bool, out: &mut BTreeSet<String>) {
        match t {
            TypeRef::Named(n) if inside => {
                out.insert(n.clone());
            }
            TypeRef::Expandable(i) => walk(i, true, out),
            TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) => walk(i, inside, out),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for d in types.values() {
        match &d.kind {
            TypeKind::Struct(s) => s.fields.iter().for_each(|f| walk(&f.ty, false, &mut out)),
            TypeKind::Union(u) => u.variants.iter().for_each(|v| walk(&v.ty, false, &mut out)),
            TypeKind::Alias(t) => walk(t, false, &mut out),
            TypeKind::Enum(_) => {}
        }
    }
    // A union's impl reads its variants' ids.
    let unions: Vec<String> = out.iter().cloned().collect();
    for n in unions {
        if let Some(TypeKind::Union(u)) = types.get(&n).map(|d| &d.kind) {
            for v in &u.variants {
                if let TypeRef::Named(m) = unboxed(&v.ty) {
                    out.insert(m.clone());
                }
            }
        }
    }
    out
}

/// The Rust name of a struct's required string `id` field.
fn id_field(def: &TypeDef) -> Option<&str> {
    let TypeKind::Struct(s) = &def.kind else {
        return None;
    };
    s.fields
        .iter()
        .find(|f| {
            f.wire_name == "id" && f.required && !f.nullable && f.ty == TypeRef::Prim(Prim::String)
        })
        .map(|f| f.name.as_str())
}

fn unboxed(t: &TypeRef) -> &TypeRef {
    match t {
        TypeRef::Boxed(i) => unboxed(i),
        other => other,
    }
}

/// `impl ObjectId` for `def`, when it has an id to read.
/// `cfg`: the type's feature gate.
pub(super) fn emit_object_id(
    def: &TypeDef,
    types: &BTreeMap<String, TypeDef>,
    cfg: &TokenStream,
) -> TokenStream {
    let name = ident(&def.name);
    let body = match &def.kind {
        TypeKind::Struct(_) => match id_field(def) {
            Some(f) => {
                let f = ident(f);
                quote!(&self.#f)
            }
            None => return TokenStream::new(),
        },
        TypeKind::Union(u) => {
            let all_have_ids = u.variants.iter().all(|v| match unboxed(&v.ty) {
                TypeRef::Named(n) => types.get(n).and_then(id_field).is_some(),
                _ => false,
            });
            if !all_have_ids {
                return TokenStream::new();
            }
            let arms = u.variants.iter().map(|v| {
                let vn = ident(&v.name);
                let v_ref = match &v.ty {
                    TypeRef::Boxed(_) => quote!(&**v),
                    _ => quote!(v),
                };
                quote!(Self::#vn(v) => ::sturdy_runtime::ObjectId::object_id(#v_ref),)
            });
            let has_other =
                !(u.discriminator.is_none() && u.variants.iter().any(|v| v.ty == TypeRef::Json));
            let other = has_other.then(|| {
                quote!(Self::Other(v) => v.get("id").and_then(|v| v.as_str()).unwrap_or_default(),)
            });
            quote!(match self { #(#arms)* #other })
        }
        _ => return TokenStream::new(),
    };
    quote! {
        #cfg
        impl ::sturdy_runtime::ObjectId for #name {
            fn object_id(&self) -> &str {
                #body
            }
        }
    }
}
