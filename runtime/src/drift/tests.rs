use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::deprecation::operation_pointer;
use super::*;
use crate::time::ManualClock;
use crate::union::{catch_all, Kind, Shape, Union};
use crate::{Client, Method, OperationMeta};

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn deprecation_values_are_rfc_9745_dates_or_the_legacy_forms() {
    assert_eq!(parse_deprecation("@1688169599"), Some(Some(at(1688169599))));
    assert_eq!(parse_deprecation(" @0 "), Some(Some(at(0))));
    assert_eq!(
        parse_deprecation("@1688169599;x=1"),
        Some(Some(at(1688169599)))
    );
    assert_eq!(
        parse_deprecation("@-60"),
        Some(Some(UNIX_EPOCH - Duration::from_secs(60)))
    );
    assert_eq!(parse_deprecation("true"), Some(None));
    assert_eq!(parse_deprecation("TRUE"), Some(None));
    assert_eq!(
        parse_deprecation("Fri, 30 Jun 2023 23:59:59 GMT"),
        Some(Some(at(1688169599)))
    );
    for bad in [
        "",
        "@",
        "@-",
        "@x",
        "@1e3",
        "@ 1",
        "@1000000000000000",
        "false",
        "?1",
        "yes",
    ] {
        assert_eq!(parse_deprecation(bad), None, "{bad:?}");
    }
}

#[test]
fn sunset_values_are_http_dates() {
    assert_eq!(
        parse_sunset("Wed, 11 Nov 2026 23:59:59 GMT"),
        Some(at(1794441599))
    );
    assert_eq!(
        parse_sunset("\tWed, 11 Nov 2026 23:59:59 GMT "),
        Some(at(1794441599))
    );
    for bad in [
        "",
        "tomorrow",
        "@1794441599",
        "Wed, 31 Nov 2026 23:59:59 GMT",
    ] {
        assert_eq!(parse_sunset(bad), None, "{bad:?}");
    }
}

#[test]
fn links_are_found_by_relation() {
    let v = r#"<https://a.example/next>; rel="next", <https://a.example/d?x=1,2>; title="a, b; c"; rel="alternate Deprecation", <https://a.example/s>; rel=sunset"#;
    assert_eq!(
        parse_links(v, "deprecation").as_deref(),
        Some("https://a.example/d?x=1,2")
    );
    assert_eq!(
        parse_links(v, "sunset").as_deref(),
        Some("https://a.example/s")
    );
    assert_eq!(
        parse_links(v, "next").as_deref(),
        Some("https://a.example/next")
    );
    assert_eq!(parse_links(v, "prev"), None);
    // Escapes in a quoted value; a relation named in another parameter does not count.
    let v = r#"<a>; title="rel=\"sunset\"", <b>; rel = "sunset""#;
    assert_eq!(parse_links(v, "sunset").as_deref(), Some("b"));
    // Garbage before a link, an unterminated target, an unterminated quote.
    assert_eq!(
        parse_links("junk, <c>; rel=sunset", "sunset").as_deref(),
        Some("c")
    );
    assert_eq!(parse_links("<c; rel=sunset", "sunset"), None);
    assert_eq!(
        parse_links(r#"<c>; rel="sunset"#, "sunset").as_deref(),
        Some("c")
    );
    assert_eq!(parse_links("", "sunset"), None);
}

/// A fixed sequence of pseudo-random strings, biased toward the parsers' special characters.
fn noise(n: usize) -> Vec<String> {
    const ALPHABET: &[char] = &[
        '<',
        '>',
        ';',
        ',',
        '"',
        '\\',
        '=',
        '@',
        '-',
        ' ',
        '\t',
        'r',
        'e',
        'l',
        '1',
        '9',
        'é',
        '\u{1F600}',
        'G',
        'M',
        'T',
        ':',
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let len = (next() % 40) as usize;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        })
        .collect()
}

#[test]
fn the_parsers_never_panic_on_noise() {
    for s in noise(20_000) {
        let _ = parse_deprecation(&s);
        let _ = parse_sunset(&s);
        let _ = parse_links(&s, "sunset");
        let _ = parse_links(&s, "");
    }
}

