//! Truthful call semantics on loopback: `sent()` over every attempt, a breaker that counts
//! logical calls, `.timeout()` as the whole call's deadline, spawnable calls, and error
//! sources. Clocks are manual with jitter pinned at 0.5; where an order of events matters, a
//! loopback server holds a request until the test releases it, so nothing depends on timing.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::breaker::{BreakerConfig, CircuitState};
use sturdy_runtime::budget::RetryBudget;
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{
    Call, Client, ClientBuilder, ErrorKind, Method, OperationMeta, Request, RequestOptions,
    RetryPolicy, Sent,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

#[path = "support/traces.rs"]
mod traces;

static CREATE: OperationMeta =
    OperationMeta::new("createItem", Method::Post, "/hold").idempotency_header("Idempotency-Key");
static FAIL: OperationMeta = OperationMeta::new("getFail", Method::Get, "/fail");
static WRITE: OperationMeta =
    OperationMeta::new("write", Method::Post, "/items").idempotency_header("Idempotency-Key");

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

fn client_for(base: String, clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .base_url(base)
        .time_source(clock.time_source(0.5))
}

/// A loopback server: `POST /hold` is read in full (the write is "applied"), reported on
/// `arrived`, held until `release` turns true, then its connection is dropped without an
/// answer; `GET /fail` answers 503 at once. After `refuse_after` requests it stops listening.
struct HoldServer {
    port: u16,
    arrived: mpsc::UnboundedReceiver<String>,
    release: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HoldServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(s: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return text.lines().next().map(str::to_owned);
            }
        }
    }
}

async fn hold_server(refuse_after: usize) -> HoldServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, arrived) = mpsc::unbounded_channel();
    let (release, rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut served = 0;
        while served < refuse_after {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            served += 1;
            let tx = tx.clone();
            let mut rx = rx.clone();
            tokio::spawn(async move {
                let Some(line) = read_request(&mut s).await else {
                    return;
                };
                let _ = tx.send(line.clone());
                if line.starts_with("GET /fail") {
                    let _ = s
                        .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                    return;
                }
                let _ = rx.wait_for(|r| *r).await;
                drop(s);
            });
        }
        // The listener is dropped here: further connections are refused.
    });
    HoldServer {
        port,
        arrived,
        release,
        task,
    }
}

fn create() -> Request {
    Request::new(&CREATE, "/hold".into()).json(&serde_json::json!({ "n": 1 }))
}

#[tokio::test]
async fn an_attempt_applied_then_dropped_is_not_forgotten_when_the_circuit_opens() {
    let mut server = hold_server(usize::MAX).await;
    let clock = clock();
    let client = client_for(format!("http://127.0.0.1:{}", server.port), &clock)
        .circuit_breaker(BreakerConfig::new().threshold(1))
        .build()
        .unwrap();
    let writer = client.clone();
    let write = tokio::spawn(async move { writer.execute(create(), RequestOptions::new()).await });
    // The write reached the server and is held there.
    assert!(server
        .arrived
        .recv()
        .await
        .unwrap()
        .starts_with("POST /hold"));
    // Meanwhile another call fails and opens the circuit for the host.
    let other = client
        .execute(
            Request::new(&FAIL, "/fail".into()),
            RequestOptions::new().retry(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    assert_eq!(other.status(), Some(503));
    let host = format!("127.0.0.1:{}", server.port);
    assert_eq!(client.circuit_state(&host), CircuitState::Open);
    // The held write's connection drops: attempt 1 may have been applied; attempt 2 is
    // refused by the open circuit.
    server.release.send(true).unwrap();
    let err = write.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen);
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.sent(), Sent::Maybe, "attempt 1 may have been applied");
    let hint = err.hint().unwrap();
    assert!(!hint.contains("nothing was sent"), "{hint}");
    assert!(hint.contains("may have been applied"), "{hint}");
    assert!(!err.to_string().contains("nothing was sent"), "{err}");
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_attempt_applied_then_dropped_is_not_forgotten_when_the_limiter_refuses() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = traces::scoped(subscriber);
    let mut server = hold_server(usize::MAX).await;
    server.release.send(true).unwrap();
    let clock = clock();
    // One request per 100 s; the retry would have to wait longer than the 1 s the policy
    // allows.
    let client = client_for(format!("http://127.0.0.1:{}", server.port), &clock)
        .rate_limit(0.01, 1)
        .retry(RetryPolicy::new().max_retry_after(Duration::from_secs(1)))
        .build()
        .unwrap();
    let err = client
        .execute(create(), RequestOptions::new())
        .await
        .unwrap_err();
    assert!(server.arrived.recv().await.is_some());
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.status(), None, "refused by the client's own limiter");
    assert_eq!(err.sent(), Sent::Maybe);
    assert!(!err.hint().unwrap().contains("nothing was sent"));
    // The call's span says the same.
    let traces = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let call = traces
        .lines()
        .find(|l| l.contains("sturdy.call{") && l.contains("close"))
        .expect("the call span closed");
    assert!(call.contains("error.type=\"rate_limited\""), "{call}");
    assert!(call.contains("sturdy.sent=\"maybe\""), "{call}");
}

