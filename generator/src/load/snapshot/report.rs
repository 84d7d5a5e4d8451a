//! Errors that name the file, the JSON pointer, line and column, with a hint; checks shared
//! by every converter (mapping, string, known keys).

use std::fmt::Display;

use serde_json::{Map, Value};

use super::model::Shape;
use super::{seg, suggest, Converter, SnapshotError};
use crate::load::yaml::Duplicate;
use crate::load::LoadError;

impl Converter<'_> {
    /// A key written twice in one mapping: names the first and the second line.
    pub(super) fn duplicate(&self, d: &Duplicate) -> LoadError {
        let pointer = format!("#{}", d.pointer);
        let first = crate::pointer::positions::locate_one(self.text, &pointer).map(|(l, _)| l);
        let lines = match (first, d.again) {
            (Some(a), Some((b, _))) if a != b => format!("first at line {a}, again at line {b}"),
            (_, Some((b, _))) => format!("again at line {b}"),
            _ => "twice".to_owned(),
        };
        let endpoint = d
            .pointer
            .strip_prefix("/endpoints/")
            .is_some_and(|n| !n.contains('/'));
        let (what, hint) = if endpoint {
            (
                format!("endpoint `{}` is defined twice ({lines})", d.key),
                "an endpoint name is its operationId and must be unique; rename or remove one",
            )
        } else {
            (
                format!("key `{}` is written twice in one mapping ({lines})", d.key),
                "only one would be kept; remove or rename the other",
            )
        };
        LoadError::Snapshot(Box::new(SnapshotError {
            path: self.path.to_owned(),
            pointer,
            line: d.again.map(|(l, _)| l).or(first),
            column: d.again.map(|(_, c)| c),
            problem: what,
            hint: hint.to_owned(),
        }))
    }

    pub(super) fn err(&self, pointer: &str, what: impl Display, hint: impl Display) -> LoadError {
        let pos = crate::pointer::positions::locate_one(self.text, pointer);
        LoadError::Snapshot(Box::new(SnapshotError {
            path: self.path.to_owned(),
            pointer: pointer.to_owned(),
            line: pos.map(|(l, _)| l),
            column: pos.map(|(_, c)| c),
            problem: what.to_string(),
            hint: hint.to_string(),
        }))
    }

    pub(super) fn map<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
        what: &str,
    ) -> Result<&'v Map<String, Value>, LoadError> {
        v.as_object()
            .ok_or_else(|| self.not_a_mapping(v, ptr, what))
    }

    fn not_a_mapping(&self, v: &Value, ptr: &str, what: &str) -> LoadError {
        self.err(
            ptr,
            format!("{what} must be a mapping, found {}", kind(v)),
            "write `key: value` lines indented under it",
        )
    }

    /// A mapping of the model, or the same message as [`Self::map`] for any other form.
    pub(super) fn shape<'m, T>(
        &self,
        s: &'m Shape<T>,
        ptr: &str,
        what: &str,
    ) -> Result<&'m T, LoadError> {
        match s {
            Shape::Read(t) => Ok(t),
            Shape::Other(v) => Err(self.not_a_mapping(v, ptr, what)),
        }
    }

    pub(super) fn string<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
        what: &str,
    ) -> Result<&'v str, LoadError> {
        v.as_str().ok_or_else(|| {
            self.err(
                ptr,
                format!("{what} must be a string, found {}", kind(v)),
                "quote the value",
            )
        })
    }

    /// Checks a mapping's keys (in the order written) against those `allowed` there.
    pub(super) fn keys<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k String>,
        ptr: &str,
        allowed: &[&str],
    ) -> Result<(), LoadError> {
        for k in keys {
            if !allowed.contains(&k.as_str()) && !k.starts_with("x-") {
                return Err(self.unknown_key(&seg(ptr, k), k, allowed));
            }
        }
        Ok(())
    }

    /// An unknown key at `pointer`: "did you mean" the closest of `allowed`, then all of them.
    pub(super) fn unknown_key(&self, pointer: &str, key: &str, allowed: &[&str]) -> LoadError {
        let mut sorted = allowed.to_vec();
        sorted.sort_unstable();
        self.err(
            pointer,
            format!("unknown key `{key}`"),
            format!(
                "{}known keys here: {}",
                suggest(key, allowed),
                sorted.join(", ")
            ),
        )
    }

    pub(super) fn version_string(&self, v: &Value, ptr: &str) -> Result<String, LoadError> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(self.err(
                ptr,
                "the version must be a non-empty string",
                "write the API version you pinned, e.g. `version: \"2024-06-20\"`",
            )),
        }
    }
}

pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
