//! Uploads: 64 MiB from a file and from a stream reach a loopback axum server intact while
//! the process never holds them (a counting allocator measures the peak), progress ends at
//! the total, a stalled stream trips its stall timeout (manual clock), a 503 after the body
//! was sent is retried for a file and not for a one-shot stream, a refused connection
//! retries a stream, and a signer that signs the body refuses a streamed one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::put;
use axum::Router;
use bytes::Bytes;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use sturdy_runtime::auth::signing::RequestSigner;
use sturdy_runtime::time::{ManualClock, TimeSource};
use sturdy_runtime::transport::mock::{MockResponse, MockTransport};
use sturdy_runtime::{
    Client, ClientBuilder, ErrorKind, Method, OperationMeta, Part, Request, RequestOptions, Sent,
    UploadBody,
};

/// Counts the bytes allocated now and at the peak, process-wide.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = CURRENT.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The tests of this binary run one at a time, so the peak is one upload's.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

static PUT: OperationMeta = OperationMeta::new("putObject", Method::Put, "/up");

const MIB: usize = 1024 * 1024;
const BIG: usize = 64 * MIB;
const PIECE: usize = 64 * 1024;

/// Piece `i` of a known pattern.
fn piece(i: usize) -> Bytes {
    Bytes::from(
        (0..PIECE)
            .map(|j| ((i * PIECE + j) % 251) as u8)
            .collect::<Vec<_>>(),
    )
}

fn pattern_digest(len: usize) -> String {
    let mut h = Sha256::new();
    for i in 0..len / PIECE {
        h.update(piece(i));
    }
    hex::encode(h.finalize())
}

/// What the server received: (bytes, sha256, content-length header) per request.
type Seen = Arc<Mutex<Vec<(usize, String, Option<String>)>>>;

