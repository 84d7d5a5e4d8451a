use std::sync::{Arc, Mutex};
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
fn an_operation_pointer_escapes_its_path() {
    static OP: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}~x");
    assert_eq!(operation_pointer(&OP), "#/paths/~1pets~1{id}~0x/get");
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

impl Log {
    /// Takes what was logged so far.
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

fn subscriber(log: &Log) -> impl tracing::Subscriber {
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .finish()
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
fn warnings_are_rate_limited_per_key_and_carry_the_count_since_the_last() {
    let log = Log::default();
    let _guard = tracing::subscriber::set_default(subscriber(&log));
    let clock = ManualClock::new(at(1_000_000));
    let client = client(&clock, Duration::from_secs(60));
    let signal = |value| {
        in_scope(&client, "listPets", || {
            report(
                DriftKind::Lenient,
                "Pet",
                "#/components/schemas/pet",
                Some(value),
            )
        })
    };
    signal("a");
    let first = log.take();
    assert!(first.contains("sturdy::drift"), "{first}");
    assert!(first.contains("count=1 total=1"), "{first}");
    assert!(first.contains("kind=\"lenient\""), "{first}");
    for v in ["b", "c", "d"] {
        clock.advance(Duration::from_secs(19));
        signal(v);
    }
    assert_eq!(log.take(), "", "within the interval");
    // Another key warns at once.
    in_scope(&client, "getPet", || {
        report(DriftKind::Lenient, "Pet", "#/components/schemas/pet", None)
    });
    assert!(log.take().contains("operation=\"getPet\""));
    clock.advance(Duration::from_secs(3));
    signal("e");
    let later = log.take();
    assert!(later.contains("count=4 total=5"), "{later}");
    assert!(later.contains("value=\"e\""), "{later}");
    // Taking the report restarts the counts, not the interval.
    assert_eq!(client.take_drift().count("listPets", DriftKind::Lenient), 5);
    signal("f");
    assert_eq!(log.take(), "");
    assert_eq!(client.drift().count("listPets", DriftKind::Lenient), 1);
}

#[test]
fn reports_outside_a_scope_warn_plainly_and_are_not_counted() {
    let log = Log::default();
    let _guard = tracing::subscriber::set_default(subscriber(&log));
    let clock = ManualClock::new(at(0));
    let client = client(&clock, Duration::from_secs(60));
    catch_all("Merge", "#/components/schemas/merge", Some("x"));
    let out = log.take();
    assert!(
        out.contains("sturdy::decode") && out.contains("catch-all"),
        "{out}"
    );
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
