//! The fidelity check: every JSON example a spec carries (response `example`/`examples`,
//! component schema `example`s, OpenAI `x-oaiMeta` examples that parse as JSON; collected by
//! the generator, which also learns from them, see `sturdy_generator::ir::evidence`) is
//! decoded into the generated type it documents, then re-encoded and compared with the example
//! (`sturdy_runtime::union::divergence`: absent = null). A generated driver does the decoding
//! and prints one JSON line per example: `faithful` (with the start of its `Debug` form), `catch_all` (a catch-all variant was
//! used), `lossy` (values lost on the way) or `decode_error` (with the serde path). Drift
//! reports of the lenient decode (`deviation`) are counted apart (`drift`), not as catch-alls:
//! what a lenient decode fills in is judged by the comparison like any other value. So are
//! undeclared keys a struct keeps in its `extra` (`undeclared`, the number of structs that
//! kept some): not a catch-all variant; whether they re-encode is judged by the comparison.

pub mod validate;

use std::fmt::Write as _;

use serde_json::Value;
use sturdy_generator::emit::rust::type_tokens;
use sturdy_generator::ir::evidence::spec_examples;
use sturdy_generator::ir::{Api, TypeRef};

/// One example and the type it should decode into.
#[derive(Debug, Clone)]
pub struct Example {
    /// Where it comes from (a JSON pointer, `x-oaiMeta` noted).
    pub label: String,
    /// The generated type.
    pub ty: TypeRef,
    /// The example.
    pub value: Value,
    /// Valid against its own schema (see [`validate`]).
    pub valid: bool,
    /// Carries keys its schema does not declare (see [`validate::undeclared`]).
    pub undeclared: bool,
}

/// Every example of the spec whose loaded document is `raw`, with the types of `api`
/// (collected by the generator, [`sturdy_generator::ir::evidence::spec_examples`]), each
/// checked against its own schema.
pub fn examples(api: &Api, raw: &Value) -> Vec<Example> {
    spec_examples(&api.operations, &api.types, raw)
        .into_iter()
        .map(|e| {
            let valid = validate::valid(raw, &e.schema, &e.value);
            let undeclared = valid && validate::undeclared(raw, &e.schema, &e.value);
            Example {
                label: e.label,
                ty: e.ty,
                value: e.value,
                valid,
                undeclared,
            }
        })
        .collect()
}

/// The driver's `main.rs`: reads `[[type index, example], ...]` from the file named by its
/// first argument and prints one outcome line per example.
pub fn driver_source(types: &[TypeRef], krate: &str) -> String {
    let mut s = String::from(DRIVER_HEAD);
    s.push_str("fn check_one(t: usize, v: &Value) -> Value {\n    match t {\n");
    for (i, t) in types.iter().enumerate() {
        let path = type_tokens(t)
            .to_string()
            .replace("crate :: ", &format!("{krate} :: "));
        let _ = writeln!(s, "        {i} => check::<{path}>(v),");
    }
    s.push_str("        _ => unreachable!(),\n    }\n}\n");
    s
}

const DRIVER_HEAD: &str = r#"#![allow(deprecated, clippy::all)]
use std::sync::atomic::{AtomicUsize, Ordering};
use sturdy_runtime::serde_json::{self, json, Value};

/// Counts catch-all reports (`sturdy::decode` warnings) and keeps the last one's fields.
static CAUGHT: AtomicUsize = AtomicUsize::new(0);
/// Counts lenient-decode drift reports (`sturdy::decode` warnings with a `deviation` field).
static DRIFT: AtomicUsize = AtomicUsize::new(0);
/// Counts undeclared-key reports (`kind="undeclared_field"`: keys kept in a struct's `extra`).
static UNDECLARED: AtomicUsize = AtomicUsize::new(0);
static LAST: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
struct Fields(String);
impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
        if f.name() != "message" { self.0.push_str(&format!("{}={:?} ", f.name(), v)); }
    }
}
struct Count;
impl tracing::Subscriber for Count {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool { m.target() == "sturdy::decode" }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id { tracing::span::Id::from_u64(1) }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        let mut f = Fields(String::new());
        e.record(&mut f);
        // A lenient decode's drift report is not a catch-all; the comparison judges its value.
        if f.0.contains("deviation=") {
            DRIFT.fetch_add(1, Ordering::SeqCst);
            return;
        }
        // Undeclared keys kept in `extra` are not a catch-all variant either; the comparison
        // judges whether they re-encode, and the outcome line counts them.
        if f.0.contains("kind=\"undeclared_field\"") {
            UNDECLARED.fetch_add(1, Ordering::SeqCst);
            return;
        }
        *LAST.lock().unwrap() = f.0;
        CAUGHT.fetch_add(1, Ordering::SeqCst);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn check<T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug>(v: &Value) -> Value {
    let before = CAUGHT.load(Ordering::SeqCst);
    let drift_before = DRIFT.load(Ordering::SeqCst);
    let undeclared_before = UNDECLARED.load(Ordering::SeqCst);
    let t: T = match serde_path_to_error::deserialize(v) {
        Ok(t) => t,
        Err(e) => return json!({"outcome": "decode_error", "detail": format!("{}: {}", e.path(), e.inner())}),
    };
    let caught = CAUGHT.load(Ordering::SeqCst) - before;
    let drift = DRIFT.load(Ordering::SeqCst) - drift_before;
    let undeclared = UNDECLARED.load(Ordering::SeqCst) - undeclared_before;
    let out = match serde_json::to_value(&t) {
        Ok(o) => o,
        Err(e) => return json!({"outcome": "decode_error", "detail": format!("re-encoding: {e}")}),
    };
    let lost = sturdy_runtime::union::divergence(v, &out);
    if caught > 0 {
        json!({"outcome": "catch_all", "detail": format!("{caught} catch-all decode(s), last: {}", LAST.lock().unwrap())})
    } else if lost > 0 {
        json!({"outcome": "lossy", "drift": drift, "undeclared": undeclared, "detail": format!("{lost} value(s) differ, first at {}", first_difference(v, &out, String::new()).unwrap_or_default())})
    } else {
        let debug: String = format!("{t:?}").chars().take(200).collect();
        json!({"outcome": "faithful", "drift": drift, "undeclared": undeclared, "debug": debug})
    }
}

/// The pointer of the first value `out` does not reproduce.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    if sturdy_runtime::union::divergence(a, b) == 0 {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let here = format!("{at}/{k}");
                match y.get(k) {
                    Some(w) => if let Some(p) = first_difference(v, w, here) { return Some(p) },
                    None if !v.is_null() => return Some(format!("{here} (dropped)")),
                    None => {}
                }
            }
            y.iter().find(|(k, w)| !w.is_null() && !x.contains_key(*k)).map(|(k, w)| format!("{at}/{k} (added {w})"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| first_difference(v, w, format!("{at}/{i}")))
        }
        _ => Some(format!("{at}: {} became {}", trim(a), trim(b))),
    }
}

fn trim(v: &Value) -> String {
    v.to_string().chars().take(80).collect()
}

fn main() {
    tracing::subscriber::set_global_default(Count).expect("subscriber");
    let path = std::env::args().nth(1).expect("examples file");
    let text = std::fs::read_to_string(path).expect("read examples");
    let examples: Vec<(usize, Value)> = serde_json::from_str(&text).expect("examples");
    for (t, v) in &examples {
        println!("{}", check_one(*t, v));
    }
}

"#;