#[tokio::test]
async fn an_attempt_applied_then_dropped_is_not_forgotten_after_a_refused_connection() {
    // One connection is served (and dropped after the write is read); then nothing listens.
    let mut server = hold_server(1).await;
    server.release.send(true).unwrap();
    let clock = clock();
    let client = client_for(format!("http://127.0.0.1:{}", server.port), &clock)
        .retry_budget(Some(RetryBudget::new().capacity(5)))
        .build()
        .unwrap();
    let err = client
        .execute(create(), RequestOptions::new())
        .await
        .unwrap_err();
    assert!(server.arrived.recv().await.is_some());
    // Attempt 2's connection was refused; the budget had nothing left for attempt 3.
    assert_eq!(err.kind(), ErrorKind::BudgetExhausted);
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.sent(), Sent::Maybe, "attempt 1 may have been applied");
    assert!(!err.to_string().contains("nothing was sent"), "{err}");
}

/// Fails the first `fails` requests of each idempotency key with 503, then answers 201;
/// counts what it applied.
#[derive(Clone, Default)]
struct FailTwicePerKey {
    seen: Arc<Mutex<BTreeMap<String, u32>>>,
    fails: u32,
}

impl Respond for FailTwicePerKey {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let key = req
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let mut seen = self.seen.lock().unwrap();
        let n = seen.entry(key).or_default();
        *n += 1;
        if *n <= self.fails {
            ResponseTemplate::new(503)
        } else {
            ResponseTemplate::new(201).set_body_string("{}")
        }
    }
}

