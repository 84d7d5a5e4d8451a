//! Idempotency keys only where the contract accepts them, against wiremock: a write whose
//! operation takes no key (the generator now emits no `idempotency_header` for an endpoint the
//! contract does not list or marks `idempotency: false`) is not resent after a timeout, even
//! when the caller passes a key; one that takes a key is resent with the same key.

use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{Client, ErrorKind, Method, OperationMeta, Request, RequestOptions, Sent};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// As generated for `capture_charge` with `idempotency: false`.
static CAPTURE: OperationMeta = OperationMeta::new("captureCharge", Method::Post, "/capture");
/// As generated for `create_charge`, listed under `idempotency.endpoints`.
static CREATE: OperationMeta = OperationMeta::new("createCharge", Method::Post, "/charges")
    .idempotency_header("Idempotency-Key");

fn client(server: &MockServer) -> Client {
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.5))
        .attempt_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

/// The first request to `p` hangs past the attempt timeout (so it may have been applied);
/// later ones answer 200.
async fn first_times_out(server: &MockServer, p: &str) {
    Mock::given(path(p))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_write_that_takes_no_key_is_not_resent_even_with_a_callers_key() {
    let server = MockServer::start().await;
    first_times_out(&server, "/capture").await;
    let client = client(&server);
    let err = client
        .execute(
            Request::new(&CAPTURE, "/capture".into()).json("x"),
            RequestOptions::new().idempotency_key("mine"),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Timeout, Sent::Maybe));
    assert_eq!(err.idempotency_key(), None);
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1, "never resent");
    assert!(seen[0].headers.get("idempotency-key").is_none());
}

#[tokio::test]
async fn a_write_that_takes_a_key_is_resent_with_the_same_key() {
    let server = MockServer::start().await;
    first_times_out(&server, "/charges").await;
    let client = client(&server);
    let ok = client
        .execute(
            Request::new(&CREATE, "/charges".into()).json("x"),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2, "resent once after the timeout");
    let keys: Vec<&str> = seen
        .iter()
        .map(|r| r.headers.get("idempotency-key").unwrap().to_str().unwrap())
        .collect();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(ok.idempotency_key.as_deref(), Some(keys[0]));
    assert_eq!(ok.attempts, 2);
}
