//! Server-sent events end to end against axum's SSE implementation on loopback: typed chunks
//! and `[DONE]`, error events, the idle timeout, retries before the first event, a broken
//! stream reported and not restarted, resumption with `Last-Event-ID` and `retry:`, dropping
//! the stream cancels the request, and backpressure.
//!
//! Clients use a [`ManualClock`] (retry and reconnect delays are asserted exactly) or a gated
//! sleeper (the idle timeout fires when the test says so), never wall-clock timing.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures::{Stream, StreamExt};
use sturdy_runtime::stream::{decode, Event, SseCall, StreamOptions};
use sturdy_runtime::time::{FixedJitter, ManualClock, Sleeper, TimeSource};
use sturdy_runtime::{Client, ErrorKind, Method, OperationMeta, Request};

#[path = "support/traces.rs"]
mod traces;

static CHAT: OperationMeta =
    OperationMeta::new("createChat", Method::Post, "/chat").idempotency_header("Idempotency-Key");

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Chunk {
    id: String,
    delta: String,
}

#[derive(Default)]
struct Shared {
    requests: AtomicU32,
    /// Idempotency-Key and Last-Event-ID of each request.
    seen: Mutex<Vec<(Option<String>, Option<String>)>>,
    /// Set when the server's event stream is dropped (the client went away).
    dropped: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    produced: AtomicU32,
    /// Lets a breaking stream break (once the client has read what came before).
    release: tokio::sync::Notify,
}

type Shared_ = Arc<Shared>;
type Respond = fn(u32, &Shared_) -> Response;
type Events = Pin<Box<dyn Stream<Item = Result<SseEvent, std::io::Error>> + Send>>;

fn chunk(i: u32) -> SseEvent {
    SseEvent::default().data(format!(r#"{{"id":"c{i}","delta":"word{i}"}}"#))
}

fn done() -> SseEvent {
    SseEvent::default().data("[DONE]")
}

fn ready(events: Vec<SseEvent>) -> Events {
    Box::pin(futures::stream::iter(events.into_iter().map(Ok)))
}

/// `events`, then (once the test releases it) a broken connection. The break waits so the
/// events reach the client first: an error in the first poll would drop the response head.
fn broken_after(shared: &Shared_, events: Vec<SseEvent>) -> Events {
    let shared = shared.clone();
    let fail = futures::stream::once(async move {
        shared.release.notified().await;
        Err(std::io::Error::other("connection lost"))
    });
    Box::pin(futures::stream::iter(events.into_iter().map(Ok)).chain(fail))
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Starts a server whose `/chat` answers request `n` (from 1) with `respond(n, shared)`.
async fn serve(respond: Respond) -> (String, Shared_) {
    let shared: Shared_ = Arc::default();
    async fn handler(
        State((shared, respond)): State<(Shared_, Respond)>,
        headers: HeaderMap,
    ) -> Response {
        let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
        shared.seen.lock().unwrap().push((
            header(&headers, "idempotency-key"),
            header(&headers, "last-event-id"),
        ));
        respond(n, &shared)
    }
    let app = Router::new()
        .route("/chat", post(handler))
        .with_state((shared.clone(), respond));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), shared)
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

fn client(base: &str, time: TimeSource) -> Client {
    Client::builder()
        .base_url(base)
        .time_source(time)
        .build()
        .unwrap()
}

/// A streaming call without the idle timer: a [`ManualClock`]'s sleeps end at once, so the
/// timer would fire whenever a chunk is not already there. The stall test gates it instead.
fn call<T: Send + 'static>(
    c: &Client,
    decode: sturdy_runtime::stream::DecodeEventFn<T>,
) -> SseCall<'_, T> {
    SseCall::new(c, request(), decode).idle_timeout(None)
}

fn request() -> Request {
    Request::new(&CHAT, "/chat".into()).json(&serde_json::json!({"stream": true}))
}

async fn collect<T>(
    s: impl Stream<Item = Result<T, sturdy_runtime::Error>>,
) -> (Vec<T>, Option<sturdy_runtime::Error>) {
    let mut items = Vec::new();
    let mut s = std::pin::pin!(s);
    while let Some(item) = s.next().await {
        match item {
            Ok(t) => items.push(t),
            Err(e) => return (items, Some(e)),
        }
    }
    (items, None)
}

