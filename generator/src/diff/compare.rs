//! Classifies each difference between two [`Surface`]s, for the Rust API and for the wire.

use std::collections::BTreeMap;

use super::surface::{OpSurface, Shape, Surface, TypeSurface};
use super::{Change, Impact};

use Impact::{Additive, Breaking, None as Same};

/// Every change from `old` to `new`, sorted (most severe first, then by place).
pub fn changes(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Vec::new();
    each(&old.operations, &new.operations, |k, o, n| match (o, n) {
        (Some(_), None) => push(&mut out, k, "operation removed", Breaking, Breaking),
        (None, Some(_)) => push(&mut out, k, "operation added", Additive, Additive),
        (Some(o), Some(n)) => operation(&mut out, k, o, n),
        (None, None) => {}
    });
    each(&old.types, &new.types, |k, o, n| match (o, n) {
        (Some(_), None) => push(&mut out, k, "type removed", Breaking, Same),
        (None, Some(_)) => push(&mut out, k, "type added", Additive, Same),
        (Some(o), Some(n)) => type_change(&mut out, k, o, n),
        (None, None) => {}
    });
    each(&old.security_schemes, &new.security_schemes, |k, o, n| {
        let at = format!("security scheme {k}");
        match (o, n) {
            (Some(_), None) => push(&mut out, &at, "removed", Breaking, Breaking),
            (None, Some(_)) => push(&mut out, &at, "added", Additive, Same),
            (Some(o), Some(n)) if o != n => {
                push(&mut out, &at, &format!("{o} → {n}"), Breaking, Breaking)
            }
            _ => {}
        }
    });
    out.sort_by(|a, b| (b.rust, b.wire, &a.at, &a.what).cmp(&(a.rust, a.wire, &b.at, &b.what)));
    out
}

fn push(out: &mut Vec<Change>, at: &str, what: &str, rust: Impact, wire: Impact) {
    out.push(Change {
        at: at.to_owned(),
        what: what.to_owned(),
        rust,
        wire,
    });
}

/// Calls `f` for every key of either map, in order.
fn each<V>(
    old: &BTreeMap<String, V>,
    new: &BTreeMap<String, V>,
    mut f: impl FnMut(&str, Option<&V>, Option<&V>),
) {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        f(k, old.get(k), new.get(k));
    }
}

fn operation(out: &mut Vec<Change>, name: &str, o: &OpSurface, n: &OpSurface) {
    if o.route != n.route {
        let what = format!("route {} → {}", o.route, n.route);
        push(out, name, &what, Same, Breaking);
    }
    each(&o.params, &n.params, |k, op, np| {
        let at = format!("{name}: {k}");
        match (op, np) {
            (Some(_), None) => push(out, &at, "parameter removed", Breaking, Same),
            (None, Some(p)) if p.required => {
                push(out, &at, "required parameter added", Breaking, Breaking)
            }
            (None, Some(_)) => push(out, &at, "optional parameter added", Additive, Additive),
            (Some(a), Some(b)) => {
                if a.ty != b.ty {
                    let what = format!("parameter type {} → {}", a.ty, b.ty);
                    push(out, &at, &what, Breaking, Breaking);
                }
                match (a.required, b.required) {
                    (false, true) => {
                        push(out, &at, "parameter became required", Breaking, Breaking)
                    }
                    (true, false) => {
                        push(out, &at, "parameter became optional", Breaking, Additive)
                    }
                    _ => {}
                }
                if a.rust_name != b.rust_name {
                    let what = format!("Rust name {} → {}", a.rust_name, b.rust_name);
                    push(out, &at, &what, Breaking, Same);
                }
            }
            (None, None) => {}
        }
    });
    body(out, name, o, n);
    if o.success != n.success {
        let what = format!("success type {} → {}", o.success, n.success);
        push(out, name, &what, Breaking, Breaking);
    }
    each(&o.errors, &n.errors, |k, a, b| {
        let at = format!("{name}: error {k}");
        match (a, b) {
            (Some(_), None) => push(out, &at, "error response removed", Breaking, Same),
            (None, Some(_)) => push(out, &at, "error response added", Additive, Additive),
            (Some(a), Some(b)) if a != b => push(
                out,
                &at,
                &format!("error type {a} → {b}"),
                Breaking,
                Breaking,
            ),
            _ => {}
        }
    });
    if o.security != n.security {
        let lost = o.security.iter().any(|alt| !n.security.contains(alt));
        let what = format!("security {:?} → {:?}", o.security, n.security);
        push(
            out,
            name,
            &what,
            Same,
            if lost { Breaking } else { Additive },
        );
    }
    if o.pagination != n.pagination {
        let what = format!(
            "pagination {} → {}",
            o.pagination.as_deref().unwrap_or("none"),
            n.pagination.as_deref().unwrap_or("none")
        );
        push(out, name, &what, Breaking, Same);
    }
    if o.idempotency != n.idempotency {
        let what = format!(
            "idempotency key {} → {} (whether a write that may have been sent is retried)",
            o.idempotency.as_deref().unwrap_or("none"),
            n.idempotency.as_deref().unwrap_or("none")
        );
        push(out, name, &what, Same, Same);
    }
    if !o.deprecated && n.deprecated {
        push(out, name, "deprecated", Same, Same);
    }
}

