//! Small pieces of Rust that every emitter needs: type paths, identifiers, doc attributes.
//! Generated code uses absolute paths so a user type named `Result` cannot collide.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Prim, TypeRef};

/// An identifier; raw (`r#...`) is never needed because IR names are keyword-safe.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type of a [`TypeRef`]. Named types are referred to as `crate::types::Name`.
pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Prim(p) => prim_tokens(*p),
        TypeRef::Named(n) => {
            let id = ident(n);
            quote!(crate::types::#id)
        }
        TypeRef::Vec(inner) => {
            let t = type_tokens(inner);
            quote!(::std::vec::Vec<#t>)
        }
        TypeRef::Map(inner) => {
            let t = type_tokens(inner);
            quote!(::std::collections::BTreeMap<::std::string::String, #t>)
        }
        TypeRef::Boxed(inner) => {
            let t = type_tokens(inner);
            quote!(::std::boxed::Box<#t>)
        }
        TypeRef::Expandable(inner) => {
            let t = type_tokens(inner);
            quote!(::sturdy_runtime::Expandable<#t>)
        }
        TypeRef::Json => quote!(::sturdy_runtime::serde_json::Value),
        TypeRef::Unit => quote!(()),
    }
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