#[tokio::test]
async fn typed_chunks_until_done() {
    let (base, shared) = serve(|_, _| {
        let mut evs: Vec<_> = (1..=3).map(chunk).collect();
        evs.push(done());
        evs.push(chunk(99)); // after [DONE]: never read
        Sse::new(ready(evs)).into_response()
    })
    .await;
    let c = client(&base, clock().time_source(0.5));
    let stream = call(&c, decode::json::<Chunk>).await.unwrap();
    assert_eq!(stream.status(), 200);
    let (chunks, err) = collect(stream).await;
    assert!(err.is_none());
    let ids: Vec<_> = chunks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3"]);
    assert_eq!(chunks[2].delta, "word3");
    assert_eq!(shared.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn counts_events_and_bytes() {
    let (base, _) =
        serve(|_, _| Sse::new(ready(vec![chunk(1), chunk(2), done()])).into_response()).await;
    let c = client(&base, clock().time_source(0.5));
    let mut s = call(&c, decode::raw).await.unwrap();
    while s.next().await.is_some() {}
    assert_eq!(s.events(), 2, "[DONE] is not an event");
    let one = "data: {\"id\":\"c1\",\"delta\":\"word1\"}\n\n".len() as u64;
    assert_eq!(s.bytes(), 2 * one + "data: [DONE]\n\n".len() as u64);
}

#[tokio::test]
async fn an_error_event_becomes_the_normalized_error() {
    let (base, _) = serve(|_, _| {
        let err = SseEvent::default().data(
            r#"{"error":{"message":"The server had an error","type":"server_error","code":null}}"#,
        );
        Sse::new(ready(vec![chunk(1), err, chunk(2)])).into_response()
    })
    .await;
    let c = client(&base, clock().time_source(0.5));
    let s = call(&c, decode::json::<Chunk>).await.unwrap();
    let (chunks, err) = collect(s).await;
    assert_eq!(chunks.len(), 1);
    let e = err.expect("the error event ends the stream");
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.provider_code(), Some("server_error"));
    assert_eq!(e.provider_message(), Some("The server had an error"));
    assert_eq!(e.operation_id(), "createChat");
    assert!(e.raw_body().is_some());
}

#[tokio::test]
async fn a_503_before_the_first_event_is_retried_with_the_same_key() {
    let (base, shared) = serve(|n, _| {
        if n == 1 {
            return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
        }
        Sse::new(ready(vec![chunk(1), done()])).into_response()
    })
    .await;
    let clock = clock();
    let c = client(&base, clock.time_source(0.5));
    let s = call(&c, decode::json::<Chunk>).await.unwrap();
    let (chunks, err) = collect(s).await;
    assert!(err.is_none());
    assert_eq!(chunks.len(), 1);
    assert_eq!(shared.requests.load(Ordering::SeqCst), 2);
    let seen = shared.seen.lock().unwrap().clone();
    assert!(seen[0].0.is_some());
    assert_eq!(seen[0].0, seen[1].0, "one idempotency key across attempts");
    assert_eq!(
        clock.sleeps().len(),
        1,
        "one backoff wait, through the injected sleeper"
    );
}

#[tokio::test]
async fn a_drop_after_events_is_reported_and_not_restarted() {
    let (base, shared) =
        serve(|_, s| Sse::new(broken_after(s, vec![chunk(1), chunk(2)])).into_response()).await;
    let c = client(&base, clock().time_source(0.5));
    let mut s = call(&c, decode::json::<Chunk>).await.unwrap();
    assert_eq!(s.next().await.unwrap().unwrap().id, "c1");
    assert_eq!(s.next().await.unwrap().unwrap().id, "c2");
    shared.release.notify_one();
    let e = s.next().await.unwrap().expect_err("the break is reported");
    assert!(s.next().await.is_none());
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("after 2 events"), "{}", e.message());
    assert!(e.message().contains("not restarted"), "{}", e.message());
    assert!(!e.is_retryable());
    assert_eq!(
        shared.requests.load(Ordering::SeqCst),
        1,
        "no silent restart"
    );
}

