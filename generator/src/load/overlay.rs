//! OpenAPI Overlay Specification 1.0: edits to a spec the user does not own, applied in order
//! before anything else reads it.
//!
//! An overlay is a JSON or YAML document with `overlay: 1.0.0`, `info` and a list of
//! `actions`, each with a `target` (an RFC 9535 JSONPath, evaluated by the `serde_json_path`
//! crate) and either `update` or `remove: true`:
//! - `update` on an object merges recursively: a property only in the update is added, a
//!   primitive replaces a primitive, arrays are concatenated, objects merge; any other pair is
//!   an error. `update` on an array appends the value as one entry.
//! - `remove: true` removes every selected node from the object or array that holds it.
//!
//! Unlike the specification, which lets a target select nothing, sturdy makes that an error
//! naming the overlay file, the action and the target: a provider spec that changed under an
//! overlay should stop the build, not silently drop the fix.
//!
//! ```
//! use serde_json::json;
//! use sturdy_generator::load::overlay::Overlay;
//! let overlay = Overlay::from_str(
//!     "overlay: 1.0.0\ninfo: {title: fix, version: '1'}\nactions:\n  - target: $.info\n    update: {title: Pets}\n",
//!     std::path::Path::new("fix.yaml"),
//! )
//! .unwrap();
//! let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}});
//! overlay.apply(&mut doc).unwrap();
//! assert_eq!(doc["info"]["title"], "Pets");
//! ```

use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_json_path::JsonPath;

use super::LoadError;

/// A parsed overlay document.
#[derive(Debug, Clone)]
pub struct Overlay {
    path: PathBuf,
    actions: Vec<Action>,
}

/// One action: where, and what to do there.
#[derive(Debug, Clone)]
struct Action {
    target: String,
    query: JsonPath,
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    Update(Value),
    Remove,
}

