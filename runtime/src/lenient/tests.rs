//! A struct with the attributes a generated crate emits, decoded from payloads that break
//! its schema: each deviation decodes and is reported with the field's spec pointer.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::types::object::{field, slot, Context, Error, Object, Skip};
use crate::types::Date;

/// What `sturdy generate` emits for Slack's `dnd.info` response (trimmed), lenient.
#[derive(Debug, PartialEq, Serialize)]
struct DndInfo {
    ok: bool,
    dnd_enabled: bool,
    next_dnd_start_ts: i64,
    since: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<Date>,
}

impl crate::types::Schema for DndInfo {
    const NAME: &'static str = "DndInfo";
    const POINTER: &'static str = "#/dnd";
}

impl Object for DndInfo {
    const KEYS: &'static [&'static str] =
        &["ok", "dnd_enabled", "next_dnd_start_ts", "since", "until"];
    const STRICT: bool = false;
    type Slots = (
        slot::Plain<bool>,
        slot::NonNull<bool>,
        slot::NonNull<i64>,
        slot::Date,
        slot::DateOpt,
    );
    type Rest = Skip;
    fn finish(s: Self::Slots, _: Skip, f: &Context) -> Result<Self, Error> {
        let (f0, f1, f2, f3, f4) = s;
        Ok(Self {
            ok: f.take(f0, 0)?,
            dnd_enabled: f.or_default(f1, 1)?,
            next_dnd_start_ts: f.or_default(f2, 2)?,
            since: f.take(f3, 3)?,
            until: f.optional(f4),
        })
    }
    const NAMES: &'static [&'static str] = Self::KEYS;
    type Refs<'a> = (
        field::Req<'a, bool>,
        field::Req<'a, bool>,
        field::Req<'a, i64>,
        field::Req<'a, Date>,
        field::Opt<'a, Option<Date>>,
    );
    fn refs(&self) -> Self::Refs<'_> {
        (
            field::Req(&self.ok),
            field::Req(&self.dnd_enabled),
            field::Req(&self.next_dnd_start_ts),
            field::Req(&self.since),
            field::Opt(&self.until),
        )
    }
}

impl<'de> Deserialize<'de> for DndInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::types::object::deserialize(d)
    }
}

/// All fields optional: `null` for the body decodes as `{}`.
#[derive(Debug, PartialEq, Default, Deserialize)]
struct Empty {
    #[serde(default)]
    note: Option<String>,
}

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

fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    let log = Log::default();
    let writer = log.clone();
    let sub = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(sub, f);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> (Result<T, String>, String) {
    let body = Bytes::from(v.to_string());
    logged(|| crate::decode::json::<T>(&body).map_err(|e| e.to_string()))
}

#[test]
fn a_conforming_payload_decodes_without_reports() {
    let (d, log) = decode::<DndInfo>(json!({
        "ok": true, "dnd_enabled": true, "next_dnd_start_ts": 5,
        "since": "2024-05-01", "until": "2024-05-02"
    }));
    let d = d.unwrap();
    assert!(d.dnd_enabled);
    assert_eq!(d.until, Some(Date::from_ymd_opt(2024, 5, 2).unwrap()));
    assert_eq!(log, "");
}

#[test]
fn slack_ok_true_missing_required_fields_decodes_with_one_report_each() {
    let (d, log) = decode::<DndInfo>(json!({"ok": true, "since": "2024-05-01"}));
    let d = d.unwrap();
    assert!(!d.dnd_enabled);
    assert_eq!(d.next_dnd_start_ts, 0);
    assert_eq!(log.matches("decoded leniently").count(), 2, "{log}");
    assert!(log.contains("deviation=\"missing\""), "{log}");
    assert!(log.contains("#/dnd/properties/dnd_enabled"), "{log}");
    assert!(log.contains("#/dnd/properties/next_dnd_start_ts"), "{log}");
    assert!(log.contains("type=\"DndInfo\""), "{log}");
}