fn write_call(client: &Client) -> Call<serde_json::Value, std::convert::Infallible> {
    Call::new(
        client,
        Request::new(&WRITE, "/items".into()).json(&serde_json::json!({})),
        sturdy_runtime::decode::json,
        |_, _| None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_that_retries_resolve_never_opens_the_breaker() {
    let server = MockServer::start().await;
    let responder = FailTwicePerKey {
        fails: 2,
        ..Default::default()
    };
    Mock::given(path("/items"))
        .respond_with(responder.clone())
        .mount(&server)
        .await;
    let clock = clock();
    // Default retry policy, budget and breaker.
    let client = client_for(server.uri(), &clock).build().unwrap();
    // 16 concurrent writes, each spawned (a call owns its client).
    let tasks: Vec<_> = (0..16)
        .map(|_| tokio::spawn(write_call(&client).into_future()))
        .collect();
    for t in tasks {
        let ok = t
            .await
            .unwrap()
            .expect("every write succeeds after its retries");
        assert_eq!((ok.status(), ok.attempts()), (201, 3));
    }
    let seen = responder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 16);
    assert!(seen.values().all(|n| *n == 3), "{seen:?}");
    let host = server.uri().trim_start_matches("http://").to_owned();
    assert_eq!(client.circuit_state(&host), CircuitState::Closed);
}

#[tokio::test]
async fn an_outage_opens_the_breaker_and_half_open_admits_three_probes() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(30)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let clock = clock();
    let client = client_for(server.uri(), &clock).build().unwrap();
    let host = server.uri().trim_start_matches("http://").to_owned();
    // Every call fails (3 attempts each): after 10 calls the window's minimum is reached.
    for _ in 0..10 {
        let e = write_call(&client).await.unwrap_err();
        assert_eq!((e.status(), e.attempts()), (Some(503), 3));
    }
    assert_eq!(client.circuit_state(&host), CircuitState::Open);
    let e = write_call(&client).await.unwrap_err();
    assert_eq!((e.kind(), e.sent()), (ErrorKind::CircuitOpen, Sent::No));
    assert_eq!(server.received_requests().await.unwrap().len(), 30);

    clock.advance(Duration::from_secs(30));
    // Five concurrent calls: three are admitted as probes, two still fail fast.
    let results =
        futures::future::join_all((0..5).map(|_| write_call(&client).into_future())).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let fast = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.kind() == ErrorKind::CircuitOpen))
        .count();
    assert_eq!((ok, fast), (3, 2));
    assert_eq!(server.received_requests().await.unwrap().len(), 33);
    assert_eq!(client.circuit_state(&host), CircuitState::Closed);
}

static SLOW: OperationMeta = OperationMeta::new("getSlow", Method::Get, "/slow");

async fn slow_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    server
}

fn slow_call(client: &Client) -> Call<serde_json::Value, std::convert::Infallible> {
    Call::new(
        client,
        Request::new(&SLOW, "/slow".into()),
        sturdy_runtime::decode::json,
        |_, _| None,
    )
}

#[tokio::test]
async fn timeout_is_the_whole_calls_deadline() {
    let server = slow_server().await;
    let clock = clock();
    let client = client_for(server.uri(), &clock).build().unwrap();
    let err = slow_call(&client)
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(
        err.attempts(),
        1,
        "no retry once the call's deadline passed"
    );
    assert!(err.message().contains("total deadline"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(clock.sleeps().is_empty());

    // The client-wide `.timeout()` means the same.
    let clock = self::clock();
    let client = client_for(server.uri(), &clock)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = slow_call(&client).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
}

#[tokio::test]
async fn attempt_timeout_bounds_each_attempt() {
    let server = slow_server().await;
    let clock = clock();
    let client = client_for(server.uri(), &clock).build().unwrap();
    let err = slow_call(&client)
        .attempt_timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 3));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(250), Duration::from_millis(500)]
    );
}

