//! Decoding `oneOf`/`anyOf` unions faithfully; support for generated code.
//!
//! An untagged union is decoded by best fit, not by "first variant that deserializes": each
//! variant's [`Shape`] (JSON kind, declared keys, required keys, closed string fields) is
//! ranked against the payload, then variants are decoded in that order and the first one that
//! re-encodes to the payload (see [`divergence`]) wins; when none does, the one that loses the
//! least. Ranking, best first:
//! 1. fewest closed fields contradicted (a `type: "text"` payload is not the `image_file` variant);
//! 2. most closed fields matched;
//! 3. fewest required keys missing;
//! 4. fewest payload keys the variant does not declare;
//! 5. a typed variant before a plain-JSON one; then declaration order.
//!
//! Among variants that lose equally, one that keeps fewer payload keys only as undeclared
//! extras (a struct's `extra`, at any depth) wins.
//!
//! A catch-all (`Other`, an enum's `Unknown`) is used only when no declared variant decodes,
//! and is reported as a drift signal naming the type and its spec pointer (see
//! [`crate::drift`]: counted for the operation inside a client's decode, else a `tracing`
//! warning, target `sturdy::decode`). Reports raised while trying a variant that is then not
//! chosen are dropped.

use std::cell::RefCell;
use std::cmp::Reverse;

use serde::Serialize;
use serde_json::Value;

/// The JSON kind a variant accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Anything (a plain-JSON variant).
    Any,
    /// `true`/`false`.
    Bool,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// What a union variant looks like on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    kind: Kind,
    keys: &'static [&'static str],
    required: &'static [&'static str],
    closed: &'static [(&'static str, &'static [&'static str])],
    values: &'static [&'static str],
}

impl Shape {
    /// A variant of this kind with nothing more known.
    pub const fn of(kind: Kind) -> Self {
        Self {
            kind,
            keys: &[],
            required: &[],
            closed: &[],
            values: &[],
        }
    }

    /// A string variant whose known values are `values` (an enum).
    pub const fn string(values: &'static [&'static str]) -> Self {
        Self {
            values,
            ..Self::of(Kind::String)
        }
    }

    /// An object variant: its declared keys, required keys, and the fields whose string
    /// values are fixed (a `const` or an `enum`).
    pub const fn object(
        keys: &'static [&'static str],
        required: &'static [&'static str],
        closed: &'static [(&'static str, &'static [&'static str])],
    ) -> Self {
        Self {
            kind: Kind::Object,
            keys,
            required,
            closed,
            values: &[],
        }
    }

    fn accepts(&self, v: &Value) -> bool {
        match self.kind {
            Kind::Any => true,
            Kind::Bool => v.is_boolean(),
            Kind::Integer => v.is_i64() || v.is_u64(),
            Kind::Number => v.is_number(),
            Kind::String => v.is_string(),
            Kind::Array => v.is_array(),
            Kind::Object => v.is_object(),
        }
    }

    /// The rank key of this shape for `v` (smaller is better).
    fn score(&self, v: &Value) -> (usize, Reverse<usize>, usize, usize, bool) {
        let (mut contradicted, mut matched) = (0, 0);
        let mut check = |allowed: &[&str], got: Option<&Value>| match got.and_then(Value::as_str) {
            Some(s) if allowed.contains(&s) => matched += 1,
            Some(_) => contradicted += 1,
            None => {}
        };
        if !self.values.is_empty() {
            check(self.values, Some(v));
        }
        let (mut missing, mut unaccounted) = (0, 0);
        if let Value::Object(m) = v {
            for (key, allowed) in self.closed {
                check(allowed, m.get(*key));
            }
            missing = self
                .required
                .iter()
                .filter(|k| !m.contains_key(**k))
                .count();
            if matches!(self.kind, Kind::Object | Kind::Any) {
                unaccounted = m
                    .keys()
                    .filter(|k| !self.keys.contains(&k.as_str()))
                    .count();
            }
        }
        (
            contradicted,
            Reverse(matched),
            missing,
            unaccounted,
            self.kind == Kind::Any,
        )
    }
}

/// A union type: its name, where the spec defines it, and its variants' shapes.
#[derive(Debug, Clone, Copy)]
pub struct Union {
    name: &'static str,
    pointer: &'static str,
    shapes: &'static [Shape],
}

impl Union {
    /// A union named `name`, defined at `pointer` in the spec.
    pub const fn new(name: &'static str, pointer: &'static str, shapes: &'static [Shape]) -> Self {
        Self {
            name,
            pointer,
            shapes,
        }
    }

