//! Constructing request types: a struct whose fields are all optional derives `Default`; a
//! struct with required fields that a request sends (reachable from a request body or a
//! parameter) gets `new(required...)` and a chained by-value setter per optional field:
//!
//! ```ignore
//! let req = CreateChatCompletionRequest::new(model, messages)
//!     .temperature(0.2)
//!     .max_completion_tokens(512);
//! ```
//!
//! Why a constructor and not a builder with a fallible `build()`: the only thing `build()`
//! could check is that required fields were set, and taking them in `new` makes forgetting
//! one a compile error instead of a runtime one; the value built is the struct itself, so its
//! fields stay public and pattern-matchable. Setters take `impl Into<T>` (no `Some(..)`; an
//! optional nullable field's setter sends the value, and `Nullable::Null` is assigned to the
//! field directly). Response-only types get neither: they are decoded, not built, and
//! setters for them would grow large crates for nothing.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::emit::rust::ident;
use crate::ir::{Field, StructDef};

/// Method names a setter may not take: the constructor's, and trait methods a caller reaches
/// by method syntax on every generated struct.
const RESERVED: &[&str] = &[
    "new",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
    "into",
    "try_into",
    "to_owned",
    "serialize",
    "deserialize",
];

/// Whether the field is a parameter of `new`.
fn in_constructor(f: &Field) -> bool {
    f.required && !f.nullable
}

/// `impl Name { pub fn new(..) -> Self; pub fn field(mut self, ..) -> Self ... }` for a
/// struct with at least one required field; nothing for one without (it derives `Default`).
/// `cfg`: the struct's feature gate.
pub(super) fn emit_builder(
    cx: &EmitCtx,
    name: &proc_macro2::Ident,
    s: &StructDef,
    cfg: &TokenStream,
) -> TokenStream {
    if !s.fields.iter().any(in_constructor) {
        return TokenStream::new();
    }
    let params = s.fields.iter().filter(|f| in_constructor(f)).map(|f| {
        let n = ident(&f.name);
        let t = cx.type_tokens(&f.ty);
        quote!(#n: impl ::std::convert::Into<#t>)
    });
    let inits = s.fields.iter().map(|f| {
        let n = ident(&f.name);
        if in_constructor(f) {
            quote!(#n: #n.into())
        } else {
            quote!(#n: ::std::default::Default::default())
        }
    });
    let extra = s
        .additional
        .as_ref()
        .map(|_| quote!(extra: ::std::default::Default::default(),));
    let required: Vec<String> = s
        .fields
        .iter()
        .filter(|f| in_constructor(f))
        .map(|f| format!("`{}`", f.name))
        .collect();
    let new_doc = format!(
        " A value with its required fields ({}); every other field is unset (see the setters).",
        required.join(", ")
    );
    let setters = s
        .fields
        .iter()
        .filter(|f| !in_constructor(f) && !RESERVED.contains(&f.name.as_str()))
        .map(|f| setter(cx, f));
    quote! {
        #cfg
        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits,)* #extra }
            }
            #(#setters)*
        }
    }
}

fn setter(cx: &EmitCtx, f: &Field) -> TokenStream {
    let n = ident(&f.name);
    let t = cx.type_tokens(&f.ty);
    let wrap = if f.required {
        // Required and nullable: an `Option`, always sent.
        quote!(::std::option::Option::Some(v.into()))
    } else if f.nullable {
        quote!(::sturdy_runtime::Nullable::Value(v.into()))
    } else {
        quote!(::std::option::Option::Some(v.into()))
    };
    let doc = format!(" Sets the `{}` field.", f.name);
    quote! {
        #[doc = #doc]
        pub fn #n(mut self, v: impl ::std::convert::Into<#t>) -> Self {
            self.#n = #wrap;
            self
        }
    }
}
