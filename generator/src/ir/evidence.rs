//! Example evidence: the spec's own examples are the provider's statement of what its
//! payloads look like, and real payloads break the spec in the same ways. Once the types are
//! final, every example ([`spec_examples`]) is walked against the type it documents (see
//! `walk`), and a type the examples contradict is relaxed so that such a payload decodes:
//! - a required property an example omits becomes optional;
//! - `null` in a required, non-nullable property makes it nullable (an optional property
//!   shown as `null` already decodes as `None` and is left as it is);
//! - a string that is not a value of a string enum becomes a new variant (named like the
//!   others; its docs name the example that showed it), unless the enum has one value: that
//!   is a constant (a tag), and the example is of another type.
//!
//! Wrong primitive types are left alone: the example is wrong. Requests stay strict: a type
//! reachable from a request body or parameter (through fields, items, map values, union
//! members and aliases) is never relaxed, and a warning says so. Every relaxation is one
//! [`Warning`] at the schema's pointer naming the first example that showed it and how many
//! did. The document-level extension `x-sturdy-example-evidence: false` turns the pass off.

mod collect;
mod walk;

use std::collections::BTreeMap;

use serde_json::Value;

pub(crate) use collect::example_value;
pub use collect::{spec_examples, SpecExample};
use walk::{Finding, Seen, Walker};

use crate::ir::{EnumVariant, Operation, TypeDef, TypeKind};
use crate::load::Document;
use crate::names::Scope;
use crate::pointer::escape;
use crate::Warning;

/// The document-level extension that turns example evidence off when `false`.
pub const EXTENSION: &str = "x-sturdy-example-evidence";

/// Relaxes `types` where the examples of `doc` contradict them (see the module docs).
pub(crate) fn apply(
    doc: &Document,
    operations: &[Operation],
    types: &mut BTreeMap<String, TypeDef>,
    warnings: &mut Vec<Warning>,
) {
    if doc.raw.get(EXTENSION).and_then(Value::as_bool) == Some(false) {
        return;
    }
    let mut walker = Walker::new(types);
    for e in spec_examples(operations, types, &doc.raw) {
        walker.example(&e.label, &e.value, &e.ty);
    }
    let found = walker.found;
    let strict = crate::ir::request_types(operations, types);
    for (finding, seen) in found {
        let Some(def) = types.get_mut(finding.ty()) else {
            continue;
        };
        let (pointer, what) = describe(def, &finding, &seen);
        if strict.contains(&def.name) {
            warnings.push(Warning {
                pointer,
                message: format!(
                    "{what}; left as declared: `{}` is part of a request",
                    def.name
                ),
            });
            continue;
        }
        if is_constant(def, &finding) {
            warnings.push(Warning {
                pointer,
                message: format!(
                    "{what}; left as declared: a one-value enum is a constant, so the example is of another type"
                ),
            });
            continue;
        }
        let Some(done) = relax(def, &finding, &seen) else {
            continue;
        };
        warnings.push(Warning {
            pointer,
            message: format!(
                "{what}: {done} (example evidence; `{EXTENSION}: false` at the document's root turns this off)"
            ),
        });
    }
}

/// The schema pointer a finding is about, and what the examples showed.
fn describe(def: &TypeDef, finding: &Finding, seen: &Seen) -> (String, String) {
    let shown = match seen.examples {
        1 => format!("the example at `{}`", seen.first),
        n => format!("{n} examples, first at `{}`", seen.first),
    };
    match finding {
        Finding::Omitted { field, .. } => (
            format!("{}/properties/{}", def.origin, escape(field)),
            format!("required property `{field}` is omitted by {shown}"),
        ),
        Finding::Null { field, .. } => (
            format!("{}/properties/{}", def.origin, escape(field)),
            format!("non-nullable property `{field}` is `null` in {shown}"),
        ),
        Finding::Value { value, .. } => (
            def.origin.clone(),
            format!("`{value}` is not a value of the enum but is shown by {shown}"),
        ),
    }
}

/// Whether `finding` would add a value to a one-value enum: a constant (a tag such as
/// `type: conversation.item.retrieved`), which an example of another type does not change.
fn is_constant(def: &TypeDef, finding: &Finding) -> bool {
    matches!((&def.kind, finding), (TypeKind::Enum(e), Finding::Value { .. }) if e.variants.len() == 1)
}

/// Applies one finding to its type; says what was done.
fn relax(def: &mut TypeDef, finding: &Finding, seen: &Seen) -> Option<String> {
    match (&mut def.kind, finding) {
        (TypeKind::Struct(s), Finding::Omitted { field, .. }) => {
            let f = s.fields.iter_mut().find(|f| &f.wire_name == field)?;
            f.required = false;
            Some("made optional".to_owned())
        }
        (TypeKind::Struct(s), Finding::Null { field, .. }) => {
            let f = s.fields.iter_mut().find(|f| &f.wire_name == field)?;
            f.nullable = true;
            Some("made nullable".to_owned())
        }
        (TypeKind::Enum(e), Finding::Value { value, .. }) => {
            let mut scope = Scope::with_reserved(
                e.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .chain(["Unknown"]),
            );
            let name = scope.claim(&crate::ir::types::variant_base(value));
            e.variants.push(EnumVariant {
                name: name.clone(),
                value: value.clone(),
                docs: Some(format!(
                    "Not in the spec's `enum`; the spec's example at `{}` shows it.",
                    seen.first
                )),
            });
            Some(format!("variant `{name}` added"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