#[test]
fn null_in_a_non_nullable_field_is_its_default_and_reported() {
    let (d, log) = decode::<DndInfo>(json!({
        "ok": true, "dnd_enabled": null, "next_dnd_start_ts": 7, "since": "2024-05-01"
    }));
    let d = d.unwrap();
    assert!(!d.dnd_enabled);
    assert_eq!(d.next_dnd_start_ts, 7);
    assert_eq!(log.matches("decoded leniently").count(), 1, "{log}");
    assert!(log.contains("deviation=\"null\""), "{log}");
    assert!(log.contains("#/dnd/properties/dnd_enabled"), "{log}");
    // A wrong type is still an error: leniency covers `null`, not anything.
    let (d, _) = decode::<DndInfo>(json!({
        "ok": true, "dnd_enabled": "yes", "next_dnd_start_ts": 7, "since": "2024-05-01"
    }));
    assert!(d.unwrap_err().contains("dnd_enabled"));
}

#[test]
fn a_date_time_in_a_date_field_keeps_its_date_and_is_reported() {
    let (d, log) = decode::<DndInfo>(json!({
        "ok": true, "dnd_enabled": true, "next_dnd_start_ts": 1,
        "since": "2024-05-01T23:30:00Z", "until": "2024-05-03T01:00:00+02:00"
    }));
    let d = d.unwrap();
    assert_eq!(d.since, Date::from_ymd_opt(2024, 5, 1).unwrap());
    // The date as written (local to its offset), not shifted to UTC.
    assert_eq!(d.until, Some(Date::from_ymd_opt(2024, 5, 3).unwrap()));
    assert_eq!(log.matches("deviation=\"date_time\"").count(), 2, "{log}");
    assert!(log.contains("#/dnd/properties/since"), "{log}");
    // Neither a date nor a date-time: an error naming the field, never a panic.
    let (d, _) = decode::<DndInfo>(json!({
        "ok": true, "dnd_enabled": true, "next_dnd_start_ts": 1, "since": "soon"
    }));
    let e = d.unwrap_err();
    assert!(e.contains("since") && e.contains("invalid date"), "{e}");
}

#[test]
fn a_null_body_for_an_empty_object_decodes_as_empty_but_strict_refuses_it() {
    for body in ["null", "", " null\n"] {
        let body = Bytes::from(body);
        let (d, log) = logged(|| crate::decode::json::<Empty>(&body));
        assert_eq!(d.unwrap(), Empty::default());
        assert!(log.contains("deviation=\"null_body\""), "{log}");
        assert!(crate::decode::json_strict::<Empty>(&body).is_err());
    }
    // A struct with required fields is not an empty object: still an error.
    let (d, _) = logged(|| crate::decode::json::<DndInfo>(&Bytes::from("null")));
    assert!(d.is_err());
    // `Option` takes `null` as `None`, no report.
    let (d, log) = logged(|| crate::decode::json::<Option<Empty>>(&Bytes::from("null")));
    assert_eq!(d.unwrap(), None);
    assert_eq!(log, "");
}

/// The other member of a union with [`DndInfo`].
#[derive(Debug, Serialize, Deserialize)]
struct Plain {
    ok: bool,
    since: String,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Either {
    Dnd(DndInfo),
    Plain(Plain),
}

#[test]
fn deviations_of_a_union_variant_not_chosen_are_not_reported() {
    use crate::union::{variant, Shape, Union};
    static U: Union = Union::new(
        "Either",
        "#/either",
        &[
            Shape::object(
                &["ok", "dnd_enabled", "next_dnd_start_ts", "since", "until"],
                &[],
                &[],
            ),
            Shape::object(&["ok", "since"], &[], &[]),
        ],
    );
    let decode = |v: serde_json::Value| {
        U.decode::<Either, serde_json::Error>(
            v,
            |i, v| match i {
                0 => variant(v).map(Either::Dnd),
                _ => variant(v).map(Either::Plain),
            },
            None,
        )
    };
    // Tried first (it declares `ok` and `since` too), decodes leniently, loses to `Plain`.
    let (d, log) = logged(|| decode(json!({"ok": true, "since": "2024-05-01"})));
    assert!(matches!(d.unwrap(), Either::Plain(_)));
    assert_eq!(log, "");
    // Chosen: its deviations are reported.
    let (d, log) = logged(|| {
        decode(json!({"ok": true, "since": "2024-05-01", "until": null, "dnd_enabled": true}))
    });
    assert!(matches!(d.unwrap(), Either::Dnd(_)));
    assert!(log.contains("#/dnd/properties/next_dnd_start_ts"), "{log}");
}
