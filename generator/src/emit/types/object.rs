//! A struct's `Deserialize`, `Serialize`, `Debug` and `PartialEq`: short impls that hand the work to
//! `sturdy_runtime::types::object` (`Schema`: name and pointer; `Object`: the wire keys, the
//! type of its slots (one per field) and a `finish` body of one line per field, the Rust
//! names, and its fields lent as a tuple of references; `Deserialize`, `Serialize`, `Debug`,
//! `PartialEq`: one call each). serde's and std's derives write several functions and a field enum per
//! struct, with a branch and a `?` per field; here the loops over the fields are generic
//! runtime code rustc checks once, and what it checks per struct is two types and two
//! functions without generics: build time is most of a large API's cost. The field reading
//! and finishing rules are [`super::lenient`]'s.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::lenient::{field_decode, Finish, Read};
use crate::emit::context::EmitCtx;
use crate::emit::rust::ident;
use crate::ir::{Field, StructDef, TypeDef, TypeRef};

/// The most slots in one tuple (the runtime implements `Slots` for tuples up to 16).
const TUPLE: usize = 16;

/// The name of the constant that holds the crate's decoding mode (`false`: lenient).
pub(super) const STRICT: &str = "STRICT";

/// The `const STRICT` the impls read: the crate's `strict` feature, or `false` for a module
/// included from `OUT_DIR` (which has no features: always lenient).
pub(super) fn strict_const(features: bool) -> TokenStream {
    let name = format_ident!("{}", STRICT);
    let value = if features {
        quote!(cfg!(feature = "strict"))
    } else {
        quote!(false)
    };
    quote! {
        /// Whether responses decode strictly: a payload that breaks its schema is an error
        /// instead of a lenient decode reported as drift (the crate's `strict` feature).
        const #name: bool = #value;
    }
}

/// The decoding and encoding impls of struct `def` (`cfg`: its feature gate, on every impl).
pub(super) fn emit_impls(
    def: &TypeDef,
    s: &StructDef,
    types: &BTreeMap<String, TypeDef>,
    cfg: &TokenStream,
    cx: &EmitCtx,
) -> TokenStream {
    let name = ident(&def.name);
    let (ty, pointer) = (&def.name, &def.origin);
    let keys = s.fields.iter().map(|f| &f.wire_name);
    let strict = format_ident!("{}", STRICT);
    let rules: Vec<(Read, Finish)> = s.fields.iter().map(|f| field_decode(f, types)).collect();
    let slot_types: Vec<TokenStream> = s
        .fields
        .iter()
        .zip(&rules)
        .map(|(f, (read, _))| slot_type(cx, f, *read))
        .collect();
    let slots = nest(&slot_types);
    let rest = rest_type(cx, s);
    let finish = finish_body(s, &rules);
    let names = if s.fields.iter().all(|f| f.name == f.wire_name) {
        quote!(Self::KEYS)
    } else {
        let names = s.fields.iter().map(|f| &f.name);
        quote!(&[#(#names),*])
    };
    let (refs_type, refs) = refs(cx, s);
    // A deprecated field is still decoded.
    let allow = s
        .fields
        .iter()
        .any(|f| f.deprecated)
        .then(|| quote!(#[allow(deprecated)]));
    quote! {
        #cfg
        impl ::sturdy_runtime::types::Schema for #name {
            const NAME: &'static str = #ty;
            const POINTER: &'static str = #pointer;
        }

        #cfg
        #allow
        impl ::sturdy_runtime::types::object::Object for #name {
            const KEYS: &'static [&'static str] = &[#(#keys),*];
            const STRICT: bool = #strict;
            type Slots = #slots;
            type Rest = #rest;

            #finish

            const NAMES: &'static [&'static str] = #names;
            type Refs<'a> = #refs_type;

            fn refs(&self) -> Self::Refs<'_> {
                #refs
            }
        }

        #cfg
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                ::sturdy_runtime::types::object::deserialize(d)
            }
        }

        #cfg
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                ::sturdy_runtime::types::object::serialize(self, s)
            }
        }

        #cfg
        impl ::std::cmp::PartialEq for #name {
            fn eq(&self, other: &Self) -> bool {
                ::sturdy_runtime::types::object::eq(self, other)
            }
        }

        #cfg
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::sturdy_runtime::types::object::debug(self, f)
            }
        }
    }
}

