//! Reference resolution: after this pass the document only holds local references of the form
//! `#/components/<section>/<name>`.
//!
//! - A local `$ref` whose target is absent is a [`LoadError::DanglingRef`].
//! - A `$ref` into another local file (`common.yaml#/components/schemas/Pet`, `./pet.json`) is
//!   bundled: the target is copied into the matching `components` section under a name no
//!   other component has, and the reference is rewritten. References inside the copied value
//!   are resolved relative to *its* file, through a work queue, so cycles across files end.
//! - A local `$ref` to anywhere else than a component (`#/paths/~1pets/get/parameters/0`) is
//!   treated the same way (schemas, parameters, responses, ... are hoisted into `components`).
//! - Path items and callbacks, which openapiv3 cannot hold as references, are copied in place.
//! - Remote (`http://...`) references are never fetched: they stay as they are, with a warning,
//!   and the IR degrades them to JSON.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::kind::Kind;
use super::{parse_text, LoadError};
use crate::pointer::{escape, line_of, unescape};
use crate::Warning;

/// One file taking part in the bundle.
struct Source {
    path: PathBuf,
    text: Arc<str>,
    value: Value,
}

/// A change to apply to a value once the walk over it ends (pointer relative to that value).
enum Edit {
    /// Replace the string at the pointer (a `$ref` or a discriminator mapping).
    SetString(String),
    /// Replace the value at the pointer.
    Replace(Value),
}

/// A value to copy into `components`.
struct Job {
    file: usize,
    pointer: String,
    kind: Kind,
    section: &'static str,
    name: String,
}

/// Where a reference leads.
enum Target {
    /// A file (index in `files`) and a JSON pointer in it.
    At(usize, String),
    /// Not resolvable offline or not a JSON pointer; left as it is.
    Unsupported(String),
}

