//! Types from examples: every example of a site (a request, a response, an event payload) is
//! observed into one [`Shape`]; nested objects are then pulled out into named shapes (merged by
//! name across sites) and every shape becomes a JSON Schema (OpenAPI 3.1 dialect).
//!
//! Rules: integer and float in the same place give `number`; a `null` next to a value makes it
//! nullable; a field present in every sample is `required`; an empty array gives `items: {}`;
//! strings that are all RFC 3339 date-times, dates or UUIDs get that `format`.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use crate::names;
use crate::pointer::escape;

/// What strings at one place looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrKind {
    DateTime,
    Date,
    Uuid,
    Plain,
}

impl StrKind {
    fn of(s: &str) -> StrKind {
        if is_date_time(s) {
            StrKind::DateTime
        } else if is_date(s) {
            StrKind::Date
        } else if is_uuid(s) {
            StrKind::Uuid
        } else {
            StrKind::Plain
        }
    }

    fn merge(self, other: StrKind) -> StrKind {
        if self == other {
            self
        } else {
            StrKind::Plain
        }
    }
}

/// Everything observed at one place of the examples.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Shape {
    /// Values observed (including `null`).
    pub samples: usize,
    pub null: bool,
    pub boolean: bool,
    pub integer: bool,
    pub number: bool,
    pub string: Option<StrKind>,
    /// The merged shape of all elements of all arrays seen here (`samples == 0`: all empty).
    pub array: Option<Box<Shape>>,
    pub object: Option<ObjShape>,
}

/// Objects observed at one place.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ObjShape {
    /// Objects observed.
    pub count: usize,
    /// Fields in first-seen order; a field's `samples` is how many objects had it.
    pub fields: IndexMap<String, Shape>,
    /// Set once the object has been pulled out into a named shape: a `$ref` to it.
    pub name: Option<String>,
}

impl Shape {
    /// The shape of the given examples.
    pub fn of_examples<'a>(examples: impl IntoIterator<Item = &'a Value>) -> Shape {
        let mut s = Shape::default();
        for e in examples {
            s.observe(e);
        }
        s
    }

    /// Adds one value.
    pub fn observe(&mut self, v: &Value) {
        self.samples += 1;
        match v {
            Value::Null => self.null = true,
            Value::Bool(_) => self.boolean = true,
            Value::Number(n) => {
                if n.is_i64() || n.is_u64() {
                    self.integer = true
                } else {
                    self.number = true
                }
            }
            Value::String(s) => {
                let k = StrKind::of(s);
                self.string = Some(self.string.map_or(k, |old| old.merge(k)));
            }
            Value::Array(items) => {
                let a = self.array.get_or_insert_with(Default::default);
                for i in items {
                    a.observe(i);
                }
            }
            Value::Object(map) => {
                let o = self.object.get_or_insert_with(Default::default);
                o.count += 1;
                for (k, v) in map {
                    o.fields.entry(k.clone()).or_default().observe(v);
                }
            }
        }
    }

    /// Merges another shape of the same place into this one.
    pub fn merge(&mut self, other: Shape) {
        self.samples += other.samples;
        self.null |= other.null;
        self.boolean |= other.boolean;
        self.integer |= other.integer;
        self.number |= other.number;
        self.string = match (self.string, other.string) {
            (Some(a), Some(b)) => Some(a.merge(b)),
            (a, b) => a.or(b),
        };
        match (&mut self.array, other.array) {
            (Some(a), Some(b)) => a.merge(*b),
            (a @ None, b) => *a = b,
            (Some(_), None) => {}
        }
        match (&mut self.object, other.object) {
            (Some(a), Some(b)) => {
                a.count += b.count;
                if a.name.is_none() {
                    a.name = b.name;
                }
                for (k, v) in b.fields {
                    match a.fields.get_mut(&k) {
                        Some(f) => f.merge(v),
                        None => {
                            a.fields.insert(k, v);
                        }
                    }
                }
            }
            (a @ None, b) => *a = b,
            (Some(_), None) => {}
        }
    }
}

/// Named object shapes, merged by name, plus the names that are given explicitly (those are
/// referenced, never inferred).
///
/// When two places of one type name a nested object differently (`/data/card: Card` in one,
/// the default `ChargeCard` in the other), the later name becomes an alias of the earlier one
/// (an explicit type always wins): their evidence is merged into one type and every `$ref` to
/// the alias is rewritten ([`Registry::renamed`]).
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub named: BTreeMap<String, ObjShape>,
    pub explicit: std::collections::BTreeSet<String>,
    /// Alias → the name it was merged into (follow with [`Registry::resolve`]).
    aliases: BTreeMap<String, String>,
}

