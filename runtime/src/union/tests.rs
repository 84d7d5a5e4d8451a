use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::*;

/// GitHub `pulls/get-merge-async-result`-like: two object variants, the second declaring more.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Pending {
    state: String,
    details: PendingDetails,
}
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct PendingDetails {
    message: Option<String>,
}
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Done {
    state: String,
    details: DoneDetails,
}
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct DoneDetails {
    message: Option<String>,
    sha: String,
}

#[derive(Debug, PartialEq, Serialize)]
#[serde(untagged)]
enum Merge {
    Pending(Pending),
    Done(Done),
    Other(Value),
}

static MERGE: Union = Union::new(
    "Merge",
    "#/components/schemas/merge",
    &[
        Shape::object(&["state", "details"], &["state", "details"], &[]),
        Shape::object(&["state", "details"], &["state", "details"], &[]),
    ],
);

fn merge(v: Value) -> Result<Merge, serde_json::Error> {
    MERGE.decode(
        v,
        |i, v| match i {
            0 => variant(v).map(Merge::Pending),
            1 => variant(v).map(Merge::Done),
            _ => None,
        },
        Some(Merge::Other),
    )
}

#[test]
fn the_variant_that_loses_nothing_wins_over_the_first_that_decodes() {
    let v = json!({"state": "done", "details": {"message": null, "sha": "abc"}});
    let Merge::Done(d) = merge(v).unwrap() else {
        panic!("wrong variant")
    };
    assert_eq!(d.details.sha, "abc");
    // Without `sha` the first variant is exact and stays first.
    let v = json!({"state": "queued", "details": {"message": "wait"}});
    assert!(matches!(merge(v).unwrap(), Merge::Pending(_)));
}

/// OpenAI `MessageDeltaObject` content: an open enum would let either variant decode.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Part {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    index: Option<i64>,
}

static CONTENT: Union = Union::new(
    "Content",
    "#/c",
    &[
        Shape::object(&["type", "index"], &["type"], &[("type", &["image_file"])]),
        Shape::object(&["type", "index"], &["type"], &[("type", &["text"])]),
    ],
);

#[test]
fn closed_fields_decide_before_declaration_order() {
    assert_eq!(
        CONTENT.rank(&json!({"type": "text", "index": 0})),
        vec![1, 0]
    );
    assert_eq!(CONTENT.rank(&json!({"type": "image_file"})), vec![0, 1]);
    // An unknown value contradicts both: declaration order.
    assert_eq!(CONTENT.rank(&json!({"type": "video"})), vec![0, 1]);
    let got: (usize, Part) = CONTENT
        .decode::<_, serde_json::Error>(
            json!({"type": "text", "index": 1}),
            |i, v| variant(v).map(|p| (i, p)),
            None,
        )
        .map(|(i, p): (usize, Part)| (i, p))
        .unwrap();
    assert_eq!(got.0, 1);
}

#[test]
fn ranking_by_kind_required_and_unaccounted_keys() {
    static U: Union = Union::new(
        "U",
        "#/u",
        &[
            Shape::of(Kind::Any),
            Shape::of(Kind::String),
            Shape::string(&["a", "b"]),
            Shape::object(&["x"], &["x"], &[]),
            Shape::object(&["x", "y"], &["x", "z"], &[]),
            Shape::object(&["x", "y"], &["x"], &[]),
            Shape::of(Kind::Integer),
            Shape::of(Kind::Number),
        ],
    );
    assert_eq!(U.rank(&json!("b")), vec![2, 1, 0]);
    // A contradicted enum ranks after plain JSON.
    assert_eq!(U.rank(&json!("c")), vec![1, 0, 2]);
    // Missing a required key ranks after plain JSON too (it cannot decode).
    assert_eq!(U.rank(&json!({"x": 1, "y": 2})), vec![5, 3, 0, 4]);
    assert_eq!(U.rank(&json!(1)), vec![6, 7, 0]);
    assert_eq!(U.rank(&json!(1.5)), vec![7, 0]);
    assert_eq!(U.rank(&json!(null)), vec![0]);
}

#[test]
fn divergence_treats_absent_as_null_and_compares_numbers_and_instants_by_value() {
    let d = |a: Value, b: Value| divergence(&a, &b);
    assert_eq!(
        d(json!({"a": null, "b": 1}), json!({"b": 1.0, "c": null})),
        0
    );
    assert_eq!(
        d(
            json!({"t": "2024-01-01T00:00:00.000Z"}),
            json!({"t": "2024-01-01T00:00:00Z"})
        ),
        0
    );
    assert_eq!(d(json!({"a": {"b": 1, "c": [1, 2]}}), json!({})), 3);
    assert_eq!(d(json!([1, 2, 3]), json!([1, 5])), 2);
    assert_eq!(d(json!({}), json!({"x": 1})), 1);
    assert_eq!(d(json!("a"), json!("b")), 1);
}

/// A writer the test subscriber logs into.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged(f: impl FnOnce()) -> String {
    let log = Log::default();
    let writer = log.clone();
    let sub = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(sub, f);
    let out = log.0.lock().unwrap().clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_catch_all_is_used_only_when_nothing_fits_and_is_reported() {
    let log = logged(|| {
        assert!(matches!(
            merge(json!({"state": "x"})).unwrap(),
            Merge::Other(_)
        ));
    });
    assert!(log.contains("catch-all"), "{log}");
    assert!(
        log.contains("Merge") && log.contains("#/components/schemas/merge"),
        "{log}"
    );
    let log = logged(|| {
        assert!(matches!(
            merge(json!({"state": "x", "details": {}})).unwrap(),
            Merge::Pending(_)
        ));
    });
    assert_eq!(log, "");
}

#[test]
fn catch_alls_inside_a_rejected_variant_are_not_reported_and_the_chosen_ones_are() {
    static OUTER: Union = Union::new(
        "Outer",
        "#/o",
        &[Shape::of(Kind::Object), Shape::of(Kind::Object)],
    );
    let decode = |v: Value| {
        OUTER.decode::<Value, serde_json::Error>(
            v,
            |i, v| {
                // Variant 0 hits a catch-all inside and loses a key; variant 1 is exact.
                catch_all(if i == 0 { "Inner0" } else { "Inner1" }, "#/i", Some("new"));
                let mut out = v.clone();
                if i == 0 {
                    out.as_object_mut()?.remove("k");
                }
                Some(out)
            },
            None,
        )
    };
    let log = logged(|| {
        decode(json!({"k": 1})).unwrap();
    });
    assert!(!log.contains("Inner0"), "{log}");
    assert!(log.contains("Inner1") && log.contains("new"), "{log}");
}

#[test]
fn no_variant_and_no_catch_all_is_an_error() {
    static U: Union = Union::new("U", "#/u", &[Shape::of(Kind::String)]);
    let r = U.decode::<String, serde_json::Error>(json!(1), |_, v| variant(v), None);
    assert!(r.unwrap_err().to_string().contains("no variant of U"));
}

#[test]
fn decode_among_considers_only_the_given_variants() {
    let v = json!({"state": "done", "details": {"message": null, "sha": "abc"}});
    let got: Merge = MERGE
        .decode_among::<_, serde_json::Error>(
            v,
            &[0],
            |i, v| match i {
                0 => variant(v).map(Merge::Pending),
                1 => variant(v).map(Merge::Done),
                _ => None,
            },
            None,
        )
        .unwrap();
    assert!(matches!(got, Merge::Pending(_)));
}