impl Overlay {
    /// Reads and checks the overlay at `path`.
    pub fn read(path: &Path) -> Result<Overlay, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        Overlay::from_str(&text, path)
    }

    /// Parses overlay text; `path` names it in errors.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, path: &Path) -> Result<Overlay, LoadError> {
        let raw = super::parse_text(text, path)?;
        let invalid = |pointer: &str, message: String| LoadError::Invalid {
            path: path.to_owned(),
            pointer: pointer.to_owned(),
            line: crate::pointer::line_of(text, pointer.trim_start_matches('#')),
            message,
        };
        match raw.get("overlay").and_then(Value::as_str) {
            Some(v) if v.starts_with("1.") => {}
            Some(v) => {
                return Err(invalid(
                    "#/overlay",
                    format!("overlay version `{v}` is not supported; sturdy reads Overlay 1.x"),
                ))
            }
            None => {
                return Err(LoadError::NotOpenApi {
                    path: path.to_owned(),
                    reason: "an overlay starts with `overlay: 1.0.0` and has `actions`".into(),
                })
            }
        }
        let Some(list) = raw.get("actions").and_then(Value::as_array) else {
            return Err(invalid(
                "#/actions",
                "`actions` must be a list of `{target, update | remove}`".into(),
            ));
        };
        let mut actions = Vec::with_capacity(list.len());
        for (i, a) in list.iter().enumerate() {
            let ptr = format!("#/actions/{i}");
            let Some(target) = a.get("target").and_then(Value::as_str) else {
                return Err(invalid(&ptr, "the action has no `target` JSONPath".into()));
            };
            let query = JsonPath::parse(target).map_err(|e| {
                invalid(
                    &format!("{ptr}/target"),
                    format!("`{target}` is not an RFC 9535 JSONPath: {e}"),
                )
            })?;
            let remove = a.get("remove").and_then(Value::as_bool).unwrap_or(false);
            let change = match (remove, a.get("update")) {
                (true, _) => Change::Remove,
                (false, Some(u)) => Change::Update(u.clone()),
                (false, None) => {
                    return Err(invalid(
                        &ptr,
                        "the action has neither `update` nor `remove: true`".into(),
                    ))
                }
            };
            actions.push(Action {
                target: target.to_owned(),
                query,
                change,
            });
        }
        Ok(Overlay {
            path: path.to_owned(),
            actions,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies every action, in order, to `doc`.
    pub fn apply(&self, doc: &mut Value) -> Result<(), LoadError> {
        self.apply_with(doc, false)
    }

    /// [`Overlay::apply`]; with `allow_empty`, an action whose target selects nothing is
    /// skipped (a built-in profile meeting a cut-down spec) instead of being an error.
    pub(crate) fn apply_with(&self, doc: &mut Value, allow_empty: bool) -> Result<(), LoadError> {
        for (i, action) in self.actions.iter().enumerate() {
            let fail = |message: String| LoadError::Overlay {
                path: self.path.clone(),
                action: i,
                target: action.target.clone(),
                message,
            };
            let mut pointers: Vec<String> = action
                .query
                .query_located(doc)
                .locations()
                .map(|l| l.to_json_pointer())
                .collect();
            if pointers.is_empty() && allow_empty {
                continue;
            }
            if pointers.is_empty() {
                return Err(fail(
                    "the target matched nothing in the spec; the spec may have changed under \
                     this overlay: fix the target or remove the action"
                        .into(),
                ));
            }
            match &action.change {
                Change::Remove => {
                    // Deepest and last first, so earlier array indices stay valid.
                    pointers.sort_by(|a, b| pointer_order(b, a));
                    for p in &pointers {
                        remove_at(doc, p).map_err(&fail)?;
                    }
                }
                Change::Update(update) => {
                    for p in &pointers {
                        let node = doc
                            .pointer_mut(p)
                            .ok_or_else(|| fail(format!("{p} vanished while applying")))?;
                        update_node(node, update).map_err(|m| fail(format!("at {p}: {m}")))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Orders pointers so that array siblings compare by numeric index.
fn pointer_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |p: &str| -> Vec<(u64, String)> {
        p.split('/')
            .map(|s| match s.parse::<u64>() {
                Ok(n) => (n, String::new()),
                Err(_) => (u64::MAX, s.to_owned()),
            })
            .collect()
    };
    key(a).cmp(&key(b))
}

/// Removes the node at `pointer` from its parent.
fn remove_at(doc: &mut Value, pointer: &str) -> Result<(), String> {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return Err("the whole document cannot be removed".into());
    };
    let key = crate::pointer::unescape(last);
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.shift_remove(&key);
            Ok(())
        }
        Some(Value::Array(a)) => match key.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                Ok(())
            }
            _ => Err(format!("{pointer} is not an index of its array")),
        },
        _ => Err(format!("{pointer} has no parent to remove it from")),
    }
}

/// Applies `update` to one selected node.
fn update_node(node: &mut Value, update: &Value) -> Result<(), String> {
    match node {
        Value::Array(items) => {
            items.push(update.clone());
            Ok(())
        }
        Value::Object(_) => merge(node, update),
        other => Err(format!(
            "the target selects {}; select the object that holds it and update the property",
            kind(other)
        )),
    }
}

/// Recursive merge per Overlay 1.0.
fn merge(target: &mut Value, update: &Value) -> Result<(), String> {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            for (k, v) in u {
                match t.get_mut(k) {
                    Some(existing) => merge(existing, v).map_err(|e| format!("{k}: {e}"))?,
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
            Ok(())
        }
        (Value::Array(t), Value::Array(u)) => {
            t.extend(u.iter().cloned());
            Ok(())
        }
        (t, u) if !t.is_object() && !t.is_array() && !u.is_object() && !u.is_array() => {
            *t = u.clone();
            Ok(())
        }
        (t, u) => Err(format!(
            "cannot merge {} into {}; remove the property first, then update it",
            kind(u),
            kind(t)
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