#[tokio::test]
async fn a_stream_timeout_bounds_the_whole_stream() {
    use futures::StreamExt;
    use sturdy_runtime::paginate::{PageSpec, Paginated};
    static LIST: OperationMeta = OperationMeta::new("list", Method::Get, "/list");
    static SPEC: PageSpec = PageSpec::cursor("after")
        .items("/data")
        .next_cursor("/next");
    let server = MockServer::start().await;
    Mock::given(path("/list"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data":[1],"next":"a"}"#))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client_for(server.uri(), &clock).build().unwrap();
    let list: Paginated<serde_json::Value, u64, std::convert::Infallible> = Paginated::new(
        Call::new(
            &client,
            Request::new(&LIST, "/list".into()),
            sturdy_runtime::decode::json,
            |_, _| None,
        ),
        &SPEC,
    )
    .stream_timeout(Duration::from_secs(1));
    let mut pages = std::pin::pin!(list.pages());
    assert!(pages.next().await.unwrap().is_ok());
    clock.advance(Duration::from_secs(2));
    let err = pages.next().await.unwrap().unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Timeout, Sent::No));
    assert!(err.message().contains("stream's deadline"), "{err}");
    assert!(pages.next().await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_call_can_be_spawned() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(201).set_body_string(r#"{"id":7}"#))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client_for(server.uri(), &clock).build().unwrap();
    let call = write_call(&client);
    drop(client);
    let ok = tokio::spawn(call.into_future()).await.unwrap().unwrap();
    assert_eq!(ok.body()["id"], 7);
}

#[tokio::test]
async fn error_sources_keep_the_underlying_error() {
    use std::error::Error as _;
    // A refused connection: the reqwest error, without its URL (which may carry a key).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = clock();
    let client = client_for(format!("http://127.0.0.1:{port}/?api_key=s3cret"), &clock)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = slow_call(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    let source = err.source().expect("the reqwest error");
    let reqwest_err = source.downcast_ref::<reqwest::Error>().expect("reqwest");
    assert!(reqwest_err.is_connect());
    assert_eq!(reqwest_err.url(), None);
    assert!(!format!("{source} {source:?}").contains("s3cret"));

    // A body that does not fit: the serde error, and the JSON path in the message.
    #[derive(Debug, serde::Deserialize)]
    struct Item {
        #[allow(dead_code)]
        id: u64,
    }
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":"seven"}"#))
        .mount(&server)
        .await;
    let client = client_for(server.uri(), &clock).build().unwrap();
    let call: Call<Item, std::convert::Infallible> = Call::new(
        &client,
        Request::new(&WRITE, "/items".into()),
        sturdy_runtime::decode::json,
        |_, _| None,
    );
    let err = call.await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.message().starts_with("at `id`: invalid type"), "{err}");
    assert!(err.source().unwrap().is::<serde_json::Error>());
    assert!(err.raw_body().is_some());
}

#[tokio::test]
async fn a_probe_that_succeeds_on_a_retry_closes_the_circuit() {
    let server = MockServer::start().await;
    let responder = FailTwicePerKey {
        fails: 1,
        ..Default::default()
    };
    Mock::given(path("/items"))
        .respond_with(responder.clone())
        .mount(&server)
        .await;
    let clock = clock();
    let client = client_for(server.uri(), &clock)
        .retry(RetryPolicy::none())
        .circuit_breaker(BreakerConfig::new().threshold(1).half_open_probes(1))
        .build()
        .unwrap();
    let host = server.uri().trim_start_matches("http://").to_owned();
    assert_eq!(write_call(&client).await.unwrap_err().status(), Some(503));
    assert_eq!(client.circuit_state(&host), CircuitState::Open);
    clock.advance(Duration::from_secs(30));
    // The one probe fails its first attempt and succeeds on its retry: one call, one success.
    let ok = write_call(&client)
        .retry(RetryPolicy::new())
        .await
        .expect("the probe's own retry is not refused");
    assert_eq!(ok.attempts(), 2);
    assert_eq!(client.circuit_state(&host), CircuitState::Closed);
}

#[tokio::test]
async fn a_probe_refused_by_the_limiter_gives_its_place_back() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client_for(server.uri(), &clock)
        .retry(RetryPolicy::none().max_retry_after(Duration::from_secs(1)))
        .rate_limit(0.01, 1)
        .circuit_breaker(BreakerConfig::new().threshold(1).half_open_probes(1))
        .build()
        .unwrap();
    let host = server.uri().trim_start_matches("http://").to_owned();
    assert_eq!(write_call(&client).await.unwrap_err().status(), Some(503));
    assert_eq!(client.circuit_state(&host), CircuitState::Open);
    clock.advance(Duration::from_secs(30));
    // The probe is admitted, then the limiter (one request per 100 s) refuses it.
    for _ in 0..2 {
        let e = write_call(&client).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.sent()),
            (ErrorKind::RateLimited, Sent::No),
            "the probe place came back: {e}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
