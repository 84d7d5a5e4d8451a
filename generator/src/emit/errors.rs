//! The `errors` module: one enum per distinct set of declared error responses (operations
//! with the same set share it through an alias), each with a `decode(status, body)` that
//! picks the variant. In a crate, an enum only some operation groups use is behind their
//! features ([`EmitCtx::features_gate`]).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::emit::groups::op_feature;
use crate::emit::rust::{doc_attrs, ident};
use crate::ir::{Api, ErrorResponse, Operation, StatusMatch, TypeRef};

/// A key identifying an operation's error shape, to share one enum between operations.
type ErrorKey = Vec<(StatusMatch, String, TypeRef)>;

fn error_key(errors: &[ErrorResponse]) -> ErrorKey {
    errors
        .iter()
        .map(|e| (e.status, e.variant.clone(), e.ty.clone()))
        .collect()
}

/// The `errors` module: one enum per distinct error shape, aliases for operations that share
/// one.
pub fn emit_errors(api: &Api, cx: &EmitCtx) -> TokenStream {
    let mut first: BTreeMap<ErrorKey, String> = BTreeMap::new();
    let users = error_users(api);
    let mut items = Vec::new();
    for op in api.operations.iter().filter(|op| !op.errors.is_empty()) {
        let name = format!("{}Error", op.type_prefix);
        let id = ident(&name);
        let key = error_key(&op.errors);
        if let Some(existing) = first.get(&key) {
            let target = ident(existing);
            let doc = format!(
                " Declared error responses of `{}` (the same as [`{existing}`]).",
                op.id
            );
            let own: BTreeSet<String> = [op_feature(op)].into();
            let cfg = cx.features_gate(&own);
            items.push(quote! {
                #[doc = #doc]
                #cfg
                pub type #id = #target;
            });
            continue;
        }
        let cfg = cx.features_gate(&users[&key]);
        first.insert(key, name);
        items.push(error_enum(cx, op, &id, cfg));
    }
    quote!(#(#items)*)
}

/// The features whose operations use each distinct error enum.
fn error_users(api: &Api) -> BTreeMap<ErrorKey, BTreeSet<String>> {
    let mut users: BTreeMap<ErrorKey, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        if !op.errors.is_empty() {
            users
                .entry(error_key(&op.errors))
                .or_default()
                .insert(op_feature(op));
        }
    }
    users
}

/// The enum of `op`'s declared errors and its `decode`, under `cfg`.
fn error_enum(
    cx: &EmitCtx,
    op: &Operation,
    id: &proc_macro2::Ident,
    cfg: Option<TokenStream>,
) -> TokenStream {
    let variants = op.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let docs = doc_attrs(Some(&status_doc(e)));
        match &e.ty {
            TypeRef::Unit => quote!(#docs #v),
            t => {
                let t = cx.type_tokens(t);
                quote!(#docs #v(#t))
            }
        }
    });
    let body_expr = decode_body(&op.errors);
    let doc = format!(" Declared error responses of `{}`.", op.id);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #cfg
        pub enum #id { #(#variants,)* }

        #cfg
        impl #id {
            /// Decodes the declared error response for `status`, if there is one.
            pub fn decode(status: u16, body: &::sturdy_runtime::bytes::Bytes) -> ::std::option::Option<Self> {
                let _ = body;
                #body_expr
            }
        }
    }
}

/// The body of `decode`: a match on the status, exact codes before ranges before `default`.
fn decode_body(errors: &[ErrorResponse]) -> TokenStream {
    let mut exact = Vec::new();
    let mut ranges = Vec::new();
    let mut default = None;
    for e in errors {
        let v = ident(&e.variant);
        let value = match &e.ty {
            TypeRef::Unit => quote!(::std::option::Option::Some(Self::#v)),
            _ => quote!(::sturdy_runtime::__private::decode_error_json(body).map(Self::#v)),
        };
        match e.status {
            StatusMatch::Code(c) => exact.push(quote!(#c => #value,)),
            StatusMatch::Range(d) => {
                let lo = d as u16 * 100;
                let hi = lo + 99;
                ranges.push(quote!(#lo..=#hi => #value,));
            }
            StatusMatch::Default => default = Some(value),
        }
    }
    if exact.is_empty() && ranges.is_empty() {
        // Only `default`: no match needed.
        let value = default.unwrap_or_else(|| quote!(::std::option::Option::None));
        return quote! {
            let _ = status;
            #value
        };
    }
    let fallback = match default {
        Some(v) => quote!(_ => #v,),
        None => quote!(_ => ::std::option::Option::None,),
    };
    quote! {
        match status {
            #(#exact)*
            #(#ranges)*
            #fallback
        }
    }
}

fn status_doc(e: &ErrorResponse) -> String {
    let status = match e.status {
        StatusMatch::Code(c) => format!("HTTP {c}"),
        StatusMatch::Range(d) => format!("HTTP {d}XX"),
        StatusMatch::Default => "Any other status".to_owned(),
    };
    match &e.docs {
        Some(d) => format!("{status}: {d}"),
        None => status,
    }
}