    /// Variant indices in the order they should be tried for `v` (variants whose kind cannot
    /// hold `v` are left out).
    pub fn rank(&self, v: &Value) -> Vec<usize> {
        let mut order: Vec<(usize, _)> = self
            .shapes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.accepts(v))
            .map(|(i, s)| (i, s.score(v)))
            .collect();
        order.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        order.into_iter().map(|(i, _)| i).collect()
    }

    /// Decodes `value` by best fit. `variant(i, v)` decodes variant `i`; `other` is the
    /// catch-all (`None` when the union has a plain-JSON variant, which always fits).
    pub fn decode<T: Serialize, E: serde::de::Error>(
        &self,
        value: Value,
        variant: impl Fn(usize, &Value) -> Option<T>,
        other: Option<fn(Value) -> T>,
    ) -> Result<T, E> {
        self.decode_among(value, &[], variant, other)
    }

    /// [`Union::decode`] among the variants `among` only (all when empty): a tagged union
    /// whose tag several members share (OpenAI's system, user and assistant messages are all
    /// `type: "message"`), or whose payload has no tag.
    pub fn decode_among<T: Serialize, E: serde::de::Error>(
        &self,
        value: Value,
        among: &[usize],
        variant: impl Fn(usize, &Value) -> Option<T>,
        other: Option<fn(Value) -> T>,
    ) -> Result<T, E> {
        // Loss, then keys kept only in an `Extra` (an exact re-encoding that parks payload
        // keys as undeclared is worse than one whose fields declare them).
        let mut best: Option<((usize, usize), T, Vec<Caught>)> = None;
        let order = self.rank(&value);
        let order = order
            .into_iter()
            .filter(|i| among.is_empty() || among.contains(i));
        for i in order {
            let (decoded, caught, parked) = trying(|| variant(i, &value));
            let Some(t) = decoded else { continue };
            let lost = serde_json::to_value(&t).map_or(usize::MAX, |out| divergence(&value, &out));
            let key = (lost, parked);
            if best.as_ref().is_none_or(|(l, _, _)| key < *l) {
                best = Some((key, t, caught));
                if key == (0, 0) {
                    break;
                }
            }
        }
        if let Some(((_, parked), t, caught)) = best {
            caught.into_iter().for_each(report);
            // Counts toward an enclosing variant attempt, if any.
            self::parked(parked);
            return Ok(t);
        }
        match other {
            Some(other) => {
                catch_all(
                    self.name,
                    self.pointer,
                    Some(&crate::drift::shape_sample(&value)),
                );
                Ok(other(value))
            }
            None => Err(E::custom(format_args!(
                "no variant of {} matches the payload",
                self.name
            ))),
        }
    }

    /// Reports that a tagged union fell back to its catch-all for tag `tag`.
    pub fn unknown_tag(&self, tag: Option<&str>) {
        catch_all(self.name, self.pointer, tag);
    }
}

/// Decodes one variant from a JSON value.
pub fn variant<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    T::deserialize(v).ok()
}

/// Reports a catch-all decode: `Other` of union `ty` or `Unknown` of enum `ty` (defined at
/// `pointer` in the spec), with the wire value that was not recognized, if any.
pub fn catch_all(ty: &'static str, pointer: &'static str, value: Option<&str>) {
    report_drift(crate::drift::DriftKind::CatchAll, ty, pointer, value, None);
}

/// Reports a drift signal of any kind (see [`crate::drift::report`]).
pub(crate) fn report_drift(
    kind: crate::drift::DriftKind,
    ty: &'static str,
    pointer: &'static str,
    value: Option<&str>,
    deviation: Option<Deviation>,
) {
    let value = value.map(crate::drift::sample);
    report(Caught {
        kind,
        ty,
        pointer,
        value,
        deviation,
    });
}

/// What a lenient decode accepted although the schema does not allow it (see [`deviation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deviation {
    /// A required field was absent; its type's default was used.
    Missing,
    /// A non-nullable field was `null`; its type's default was used.
    Null,
    /// A `format: date` field held a date-time; its date was kept.
    DateTime,
    /// The body was `null` where an object was expected; an empty object was decoded.
    NullBody,
}

impl Deviation {
    /// A short name: `missing`, `null`, `date_time`, `null_body`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Null => "null",
            Self::DateTime => "date_time",
            Self::NullBody => "null_body",
        }
    }
}