/// A server that hashes each body as it arrives (never holding it), then answers
/// `status(n)` to the n-th request.
async fn serve(status: fn(u32) -> StatusCode) -> (String, Seen, Arc<AtomicU32>) {
    let seen: Seen = Arc::default();
    let hits = Arc::new(AtomicU32::new(0));
    let (s, h) = (seen.clone(), hits.clone());
    let app = Router::new().route(
        "/up",
        put(move |headers: HeaderMap, body: Body| {
            let (s, h) = (s.clone(), h.clone());
            async move {
                let mut stream = body.into_data_stream();
                let (mut n, mut sha) = (0usize, Sha256::new());
                while let Some(chunk) = stream.next().await {
                    let Ok(chunk) = chunk else {
                        // The client broke the body off (a stall): nothing is recorded.
                        return StatusCode::BAD_REQUEST;
                    };
                    n += chunk.len();
                    sha.update(&chunk);
                }
                let len = headers
                    .get("content-length")
                    .map(|v| v.to_str().unwrap().to_owned());
                s.lock()
                    .unwrap()
                    .push((n, hex::encode(sha.finalize()), len));
                status(h.fetch_add(1, Ordering::SeqCst) + 1)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen, hits)
}

fn client(base: &str, time: Option<TimeSource>) -> Client {
    let b = Client::builder().base_url(base);
    match time {
        Some(t) => b.time_source(t),
        None => b,
    }
    .build()
    .unwrap()
}

/// A client builder whose requests go to `mock`.
fn on_mock(mock: &MockTransport) -> ClientBuilder {
    Client::builder()
        .base_url("https://api.example.com")
        .transport(Arc::new(mock.clone()))
}

fn manual() -> (ManualClock, TimeSource) {
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let time = clock.time_source(0.5);
    (clock, time)
}

type Calls = Arc<Mutex<Vec<(u64, Option<u64>)>>>;

fn with_progress(body: UploadBody) -> (UploadBody, Calls) {
    let calls: Calls = Arc::default();
    let c = calls.clone();
    (
        body.progress(move |p| c.lock().unwrap().push((p.sent, p.total))),
        calls,
    )
}

fn assert_progress(calls: &Calls, total: u64) {
    let calls = calls.lock().unwrap();
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "monotonic");
    assert!(calls.iter().all(|c| c.1 == Some(total)));
    assert_eq!(calls.last().copied(), Some((total, Some(total))));
}

/// A temporary file of `len` pattern bytes, written piece by piece.
fn pattern_file(name: &str, len: usize) -> std::path::PathBuf {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("sturdy-uploads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    for i in 0..len / PIECE {
        f.write_all(&piece(i)).unwrap();
    }
    path
}

/// Runs `upload` and returns the peak of memory allocated above what was allocated before.
async fn peak_during<F: std::future::Future>(upload: F) -> (F::Output, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = upload.await;
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_mib_from_a_file_and_a_stream_arrive_intact_without_being_held() {
    let _serial = SERIAL.lock().await;
    let (base, seen, _) = serve(|_| StatusCode::OK).await;
    let client = client(&base, None);
    let want = pattern_digest(BIG);
    let path = pattern_file("big.bin", BIG);

    let (body, calls) = with_progress(UploadBody::from_file(&path).unwrap());
    let req = Request::new(&PUT, "/up".into()).upload("application/octet-stream", body);
    let (res, peak) = peak_during(client.execute(req, RequestOptions::new())).await;
    assert_eq!(res.unwrap().status, 200);
    assert!(
        peak < 8 * MIB,
        "a 64 MiB file upload held {peak} bytes at its peak"
    );
    assert_progress(&calls, BIG as u64);

    let stream = futures::stream::iter(0..BIG / PIECE).map(|i| Ok(piece(i)));
    let (body, calls) = with_progress(UploadBody::from_stream(stream).length(BIG as u64));
    let req = Request::new(&PUT, "/up".into()).upload("application/octet-stream", body);
    let (res, peak) = peak_during(client.execute(req, RequestOptions::new())).await;
    assert_eq!(res.unwrap().status, 200);
    assert!(
        peak < 8 * MIB,
        "a 64 MiB stream upload held {peak} bytes at its peak"
    );
    assert_progress(&calls, BIG as u64);

    let big = Some(BIG.to_string());
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(BIG, want.clone(), big.clone()), (BIG, want, big)]
    );
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_stream_of_unknown_length_is_sent_chunked() {
    let _serial = SERIAL.lock().await;
    let (base, seen, _) = serve(|_| StatusCode::OK).await;
    let stream = futures::stream::iter(0..3).map(|i| Ok(piece(i)));
    let req = Request::new(&PUT, "/up".into())
        .upload("application/octet-stream", UploadBody::from_stream(stream));
    let raw = client(&base, None)
        .execute(req, RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(3 * PIECE, pattern_digest(3 * PIECE), None)]
    );
}

#[tokio::test]
async fn a_503_after_the_body_was_sent_is_retried_for_a_file_not_for_a_stream() {
    let _serial = SERIAL.lock().await;
    let busy_once = |n| match n {
        1 | 3 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    };
    let (base, seen, hits) = serve(busy_once).await;
    let (_clock, time) = manual();
    let client = client(&base, Some(time));
    let path = pattern_file("small.bin", 4 * PIECE);

    let (body, calls) = with_progress(UploadBody::from_file(&path).unwrap());
    let req = Request::new(&PUT, "/up".into()).upload("application/octet-stream", body);
    let raw = client.execute(req, RequestOptions::new()).await.unwrap();
    assert_eq!((raw.status, raw.attempts), (200, 2));
    let total = 4 * PIECE as u64;
    assert_eq!(
        calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.0 == total)
            .count(),
        2,
        "each attempt sent the whole file"
    );

    let stream = futures::stream::iter(0..4).map(|i| Ok(piece(i)));
    let req = Request::new(&PUT, "/up".into())
        .upload("application/octet-stream", UploadBody::from_stream(stream));
    let err = client
        .execute(req, RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(hits.load(Ordering::SeqCst), 3, "the stream was sent once");
    assert_eq!((err.status(), err.attempts()), (Some(503), 1));
    assert_eq!(err.sent(), Sent::Yes);
    assert!(!err.is_retryable());
    assert!(
        err.message().contains("one-shot stream")
            && err
                .message()
                .contains(&format!("{total} of its bytes were already sent"))
            && err.message().contains("cannot be replayed"),
        "{}",
        err.message()
    );
    let digest = pattern_digest(4 * PIECE);
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|s| s.0 == 4 * PIECE && s.1 == digest));
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_refused_connection_before_sending_retries_a_stream() {
    let _serial = SERIAL.lock().await;
    let (_clock, time) = manual();
    let mock = MockTransport::new()
        .answer(MockResponse::refuse_connection())
        .answer(MockResponse::status(200));
    let client = on_mock(&mock).time_source(time).build().unwrap();
    let stream = futures::stream::iter([
        Ok(Bytes::from_static(b"abc")),
        Ok(Bytes::from_static(b"def")),
    ]);
    let req = Request::new(&PUT, "/up".into())
        .upload("application/octet-stream", UploadBody::from_stream(stream));
    let raw = client.execute(req, RequestOptions::new()).await.unwrap();
    assert_eq!((raw.status, raw.attempts), (200, 2));
    let sent: Vec<Bytes> = mock.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(sent, vec![Bytes::new(), Bytes::from_static(b"abcdef")]);
}