#[tokio::test]
async fn a_resumable_stream_reconnects_with_last_event_id_and_the_servers_delay() {
    let (base, shared) = serve(|n, s| {
        if n == 1 {
            let first = vec![
                chunk(1).id("1").retry(Duration::from_millis(250)),
                chunk(2).id("2"),
            ];
            return Sse::new(broken_after(s, first)).into_response();
        }
        Sse::new(ready(vec![chunk(3).id("3"), done()])).into_response()
    })
    .await;
    let clock = clock();
    let c = client(&base, clock.time_source(0.5));
    let s = call(&c, decode::json::<Chunk>)
        .stream_options(StreamOptions::default().resumable(true).idle_timeout(None))
        .await
        .unwrap();
    let mut s = s;
    assert_eq!(s.next().await.unwrap().unwrap().id, "c1");
    assert_eq!(s.next().await.unwrap().unwrap().id, "c2");
    shared.release.notify_one();
    let (chunks, err) = collect(&mut s).await;
    assert!(err.is_none(), "{err:?}");
    let ids: Vec<_> = chunks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c3"], "resumed after c2, nothing repeated");
    assert_eq!(s.reconnects(), 1);
    assert_eq!(s.last_event_id().as_deref(), Some("3"));
    let seen = shared.seen.lock().unwrap().clone();
    assert_eq!(seen[0].1, None);
    assert_eq!(seen[1].1.as_deref(), Some("2"));
    assert_eq!(
        seen[0].0, seen[1].0,
        "the reconnect sends the same idempotency key"
    );
    assert_eq!(clock.sleeps(), [Duration::from_millis(250)]);
}

/// A sleeper whose sleeps end only once the test opens the gate.
#[derive(Clone)]
struct Gate(tokio::sync::watch::Sender<bool>);

impl Sleeper for Gate {
    fn sleep(&self, _: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut rx = self.0.subscribe();
        Box::pin(async move {
            let _ = rx.wait_for(|open| *open).await;
        })
    }
}

#[tokio::test]
async fn a_stall_trips_the_idle_timeout() {
    let (base, _) = serve(|_, _| {
        let stalled = ready(vec![chunk(1), chunk(2)]).chain(futures::stream::pending());
        Sse::new(stalled).into_response()
    })
    .await;
    let gate = Gate(tokio::sync::watch::channel(false).0);
    let time = TimeSource {
        sleeper: Arc::new(gate.clone()),
        jitter: Arc::new(FixedJitter(0.5)),
        ..TimeSource::default()
    };
    let c = client(&base, time);
    let mut s = SseCall::new(&c, request(), decode::json::<Chunk>)
        .idle_timeout(Some(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(s.next().await.unwrap().unwrap().id, "c1");
    assert_eq!(s.next().await.unwrap().unwrap().id, "c2");
    gate.0.send_replace(true); // 30 seconds pass with no data
    let e = s.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(
        e.message().contains("stalled after 2 events"),
        "{}",
        e.message()
    );
    assert!(e.message().contains("idle timeout"), "{}", e.message());
    assert!(s.next().await.is_none());
}

/// Signals when dropped: the server's stream is dropped when the client goes away.
struct OnDrop(Shared_);
impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.dropped.lock().unwrap().take() {
            let _ = tx.send(());
        }
    }
}