impl Registry {
    /// Pulls the objects of a site's shape out into named shapes: the root object (or, for an
    /// array, its item object) is called `name`; nested objects `{Parent}{Field}` (array items
    /// `{Parent}{Field}Item`) unless `overrides` names them by field path (`/data`,
    /// `/data/card`; arrays are transparent).
    pub fn extract_site(
        &mut self,
        shape: &mut Shape,
        name: &str,
        overrides: &BTreeMap<String, String>,
    ) {
        self.extract(shape, name, "", overrides, true);
    }

    fn extract(
        &mut self,
        shape: &mut Shape,
        name: &str,
        path: &str,
        overrides: &BTreeMap<String, String>,
        root: bool,
    ) {
        if let Some(items) = shape.array.as_deref_mut() {
            let item_name = match overrides.get(path) {
                Some(n) => n.clone(),
                None if root => name.to_owned(),
                None => format!("{name}Item"),
            };
            self.extract(items, &item_name, path, overrides, root);
        }
        let Some(obj) = shape.object.as_mut() else {
            return;
        };
        if obj.name.is_some() || (obj.fields.is_empty() && !root) {
            // Only empty objects seen: a free-form map, not a named struct.
            return;
        }
        let own = overrides
            .get(path)
            .cloned()
            .unwrap_or_else(|| name.to_owned());
        let fields: Vec<String> = obj.fields.keys().cloned().collect();
        for f in fields {
            let child_path = format!("{path}/{}", escape(&f));
            let child_name = format!("{own}{}", field_part(&f));
            if let Some(fs) = obj.fields.get_mut(&f) {
                self.extract(fs, &child_name, &child_path, overrides, false);
            }
        }
        let mut pulled = ObjShape {
            count: obj.count,
            fields: std::mem::take(&mut obj.fields),
            name: None,
        };
        obj.name = Some(own.clone());
        if self.explicit.contains(&own) {
            return;
        }
        self.merge_named(&own, std::mem::take(&mut pulled));
    }

    /// Merges `obj` into the shape called `name` (or its alias target); nested objects named
    /// differently on the two sides become aliases.
    fn merge_named(&mut self, name: &str, obj: ObjShape) {
        let name = self.resolve(name);
        if self.explicit.contains(&name) {
            return;
        }
        let Some(existing) = self.named.get_mut(&name) else {
            self.named.insert(name, obj);
            return;
        };
        let mut clashes = Vec::new();
        object_clashes(existing, &obj, &mut clashes);
        let mut a = Shape {
            object: Some(std::mem::take(existing)),
            ..Default::default()
        };
        a.merge(Shape {
            object: Some(obj),
            ..Default::default()
        });
        *existing = a.object.unwrap_or_default();
        for (later, earlier) in clashes {
            self.alias(&later, &earlier);
        }
    }

    /// Records that `from` is the type `to` (an explicit name is never aliased away).
    fn alias(&mut self, from: &str, to: &str) {
        let (mut from, mut to) = (self.resolve(from), self.resolve(to));
        if from == to {
            return;
        }
        if self.explicit.contains(&from) {
            if self.explicit.contains(&to) {
                return;
            }
            std::mem::swap(&mut from, &mut to);
        }
        self.aliases.insert(from, to);
    }

    /// The name `name` ends up as after aliasing.
    pub fn resolve(&self, name: &str) -> String {
        let mut n = name;
        // Every alias points from a name that is no longer a target, so this ends.
        while let Some(next) = self.aliases.get(n) {
            n = next;
        }
        n.to_owned()
    }

    /// Folds every aliased shape into its target, until no alias has a shape of its own.
    fn settle(&mut self) {
        loop {
            let moved: Vec<String> = self
                .named
                .keys()
                .filter(|k| self.aliases.contains_key(*k))
                .cloned()
                .collect();
            if moved.is_empty() {
                return;
            }
            for k in moved {
                if let Some(obj) = self.named.remove(&k) {
                    self.merge_named(&k, obj);
                }
            }
        }
    }

    /// Every alias and the name it resolves to.
    pub fn renamed(&self) -> BTreeMap<String, String> {
        self.aliases
            .keys()
            .map(|k| (k.clone(), self.resolve(k)))
            .collect()
    }

    /// The component schemas of every named shape, by name (aliases folded in; `$ref`s to an
    /// alias still need [`rename_refs`]).
    pub fn schemas(&mut self) -> BTreeMap<String, Value> {
        self.settle();
        self.named
            .iter()
            .map(|(k, o)| (k.clone(), object_schema(o)))
            .collect()
    }
}

/// Nested objects that two shapes of one type name differently: (later name, earlier name).
fn object_clashes(a: &ObjShape, b: &ObjShape, out: &mut Vec<(String, String)>) {
    for (k, fb) in &b.fields {
        if let Some(fa) = a.fields.get(k) {
            shape_clashes(fa, fb, out);
        }
    }
}

