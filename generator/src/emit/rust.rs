//! Small pieces of Rust that every emitter needs: type paths, identifiers, doc attributes.
//! Generated code uses absolute paths so a user type named `Result` cannot collide.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::ir::{Prim, TypeRef};

/// An identifier; raw (`r#...`) is never needed because IR names are keyword-safe.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type of a [`TypeRef`], as in a crate: named types are `crate::types::Name`.
/// Emitters use [`EmitCtx::type_tokens`], which knows the root of their output.
pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    EmitCtx::at_crate_root().type_tokens(ty)
}

/// The Rust type of a primitive.
pub fn prim_tokens(p: Prim) -> TokenStream {
    match p {
        Prim::String => quote!(::std::string::String),
        Prim::Bool => quote!(bool),
        Prim::I32 => quote!(i32),
        Prim::I64 => quote!(i64),
        Prim::U64 => quote!(u64),
        Prim::F32 => quote!(f32),
        Prim::F64 => quote!(f64),
        Prim::DateTime => quote!(::sturdy_runtime::types::DateTime),
        Prim::Date => quote!(::sturdy_runtime::types::Date),
        Prim::Uuid => quote!(::sturdy_runtime::types::Uuid),
        Prim::Binary => quote!(::sturdy_runtime::types::Binary),
        Prim::Base64 => quote!(::sturdy_runtime::types::Base64),
    }
}

/// Spec prose as rustdoc Markdown: HTML converted, links kept or resolved, what rustdoc
/// would misread escaped (see [`crate::emit::docs`]).
pub fn doc_text(raw: &str) -> String {
    crate::emit::docs::render(raw)
}

/// `#![doc = "..."]` inner attributes (module docs).
pub fn inner_doc_attrs(docs: &str) -> TokenStream {
    let text = doc_text(docs.trim());
    let lines = text.lines().map(|l| format!(" {l}"));
    quote!(#( #![doc = #lines] )*)
}

/// `#[doc = "..."]` attributes for optional documentation.
pub fn doc_attrs(docs: Option<&str>) -> TokenStream {
    match docs.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            let text = doc_text(d);
            let lines = text.lines().map(|l| format!(" {l}"));
            quote!(#( #[doc = #lines] )*)
        }
        None => TokenStream::new(),
    }
}
