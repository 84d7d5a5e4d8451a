//! Cargo features per operation group (first tag, else first path segment): which model
//! types each group's operations need, so that a crate built with only some groups compiles
//! only their types.
//!
//! A type used by the operations of every tag (or by webhooks, or by nothing: a model type a
//! user may want on its own), and every type such a type names, is always compiled; any other
//! type is behind
//! `#[cfg(any(feature = "tag-a", ...))]` for the tags whose operations reach it.
//!
//! Emitters write these gates as they build each item, through
//! [`EmitCtx`](crate::emit::EmitCtx), which holds the crate's [`Gates`].

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::groups::op_feature;
use crate::ir::reach::{named_in, reach};
use crate::ir::Api;

/// The features each gated type belongs to.
#[derive(Debug, Default)]
pub struct Gates {
    by_type: BTreeMap<String, BTreeSet<String>>,
    /// How many features (operation groups) the crate has.
    features: usize,
}

impl Gates {
    /// Computes the gates of `api`.
    pub fn compute(api: &Api) -> Self {
        let mut per_feature: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for op in &api.operations {
            let mut roots = Vec::new();
            for p in &op.params {
                named_in(&p.ty, &mut roots);
            }
            if let Some(b) = &op.body {
                named_in(&b.ty, &mut roots);
            }
            named_in(&op.success.ty, &mut roots);
            for e in &op.errors {
                named_in(&e.ty, &mut roots);
            }
            if let Some(p) = &op.pagination {
                named_in(&p.item_ty, &mut roots);
            }
            if let Some(s) = &op.streaming {
                named_in(&s.event, &mut roots);
            }
            let f = op_feature(op);
            reach(&api.types, roots, per_feature.entry(f).or_default());
        }
        // Always compiled: what webhooks use, every type no operation reaches, and everything
        // those reach in turn (an ungated type must not name a gated one).
        let reached: BTreeSet<&String> = per_feature.values().flatten().collect();
        let mut roots: Vec<String> = api.webhooks.iter().fold(Vec::new(), |mut v, w| {
            named_in(&w.ty, &mut v);
            v
        });
        roots.extend(api.types.keys().filter(|t| !reached.contains(t)).cloned());
        let mut always = BTreeSet::new();
        reach(&api.types, roots, &mut always);
        let features: BTreeSet<&String> = per_feature.keys().collect();
        let mut by_type: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (f, types) in &per_feature {
            for t in types {
                by_type.entry(t.clone()).or_default().insert(f.clone());
            }
        }
        by_type.retain(|t, fs| !always.contains(t) && fs.len() < features.len());
        Gates {
            by_type,
            features: features.len(),
        }
    }

    /// Whether any type is gated.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// The `#[cfg(...)]` of a type, if it is gated.
    pub fn cfg(&self, ty: &str) -> Option<TokenStream> {
        Some(cfg_attr(self.by_type.get(ty)?.iter()))
    }

    /// The `#[cfg(...)]` for an item used by the operations of these features (errors
    /// shared by several operations), unless that is none or all of them.
    pub fn cfg_for_features<'a>(
        &self,
        features: impl IntoIterator<Item = &'a String>,
    ) -> Option<TokenStream> {
        let fs: BTreeSet<&String> = features.into_iter().collect();
        if fs.is_empty() || fs.len() >= self.features {
            return None;
        }
        Some(cfg_attr(fs.into_iter()))
    }
}

/// `#[cfg(feature = "a")]`, or `#[cfg(any(feature = "a", ...))]` for several.
fn cfg_attr<'a>(features: impl ExactSizeIterator<Item = &'a String>) -> TokenStream {
    if features.len() == 1 {
        let f = features.collect::<Vec<_>>();
        let f = f[0];
        quote!(#[cfg(feature = #f)])
    } else {
        quote!(#[cfg(any(#(feature = #features),*))])
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::ir::reach::named_by;

    /// Every gate is closed: a type names only types compiled whenever it is (ungated ones, or
    /// ones gated on a superset of its features), and each operation's group compiles every
    /// type the operation reaches. Otherwise a crate built with one group alone fails.
    fn violations(api: &Api) -> Vec<String> {
        let gates = Gates::compute(api);
        let compiled_with = |t: &str, fs: Option<&BTreeSet<String>>| match gates.by_type.get(t) {
            None => true,
            Some(g) => fs.is_some_and(|fs| fs.is_subset(g)),
        };
        let mut out = Vec::new();
        for name in api.types.keys() {
            let fs = gates.by_type.get(name);
            for d in named_by(&api.types, name) {
                if !compiled_with(&d, fs) {
                    out.push(format!(
                        "{name} ({fs:?}) names {d} ({:?})",
                        gates.by_type.get(&d)
                    ));
                }
            }
        }
        out
    }

    #[test]
    fn gates_are_closed_on_the_shared_specs() {
        let specs = std::env::var_os("STURDY_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
            .join("specs");
        assert!(
            specs.exists(),
            "shared specs not found at {}",
            specs.display()
        );
        for spec in ["openai.yaml", "github.json", "stripe.json", "box.json"] {
            let doc = crate::load::load(&specs.join(spec)).expect("load");
            let (api, _) = crate::ir::build(&doc).expect("ir");
            let v = violations(&api);
            assert!(
                v.is_empty(),
                "{spec}: {} open gates, e.g. {:?}",
                v.len(),
                &v[..v.len().min(5)]
            );
        }
    }

    #[test]
    fn a_type_no_operation_reaches_keeps_what_it_names_ungated() {
        let doc = crate::load::load_str(
            r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
              "paths": {
                "/a": {"get": {"tags": ["a"], "operationId": "getA", "responses": {"200": {"description": "",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Leaf"}}}}}}},
                "/b": {"get": {"tags": ["b"], "operationId": "getB", "responses": {"200": {"description": "",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Other"}}}}}}}},
              "components": {"schemas": {
                "Leaf": {"type": "object", "properties": {"x": {"type": "string"}}},
                "Other": {"type": "object", "properties": {"y": {"type": "string"}}},
                "Unused": {"type": "object", "properties": {"leaf": {"$ref": "#/components/schemas/Leaf"}}}}}}"##,
            Path::new("t.json"),
        )
        .expect("load");
        let (api, _) = crate::ir::build(&doc).expect("ir");
        let gates = Gates::compute(&api);
        assert!(gates.cfg("Unused").is_none());
        assert!(
            gates.cfg("Leaf").is_none(),
            "Leaf is named by the ungated Unused"
        );
        assert!(gates.cfg("Other").is_some());
        assert!(violations(&api).is_empty());
    }
}
