//! Drift warnings are rate-limited by the client's clock. Alone in its test binary: the test
//! captures `tracing` output with a thread-local subscriber, which only sees an event
//! whose callsite no other thread registered first.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::{json, Value};
use sturdy_runtime::drift::{DriftKind, DEFAULT_WARNING_INTERVAL};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{Call, Client, Method, OperationMeta, Request, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/drift_model.rs"]
mod model;

use model::CustomerOrId;

static GET_CUSTOMER: OperationMeta =
    OperationMeta::new("getCustomer", Method::Get, "/customers/{id}");

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
    /// The drift warnings logged since the last call.
    fn drift_warnings(&self) -> Vec<String> {
        let text = String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap();
        text.lines()
            .filter(|l| l.contains("sturdy::drift"))
            .map(str::to_owned)
            .collect()
    }
}

#[tokio::test]
async fn warnings_are_rate_limited_by_the_clients_clock() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": 42})))
        .mount(&server)
        .await;
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let client = Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.5))
        .retry(RetryPolicy::new().max_retries(0))
        .build()
        .unwrap();
    let get = || {
        Call::<CustomerOrId, Value>::new(
            &client,
            Request::new(&GET_CUSTOMER, "/customers/1".into()),
            sturdy_runtime::decode::json,
            |_, _| None,
        )
    };

    get().await.unwrap();
    let first = log.drift_warnings();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains("operation=\"getCustomer\""), "{first:?}");
    assert!(first[0].contains("pointer=\"#/components/schemas/CustomerOrId\""));
    assert!(first[0].contains("kind=\"catch_all\""));
    assert!(first[0].contains("count=1 total=1"), "{first:?}");
    for _ in 0..3 {
        clock.advance(DEFAULT_WARNING_INTERVAL / 4);
        get().await.unwrap();
    }
    assert_eq!(log.drift_warnings(), Vec::<String>::new());
    clock.advance(DEFAULT_WARNING_INTERVAL / 4);
    get().await.unwrap();
    let later = log.drift_warnings();
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(later[0].contains("count=4 total=5"), "{later:?}");
    assert_eq!(client.drift().count("getCustomer", DriftKind::CatchAll), 5);
}
