//! Placeholder until the types emitter lands (the types helper replaces this whole file).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::{ident, type_tokens};
use crate::ir::{TypeDef, TypeKind};

/// Emits every named type (placeholder: aliases to JSON for non-alias types).
pub fn emit_types(types: &BTreeMap<String, TypeDef>) -> TokenStream {
    let items = types.values().map(|t| {
        let n = ident(&t.name);
        match &t.kind {
            TypeKind::Alias(r) => {
                let r = type_tokens(r);
                quote!(pub type #n = #r;)
            }
            _ => quote!(pub type #n = ::sturdy_runtime::serde_json::Value;),
        }
    });
    quote!(#(#items)*)
}