fn shape_clashes(a: &Shape, b: &Shape, out: &mut Vec<(String, String)>) {
    if let (Some(x), Some(y)) = (&a.array, &b.array) {
        shape_clashes(x, y, out);
    }
    if let (Some(x), Some(y)) = (&a.object, &b.object) {
        match (&x.name, &y.name) {
            (Some(n), Some(m)) if n != m => out.push((m.clone(), n.clone())),
            (None, None) => object_clashes(x, y, out),
            _ => {}
        }
    }
}

/// Rewrites every `$ref` to `#/components/schemas/{alias}` in `v` to the alias's target.
pub(crate) fn rename_refs(v: &mut Value, renamed: &BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let target = match x {
                    Value::String(r) if k == "$ref" => r
                        .strip_prefix("#/components/schemas/")
                        .and_then(|n| renamed.get(n)),
                    _ => None,
                };
                match target {
                    Some(t) => *x = json!(format!("#/components/schemas/{t}")),
                    None => rename_refs(x, renamed),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename_refs(x, renamed)),
        _ => {}
    }
}

fn field_part(field: &str) -> String {
    let p = names::pascal(field);
    if p.is_empty() {
        "Field".to_owned()
    } else {
        p
    }
}

/// `#/components/schemas/{name}`.
pub(crate) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn object_schema(o: &ObjShape) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    if o.fields.is_empty() {
        m.insert("additionalProperties".into(), json!({}));
        return Value::Object(m);
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    for (k, f) in &o.fields {
        props.insert(k.clone(), schema_of(f));
        if f.samples == o.count {
            required.push(json!(k));
        }
    }
    if !required.is_empty() {
        m.insert("required".into(), Value::Array(required));
    }
    m.insert("properties".into(), Value::Object(props));
    Value::Object(m)
}

/// The JSON Schema of a shape whose objects have all been named (see
/// [`Registry::extract_site`]); an unnamed object is written inline.
pub(crate) fn schema_of(s: &Shape) -> Value {
    let mut kinds: Vec<Value> = Vec::new();
    if s.boolean {
        kinds.push(json!({"type": "boolean"}));
    }
    if s.number {
        kinds.push(json!({"type": "number"}));
    } else if s.integer {
        kinds.push(json!({"type": "integer"}));
    }
    if let Some(k) = s.string {
        kinds.push(match k {
            StrKind::DateTime => json!({"type": "string", "format": "date-time"}),
            StrKind::Date => json!({"type": "string", "format": "date"}),
            StrKind::Uuid => json!({"type": "string", "format": "uuid"}),
            StrKind::Plain => json!({"type": "string"}),
        });
    }
    if let Some(items) = &s.array {
        let items = if items.samples == 0 {
            json!({})
        } else {
            schema_of(items)
        };
        kinds.push(json!({"type": "array", "items": items}));
    }
    if let Some(o) = &s.object {
        kinds.push(match &o.name {
            Some(n) => reference(n),
            None => object_schema(o),
        });
    }
    match (kinds.len(), s.null) {
        (0, true) => json!({"description": "Only `null` was seen in the examples."}),
        (0, false) => json!({}),
        (1, false) => kinds.pop().unwrap_or_default(),
        (1, true) => {
            let mut only = kinds.pop().unwrap_or_default();
            match only.get("type").and_then(|t| t.as_str()).map(str::to_owned) {
                Some(t) if only.get("$ref").is_none() => {
                    only["type"] = json!([t, "null"]);
                    only
                }
                _ => json!({"anyOf": [only, {"type": "null"}]}),
            }
        }
        (_, null) => {
            if null {
                kinds.push(json!({"type": "null"}));
            }
            json!({ "anyOf": kinds })
        }
    }
}

fn digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(&b[0..4])
        || !digits(&b[5..7])
        || !digits(&b[8..10])
    {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
pub(crate) fn is_date_time(s: &str) -> bool {
    if s.len() < 20 || !s.is_char_boundary(10) || !is_date(&s[..10]) {
        return false;
    }
    let b = s.as_bytes();
    if !matches!(b[10], b'T' | b't' | b' ') {
        return false;
    }
    let t = &b[11..];
    if t.len() < 9
        || t[2] != b':'
        || t[5] != b':'
        || !digits(&t[0..2])
        || !digits(&t[3..5])
        || !digits(&t[6..8])
    {
        return false;
    }
    let (h, m, sec) = (
        (t[0] - b'0') * 10 + (t[1] - b'0'),
        (t[3] - b'0') * 10 + (t[4] - b'0'),
        (t[6] - b'0') * 10 + (t[7] - b'0'),
    );
    if h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let mut rest = &t[8..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &rest[1 + n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => digits(&[*h1, *h2, *m1, *m2]),
        _ => false,
    }
}

/// `8-4-4-4-12` hexadecimal digits.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests;
