//! Byte-stream downloads against axum on loopback: chunks as they arrive with progress, the
//! idle timeout (a gated sleeper, no wall-clock timing), a 503 before the body retried, a
//! body cut short reported.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures::StreamExt;
use sturdy_runtime::stream::DownloadCall;
use sturdy_runtime::time::{FixedJitter, ManualClock, Sleeper, TimeSource};
use sturdy_runtime::{Client, ErrorKind, Method, OperationMeta, Request};

static FILE: OperationMeta = OperationMeta::new("downloadFile", Method::Get, "/file");

const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 160; // 10 MiB

fn byte(i: usize) -> u8 {
    (i % 251) as u8
}

type Respond = fn(u32) -> Response;
/// Progress calls: (received, total).
type Calls = Arc<Mutex<Vec<(u64, Option<u64>)>>>;

async fn serve(respond: Respond) -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/file",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst) + 1;
            async move { respond(n) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), hits)
}

/// `CHUNKS` chunks of a known pattern, with a `Content-Length`.
fn file() -> Response {
    let chunks = futures::stream::iter(0..CHUNKS).map(|c| {
        let data: Vec<u8> = (0..CHUNK).map(|i| byte(c * CHUNK + i)).collect();
        Ok::<_, std::io::Error>(Bytes::from(data))
    });
    Response::builder()
        .header(header::CONTENT_LENGTH, (CHUNK * CHUNKS).to_string())
        .body(Body::from_stream(chunks))
        .unwrap()
}

fn client(base: &str, time: TimeSource) -> Client {
    Client::builder()
        .base_url(base)
        .time_source(time)
        .build()
        .unwrap()
}

fn manual() -> TimeSource {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000)).time_source(0.5)
}

#[tokio::test]
async fn a_download_streams_with_progress_and_a_503_first_is_retried() {
    let (base, hits) = serve(|n| {
        if n == 1 {
            return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
        }
        file()
    })
    .await;
    let c = client(&base, manual());
    let seen: Calls = Arc::default();
    let s = seen.clone();
    let mut body = DownloadCall::new(&c, Request::new(&FILE, "/file".into()))
        .idle_timeout(None) // a ManualClock's sleeps end at once
        .on_progress(move |got, total| s.lock().unwrap().push((got, total)))
        .await
        .unwrap();
    assert_eq!(body.total(), Some((CHUNK * CHUNKS) as u64));
    let mut offset = 0usize;
    let mut largest = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        largest = largest.max(chunk.len());
        assert!(chunk
            .iter()
            .enumerate()
            .all(|(i, b)| *b == byte(offset + i)));
        offset += chunk.len();
    }
    assert_eq!(offset, CHUNK * CHUNKS);
    assert_eq!(body.received(), offset as u64);
    assert!(
        largest < 1024 * 1024,
        "chunks as they arrive, not one buffer"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "progress only grows"
    );
    assert_eq!(seen.last(), Some(&(offset as u64, Some(offset as u64))));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
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
async fn a_stalled_download_trips_the_idle_timeout() {
    let (base, _) = serve(|_| {
        let first = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"abc"))]);
        Response::new(Body::from_stream(first.chain(futures::stream::pending())))
    })
    .await;
    let gate = Gate(tokio::sync::watch::channel(false).0);
    let time = TimeSource {
        sleeper: Arc::new(gate.clone()),
        jitter: Arc::new(FixedJitter(0.5)),
        ..TimeSource::default()
    };
    let c = client(&base, time);
    let mut body = DownloadCall::new(&c, Request::new(&FILE, "/file".into()))
        .idle_timeout(Some(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(body.next().await.unwrap().unwrap(), "abc");
    gate.0.send_replace(true);
    let e = body.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("after 3 bytes"), "{}", e.message());
    assert!(body.next().await.is_none());
}

#[tokio::test]
async fn a_body_cut_short_is_an_error() {
    let (base, hits) = serve(|_| {
        let cut = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"abc"))])
            .chain(futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(std::io::Error::other("reset"))
            }));
        Response::builder()
            .header(header::CONTENT_LENGTH, "100")
            .body(Body::from_stream(cut))
            .unwrap()
    })
    .await;
    let c = client(&base, manual());
    let body = DownloadCall::new(&c, Request::new(&FILE, "/file".into()))
        .idle_timeout(None)
        .await
        .unwrap();
    let items: Vec<_> = body.collect().await;
    let e = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("not restarted"), "{}", e.message());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