#[test]
fn a_response_without_a_valid_header_is_not_deprecated() {
    let mut h = http::HeaderMap::new();
    assert_eq!(Deprecation::from_headers(&h), None);
    h.insert("deprecation", "soon".parse().unwrap());
    h.insert(
        "link",
        "<https://a.example/d>; rel=deprecation".parse().unwrap(),
    );
    assert_eq!(Deprecation::from_headers(&h), None);
    h.insert("sunset", "Wed, 11 Nov 2026 23:59:59 GMT".parse().unwrap());
    h.append("link", "<https://a.example/s>; rel=sunset".parse().unwrap());
    let d = Deprecation::from_headers(&h).unwrap();
    assert!(!d.deprecated);
    assert_eq!(d.since, None);
    assert_eq!(d.sunset, Some(at(1794441599)));
    assert_eq!(d.link.as_deref(), Some("https://a.example/d"));
    assert_eq!(d.sunset_link.as_deref(), Some("https://a.example/s"));
    // The first valid value wins.
    h.append("deprecation", "true".parse().unwrap());
    h.append("deprecation", "@5".parse().unwrap());
    let d = Deprecation::from_headers(&h).unwrap();
    assert!(d.deprecated);
    assert_eq!(d.since, None);
}

#[test]
fn a_shape_sample_names_keys_or_the_json_type_never_values() {
    assert_eq!(
        shape_sample(&json!({"token": "sk_live_x", "id": 1})),
        "{token,id}"
    );
    assert_eq!(shape_sample(&json!({})), "{}");
    assert_eq!(shape_sample(&json!("sk_live_x")), "string");
    assert_eq!(shape_sample(&json!([1, 2])), "array");
    assert_eq!(shape_sample(&json!(1.5)), "number");
    assert_eq!(shape_sample(&json!(null)), "null");
    let many: serde_json::Map<String, Value> =
        (0..10_000).map(|i| (format!("k{i}"), json!(i))).collect();
    let s = shape_sample(&Value::Object(many));
    assert_eq!(s.chars().count(), SAMPLE_CHARS);
    assert!(s.starts_with("{k0,k1,"), "{s}");
}

#[test]
fn an_operation_pointer_escapes_its_path() {
    static OP: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}~x");
    assert_eq!(operation_pointer(&OP), "#/paths/~1pets~1{id}~0x/get");
}

fn client(clock: &ManualClock, interval: Duration) -> Client {
    Client::builder()
        .base_url("https://api.example.com")
        .time_source(clock.time_source(0.5))
        .drift_warning_interval(interval)
        .build()
        .unwrap()
}

#[test]
fn warnings_are_due_once_per_interval_per_key_with_the_count_since_the_last() {
    use super::sink::{DriftSink, Due};
    let clock = ManualClock::new(at(1_000_000));
    let sink = DriftSink::new(Arc::new(clock.clone()), Duration::from_secs(60));
    let key = |op| (op, "#/components/schemas/pet".into(), DriftKind::Lenient);
    let due = |c, t| Some(Due { count: c, total: t });
    assert_eq!(sink.tally(&key("listPets"), "Pet", Some("a")), due(1, 1));
    for _ in 0..3 {
        clock.advance(Duration::from_secs(19));
        assert_eq!(sink.tally(&key("listPets"), "Pet", None), None);
    }
    // Another key is due at once.
    assert_eq!(sink.tally(&key("getPet"), "Pet", None), due(1, 1));
    clock.advance(Duration::from_secs(3));
    assert_eq!(sink.tally(&key("listPets"), "Pet", Some("e")), due(4, 5));
    assert_eq!(sink.tally(&key("listPets"), "Pet", None), None);
    // Taking the report restarts the counts, not the interval.
    let taken = sink.take();
    assert_eq!(taken.count("listPets", DriftKind::Lenient), 6);
    let e = taken.iter().find(|e| e.operation == "listPets").unwrap();
    assert_eq!(e.sample.as_deref(), Some("e"));
    assert_eq!((e.first_seen, e.last_seen), (at(1_000_000), at(1_000_060)));
    assert_eq!(sink.tally(&key("listPets"), "Pet", None), None);
    assert_eq!(sink.report().count("listPets", DriftKind::Lenient), 1);
    clock.advance(Duration::from_secs(60));
    assert_eq!(sink.tally(&key("listPets"), "Pet", None), due(3, 2));
}

