//! `.dedupe_key(..)` with the in-memory store, against wiremock: a repeat returns the recorded
//! answer without sending, another payload is a conflict, a write that may have been sent is
//! in doubt until `.resend_in_doubt()`, and a failure that was certainly not sent releases the
//! key. Requests are counted on the server.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::dedupe::{DedupeStore, MemoryDedupeStore};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{decode, Call, Client, ErrorKind, Method, OperationMeta, Request, Sent};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A write whose API accepts no idempotency key.
static CREATE: OperationMeta = OperationMeta::new("createOrder", Method::Post, "/orders");

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Order {
    id: String,
    qty: u32,
}

fn client(base: &str, store: &Arc<MemoryDedupeStore>, clock: &ManualClock) -> Client {
    Client::builder()
        .base_url(base)
        .time_source(clock.time_source(0.5))
        .attempt_timeout(Duration::from_secs(1))
        .dedupe_store(Arc::clone(store) as Arc<dyn DedupeStore>)
        .build()
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

fn create(client: &Client, qty: u32) -> Call<Order, Infallible> {
    let req = Request::new(&CREATE, "/orders".into()).json(&serde_json::json!({ "qty": qty }));
    Call::new(client, req, decode::json::<Order>, |_, _| None)
}

async fn answers(server: &MockServer, status: u16, body: &str) {
    Mock::given(path("/orders"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("x-request-id", "req_1")
                .insert_header("x-unrelated", "dropped")
                .set_body_raw(body.to_owned(), "application/json"),
        )
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn a_repeat_returns_the_recorded_answer_without_sending() {
    let server = MockServer::start().await;
    answers(&server, 201, r#"{"id":"ord_1","qty":1}"#).await;
    let store = Arc::new(MemoryDedupeStore::new());
    let client = client(&server.uri(), &store, &clock());
    let first = create(&client, 1).dedupe_key("order-42").await.unwrap();
    assert_eq!((first.status(), first.attempts()), (201, 1));
    let again = create(&client, 1).dedupe_key("order-42").await.unwrap();
    assert_eq!(requests(&server).await, 1, "the repeat was not sent");
    assert_eq!(again.body(), first.body());
    assert_eq!(
        again.body(),
        &Order {
            id: "ord_1".into(),
            qty: 1
        }
    );
    assert_eq!((again.status(), again.attempts()), (201, 0));
    assert_eq!(again.request_id(), Some("req_1"));
    assert_eq!(again.headers()["content-type"], "application/json");
    assert!(again.headers().get("x-unrelated").is_none());
    // Another key is another write.
    create(&client, 1).dedupe_key("order-43").await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_payload_is_a_conflict_and_not_sent() {
    let server = MockServer::start().await;
    answers(&server, 201, r#"{"id":"ord_1","qty":1}"#).await;
    let store = Arc::new(MemoryDedupeStore::new());
    let client = client(&server.uri(), &store, &clock());
    create(&client, 1).dedupe_key("order-42").await.unwrap();
    let e = create(&client, 2).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::DedupeConflict, Sent::No));
    assert_eq!(e.dedupe_key(), Some("order-42"));
    assert_eq!(e.operation_id(), "createOrder");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_recorded_error_answer_is_replayed_as_the_same_error() {
    let server = MockServer::start().await;
    answers(
        &server,
        422,
        r#"{"error":{"code":"out_of_stock","message":"none left"}}"#,
    )
    .await;
    let store = Arc::new(MemoryDedupeStore::new());
    let client = client(&server.uri(), &store, &clock());
    let first = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    let again = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!(requests(&server).await, 1);
    for e in [&first, &again] {
        assert_eq!((e.kind(), e.status()), (ErrorKind::Validation, Some(422)));
        assert_eq!(e.provider_code(), Some("out_of_stock"));
        assert_eq!(e.request_id(), Some("req_1"));
    }
    assert_eq!(again.raw_body(), first.raw_body());
}

#[tokio::test]
async fn a_write_that_may_have_been_sent_is_in_doubt_until_resent() {
    let server = MockServer::start().await;
    Mock::given(path("/orders"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(30)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answers(&server, 201, r#"{"id":"ord_2","qty":1}"#).await;
    let store = Arc::new(MemoryDedupeStore::new());
    let clock = clock();
    let client = client(&server.uri(), &store, &clock);
    let started = clock.time_source(0.5).clock.system_now();
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::Timeout, Sent::Maybe));
    assert_eq!(requests(&server).await, 1);

    clock.advance(Duration::from_secs(5));
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::InDoubt, Sent::Maybe));
    assert_eq!(e.dedupe_key(), Some("order-42"));
    assert_eq!(e.earlier_attempt_at(), Some(started));
    assert!(e.hint().unwrap().contains(".resend_in_doubt()"), "{e}");
    assert!(e.to_string().contains("in_doubt in createOrder"), "{e}");
    assert_eq!(requests(&server).await, 1, "not resent blindly");

    // `.resend_in_doubt()` before or after the key: the caller asked, so it is sent.
    let ok = create(&client, 1)
        .resend_in_doubt()
        .dedupe_key("order-42")
        .await
        .unwrap();
    assert_eq!(ok.body().id, "ord_2");
    assert_eq!(requests(&server).await, 2);
    let again = create(&client, 1)
        .dedupe_key("order-42")
        .resend_in_doubt()
        .await
        .unwrap();
    assert_eq!((again.body().id.as_str(), again.attempts()), ("ord_2", 0));
    assert_eq!(
        requests(&server).await,
        2,
        "a recorded answer is never resent"
    );
}

#[tokio::test]
async fn a_failure_that_was_not_sent_releases_the_key() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let store = Arc::new(MemoryDedupeStore::new());
    let clock = clock();
    let refused = client(&closed, &store, &clock);
    let e = create(&refused, 1)
        .dedupe_key("order-42")
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::Connect, Sent::No));
    assert!(store.is_empty(), "released");

    let server = MockServer::start().await;
    answers(&server, 201, r#"{"id":"ord_3","qty":1}"#).await;
    let live = client(&server.uri(), &store, &clock);
    let ok = create(&live, 1).dedupe_key("order-42").await.unwrap();
    assert_eq!((ok.body().id.as_str(), ok.attempts()), ("ord_3", 1));
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn a_dedupe_key_without_a_store_is_refused_unsent() {
    let server = MockServer::start().await;
    answers(&server, 201, r#"{"id":"ord_1","qty":1}"#).await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::InvalidRequest, Sent::No));
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn a_recorded_answer_too_large_to_keep_is_not_resent() {
    let server = MockServer::start().await;
    let big = format!(
        r#"{{"id":"ord_1","qty":1,"pad":"{}"}}"#,
        "x".repeat(sturdy_runtime::dedupe::MAX_RECORDED_BODY)
    );
    answers(&server, 201, &big).await;
    let store = Arc::new(MemoryDedupeStore::new());
    let client = client(&server.uri(), &store, &clock());
    let first = create(&client, 1).dedupe_key("order-42").await.unwrap();
    assert_eq!(first.body().id, "ord_1");
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.sent(), e.status()),
        (ErrorKind::Decode, Sent::Yes, Some(201))
    );
    assert_eq!(requests(&server).await, 1);
}

/// A store that cannot be reached.
#[derive(Debug)]
struct Unreachable;

impl DedupeStore for Unreachable {
    fn begin<'a>(
        &'a self,
        _: &'a sturdy_runtime::dedupe::DedupeEntry,
        _: bool,
    ) -> futures::future::BoxFuture<
        'a,
        Result<sturdy_runtime::dedupe::Begin, sturdy_runtime::dedupe::DedupeStoreError>,
    > {
        Box::pin(async {
            Err(sturdy_runtime::dedupe::DedupeStoreError::new(
                "connection refused",
                None,
            ))
        })
    }
    fn finish<'a>(
        &'a self,
        _: &'a sturdy_runtime::dedupe::DedupeEntry,
        _: u64,
        _: sturdy_runtime::dedupe::Finish,
    ) -> futures::future::BoxFuture<'a, Result<(), sturdy_runtime::dedupe::DedupeStoreError>> {
        Box::pin(async {
            Err(sturdy_runtime::dedupe::DedupeStoreError::new(
                "connection refused",
                None,
            ))
        })
    }
}