/// Reports a payload that breaks its schema but was decoded leniently: `kind` at the spec
/// `pointer` (a field of type `ty`), with the wire value, if any. A drift signal of kind
/// [`Lenient`](crate::drift::DriftKind::Lenient) inside a call (its sample names the
/// deviation); outside one a `tracing` warning (target `sturdy::decode`, field `deviation`);
/// dropped when it happens inside a union variant that is then not chosen.
pub fn deviation(kind: Deviation, ty: &'static str, pointer: &'static str, value: Option<&str>) {
    let sample = match value {
        Some(v) => format!("{}: {v}", kind.as_str()),
        None => kind.as_str().to_owned(),
    };
    report_drift(
        crate::drift::DriftKind::Lenient,
        ty,
        pointer,
        Some(&sample),
        Some(kind),
    );
}

#[derive(Debug, Clone)]
struct Caught {
    kind: crate::drift::DriftKind,
    ty: &'static str,
    pointer: &'static str,
    value: Option<String>,
    /// `None` for a catch-all.
    deviation: Option<Deviation>,
}

fn report(c: Caught) {
    let pushed = TRIALS.with(|t| match t.borrow_mut().last_mut() {
        Some(frame) => {
            frame.push(c.clone());
            true
        }
        None => false,
    });
    if pushed || crate::drift::deliver(c.kind, c.ty, c.pointer, c.value.as_deref()) {
        return;
    }
    if let Some(kind) = c.deviation {
        tracing::warn!(
            target: "sturdy::decode",
            r#type = c.ty,
            pointer = c.pointer,
            value = c.value.as_deref().unwrap_or(""),
            deviation = kind.as_str(),
            "decoded leniently: the payload breaks its schema"
        );
    } else {
        tracing::warn!(
            target: "sturdy::decode",
            kind = c.kind.as_str(),
            r#type = c.ty,
            pointer = c.pointer,
            value = c.value.as_deref().unwrap_or(""),
            "{}",
            c.kind.message()
        );
    }
}

thread_local! {
    /// Keys parked in an `Extra` by the variant attempt in progress.
    static PARKED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Catch-all reports of the variant attempts in progress, innermost last.
    static TRIALS: RefCell<Vec<Vec<Caught>>> = const { RefCell::new(Vec::new()) };
}

/// Runs one variant attempt, collecting its catch-all reports instead of emitting them, and
/// counting the payload keys it parked in an `Extra`.
fn trying<T>(f: impl FnOnce() -> T) -> (T, Vec<Caught>, usize) {
    TRIALS.with(|t| t.borrow_mut().push(Vec::new()));
    let saved = PARKED.with(|p| p.replace(0));
    let out = f();
    let parked = PARKED.with(|p| p.replace(saved));
    let caught = TRIALS.with(|t| t.borrow_mut().pop()).unwrap_or_default();
    (out, caught, parked)
}

#[cfg(test)]
pub(crate) fn tests_parked() -> usize {
    PARKED.with(std::cell::Cell::get)
}

/// Counts `n` payload keys kept as undeclared (by [`crate::types::Extra`]) while a union
/// variant is tried; outside a trial it does nothing.
pub(crate) fn parked(n: usize) {
    if TRIALS.with(|t| !t.borrow().is_empty()) {
        PARKED.with(|p| p.set(p.get() + n));
    }
}

/// How many values of `input` a re-encoding `output` does not reproduce: a missing key counts
/// its leaves, a differing leaf counts one. An absent key and `null` are the same; numbers
/// compare by value (`1` = `1.0`) and date-times by instant (`...Z` = `...+00:00`).
pub fn divergence(input: &Value, output: &Value) -> usize {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            let missing: usize = a
                .iter()
                .map(|(k, v)| match b.get(k) {
                    Some(o) => divergence(v, o),
                    None => leaves(v),
                })
                .sum();
            let added = b
                .iter()
                .filter(|(k, v)| !v.is_null() && !a.contains_key(*k))
                .count();
            missing + added
        }
        (Value::Array(a), Value::Array(b)) => {
            let common: usize = a.iter().zip(b).map(|(x, y)| divergence(x, y)).sum();
            common
                + a.iter().skip(b.len()).map(leaves).sum::<usize>()
                + b.len().saturating_sub(a.len())
        }
        (Value::Number(a), Value::Number(b)) => usize::from(a.as_f64() != b.as_f64()),
        (Value::String(a), Value::String(b)) => usize::from(a != b && !same_instant(a, b)),
        (a, b) => usize::from(a != b),
    }
}

fn leaves(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Object(m) => m.values().map(leaves).sum::<usize>().max(1),
        Value::Array(a) => a.iter().map(leaves).sum::<usize>().max(1),
        _ => 1,
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