#[test]
fn the_warning_interval_is_set_on_the_builder() {
    let clock = ManualClock::new(at(0));
    let client = client(&clock, Duration::ZERO);
    for _ in 0..2 {
        in_scope(&client, "op", || {
            report(DriftKind::Lenient, "T", "#/t", None)
        });
    }
    let sink = &client.inner.drift;
    let key = ("op", "#/t".into(), DriftKind::Lenient);
    assert!(
        sink.tally(&key, "T", None).is_some(),
        "zero: every signal warns"
    );
}

#[test]
fn reports_outside_a_scope_are_not_counted() {
    let clock = ManualClock::new(at(0));
    let client = client(&clock, Duration::from_secs(60));
    catch_all("Merge", "#/components/schemas/merge", Some("x"));
    assert!(client.drift().is_empty());
    // A scope ends with its decode, also nested ones.
    in_scope(&client, "outer", || {
        in_scope(&client, "inner", || catch_all("A", "#/a", None));
        catch_all("B", "#/b", None);
    });
    catch_all("C", "#/c", None);
    let ops: Vec<_> = client
        .drift()
        .iter()
        .map(|e| (e.operation, e.type_name))
        .collect();
    assert_eq!(ops, [("inner", "A"), ("outer", "B")]);
}

#[test]
fn reports_of_a_variant_not_chosen_are_not_counted() {
    static OUTER: Union = Union::new(
        "Outer",
        "#/o",
        &[Shape::of(Kind::Object), Shape::of(Kind::Object)],
    );
    let clock = ManualClock::new(at(0));
    let client = client(&clock, Duration::from_secs(60));
    in_scope(&client, "op", || {
        OUTER
            .decode::<Value, serde_json::Error>(
                json!({"k": 1}),
                |i, v| {
                    // Variant 0 reports and loses a key; variant 1 reports and is exact.
                    let ty = if i == 0 { "Inner0" } else { "Inner1" };
                    report(DriftKind::UndeclaredField, ty, "#/i", Some("k"));
                    let mut out = v.clone();
                    if i == 0 {
                        out.as_object_mut()?.remove("k");
                    }
                    Some(out)
                },
                None,
            )
            .unwrap()
    });
    let got: Vec<_> = client
        .drift()
        .into_iter()
        .map(|e| (e.type_name, e.kind, e.count))
        .collect();
    assert_eq!(got, [("Inner1", DriftKind::UndeclaredField, 1)]);
}

#[test]
fn the_report_prints_a_table_in_key_order_with_long_values_cut() {
    let clock = ManualClock::new(at(1_700_000_000));
    let client = client(&clock, Duration::from_secs(60));
    assert_eq!(client.drift().to_string(), "no drift signals\n");
    let long = "x".repeat(100);
    in_scope(&client, "b", || {
        catch_all("U", "#/u", Some("new\nline"));
        report(DriftKind::UnknownEnumValue, "E", "#/e", Some(&long));
    });
    clock.advance(Duration::from_secs(61));
    in_scope(&client, "a", || catch_all("U", "#/u", None));
    in_scope(&client, "b", || catch_all("U", "#/u", None));
    let report = client.drift();
    let e = report.iter().find(|e| e.type_name == "E").unwrap();
    assert_eq!(e.sample.as_deref().map(str::len), Some(SAMPLE_CHARS));
    let x64 = "x".repeat(64);
    let table = report.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert_eq!(
        lines[0],
        "operation  kind                count  pointer  type  first seen            last seen             sample"
    );
    assert_eq!(
        lines[1],
        "a          catch_all               1  #/u      U     2023-11-14T22:14:21Z  2023-11-14T22:14:21Z"
    );
    assert_eq!(
        lines[2],
        format!("b          unknown_enum_value      1  #/e      E     2023-11-14T22:13:20Z  2023-11-14T22:13:20Z  {x64}")
    );
    assert_eq!(
        lines[3],
        "b          catch_all               2  #/u      U     2023-11-14T22:13:20Z  2023-11-14T22:14:21Z  new\\nline"
    );
}
