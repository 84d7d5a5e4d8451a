//! Lenient decoding of struct fields (see `sturdy_runtime::lenient`): the serde attributes
//! that let a response break its schema in the common ways without failing the call, each
//! under `cfg_attr(not(feature = "strict"))` so the generated crate's `strict` feature gives
//! back plain serde. Only `Deserialize` changes; requests are encoded as before.
//!
//! - a required, non-nullable field whose type has a `Default` (see [`has_default`]): absent
//!   or `null` decodes as the default;
//! - a required, nullable field: absent decodes as `None`;
//! - a `format: date` field: a full date-time decodes as its date (not for optional nullable
//!   fields, which are `sturdy_runtime::Nullable`).
//!
//! Each is reported with the struct's name and the field's spec pointer, which the struct
//! lists once in its `impl sturdy_runtime::types::Schema` (`FIELDS`).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::ir::{Field, Prim, TypeDef, TypeKind, TypeRef};
use crate::pointer::escape;

/// The lenient fields of one struct, numbered in the order [`Lenient::attrs`] met them.
pub(super) struct Lenient<'a> {
    def: &'a TypeDef,
    types: &'a BTreeMap<String, TypeDef>,
    pointers: Vec<String>,
    /// Whether the attributes sit under `cfg_attr(not(feature = "strict"))`.
    strict_feature: bool,
    /// The struct's absolute path, as text.
    path: String,
}

impl<'a> Lenient<'a> {
    pub(super) fn new(
        def: &'a TypeDef,
        types: &'a BTreeMap<String, TypeDef>,
        cx: &EmitCtx,
    ) -> Self {
        Self {
            def,
            types,
            pointers: Vec::new(),
            strict_feature: cx.has_features(),
            path: cx.path_text(&format!("types::{}", def.name)),
        }
    }

    /// The serde attributes that make `f` lenient, if it needs any (empty otherwise). A
    /// required, nullable field always gets some: its `default` comes from here.
    pub(super) fn attrs(&mut self, f: &Field) -> TokenStream {
        if !f.required && f.nullable {
            // A three-state `Nullable` field: absent and `null` are both valid already.
            return TokenStream::new();
        }
        let date = matches!(f.ty, TypeRef::Prim(Prim::Date));
        let optional = !f.required || f.nullable;
        let default = f.required && !f.nullable && has_default(&f.ty, self.types, 0);
        let missing = f.required && f.nullable;
        if !(date || default || missing) {
            return TokenStream::new();
        }
        let i = self.pointers.len();
        self.pointers.push(format!(
            "{}/properties/{}",
            self.def.origin,
            escape(&f.wire_name)
        ));
        let s = &self.path;
        let with = |f: &str| format!("::sturdy_runtime::lenient::{f}::<_, {s}, {i}>");
        let missing_fn = format!("::sturdy_runtime::lenient::missing::<_, {s}, {i}>");
        let attr = match (date, optional) {
            (true, false) => {
                let w = with("date_time_as_date");
                quote!(serde(deserialize_with = #w))
            }
            (true, true) if missing => {
                let w = with("date_time_as_date_opt");
                quote!(serde(default = #missing_fn, deserialize_with = #w))
            }
            (true, true) => {
                let w = with("date_time_as_date_opt");
                quote!(serde(deserialize_with = #w))
            }
            (false, _) if missing => quote!(serde(default = #missing_fn)),
            (false, _) => {
                let w = format!("::sturdy_runtime::lenient::non_null::<_, _, {s}, {i}>");
                quote!(serde(default = #missing_fn, deserialize_with = #w))
            }
        };
        if !self.strict_feature {
            return quote!(#[#attr]);
        }
        let lenient = quote!(#[cfg_attr(not(feature = "strict"), #attr)]);
        if missing {
            // Plain serde (strict) takes an absent nullable field as `None` silently.
            quote!(#[cfg_attr(feature = "strict", serde(default))] #lenient)
        } else {
            lenient
        }
    }

    /// The spec pointers of the lenient fields, in the order the attributes index them
    /// (the struct's `sturdy_runtime::types::Schema::FIELDS`).
    pub(super) fn pointers(&self) -> &[String] {
        &self.pointers
    }
}

/// Whether the Rust type of `t` has a `Default` that stands for "nothing": `""`, `0`,
/// `false`, an empty list or map, or a struct whose fields are all optional (emit derives
/// `Default` for exactly those). Enums, unions, dates, ids and JSON values have none.
pub(super) fn has_default(t: &TypeRef, types: &BTreeMap<String, TypeDef>, depth: usize) -> bool {
    match t {
        TypeRef::Prim(p) => matches!(
            p,
            Prim::String | Prim::Bool | Prim::I32 | Prim::I64 | Prim::U64 | Prim::F32 | Prim::F64
        ),
        TypeRef::Vec(_) | TypeRef::Map(_) => true,
        TypeRef::Boxed(inner) => has_default(inner, types, depth),
        TypeRef::Named(n) if depth < 16 => match types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Alias(inner)) => has_default(inner, types, depth + 1),
            Some(TypeKind::Struct(s)) => super::derives_default(s),
            _ => false,
        },
        TypeRef::Named(_) | TypeRef::Json | TypeRef::Unit | TypeRef::Expandable(_) => false,
    }
}

#[cfg(test)]
mod tests;
