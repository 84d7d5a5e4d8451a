//! Spans a subscriber records, in a test binary of their own: tracing caches whether a
//! callsite is enabled, and a test that runs in parallel without a subscriber can leave a
//! span unrecorded in another test's subscriber.

use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::time::ManualClock;
use sturdy_runtime::transport::mock::{MockResponse, MockTransport};
use sturdy_runtime::{Client, Method, OperationMeta, Request, RequestOptions};

static GET_PET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}");

/// Spans a subscriber records still carry the latencies and the attempt count (they are
/// only skipped when no subscriber records the span), exact on the manual clock.
#[tokio::test]
async fn recorded_spans_carry_latency_and_attempts() {
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mock = MockTransport::new()
        .answer(MockResponse::status(503).delay(Duration::from_millis(40)))
        .answer(MockResponse::status(200).delay(Duration::from_millis(60)));
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = Client::builder()
        .base_url("https://api.example.com")
        .transport(std::sync::Arc::new(mock.clone().clock(&clock)))
        .time_source(clock.time_source(0.5))
        .build()
        .unwrap();
    let raw = client
        .execute(
            Request::new(&GET_PET, "/pets/1".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(raw.attempts, 2);

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    // A closing span's line names it last: the call's has no attempt in it.
    let closed = |attempt: bool| -> Vec<&str> {
        logs.lines()
            .filter(|l| l.contains(" close time.busy"))
            .filter(|l| l.contains("sturdy.attempt{") == attempt)
            .collect()
    };
    let attempts = closed(true);
    assert_eq!(attempts.len(), 2, "{logs}");
    assert!(attempts[0].contains("sturdy.latency_ms=40.0"), "{logs}");
    assert!(attempts[1].contains("sturdy.latency_ms=60.0"), "{logs}");
    let call = closed(false);
    assert_eq!(call.len(), 1, "{logs}");
    // 40 ms, the 250 ms backoff, 60 ms.
    assert!(call[0].contains("sturdy.attempts=2"), "{logs}");
    assert!(call[0].contains("sturdy.latency_ms=350.0"), "{logs}");
}