fn endless(shared: &Shared_, size: usize) -> Events {
    let guard = OnDrop(shared.clone());
    let shared = shared.clone();
    let pad = "x".repeat(size);
    Box::pin(futures::stream::repeat(()).map(move |_| {
        let _ = &guard;
        let n = shared.produced.fetch_add(1, Ordering::SeqCst);
        Ok(SseEvent::default().data(format!(r#"{{"id":"c{n}","delta":"{pad}"}}"#)))
    }))
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_request() {
    let (base, shared) = serve(|_, s| Sse::new(endless(s, 10)).into_response()).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    *shared.dropped.lock().unwrap() = Some(tx);
    let c = client(&base, clock().time_source(0.5));
    let mut s = call(&c, decode::json::<Chunk>).await.unwrap();
    assert_eq!(s.next().await.unwrap().unwrap().id, "c0");
    drop(s);
    // Waits (up to a generous bound, only so a failure cannot hang) for the server to see
    // the client go away.
    let seen = tokio::time::timeout(Duration::from_secs(30), rx).await;
    assert!(
        matches!(seen, Ok(Ok(()))),
        "the server's stream was not dropped"
    );
}

#[tokio::test]
async fn a_slow_consumer_holds_back_the_server() {
    const SIZE: usize = 100_000;
    let (base, shared) = serve(|_, s| Sse::new(endless(s, SIZE)).into_response()).await;
    let c = client(&base, clock().time_source(0.5));
    let mut s = call(&c, decode::json::<Chunk>).await.unwrap();
    assert_eq!(s.next().await.unwrap().unwrap().id, "c0");
    // A consumer that stops reading. Without backpressure the server would push events as
    // fast as loopback allows (gigabytes); with it, only the socket buffers fill.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let produced = shared.produced.load(Ordering::SeqCst);
    assert!(
        produced < 300,
        "{produced} events of {SIZE} bytes were produced for a consumer that read one"
    );
    assert!(s.bytes() < 300 * SIZE as u64);
}

#[tokio::test]
async fn several_event_kinds_with_an_unknown_fallback() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(tag = "type")]
    enum Kind {
        #[serde(rename = "response.output_text.delta")]
        Delta { delta: String },
    }
    let (base, _) = serve(|_, _| {
        Sse::new(ready(vec![
            SseEvent::default()
                .event("response.output_text.delta")
                .data(r#"{"type":"response.output_text.delta","delta":"Hi"}"#),
            SseEvent::default()
                .event("response.brand_new")
                .data(r#"{"type":"response.brand_new"}"#),
        ]))
        .into_response()
    })
    .await;
    let c = client(&base, clock().time_source(0.5));
    let s = call(&c, decode::json_or_unknown::<Kind>).await.unwrap();
    let (evs, err) = collect(s).await;
    assert!(err.is_none());
    assert_eq!(evs[0], Event::Typed(Kind::Delta { delta: "Hi".into() }));
    match &evs[1] {
        Event::Unknown(raw) => {
            assert_eq!(raw.event, "response.brand_new");
            assert_eq!(raw.data, r#"{"type":"response.brand_new"}"#);
        }
        other => panic!("{other:?}"),
    }
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
async fn one_span_per_stream_with_counts_and_no_secrets() {
    const CANARY: &str = "CANARYstream7f3";
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = traces::scoped(subscriber);
    let (base, _) = serve(|_, _| {
        let secret = SseEvent::default().data(format!(r#"{{"id":"{CANARY}","delta":"x"}}"#));
        Sse::new(ready(vec![chunk(1), secret, done()])).into_response()
    })
    .await;
    let c = client(&base, clock().time_source(0.5));
    let s = call(&c, decode::json::<Chunk>)
        .options(
            sturdy_runtime::RequestOptions::new()
                .header("authorization", format!("Bearer {CANARY}")),
        )
        .await
        .unwrap();
    let (chunks, err) = collect(s).await;
    assert!(err.is_none());
    assert_eq!(chunks[1].id, CANARY, "the secret really went through");
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let closes: Vec<_> = out
        .lines()
        .filter(|l| l.contains("sturdy.stream{"))
        .collect();
    assert_eq!(closes.len(), 1, "{out}");
    let line = closes[0];
    assert!(
        line.contains("sturdy.operation_id=\"createChat\"")
            || line.contains("sturdy.operation_id=createChat"),
        "{line}"
    );
    assert!(line.contains("sturdy.events=2"), "{line}");
    assert!(line.contains("sturdy.bytes="), "{line}");
    assert!(line.contains("sturdy.time_to_first_event_ms="), "{line}");
    assert!(line.contains("sturdy.completed=true"), "{line}");
    assert!(!out.contains(CANARY), "a secret reached the trace:\n{out}");
}
