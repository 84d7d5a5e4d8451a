//! A struct's `Deserialize` and `Serialize`: short impls that hand the work to
//! `sturdy_runtime::types::object` (`Schema`: name and pointer; `Object`: the wire keys and a
//! `visit` body of one line per field; `Deserialize`: one call; `Serialize`: one `Encoder`
//! call per field). serde's derives write five functions and a field enum per struct, with a
//! branch and a `?` per field; here the steps are generic runtime code rustc checks once,
//! which is most of a large API's build time. The field reading and finishing rules are
//! [`super::lenient`]'s.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::lenient::{field_decode, Finish, Read};
use crate::emit::rust::ident;
use crate::ir::{Field, StructDef, TypeDef, TypeRef};

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
) -> TokenStream {
    let name = ident(&def.name);
    let (ty, pointer) = (&def.name, &def.origin);
    let keys = s.fields.iter().map(|f| &f.wire_name);
    let visit = visit_body(s, types);
    let encode = encode_body(s);
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

            fn visit<'de, A: ::serde::de::MapAccess<'de>>(
                mut map: A,
            ) -> ::std::result::Result<Self, A::Error> {
                #visit
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
        #allow
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                #encode
            }
        }
    }
}

/// The body of `Serialize::serialize`: one `Encoder` step per field (required fields always,
/// optional ones unless absent), then the undeclared keys.
fn encode_body(s: &StructDef) -> TokenStream {
    let steps = s.fields.iter().enumerate().map(|(i, f)| {
        let field = ident(&f.name);
        let i = Literal::usize_unsuffixed(i);
        let method = encode_method(f);
        quote!(e.#method(#i, &self.#field);)
    });
    let extra = s
        .additional
        .is_some()
        .then(|| quote!(e.extra(&self.extra);));
    quote! {
        let mut e = ::sturdy_runtime::types::object::Encoder::new(
            s,
            <Self as ::sturdy_runtime::types::object::Object>::KEYS,
        )?;
        #(#steps)*
        #extra
        e.end()
    }
}

/// The `Encoder` step of a field: `field` (required: always written, `null` for `None`),
/// `optional` (an `Option`, left out when `None`) or `nullable` (a `Nullable`, left out
/// when absent).
fn encode_method(f: &Field) -> TokenStream {
    match (f.required, f.nullable) {
        (true, _) => quote!(field),
        (false, true) => quote!(nullable),
        (false, false) => quote!(optional),
    }
}

/// The body of `Object::visit`: a slot per field, the loop over the map's keys, the struct.
fn visit_body(s: &StructDef, types: &BTreeMap<String, TypeDef>) -> TokenStream {
    let strict = format_ident!("{}", STRICT);
    let rules: Vec<(Read, Finish)> = s.fields.iter().map(|f| field_decode(f, types)).collect();
    let slots: Vec<_> = (0..s.fields.len()).map(|i| format_ident!("f{i}")).collect();
    let arms = rules
        .iter()
        .zip(&slots)
        .enumerate()
        .map(|(i, ((read, _), slot))| {
            let method = match read {
                Read::Value => quote!(value),
                Read::NonNull => quote!(non_null),
                Read::Date => quote!(date),
                Read::DateOpt => quote!(date_opt),
            };
            let i = Literal::usize_unsuffixed(i);
            quote!(Key::Field(#i) => de.#method(&mut map, &mut #slot, #i),)
        });
    let inits =
        s.fields
            .iter()
            .zip(&rules)
            .zip(&slots)
            .enumerate()
            .map(|(i, ((f, (_, finish)), slot))| {
                let field = ident(&f.name);
                let i = Literal::usize_unsuffixed(i);
                match finish {
                    Finish::Optional => quote!(#field: #slot.unwrap_or_default(),),
                    Finish::Take => quote!(#field: de.take(#slot, #i)?,),
                    Finish::OrDefault => quote!(#field: de.or_default(#slot, #i)?,),
                }
            });
    let (extra_slot, rest, extra_init) = match &s.additional {
        Some(t) => (
            quote!(let mut extra = ::std::collections::BTreeMap::new();),
            quote!(key => de.extra(&mut map, &mut extra, key),),
            if matches!(t, TypeRef::Json) {
                quote!(extra: de.undeclared(extra),)
            } else {
                quote!(extra,)
            },
        ),
        None => (quote!(), quote!(_ => de.skip(&mut map),), quote!()),
    };
    let read = if s.fields.is_empty() {
        // No field to match: every key is kept or skipped.
        let step = match &s.additional {
            Some(_) => quote!(de.extra(&mut map, &mut extra, key)?;),
            None => quote!(de.skip(&mut map)?;),
        };
        quote! {
            while let ::std::option::Option::Some(key) = de.key(&mut map)? {
                #step
            }
        }
    } else {
        // Every arm is a `Result`; one `?` after the match (not one per arm) keeps the
        // function small for rustc.
        quote! {
            while let ::std::option::Option::Some(key) = de.key(&mut map)? {
                match key {
                    #(#arms)*
                    #rest
                }?;
            }
        }
    };
    // `Key` and `Decoder` are imported in the function only: a type of the API may have
    // either name.
    let import = if s.fields.is_empty() {
        quote!(
            use ::sturdy_runtime::types::object::Decoder;
        )
    } else {
        quote!(
            use ::sturdy_runtime::types::object::{Decoder, Key};
        )
    };
    quote! {
        #import
        let de = Decoder::<Self, _>::of(&map, #strict);
        #(let mut #slots = ::std::option::Option::None;)*
        #extra_slot
        #read
        ::std::result::Result::Ok(Self {
            #(#inits)*
            #extra_init
        })
    }
}
