//! Unions to Rust. Both kinds serialize untagged (the payload keeps its discriminator field);
//! their `Deserialize` leans on `sturdy_runtime::union` so each union adds only a match:
//! - tagged: dispatched on the discriminator's wire values; an unknown or missing tag keeps the
//!   JSON in `Other` and is reported;
//! - untagged: each variant's wire [shape](sturdy_runtime::union::Shape) (kind, declared and
//!   required keys, closed string fields) is written out here, and the runtime decodes by best
//!   fit, `Other` (reported) only when no variant decodes.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::{doc_attrs, ident, type_tokens};
use crate::ir::{Prim, TypeDef, TypeKind, TypeRef, UnionDef};

pub(super) fn emit_union(
    def: &TypeDef,
    u: &UnionDef,
    types: &BTreeMap<String, TypeDef>,
    docs: TokenStream,
    dep: TokenStream,
) -> TokenStream {
    let name = ident(&def.name);
    let (ty_name, pointer) = (&def.name, &def.origin);
    let variants = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let t = type_tokens(&v.ty);
        let vdocs = doc_attrs(v.docs.as_deref());
        quote!(#vdocs #vn(#t))
    });
    let json_variant = u.variants.iter().find(|v| v.ty == TypeRef::Json);
    let other = match (&u.discriminator, json_variant) {
        (None, Some(_)) => quote!(),
        _ => quote! {
            /// A shape this client does not know (reported as a `tracing` warning).
            Other(::sturdy_runtime::serde_json::Value),
        },
    };
    let (doc, body) = match &u.discriminator {
        Some(prop) => {
            let arms = u.variants.iter().map(|v| {
                let vn = ident(&v.name);
                let tags = &v.tags;
                quote!(::std::option::Option::Some(#(#tags)|*) => ::sturdy_runtime::serde_json::from_value(value).map(Self::#vn).map_err(::serde::de::Error::custom),)
            });
            let doc =
                format!(" Dispatched on `{prop}`; an unknown `{prop}` keeps the JSON in `Other`.");
            let body = quote! {
                let value = <::sturdy_runtime::serde_json::Value as ::serde::Deserialize>::deserialize(d)?;
                match value.get(#prop).and_then(|t| t.as_str()) {
                    #(#arms)*
                    tag => {
                        ::sturdy_runtime::union::catch_all(#ty_name, #pointer, tag);
                        ::std::result::Result::Ok(Self::Other(value))
                    }
                }
            };
            (doc, body)
        }
        None => {
            let shapes = u.variants.iter().map(|v| shape(&v.ty, types));
            let arms = u.variants.iter().enumerate().map(|(i, v)| {
                let vn = ident(&v.name);
                quote!(#i => ::sturdy_runtime::union::variant(v).map(Self::#vn),)
            });
            let other = match json_variant {
                Some(_) => quote!(::std::option::Option::None),
                None => quote!(::std::option::Option::Some(Self::Other)),
            };
            let doc = " Decoded by best fit: the variant whose fields account for the payload."
                .to_owned();
            let body = quote! {
                static UNION: ::sturdy_runtime::union::Union = ::sturdy_runtime::union::Union::new(#ty_name, #pointer, &[#(#shapes),*]);
                let value = <::sturdy_runtime::serde_json::Value as ::serde::Deserialize>::deserialize(d)?;
                UNION.decode(value, |i, v| match i {
                    #(#arms)*
                    _ => ::std::option::Option::None,
                }, #other)
            };
            (doc, body)
        }
    };
    let gap = if def.docs.is_some() {
        quote!(#[doc = ""])
    } else {
        quote!()
    };
    quote! {
        #docs
        #gap
        #[doc = #doc]
        #dep
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variants,)*
            #other
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                #body
            }
        }
    }
}

/// The wire shape of a variant's type, as a `sturdy_runtime::union::Shape` expression.
fn shape(ty: &TypeRef, types: &BTreeMap<String, TypeDef>) -> TokenStream {
    let of = |kind: &str| {
        let k = ident(kind);
        quote!(::sturdy_runtime::union::Shape::of(::sturdy_runtime::union::Kind::#k))
    };
    match resolve(ty, types) {
        Resolved::Ref(TypeRef::Prim(p)) => of(match p {
            Prim::Bool => "Bool",
            Prim::I32 | Prim::I64 | Prim::U64 => "Integer",
            Prim::F32 | Prim::F64 => "Number",
            Prim::String
            | Prim::DateTime
            | Prim::Date
            | Prim::Uuid
            | Prim::Binary
            | Prim::Base64 => "String",
        }),
        Resolved::Ref(TypeRef::Vec(_)) => of("Array"),
        Resolved::Ref(TypeRef::Map(_)) => of("Object"),
        Resolved::Ref(_) | Resolved::Def(TypeKind::Union(_) | TypeKind::Alias(_)) => of("Any"),
        Resolved::Def(TypeKind::Enum(e)) => {
            let values = e.variants.iter().map(|v| &v.value);
            quote!(::sturdy_runtime::union::Shape::string(&[#(#values),*]))
        }
        Resolved::Def(TypeKind::Struct(s)) => {
            let keys = s.fields.iter().map(|f| &f.wire_name);
            let required = s.fields.iter().filter(|f| f.required).map(|f| &f.wire_name);
            let closed = s.fields.iter().filter_map(|f| match resolve(&f.ty, types) {
                Resolved::Def(TypeKind::Enum(e)) => {
                    let wire = &f.wire_name;
                    let values = e.variants.iter().map(|v| &v.value);
                    Some(quote!((#wire, &[#(#values),*])))
                }
                _ => None,
            });
            quote!(::sturdy_runtime::union::Shape::object(&[#(#keys),*], &[#(#required),*], &[#(#closed),*]))
        }
    }
}

enum Resolved<'a> {
    Ref(&'a TypeRef),
    Def(&'a TypeKind),
}

/// Follows `Box` and aliases to a named type's kind or a structural type.
fn resolve<'a>(mut ty: &'a TypeRef, types: &'a BTreeMap<String, TypeDef>) -> Resolved<'a> {
    for _ in 0..32 {
        match ty {
            TypeRef::Boxed(inner) => ty = inner,
            TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Alias(inner)) => ty = inner,
                Some(kind) => return Resolved::Def(kind),
                None => return Resolved::Ref(&TypeRef::Json),
            },
            other => return Resolved::Ref(other),
        }
    }
    Resolved::Ref(&TypeRef::Json)
}