struct Bundler {
    files: Vec<Rc<Source>>,
    by_path: BTreeMap<PathBuf, usize>,
    /// (file, pointer) → the local reference its copy lives at.
    hoisted: BTreeMap<(usize, String), String>,
    /// Names in use per `components` section.
    taken: BTreeMap<&'static str, BTreeSet<String>>,
    queue: VecDeque<Job>,
    added: Vec<(&'static str, String, Value)>,
    /// Values being copied in place (to stop a reference cycle among path items/callbacks).
    inlining: Vec<(usize, String)>,
    warnings: Vec<Warning>,
}

/// Resolves every reference of `root` (read from `path`, whose text is `text`) as described in
/// the module docs. Returns warnings for what was left unresolved.
pub(crate) fn bundle(
    root: &mut Value,
    text: &Arc<str>,
    path: &Path,
) -> Result<Vec<Warning>, LoadError> {
    let value = std::mem::take(root);
    let mut taken: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    if let Some(c) = value.get("components").and_then(Value::as_object) {
        for section in [
            "schemas",
            "parameters",
            "requestBodies",
            "responses",
            "headers",
            "examples",
        ] {
            if let Some(m) = c.get(section).and_then(Value::as_object) {
                taken.insert(section, m.keys().cloned().collect());
            }
        }
    }
    let root_source = Rc::new(Source {
        path: path.to_owned(),
        text: Arc::clone(text),
        value,
    });
    let mut b = Bundler {
        files: vec![Rc::clone(&root_source)],
        by_path: BTreeMap::new(),
        hoisted: BTreeMap::new(),
        taken,
        queue: VecDeque::new(),
        added: Vec::new(),
        inlining: Vec::new(),
        warnings: Vec::new(),
    };
    b.by_path.insert(canonical(path), 0);
    let mut edits = Vec::new();
    let walked = b.walk(
        0,
        &root_source.value,
        Kind::Root,
        &mut String::new(),
        0,
        &mut edits,
    );
    let walked = walked.and_then(|()| b.drain());
    // Take the root back (every other handle is gone once the bundler is dropped).
    let Bundler {
        files,
        added,
        warnings,
        ..
    } = b;
    drop(files);
    *root = match Rc::try_unwrap(root_source) {
        Ok(s) => s.value,
        Err(rc) => rc.value.clone(),
    };
    walked?;
    apply(root, edits);
    if !added.is_empty() {
        let Some(obj) = root.as_object_mut() else {
            return Ok(warnings);
        };
        let components = obj
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if !components.is_object() {
            return Err(LoadError::Invalid {
                path: path.to_owned(),
                pointer: "#/components".into(),
                line: line_of(text, "/components"),
                message: "`components` must be an object".into(),
            });
        }
        for (section, name, value) in added {
            if let Some(c) = components.as_object_mut() {
                let s = c
                    .entry(section)
                    .or_insert_with(|| Value::Object(Map::new()));
                if !s.is_object() {
                    *s = Value::Object(Map::new());
                }
                if let Some(s) = s.as_object_mut() {
                    s.insert(name, value);
                }
            }
        }
    }
    Ok(warnings)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Applies `edits` to `value` in order.
fn apply(value: &mut Value, edits: Vec<(String, Edit)>) {
    for (pointer, edit) in edits {
        let Some(slot) = value.pointer_mut(&pointer) else {
            continue;
        };
        match edit {
            Edit::SetString(s) => *slot = Value::String(s),
            Edit::Replace(v) => *slot = v,
        }
    }
}

/// Decodes `%XX` escapes (URI fragments may carry them); the input if it is not valid.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// Whether `pointer` names a whole component (`/components/<section>/<name>`).
fn is_component(pointer: &str) -> bool {
    let mut it = pointer.split('/');
    matches!(
        (it.next(), it.next(), it.next(), it.next(), it.next()),
        (Some(""), Some("components"), Some(_), Some(_), None)
    )
}

/// Keys under which the last pointer segment is a good component name.
const NAMING_PARENTS: &[&str] = &[
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "examples",
    "$defs",
    "definitions",
    "properties",
    "callbacks",
    "pathItems",
    "links",
    "securitySchemes",
];

impl Bundler {
    fn err_at(&self, file: usize, at: &str, message: String) -> LoadError {
        let f = &self.files[file];
        LoadError::Invalid {
            path: f.path.clone(),
            pointer: format!("#{at}"),
            line: line_of(&f.text, at),
            message,
        }
    }

    /// Walks `v` (a value of kind `kind` at pointer `at` in file `file`; `base` is the length
    /// of `at` where `v` itself sits), collecting edits relative to `v`.
    fn walk(
        &mut self,
        file: usize,
        v: &Value,
        kind: Kind,
        at: &mut String,
        base: usize,
        edits: &mut Vec<(String, Edit)>,
    ) -> Result<(), LoadError> {
        match v {
            Value::Object(map) => {
                if kind.may_be_ref() {
                    if let Some(r) = map.get("$ref") {
                        match r {
                            Value::String(r) => {
                                self.reference(file, r, map, kind, at, base, edits)?
                            }
                            _ => {
                                return Err(self.err_at(
                                    file,
                                    &format!("{at}/$ref"),
                                    "`$ref` must be a string".into(),
                                ))
                            }
                        }
                    }
                }
                if matches!(kind, Kind::Schema | Kind::SchemaOrBool) {
                    self.mapping(file, map, at, base, edits)?;
                }
                for (k, child) in map {
                    if k == "$ref" || !(child.is_object() || child.is_array()) {
                        continue;
                    }
                    let ck = kind.child(k);
                    if ck == Kind::Opaque {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape(k));
                    let r = self.walk(file, child, ck, at, base, edits);
                    at.truncate(len);
                    r?;
                }
            }
            Value::Array(items) => {
                let ck = kind.child("0");
                if ck == Kind::Opaque {
                    return Ok(());
                }
                for (i, child) in items.iter().enumerate() {
                    if !(child.is_object() || child.is_array()) {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&i.to_string());
                    let r = self.walk(file, child, ck, at, base, edits);
                    at.truncate(len);
                    r?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Rewrites external `discriminator.mapping` values of a schema to bundled local refs.
    fn mapping(
        &mut self,
        file: usize,
        map: &Map<String, Value>,
        at: &str,
        base: usize,
        edits: &mut Vec<(String, Edit)>,
    ) -> Result<(), LoadError> {
        let Some(m) = map
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
        else {
            return Ok(());
        };
        for (k, v) in m {
            let Some(r) = v.as_str() else { continue };
            // A bare name maps to a schema of that name; only references are resolved.
            if !(r.contains('#')
                || r.contains('/')
                || r.ends_with(".json")
                || r.ends_with(".yaml")
                || r.ends_with(".yml"))
            {
                continue;
            }
            let here = format!("{at}/discriminator/mapping/{}", escape(k));
            if file == 0 && r.starts_with("#/components/schemas/") {
                continue;
            }
            match self.hoist_ref(file, r, Kind::Schema, &here) {
                Ok(Some(local)) => edits.push((here[base..].to_owned(), Edit::SetString(local))),
                Ok(None) => {}
                // The `oneOf` list is the truth: a mapping entry that leads nowhere is dropped
                // from dispatch (its member falls back to its own tag), not fatal.
                Err(e @ (LoadError::RefFile { .. } | LoadError::DanglingRef { .. })) => {
                    self.warnings.push(Warning {
                        pointer: format!("#{here}"),
                        message: format!(
                            "discriminator mapping `{k}` leads nowhere ({e}); the oneOf members decide"
                        ),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Where reference `r`, written in file `file` at `at`, leads.
    fn target(&mut self, file: usize, r: &str, at: &str) -> Result<Target, LoadError> {
        let is_remote = r.starts_with("//")
            || r.split_once(':').is_some_and(|(scheme, _)| {
                scheme.len() > 1
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
        if is_remote {
            return Ok(Target::Unsupported(format!(
                "remote reference `{r}` is not fetched (sturdy never reads the network); download it and reference the local file instead"
            )));
        }
        let (file_part, fragment) = r.split_once('#').unwrap_or((r, ""));
        let fragment = percent_decode(fragment);
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Ok(Target::Unsupported(format!(
                "reference `{r}` uses a named anchor, which is not supported; use a JSON pointer (`#/components/...`)"
            )));
        }
        let fid = if file_part.is_empty() {
            file
        } else {
            self.open(file, &percent_decode(file_part), r, at)?
        };
        Ok(Target::At(fid, fragment))
    }

    /// The index of the file `rel` (relative to file `from`), reading it if it is new.
    fn open(&mut self, from: usize, rel: &str, r: &str, at: &str) -> Result<usize, LoadError> {
        let dir = self.files[from]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let full = dir.join(rel);
        let key = canonical(&full);
        if let Some(&i) = self.by_path.get(&key) {
            return Ok(i);
        }
        let loaded = std::fs::read_to_string(&full)
            .map_err(|source| LoadError::Read {
                path: full.clone(),
                source,
            })
            .and_then(|t| parse_text(&t, &full).map(|v| (t, v)));
        let (t, value) = loaded.map_err(|e| {
            let f = &self.files[from];
            let ptr = format!("{at}/$ref");
            LoadError::RefFile {
                path: f.path.clone(),
                pointer: format!("#{ptr}"),
                line: line_of(&f.text, &ptr),
                reference: r.to_owned(),
                source: Box::new(e),
            }
        })?;
        let i = self.files.len();
        self.files.push(Rc::new(Source {
            path: full,
            text: Arc::from(t),
            value,
        }));
        self.by_path.insert(key, i);
        Ok(i)
    }

    fn dangling(&self, file: usize, at: &str, r: &str) -> LoadError {
        let f = &self.files[file];
        LoadError::DanglingRef {
            path: f.path.clone(),
            pointer: format!("#{at}"),
            line: line_of(&f.text, at),
            reference: r.to_owned(),
        }
    }

    /// Resolves `r` (written at `here` in `file`) to a component of `kind`'s section, queueing
    /// the copy; returns the local reference, or `None` if it is left as it is.
    fn hoist_ref(
        &mut self,
        file: usize,
        r: &str,
        kind: Kind,
        here: &str,
    ) -> Result<Option<String>, LoadError> {
        let (fid, ptr) = match self.target(file, r, here)? {
            Target::At(f, p) => (f, p),
            Target::Unsupported(message) => {
                self.warnings.push(Warning {
                    pointer: format!("#{here}"),
                    message,
                });
                return Ok(None);
            }
        };
        if self.files[fid].value.pointer(&ptr).is_none() {
            return Err(self.dangling(file, here, r));
        }
        if fid == 0 && is_component(&ptr) {
            return Ok(Some(format!("#{ptr}")));
        }
        let Some(section) = kind.section() else {
            return Ok(None);
        };
        Ok(Some(self.hoist(fid, ptr, kind, section)))
    }

    fn hoist(&mut self, fid: usize, ptr: String, kind: Kind, section: &'static str) -> String {
        let key = (fid, ptr);
        if let Some(local) = self.hoisted.get(&key) {
            return local.clone();
        }
        let (fid, ptr) = key;
        let name = self.fresh(section, &self.suggest(fid, &ptr));
        let local = format!("#/components/{section}/{}", escape(&name));
        self.hoisted.insert((fid, ptr.clone()), local.clone());
        self.queue.push_back(Job {
            file: fid,
            pointer: ptr,
            kind,
            section,
            name,
        });
        local
    }

    /// A name for the value at `ptr` in file `fid`.
    fn suggest(&self, fid: usize, ptr: &str) -> String {
        let segs: Vec<String> = ptr.split('/').skip(1).map(unescape).collect();
        let raw = match segs.as_slice() {
            [] => self.files[fid]
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Bundled".into()),
            [.., parent, last] if NAMING_PARENTS.contains(&parent.as_str()) && fid != 0 => {
                last.clone()
            }
            _ => segs.join("_"),
        };
        let clean: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let clean = clean.trim_matches('_').to_owned();
        if clean.is_empty() {
            "Bundled".into()
        } else {
            clean
        }
    }

    fn fresh(&mut self, section: &'static str, base: &str) -> String {
        let taken = self.taken.entry(section).or_default();
        let mut name = base.to_owned();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(name.clone());
        name
    }

    #[allow(clippy::too_many_arguments)]
    fn reference(
        &mut self,
        file: usize,
        r: &str,
        map: &Map<String, Value>,
        kind: Kind,
        at: &str,
        base: usize,
        edits: &mut Vec<(String, Edit)>,
    ) -> Result<(), LoadError> {
        let ref_ptr = format!("{at}/$ref");
        let (fid, ptr) = match self.target(file, r, at)? {
            Target::At(f, p) => (f, p),
            Target::Unsupported(message) => {
                self.warnings.push(Warning {
                    pointer: format!("#{ref_ptr}"),
                    message,
                });
                return Ok(());
            }
        };
        if self.files[fid].value.pointer(&ptr).is_none() {
            return Err(self.dangling(file, &ref_ptr, r));
        }
        let inline = matches!(kind, Kind::PathItem | Kind::Callback) || kind.section().is_none();
        let (fid, ptr) = if inline {
            (fid, ptr)
        } else {
            self.follow(fid, ptr)?
        };
        let source = Rc::clone(&self.files[fid]);
        let Some(target) = source.value.pointer(&ptr) else {
            return Err(self.dangling(file, &ref_ptr, r));
        };
        if !inline {
            if fid == 0 && is_component(&ptr) {
                // From another file, or percent-encoded: rewrite as a plain local pointer.
                if file != 0 || r.len() != ptr.len() + 1 || !r.ends_with(ptr.as_str()) {
                    edits.push((
                        ref_ptr[base..].to_owned(),
                        Edit::SetString(format!("#{ptr}")),
                    ));
                }
                return Ok(());
            }
            let section = kind.section().unwrap_or("schemas");
            let local = self.hoist(fid, ptr, kind, section);
            edits.push((ref_ptr[base..].to_owned(), Edit::SetString(local)));
            return Ok(());
        }
        // Copy in place.
        if fid == 0 && is_component(&ptr) && !matches!(kind, Kind::PathItem | Kind::Callback) {
            // Links, security schemes, ... stay references (openapiv3 holds them as such).
            return Ok(());
        }
        let key = (fid, ptr);
        if self.inlining.contains(&key) {
            self.warnings.push(Warning {
                pointer: format!("#{ref_ptr}"),
                message: format!("reference `{r}` is part of a cycle and cannot be copied in place; it was dropped"),
            });
            edits.push((
                at[base..].to_owned(),
                Edit::Replace(Value::Object(Map::new())),
            ));
            return Ok(());
        }
        let mut copy = target.clone();
        let mut sub = Vec::new();
        let mut sub_at = key.1.clone();
        let sub_base = sub_at.len();
        self.inlining.push(key);
        let walked = self.walk(fid, &copy, kind, &mut sub_at, sub_base, &mut sub);
        self.inlining.pop();
        walked?;
        apply(&mut copy, sub);
        if let Value::Object(c) = &mut copy {
            for (k, v) in map {
                if k != "$ref" {
                    c.insert(k.clone(), v.clone());
                }
            }
        }
        edits.push((at[base..].to_owned(), Edit::Replace(copy)));
        Ok(())
    }

    /// Follows a target that is itself only a `{"$ref": ...}` to what that names, so a
    /// reference to a reference is bundled once, as what it finally names.
    fn follow(&mut self, mut fid: usize, mut ptr: String) -> Result<(usize, String), LoadError> {
        for _ in 0..64 {
            if fid == 0 && is_component(&ptr) {
                break;
            }
            let next = match self.files[fid]
                .value
                .pointer(&ptr)
                .and_then(Value::as_object)
            {
                Some(o) if o.len() == 1 => o.get("$ref").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            };
            let Some(r) = next else { break };
            match self.target(fid, &r, &ptr)? {
                Target::At(f, p) => {
                    if self.files[f].value.pointer(&p).is_none() {
                        return Err(self.dangling(fid, &format!("{ptr}/$ref"), &r));
                    }
                    fid = f;
                    ptr = p;
                }
                Target::Unsupported(_) => break,
            }
        }
        Ok((fid, ptr))
    }

    /// Copies every queued value into `added`, resolving its own references.
    fn drain(&mut self) -> Result<(), LoadError> {
        while let Some(job) = self.queue.pop_front() {
            let source = Rc::clone(&self.files[job.file]);
            let Some(target) = source.value.pointer(&job.pointer) else {
                continue;
            };
            let mut copy = target.clone();
            let mut edits = Vec::new();
            let mut at = job.pointer.clone();
            let base = at.len();
            self.walk(job.file, &copy, job.kind, &mut at, base, &mut edits)?;
            apply(&mut copy, edits);
            self.added.push((job.section, job.name, copy));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_component_helpers() {
        assert_eq!(percent_decode("/paths/~1pets%7Bid%7D"), "/paths/~1pets{id}");
        assert_eq!(percent_decode("/a%"), "/a%");
        assert_eq!(percent_decode("/a%zz"), "/a%zz");
        assert!(is_component("/components/schemas/Pet"));
        assert!(!is_component("/components/schemas/Pet/properties/a"));
        assert!(!is_component("/paths/~1pets"));
    }
}
