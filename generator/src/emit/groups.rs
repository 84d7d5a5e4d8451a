//! Which module and cargo feature each operation belongs to: its first tag, else the first
//! resource segment of its path (`/v1/customers/{id}` → `customers`), so an untagged API
//! (all of Stripe's operations) still gets one module and one feature per resource.

use std::collections::BTreeMap;

use crate::ir::{Api, Operation};

/// Names a group cannot take as is: the generated crate's own modules (`types`, `testing`,
/// …) and cargo features (`default`, `testing`, `strict`). Such a group gets an `_ops` suffix.
const RESERVED: &[&str] = &[
    "client",
    "default",
    "errors",
    "operations",
    "params",
    "strict",
    "testing",
    "types",
    "webhooks",
];

/// The module name of a group (a tag or a path segment).
pub fn tag_module(tag: Option<&str>) -> String {
    match tag {
        Some(t) => {
            let m = crate::ir::names::snake(t);
            if RESERVED.contains(&m.as_str()) {
                format!("{m}_ops")
            } else {
                m
            }
        }
        None => "default_ops".to_owned(),
    }
}

/// The cargo feature name of a group.
pub fn tag_feature(tag: Option<&str>) -> String {
    tag_module(tag).replace('_', "-")
}

/// Whether a path segment names an API version (`v1`, `v2beta`, `2010-04-01`) or a prefix
/// shared by every path (`api`) rather than a resource.
fn is_version_like(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase();
    let versioned = s
        .strip_prefix('v')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    versioned || s.starts_with(|c: char| c.is_ascii_digit()) || s == "api"
}

/// The first resource segment of a path: not a parameter, not a version.
pub fn path_group(path: &str) -> Option<&str> {
    path.split('/')
        .filter(|s| !s.starts_with('{'))
        // `Accounts.json` → `Accounts`.
        .map(|s| s.split_once('.').map_or(s, |(name, _)| name))
        .find(|s| !s.is_empty() && !is_version_like(s))
}

/// What an operation is grouped by: its first tag, else the first resource segment of its
/// path (`/v1/customers/{id}` → `customers`).
pub fn group_of(op: &Operation) -> Option<&str> {
    op.tags
        .first()
        .map(String::as_str)
        .or_else(|| path_group(&op.path))
}

/// The module of an operation.
pub fn op_module(op: &Operation) -> String {
    tag_module(group_of(op))
}

/// The cargo feature of an operation.
pub fn op_feature(op: &Operation) -> String {
    tag_feature(group_of(op))
}

/// Operations grouped by module (first tag, else first path segment), in order.
pub fn by_module(api: &Api) -> BTreeMap<String, Vec<&Operation>> {
    let mut out: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        out.entry(op_module(op)).or_default().push(op);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untagged_paths_group_by_their_first_resource_segment() {
        assert_eq!(path_group("/v1/customers/{customer}"), Some("customers"));
        assert_eq!(path_group("/v1/payment_intents"), Some("payment_intents"));
        assert_eq!(path_group("/2010-04-01/Accounts.json"), Some("Accounts"));
        assert_eq!(path_group("/api/v2beta/users"), Some("users"));
        assert_eq!(path_group("/{tenant}/orders"), Some("orders"));
        assert_eq!(path_group("/v1"), None);
        assert_eq!(path_group("/"), None);
        assert_eq!(tag_module(path_group("/v1/customers")), "customers");
        assert_eq!(tag_module(Some("Payment Intents")), "payment_intents");
        assert_eq!(tag_feature(Some("Payment Intents")), "payment-intents");
        assert_eq!(tag_module(Some("types")), "types_ops");
        assert_eq!(tag_module(Some("params")), "params_ops");
        assert_eq!(tag_module(None), "default_ops");
        // The generated crate's own features and modules are not taken by a tag.
        assert_eq!(tag_feature(Some("Strict")), "strict-ops");
        assert_eq!(tag_feature(Some("testing")), "testing-ops");
        assert_eq!(tag_feature(Some("default")), "default-ops");
    }
}