#[tokio::test]
async fn an_unreachable_store_sends_nothing() {
    let server = MockServer::start().await;
    answers(&server, 201, r#"{"id":"ord_1","qty":1}"#).await;
    let client = Client::builder()
        .base_url(server.uri())
        .dedupe_store(Arc::new(Unreachable))
        .build()
        .unwrap();
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::DedupeStore, Sent::No));
    assert!(e.is_retryable());
    assert!(e.to_string().contains("connection refused"), "{e}");
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn a_server_error_leaves_the_write_in_doubt() {
    let server = MockServer::start().await;
    answers(&server, 503, r#"{"error":{"message":"try later"}}"#).await;
    let store = Arc::new(MemoryDedupeStore::new());
    let client = client(&server.uri(), &store, &clock());
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::Server, Sent::Yes));
    let sent = requests(&server).await;
    let e = create(&client, 1).dedupe_key("order-42").await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::InDoubt, Sent::Maybe));
    assert_eq!(requests(&server).await, sent, "not resent blindly");
}

#[tokio::test]
async fn a_rate_limited_write_on_its_only_attempt_releases_the_key() {
    let server = MockServer::start().await;
    Mock::given(path("/orders"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answers(&server, 201, r#"{"id":"ord_4","qty":1}"#).await;
    let store = Arc::new(MemoryDedupeStore::new());
    let client = client(&server.uri(), &store, &clock());
    let e = create(&client, 1)
        .retry(sturdy_runtime::RetryPolicy::none())
        .dedupe_key("order-42")
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::RateLimited, 1));
    assert!(store.is_empty(), "released: the server did not process it");
    let ok = create(&client, 1).dedupe_key("order-42").await.unwrap();
    assert_eq!(ok.body().id, "ord_4");
    assert_eq!(requests(&server).await, 2);
}