/// `Object::refs`'s type and body: each field lent in its wrapper (`field::Req` for a
/// required field, always written; `field::Opt` for an optional one, left out when absent),
/// then the kept undeclared keys (`field::Rest`), nested like the slots.
fn refs(cx: &EmitCtx, s: &StructDef) -> (TokenStream, TokenStream) {
    let wrapper = |f: &Field| {
        if f.required {
            quote!(::sturdy_runtime::types::object::field::Req)
        } else {
            quote!(::sturdy_runtime::types::object::field::Opt)
        }
    };
    let (mut types, mut values): (Vec<TokenStream>, Vec<TokenStream>) = s
        .fields
        .iter()
        .map(|f| {
            let (w, t, name) = (wrapper(f), super::field_type(cx, f), ident(&f.name));
            (quote!(#w<'a, #t>), quote!(#w(&self.#name)))
        })
        .unzip();
    if let Some(t) = &s.additional {
        let t = super::extra_type(cx, t);
        types.push(quote!(::sturdy_runtime::types::object::field::Rest<'a, #t>));
        values.push(quote!(::sturdy_runtime::types::object::field::Rest(
            &self.extra
        )));
    }
    (nest(&types), nest(&values))
}

/// The slot of field `f`, read as `read` says: `slot::Plain<T>` and so on, `T` the field's
/// type.
fn slot_type(cx: &EmitCtx, f: &Field, read: Read) -> TokenStream {
    let t = super::field_type(cx, f);
    match read {
        Read::Value => quote!(::sturdy_runtime::types::object::slot::Plain<#t>),
        Read::NonNull => quote!(::sturdy_runtime::types::object::slot::NonNull<#t>),
        Read::Date => quote!(::sturdy_runtime::types::object::slot::Date),
        Read::DateOpt => quote!(::sturdy_runtime::types::object::slot::DateOpt),
    }
}

/// `items` as one tuple of at most [`TUPLE`] elements, nesting tuples of tuples as needed
/// (`()` for none, `(a,)` for one); the same shape serves the slots' type and the pattern
/// that takes them apart.
fn nest(items: &[TokenStream]) -> TokenStream {
    if items.len() <= TUPLE {
        return quote!((#(#items,)*));
    }
    let chunk = items.len().div_ceil(TUPLE).max(TUPLE);
    // At most `TUPLE` groups of `chunk` leaves each.
    let groups = items.chunks(chunk).map(nest);
    quote!((#(#groups,)*))
}

/// What the struct keeps of undeclared keys: nothing (`Skip`), JSON values for its `Extra`,
/// or a map of their declared type.
fn rest_type(cx: &EmitCtx, s: &StructDef) -> TokenStream {
    match &s.additional {
        None => quote!(::sturdy_runtime::types::object::Skip),
        Some(TypeRef::Json) => quote!(::sturdy_runtime::types::object::Undeclared),
        Some(t) => super::extra_type(cx, t),
    }
}

/// `Object::finish`: the slots taken apart, the struct built from them (one step per field,
/// [`Finish`]), and its undeclared keys.
fn finish_body(s: &StructDef, rules: &[(Read, Finish)]) -> TokenStream {
    let names: Vec<TokenStream> = (0..s.fields.len())
        .map(|i| {
            let n = format_ident!("f{i}");
            quote!(#n)
        })
        .collect();
    let pattern = nest(&names);
    let inits =
        s.fields
            .iter()
            .zip(rules)
            .zip(&names)
            .enumerate()
            .map(|(i, ((f, (_, finish)), slot))| {
                let field = ident(&f.name);
                let i = Literal::usize_unsuffixed(i);
                match finish {
                    Finish::Optional => quote!(#field: f.optional(#slot),),
                    Finish::Take => quote!(#field: f.take(#slot, #i)?,),
                    Finish::OrDefault => quote!(#field: f.or_default(#slot, #i)?,),
                }
            });
    let (rest, extra) = match &s.additional {
        None => (quote!(_rest), quote!()),
        Some(TypeRef::Json) => (quote!(rest), quote!(extra: f.undeclared(rest),)),
        Some(_) => (quote!(rest), quote!(extra: rest,)),
    };
    // With no field, the slots are `()` and `f` is needed only for an `Extra`.
    let (slots, f) = if s.fields.is_empty() {
        let f = match &s.additional {
            Some(TypeRef::Json) => quote!(f),
            _ => quote!(_f),
        };
        (quote!(_slots), f)
    } else {
        (quote!(slots), quote!(f))
    };
    let take_apart = (!s.fields.is_empty()).then(|| quote!(let #pattern = slots;));
    quote! {
        fn finish(
            #slots: Self::Slots,
            #rest: Self::Rest,
            #f: &::sturdy_runtime::types::object::Context,
        ) -> ::std::result::Result<Self, ::sturdy_runtime::types::object::Error> {
            #take_apart
            ::std::result::Result::Ok(Self {
                #(#inits)*
                #extra
            })
        }
    }
}