fn body(out: &mut Vec<Change>, name: &str, o: &OpSurface, n: &OpSurface) {
    let at = format!("{name}: body");
    match (&o.body, &n.body) {
        (Some(_), None) => push(out, &at, "request body removed", Breaking, Same),
        (None, Some(b)) => {
            let wire = if b.required { Breaking } else { Additive };
            push(out, &at, "request body added", Breaking, wire)
        }
        (Some(a), Some(b)) => {
            if a.ty != b.ty {
                push(
                    out,
                    &at,
                    &format!("body type {} → {}", a.ty, b.ty),
                    Breaking,
                    Breaking,
                );
            }
            if a.content_type != b.content_type {
                let what = format!("content type {} → {}", a.content_type, b.content_type);
                push(out, &at, &what, Same, Breaking);
            }
            match (a.required, b.required) {
                (false, true) => push(out, &at, "body became required", Breaking, Breaking),
                (true, false) => push(out, &at, "body became optional", Breaking, Additive),
                _ => {}
            }
        }
        (None, None) => {}
    }
}

fn type_change(out: &mut Vec<Change>, name: &str, o: &TypeSurface, n: &TypeSurface) {
    let request = o.in_request || n.in_request;
    let response = o.in_response || n.in_response;
    match (&o.shape, &n.shape) {
        (Shape::Struct { fields: a }, Shape::Struct { fields: b }) => {
            each(a, b, |k, fa, fb| {
                let at = format!("{name}.{k}");
                match (fa, fb) {
                    (Some(f), None) => {
                        // Old clients that require it fail to decode a response without it.
                        let wire = if response && !f.optional {
                            Breaking
                        } else {
                            Same
                        };
                        push(out, &at, "field removed", Breaking, wire)
                    }
                    (None, Some(f)) if !f.optional => {
                        let rust = if request { Breaking } else { Additive };
                        let wire = if request { Breaking } else { Additive };
                        push(out, &at, "required field added", rust, wire)
                    }
                    (None, Some(_)) => push(out, &at, "optional field added", Additive, Additive),
                    (Some(fa), Some(fb)) => {
                        if fa.ty != fb.ty {
                            let what = format!("field type {} → {}", fa.ty, fb.ty);
                            push(out, &at, &what, Breaking, Breaking);
                        }
                        match (fa.optional, fb.optional) {
                            (true, false) => {
                                let wire = if request { Breaking } else { Additive };
                                push(out, &at, "field became required", Breaking, wire)
                            }
                            (false, true) => {
                                let wire = if response { Breaking } else { Additive };
                                push(out, &at, "field became optional", Breaking, wire)
                            }
                            _ => {}
                        }
                        if fa.rust_name != fb.rust_name {
                            let what = format!("Rust name {} → {}", fa.rust_name, fb.rust_name);
                            push(out, &at, &what, Breaking, Same);
                        }
                    }
                    (None, None) => {}
                }
            });
        }
        (Shape::Enum { values: a }, Shape::Enum { values: b }) => {
            for v in b.difference(a) {
                // Generated enums are matched exhaustively; old clients decode it as `Unknown`.
                push(
                    out,
                    &format!("{name} \"{v}\""),
                    "enum value added",
                    Breaking,
                    Additive,
                );
            }
            for v in a.difference(b) {
                let wire = if request { Breaking } else { Same };
                push(
                    out,
                    &format!("{name} \"{v}\""),
                    "enum value removed",
                    Breaking,
                    wire,
                );
            }
        }
        (Shape::Union { variants: a }, Shape::Union { variants: b }) => {
            each(a, b, |k, va, vb| {
                let at = format!("{name}::{k}");
                match (va, vb) {
                    (Some(_), None) => push(out, &at, "union variant removed", Breaking, Same),
                    // Old clients decode it into the catch-all.
                    (None, Some(_)) => push(out, &at, "union variant added", Breaking, Additive),
                    (Some(x), Some(y)) if x != y => push(
                        out,
                        &at,
                        &format!("variant type {x} → {y}"),
                        Breaking,
                        Breaking,
                    ),
                    _ => {}
                }
            });
        }
        (Shape::Alias { of: a }, Shape::Alias { of: b }) if a != b => {
            push(out, name, &format!("alias {a} → {b}"), Breaking, Breaking)
        }
        (Shape::Alias { .. }, Shape::Alias { .. }) => {}
        (a, b) => {
            let what = format!("kind {} → {}", shape_name(a), shape_name(b));
            push(out, name, &what, Breaking, Breaking)
        }
    }
}

fn shape_name(s: &Shape) -> &'static str {
    match s {
        Shape::Struct { .. } => "struct",
        Shape::Enum { .. } => "enum",
        Shape::Union { .. } => "union",
        Shape::Alias { .. } => "alias",
    }
}
