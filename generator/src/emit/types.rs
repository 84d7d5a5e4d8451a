//! Named types to Rust: structs (their serde impls hand the work to the runtime: see
//! `object`; request types get a constructor and setters: see `builders`), open string enums,
//! unions (see `unions`), aliases; the objects of expandable fields implement
//! `sturdy_runtime::ObjectId` (see `expandable`). Per-type code is kept small (compile time
//! of large APIs): std derives, and for structs and enums a handful of short impls whose work
//! is generic runtime code. In a crate, every item of a type only some operation groups
//! reach carries the type's `#[cfg(feature = ..)]` gate ([`EmitCtx::type_gate`]), last
//! among its attributes.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::emit::rust::{doc_attrs, ident};
use crate::ir::{Api, EnumDef, Field, StructDef, TypeDef, TypeKind, TypeRef};

mod builders;
mod expandable;
mod lenient;
mod object;
#[cfg(test)]
mod tests;
mod unions;

/// Emits every named type of `api`: the body of `pub mod types`.
///
/// A crate ([`EmitCtx::has_features`]) has a `strict` cargo feature that turns lenient
/// decoding off; a module included from `OUT_DIR` has none: always lenient.
pub fn emit_types(api: &Api, cx: &EmitCtx) -> TokenStream {
    let requests = crate::ir::request_types(&api.operations, &api.types);
    let expanded = expandable::targets(&api.types);
    let strict = api
        .types
        .values()
        .any(|d| matches!(d.kind, TypeKind::Struct(_)))
        .then(|| object::strict_const(cx.has_features()));
    let items = api.types.values().map(|d| {
        let cfg = cx.type_gate(&d.name).unwrap_or_default();
        let item = emit_type(d, &api.types, &requests, cx, &cfg);
        let id = expanded
            .contains(&d.name)
            .then(|| expandable::emit_object_id(d, &api.types, &cfg));
        quote!(#item #id)
    });
    quote!(#strict #(#items)*)
}

/// The outer attributes of one type's items: `docs` and `dep` (`#[deprecated]`) on its
/// main item, `cfg` (its feature gate, or nothing) on every item, after the others.
struct ItemAttrs<'a> {
    docs: TokenStream,
    dep: TokenStream,
    cfg: &'a TokenStream,
}

fn emit_type(
    def: &TypeDef,
    types: &BTreeMap<String, TypeDef>,
    requests: &BTreeSet<String>,
    cx: &EmitCtx,
    cfg: &TokenStream,
) -> TokenStream {
    let docs = doc_attrs(def.docs.as_deref());
    let dep = if def.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    let attrs = ItemAttrs { docs, dep, cfg };
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Alias(t) => {
            let t = cx.type_tokens(t);
            let ItemAttrs { docs, dep, cfg } = attrs;
            quote!(#docs #dep #cfg pub type #name = #t;)
        }
        TypeKind::Struct(s) => {
            let item = emit_struct(def, s, types, attrs, cx);
            let builder = requests
                .contains(&def.name)
                .then(|| builders::emit_builder(cx, &name, s, cfg));
            quote!(#item #builder)
        }
        TypeKind::Enum(e) => emit_enum(def, e, attrs),
        TypeKind::Union(u) => unions::emit_union(def, u, types, attrs, cx),
    }
}

/// Whether a struct derives `Default`: every field is optional or nullable.
fn derives_default(s: &StructDef) -> bool {
    s.fields.iter().all(|f| !f.required || f.nullable)
}

fn emit_struct(
    def: &TypeDef,
    s: &StructDef,
    types: &BTreeMap<String, TypeDef>,
    attrs: ItemAttrs,
    cx: &EmitCtx,
) -> TokenStream {
    let ItemAttrs { docs, dep, cfg } = attrs;
    let name = &ident(&def.name);
    let default = if derives_default(s) {
        quote!(Default,)
    } else {
        quote!()
    };
    let fields = s.fields.iter().map(|f| struct_field(cx, f));
    let extra = s
        .additional
        .as_ref()
        .map(|t| extra_field(cx, t))
        .into_iter();
    let impls = object::emit_impls(def, s, types, cfg, cx);
    quote! {
        #docs
        #dep
        #[derive(Clone, #default)]
        #cfg
        pub struct #name {
            #(#fields,)*
            #(#extra,)*
        }
        #impls
    }
}

/// One field of a struct: its docs and type (`Option` for a required nullable or an optional
/// field, `Nullable` for an optional nullable one). How it is read and written, under which
/// wire name, is `object`'s.
fn struct_field(cx: &EmitCtx, f: &Field) -> TokenStream {
    let fname = ident(&f.name);
    let ty = field_type(cx, f);
    let fdocs = doc_attrs(f.docs.as_deref());
    let fdep = if f.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    quote!(#fdocs #fdep pub #fname: #ty)
}

/// The Rust type of field `f`.
fn field_type(cx: &EmitCtx, f: &Field) -> TokenStream {
    let t = cx.type_tokens(&f.ty);
    if f.required && !f.nullable {
        // A required field the payload leaves out (OpenAI's streamed `output_text` parts
        // have no `logprobs`) decodes as its default when it has one: see `lenient`.
        t
    } else if f.required {
        // Required but nullable: always sent, `null` when `None`; absent decodes as
        // `None` (see `lenient`).
        quote!(::std::option::Option<#t>)
    } else if f.nullable {
        // Optional and nullable: left out, `null`, or a value.
        quote!(::sturdy_runtime::Nullable<#t>)
    } else {
        quote!(::std::option::Option<#t>)
    }
}

/// The `extra` field of a struct with additional properties: its entries are the object's
/// other keys, when decoded and encoded (`object`).
fn extra_field(cx: &EmitCtx, t: &TypeRef) -> TokenStream {
    let t = extra_type(cx, t);
    quote! {
        /// Properties not declared by the spec, kept so a decoded value re-encodes whole.
        pub extra: #t
    }
}

/// The type of the `extra` field for additional properties of type `t`.
fn extra_type(cx: &EmitCtx, t: &TypeRef) -> TokenStream {
    // Untyped extras (the OpenAPI default) use the runtime's `Extra`, whose `Debug`
    // lists keys only, and report their keys as drift; typed ones a map of their value
    // type.
    match t {
        TypeRef::Json => quote!(::sturdy_runtime::types::Extra),
        t => {
            let t = cx.type_tokens(t);
            quote!(::std::collections::BTreeMap<::std::string::String, #t>)
        }
    }
}

/// An open string enum: the variants, `as_str` (one `match`) and an
/// `sturdy_runtime::types::OpenEnum` impl listing the known wire values; `from_wire` and the
/// trait impls are one-line calls into `sturdy_runtime::types::open_enum`, whose generic
/// functions rustc checks once (not once per enum).
fn emit_enum(def: &TypeDef, e: &EnumDef, attrs: ItemAttrs) -> TokenStream {
    let ItemAttrs { docs, dep, cfg } = attrs;
    let name = &ident(&def.name);
    let (ty_name, pointer) = (&def.name, &def.origin);
    let variants = e.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let value = &v.value;
        let d = format!(" `{value}`");
        let vdocs = doc_attrs(v.docs.as_deref());
        quote!(#vdocs #[doc = #d] #vn)
    });
    let to_str = e.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let value = &v.value;
        quote!(Self::#vn => #value,)
    });
    let known = e.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let value = &v.value;
        quote!((#value, Self::#vn))
    });
    quote! {
        #docs
        #dep
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #cfg
        pub enum #name {
            #(#variants,)*
            /// A value this client does not know yet (the server added it); decoding one is
            /// reported as drift (`sturdy_runtime::drift`).
            Unknown(::std::string::String),
        }

        #cfg
        impl #name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(s) => s,
                }
            }

            /// The variant for a wire value; unknown values are kept.
            pub fn from_wire(s: ::std::string::String) -> Self {
                ::sturdy_runtime::types::open_enum::from_wire(s)
            }
        }

        #cfg
        impl ::sturdy_runtime::types::OpenEnum for #name {
            const NAME: &'static str = #ty_name;
            const POINTER: &'static str = #pointer;
            const KNOWN: &'static [(&'static str, Self)] = &[#(#known),*];
            const UNKNOWN: fn(::std::string::String) -> Self = Self::Unknown;
            fn wire(&self) -> &str {
                self.as_str()
            }
        }

        #cfg
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::sturdy_runtime::types::open_enum::fmt(self, f)
            }
        }

        #cfg
        impl ::sturdy_runtime::ParamValue for #name {
            fn to_param(&self) -> ::std::borrow::Cow<'_, str> {
                ::sturdy_runtime::types::open_enum::to_param(self)
            }
        }

        #cfg
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                ::sturdy_runtime::types::open_enum::serialize(self, s)
            }
        }

        #cfg
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                ::sturdy_runtime::types::open_enum::deserialize(d)
            }
        }
    }
}
