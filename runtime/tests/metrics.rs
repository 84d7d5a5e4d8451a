//! The `metrics` feature: every counter and histogram the runtime emits, read back with
//! `metrics-util`'s `DebuggingRecorder` (installed for this thread only). Built only with the
//! feature (`required-features` in the runtime's Cargo.toml; CI's test command passes
//! `--features sturdy-runtime/metrics`), so the other tests and benches build the default set.

use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde_json::{json, Value};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{Call, Client, Method, OperationMeta, Request, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/drift_model.rs"]
mod model;

use model::CustomerOrId;

static GET_CUSTOMER: OperationMeta =
    OperationMeta::new("getCustomer", Method::Get, "/customers/{id}");
static GET_SECRET: OperationMeta = OperationMeta::new("getSecret", Method::Get, "/secret");
static GET_BUSY: OperationMeta = OperationMeta::new("getBusy", Method::Get, "/busy");

/// What the recorder holds: `name{label=value,...}` (labels sorted) to a counter's value or a
/// histogram's number of samples.
fn read(recorder: &DebuggingRecorder) -> BTreeMap<String, String> {
    recorder
        .snapshotter()
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            let value = match value {
                DebugValue::Counter(n) => n.to_string(),
                DebugValue::Histogram(samples) => format!("{} samples", samples.len()),
                DebugValue::Gauge(g) => format!("gauge {g}"),
            };
            (format!("{}{{{}}}", key.name(), labels.join(",")), value)
        })
        .collect()
}

async fn scenario() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/customers/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("deprecation", "true")
                .set_body_json(json!({"kind": 42})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/secret"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/busy"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let clock = ManualClock::new(UNIX_EPOCH);
    let client = Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.5))
        .build()
        .unwrap();
    let call = |op: &'static OperationMeta, p: &str| {
        Call::<CustomerOrId, Value>::new(
            &client,
            Request::new(op, p.into()),
            sturdy_runtime::decode::json,
            |_, _| None,
        )
    };
    let got = call(&GET_CUSTOMER, "/customers/1").await.unwrap();
    assert_eq!(got.attempts(), 2);
    call(&GET_SECRET, "/secret").await.unwrap_err();
    let no_retry = RetryPolicy::new().max_retries(0);
    call(&GET_BUSY, "/busy").retry(no_retry).await.unwrap_err();
}

#[test]
fn the_runtime_emits_its_request_error_and_drift_metrics() {
    let recorder = DebuggingRecorder::new();
    metrics::with_local_recorder(&recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(scenario());
    });
    let got = read(&recorder);
    let expected: BTreeMap<String, String> = [
        ("sturdy_auth_failures_total{operation=getSecret,status=401}", "1"),
        (
            "sturdy_drift_total{kind=catch_all,operation=getCustomer,pointer=#/components/schemas/CustomerOrId}",
            "1",
        ),
        (
            "sturdy_drift_total{kind=deprecated,operation=getCustomer,pointer=#/paths/~1customers~1{id}/get}",
            "1",
        ),
        ("sturdy_errors_total{kind=auth,operation=getSecret}", "1"),
        ("sturdy_errors_total{kind=rate_limited,operation=getBusy}", "1"),
        ("sturdy_rate_limited_total{operation=getBusy}", "1"),
        ("sturdy_request_duration_seconds{operation=getBusy}", "1 samples"),
        ("sturdy_request_duration_seconds{operation=getCustomer}", "2 samples"),
        ("sturdy_request_duration_seconds{operation=getSecret}", "1 samples"),
        ("sturdy_requests_total{operation=getBusy,status=429}", "1"),
        ("sturdy_requests_total{operation=getCustomer,status=200}", "1"),
        ("sturdy_requests_total{operation=getCustomer,status=503}", "1"),
        ("sturdy_requests_total{operation=getSecret,status=401}", "1"),
        ("sturdy_retries_total{kind=server,operation=getCustomer}", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(got, expected);
}
