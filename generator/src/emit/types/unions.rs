//! Unions to Rust. Both kinds serialize untagged (the payload keeps its discriminator field);
//! their `Deserialize` leans on `sturdy_runtime::union` so each union adds only a match:
//! - tagged: dispatched on the discriminator's wire values; a value several variants share, or
//!   a payload without the tag, is decoded by best fit among the candidates (a missing tag may
//!   end in `Other`); an unknown tag keeps the JSON in `Other`; `Other` is always reported;
//! - untagged: each variant's wire [shape](sturdy_runtime::union::Shape) (kind, declared and
//!   required keys, closed string fields) is written out here, and the runtime decodes by best
//!   fit, `Other` (reported) only when no variant decodes.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::ItemAttrs;
use crate::emit::context::EmitCtx;
use crate::emit::rust::{doc_attrs, ident};
use crate::ir::{Prim, TypeDef, TypeKind, TypeRef, UnionDef};

pub(super) fn emit_union(
    def: &TypeDef,
    u: &UnionDef,
    types: &BTreeMap<String, TypeDef>,
    attrs: ItemAttrs,
    cx: &EmitCtx,
) -> TokenStream {
    let ItemAttrs { docs, dep, cfg } = attrs;
    let name = ident(&def.name);
    let (ty_name, pointer) = (&def.name, &def.origin);
    let variants = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let t = cx.type_tokens(&v.ty);
        let vdocs = doc_attrs(v.docs.as_deref());
        quote!(#vdocs #vn(#t))
    });
    let json_variant = u.variants.iter().find(|v| v.ty == TypeRef::Json);
    let other = match (&u.discriminator, json_variant) {
        (None, Some(_)) => quote!(),
        _ => quote! {
            /// A shape this client does not know (reported as drift: `Client::drift()`, a `tracing` warning).
            Other(::sturdy_runtime::serde_json::Value),
        },
    };
    let shapes = u.variants.iter().map(|v| shape(&v.ty, types));
    let union = quote! {
        static UNION: ::sturdy_runtime::union::Union = ::sturdy_runtime::union::Union::new(#ty_name, #pointer, &[#(#shapes),*]);
        let value = <::sturdy_runtime::serde_json::Value as ::serde::Deserialize>::deserialize(d)?;
    };
    let arms = u.variants.iter().enumerate().map(|(i, v)| {
        let vn = ident(&v.name);
        quote!(#i => ::sturdy_runtime::union::variant(v).map(Self::#vn),)
    });
    let variant_fn = quote!(|i: usize, v: &::sturdy_runtime::serde_json::Value| match i {
        #(#arms)*
        _ => ::std::option::Option::None,
    });
    let (doc, body) = match &u.discriminator {
        Some(prop) => {
            let doc = format!(
                " Dispatched on `{prop}` (a value several variants share, or a missing `{prop}`, by best fit); an unknown `{prop}` keeps the JSON in `Other`."
            );
            let arms = tag_arms(u);
            let body = quote! {
                #union
                let among: &[usize] = match value.get(#prop).and_then(|t| t.as_str()) {
                    #arms
                    ::std::option::Option::Some(tag) => {
                        ::sturdy_runtime::union::catch_all(#ty_name, #pointer, ::std::option::Option::Some(tag));
                        return ::std::result::Result::Ok(Self::Other(value));
                    }
                    ::std::option::Option::None => &[],
                };
                let other: ::std::option::Option<fn(::sturdy_runtime::serde_json::Value) -> Self> = if among.is_empty() {
                    ::std::option::Option::Some(Self::Other)
                } else {
                    ::std::option::Option::None
                };
                UNION.decode_among(value, among, #variant_fn, other)
            };
            (doc, body)
        }
        None => {
            let other = match json_variant {
                Some(_) => quote!(::std::option::Option::None),
                None => quote!(::std::option::Option::Some(Self::Other)),
            };
            let doc = " Decoded by best fit: the variant whose fields account for the payload."
                .to_owned();
            let body = quote! {
                #union
                UNION.decode(value, #variant_fn, #other)
            };
            (doc, body)
        }
    };
    let from_string = from_string(&name, u, cfg);
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
        #cfg
        pub enum #name {
            #(#variants,)*
            #other
        }

        #cfg
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                #body
            }
        }

        #from_string
    }
}

/// `From<&str>` and `From<String>` for a union with exactly one plain-string variant, so a
/// constructor or setter taking `impl Into<Union>` accepts `"gpt-4o"` (OpenAI's model ids).
fn from_string(name: &proc_macro2::Ident, u: &UnionDef, cfg: &TokenStream) -> TokenStream {
    let mut strings = u
        .variants
        .iter()
        .filter(|v| v.ty == TypeRef::Prim(Prim::String));
    let (Some(v), None) = (strings.next(), strings.next()) else {
        return TokenStream::new();
    };
    let vn = ident(&v.name);
    quote! {
        #cfg
        impl ::std::convert::From<&str> for #name {
            fn from(s: &str) -> Self {
                Self::#vn(s.to_owned())
            }
        }

        #cfg
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(s: ::std::string::String) -> Self {
                Self::#vn(s)
            }
        }
    }
}

/// The match arms from tag to the variants it selects: a tag of one variant decodes it
/// directly (its errors are the caller's), a shared tag gives the candidates for best fit.
fn tag_arms(u: &UnionDef) -> TokenStream {
    // Tags in first-seen order, each with the variants that declare it.
    let mut by_tag: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, v) in u.variants.iter().enumerate() {
        for t in &v.tags {
            match by_tag.iter_mut().find(|(tag, _)| tag == t) {
                Some((_, set)) => set.push(i),
                None => by_tag.push((t, vec![i])),
            }
        }
    }
    // Tags with the same variants share an arm.
    let mut groups: Vec<(Vec<usize>, Vec<&str>)> = Vec::new();
    for (tag, set) in by_tag {
        match groups.iter_mut().find(|(s, _)| *s == set) {
            Some((_, tags)) => tags.push(tag),
            None => groups.push((set, vec![tag])),
        }
    }
    let arms = groups.iter().map(|(set, tags)| {
        let pat = quote!(::std::option::Option::Some(#(#tags)|*));
        match set.as_slice() {
            [one] => {
                let vn = ident(&u.variants[*one].name);
                quote!(#pat => return ::sturdy_runtime::serde_json::from_value(value).map(Self::#vn).map_err(::serde::de::Error::custom),)
            }
            many => quote!(#pat => &[#(#many),*],),
        }
    });
    quote!(#(#arms)*)
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