#[tokio::test]
async fn a_stalled_stream_trips_the_stall_timeout() {
    let _serial = SERIAL.lock().await;
    let (clock, time) = manual();
    let mock = MockTransport::new().clock(&clock);
    let client = on_mock(&mock).time_source(time).build().unwrap();
    let first = futures::stream::iter([Ok(Bytes::from_static(b"abc"))]);
    let stalled = first.chain(futures::stream::pending());
    let handed = Arc::new(tokio::sync::Notify::new());
    let h = handed.clone();
    let body = UploadBody::from_stream(stalled)
        .length(10)
        .stall_timeout(Duration::from_secs(5))
        .progress(move |_| h.notify_one());
    let req = Request::new(&PUT, "/up".into()).upload("application/octet-stream", body);
    let call = tokio::spawn(async move { client.execute(req, RequestOptions::new()).await });
    handed.notified().await;
    clock.advance(Duration::from_secs(5));
    let err = call.await.unwrap().unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
    assert_eq!(err.sent(), Sent::Maybe);
    assert!(
        err.message().starts_with(
            "the upload stalled: its source yielded nothing for 5.000s after 3 of 10 bytes"
        ) && err.message().contains("cannot be replayed"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn a_signer_that_signs_the_body_refuses_a_streamed_one_before_sending() {
    let _serial = SERIAL.lock().await;
    let mock = MockTransport::new();
    let signed = |signer: RequestSigner| on_mock(&mock).request_signer(signer).build().unwrap();
    let path = pattern_file("signed.bin", PIECE);
    let req = || {
        Request::new(&PUT, "/up".into()).upload(
            "application/octet-stream",
            UploadBody::from_file(&path).unwrap(),
        )
    };
    let err = signed(RequestSigner::new("k"))
        .execute(req(), RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.sent()),
        (ErrorKind::InvalidRequest, Sent::No)
    );
    assert!(
        err.message().contains("signs the body"),
        "{}",
        err.message()
    );
    assert!(mock.requests().is_empty(), "nothing was sent");

    let head_only = RequestSigner::new("k").template("{timestamp}.{method}.{path}");
    let raw = signed(head_only)
        .execute(req(), RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    let sent = &mock.requests()[0];
    assert!(sent.headers.contains_key("x-signature"));
    assert_eq!(sent.body.len(), PIECE);
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_multipart_file_part_is_streamed_with_a_known_length() {
    let _serial = SERIAL.lock().await;
    let mock = MockTransport::new();
    let client = on_mock(&mock).build().unwrap();
    let path = pattern_file("part.bin", 3 * PIECE);
    let (file, calls) = with_progress(UploadBody::from_file(&path).unwrap());
    let req = Request::new(&PUT, "/up".into()).multipart_parts(vec![
        Part::text("purpose", "backup"),
        Part::file("file", "part.bin", file).content_type("application/octet-stream"),
    ]);
    client.execute(req, RequestOptions::new()).await.unwrap();
    assert_progress(&calls, 3 * PIECE as u64);
    let sent = &mock.requests()[0];
    let ct = sent.header("content-type").unwrap();
    let b = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let mut want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbackup\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"part.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    for i in 0..3 {
        want.extend_from_slice(&piece(i));
    }
    want.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    assert_eq!(sent.body, want);
    assert_eq!(
        sent.header("content-length"),
        Some(want.len().to_string().as_str())
    );
    std::fs::remove_file(&path).unwrap();
}

#[derive(serde::Serialize)]
struct UploadFileBody {
    file: sturdy_runtime::types::Binary,
    purpose: String,
}

#[tokio::test]
async fn a_generated_multipart_model_sends_a_binary_upload_as_it_is_read() {
    let _serial = SERIAL.lock().await;
    let mock = MockTransport::new();
    let client = on_mock(&mock).build().unwrap();
    let stream = futures::stream::iter(0..2).map(|i| Ok(piece(i)));
    let (upload, calls) = with_progress(UploadBody::from_stream(stream).length(2 * PIECE as u64));
    let body = UploadFileBody {
        file: sturdy_runtime::types::Binary::upload(upload).filename("log.bin"),
        purpose: "logs".into(),
    };
    let req = Request::new(&PUT, "/up".into()).multipart(&body);
    client.execute(req, RequestOptions::new()).await.unwrap();
    assert_progress(&calls, 2 * PIECE as u64);
    let sent = &mock.requests()[0];
    let b = sent
        .header("content-type")
        .and_then(|c| c.strip_prefix("multipart/form-data; boundary="))
        .unwrap();
    let mut want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"log.bin\"\r\n\r\n"
    )
    .into_bytes();
    want.extend_from_slice(&piece(0));
    want.extend_from_slice(&piece(1));
    want.extend_from_slice(
        format!("\r\n--{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nlogs\r\n--{b}--\r\n")
            .as_bytes(),
    );
    assert_eq!(sent.body, want);
}

#[tokio::test]
async fn a_real_refused_connection_leaves_a_stream_unsent_and_retried() {
    let _serial = SERIAL.lock().await;
    // A port that was just free: nothing listens on it.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (_clock, time) = manual();
    let client = client(&format!("http://{addr}"), Some(time));
    let (body, calls) = with_progress(UploadBody::from_stream(
        futures::stream::iter(0..2).map(|i| Ok(piece(i))),
    ));
    let req = Request::new(&PUT, "/up".into()).upload("application/octet-stream", body);
    let err = client
        .execute(req, RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Connect, Sent::No));
    assert_eq!(
        err.attempts(),
        3,
        "the default policy's two retries were made"
    );
    assert!(!err.message().contains("replayed"), "{}", err.message());
    assert!(calls.lock().unwrap().is_empty(), "no byte was handed over");
}

#[tokio::test]
async fn a_stall_through_reqwest_is_reported_as_a_stalled_upload() {
    let _serial = SERIAL.lock().await;
    let (base, seen, _) = serve(|_| StatusCode::OK).await;
    let (clock, time) = manual();
    let client = client(&base, Some(time));
    let first = futures::stream::iter([Ok(piece(0))]);
    let handed = Arc::new(tokio::sync::Notify::new());
    let h = handed.clone();
    let body = UploadBody::from_stream(first.chain(futures::stream::pending()))
        .stall_timeout(Duration::from_secs(5))
        .progress(move |_| h.notify_one());
    let req = Request::new(&PUT, "/up".into()).upload("application/octet-stream", body);
    let call = tokio::spawn(async move { client.execute(req, RequestOptions::new()).await });
    handed.notified().await;
    clock.advance(Duration::from_secs(5));
    let err = call.await.unwrap().unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
    assert!(
        err.message().starts_with(&format!(
            "the upload stalled: its source yielded nothing for 5.000s after {PIECE} bytes"
        )) && err.message().contains("cannot be replayed"),
        "{}",
        err.message()
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "the server got no whole body"
    );
}
