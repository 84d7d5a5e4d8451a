//! The emit context: what every emitter needs to know about where its output goes, so each
//! writes absolute paths and `#[cfg]` gates as it builds tokens and nothing rewrites the
//! finished source.
//!
//! - The root path of the generated code: `crate` in [`Layout::Crate`](super::Layout) and
//!   for a module included at the crate root, `crate::<module_path>` for one included
//!   deeper ([`crate::Settings::module_path`]).
//! - Cargo features: a crate has one per operation group (plus `strict`), so a model type or
//!   error enum only some groups reach is behind their features ([`Gates`]); an included
//!   module has none, and nothing is gated.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::features::Gates;
use crate::emit::rust::{ident, prim_tokens};
use crate::emit::EmitError;
use crate::ir::{Api, TypeRef};

/// Where the emitted code lives: its root path and, in a crate, its feature gates.
#[derive(Debug)]
pub struct EmitCtx {
    /// `crate` or `crate::a::b`, as tokens.
    root: TokenStream,
    /// The same path as text, for paths inside string literals (serde attributes, doc links).
    root_text: String,
    /// The gates of the crate's model types; `None` for a module (no cargo features).
    gates: Option<Gates>,
}

impl EmitCtx {
    /// [`Layout::Crate`](super::Layout): paths from `crate`, gates computed from `api`.
    pub fn for_crate(api: &Api) -> Self {
        Self {
            root: quote!(crate),
            root_text: "crate".to_owned(),
            gates: Some(Gates::compute(api)),
        }
    }

    /// [`Layout::Module`](super::Layout): paths from `crate::<module_path>` (from `crate`
    /// when `None`), no gates. A path that is not `::`-separated Rust identifiers is an
    /// error.
    pub fn for_module(module_path: Option<&str>) -> Result<Self, EmitError> {
        let mut cx = Self::at_crate_root();
        if let Some(path) = module_path {
            for segment in path.split("::") {
                let id: syn::Ident =
                    syn::parse_str(segment).map_err(|e| EmitError::ModulePath {
                        path: path.to_owned(),
                        message: format!("`{segment}`: {e}"),
                    })?;
                let root = &cx.root;
                cx.root = quote!(#root::#id);
                cx.root_text = format!("{}::{id}", cx.root_text);
            }
        }
        Ok(cx)
    }

    /// Paths from `crate`, no gates: a module included at the crate root.
    pub fn at_crate_root() -> Self {
        Self {
            root: quote!(crate),
            root_text: "crate".to_owned(),
            gates: None,
        }
    }

    /// Whether the output has cargo features (a crate: `strict` and one per group).
    pub fn has_features(&self) -> bool {
        self.gates.is_some()
    }

    /// The root path: `crate` or `crate::<module_path>`.
    pub fn root(&self) -> &TokenStream {
        &self.root
    }

    /// `rest` (`types::Pet`) as an absolute path in text, for string literals.
    pub fn path_text(&self, rest: &str) -> String {
        format!("{}::{rest}", self.root_text)
    }

    /// The Rust type of a [`TypeRef`]; named types are `<root>::types::Name`.
    pub fn type_tokens(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Prim(p) => prim_tokens(*p),
            TypeRef::Named(n) => {
                let (root, id) = (&self.root, ident(n));
                quote!(#root::types::#id)
            }
            TypeRef::Vec(inner) => {
                let t = self.type_tokens(inner);
                quote!(::std::vec::Vec<#t>)
            }
            TypeRef::Map(inner) => {
                let t = self.type_tokens(inner);
                quote!(::std::collections::BTreeMap<::std::string::String, #t>)
            }
            TypeRef::Boxed(inner) => {
                let t = self.type_tokens(inner);
                quote!(::std::boxed::Box<#t>)
            }
            TypeRef::Expandable(inner) => {
                let t = self.type_tokens(inner);
                quote!(::sturdy_runtime::Expandable<#t>)
            }
            TypeRef::Json => quote!(::sturdy_runtime::serde_json::Value),
            TypeRef::Unit => quote!(()),
        }
    }

    /// The `#[cfg(..)]` of the model type `name` (for each of its items), if it is gated.
    pub fn type_gate(&self, name: &str) -> Option<TokenStream> {
        self.gates.as_ref()?.cfg(name)
    }

    /// The `#[cfg(feature = ..)]` of an item of one operation group (its `params` re-export,
    /// `verify_credentials`), when the output has features.
    pub fn group_gate(&self, feature: &str) -> Option<TokenStream> {
        self.has_features()
            .then(|| quote!(#[cfg(feature = #feature)]))
    }

    /// The `#[cfg(..)]` of an item used by the operations of `features` (an error enum
    /// shared by several groups), if that is not every group.
    pub fn features_gate(&self, features: &BTreeSet<String>) -> Option<TokenStream> {
        self.gates.as_ref()?.cfg_for_features(features)
    }
}

#[cfg(test)]
mod tests;
