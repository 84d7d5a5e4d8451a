//! Reliability rules end to end against wiremock on loopback: retries per status, Retry-After
//! in every form, x-should-retry, terminal codes, idempotency keys, no unsafe resend, the
//! retry budget, the circuit breaker, the rate limiter, the total deadline, health, and
//! secrets kept out of traces and errors.
//!
//! Every client uses a [`ManualClock`] with jitter pinned at 0.5, so nothing really sleeps and
//! every delay is asserted exactly through `ManualClock::sleeps()`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::auth::{ApiKeyLocation, SchemeKind};
use sturdy_runtime::breaker::{BreakerConfig, CircuitState};
use sturdy_runtime::budget::RetryBudget;
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{
    ApiMeta, Client, ClientBuilder, Credential, ErrorKind, HealthState, Method, OperationMeta,
    RawResponse, Request, RequestOptions, RetryPolicy, RetryRules, SecurityScheme, Sent,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as WmRequest, ResponseTemplate};

#[path = "support/traces.rs"]
mod traces;

static GET_PET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}");
static CREATE_PET: OperationMeta =
    OperationMeta::new("createPet", Method::Post, "/pets").idempotency_header("Idempotency-Key");
static POST_NO_KEY: OperationMeta = OperationMeta::new("sendMessage", Method::Post, "/messages");
static QUOTA_OP: OperationMeta =
    OperationMeta::new("complete", Method::Get, "/complete").retry(RetryRules {
        terminal_codes: &["insufficient_quota"],
        ..RetryRules::NONE
    });

const START: u64 = 1_700_000_000;

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(START))
}

fn builder(server: &MockServer, clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.5))
}

async fn get(client: &Client) -> Result<RawResponse, sturdy_runtime::Error> {
    client
        .execute(
            Request::new(&GET_PET, "/pets/1".into()),
            RequestOptions::new(),
        )
        .await
}

async fn received(server: &MockServer) -> Vec<WmRequest> {
    server.received_requests().await.unwrap_or_default()
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|m| Duration::from_millis(*m)).collect()
}

/// Fails `times` times with `template`, then answers 200.
async fn fail_then_ok(server: &MockServer, p: &str, times: u64, template: ResponseTemplate) {
    Mock::given(path(p))
        .respond_with(template)
        .up_to_n_times(times)
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
async fn retried_statuses_use_three_attempts_with_exact_backoff() {
    for status in [408u16, 429, 500, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(path("/pets/1"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let clock = clock();
        let client = builder(&server, &clock).build().unwrap();
        let err = get(&client).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.attempts(), 3, "{status}");
        assert!(err.is_retryable(), "{status}");
        let reqs = received(&server).await;
        assert_eq!(reqs.len(), 3, "{status} must be tried 3 times");
        // 0.5 jitter of 0.5 s and 1 s.
        assert_eq!(clock.sleeps(), ms(&[250, 500]), "{status}");
        let counts: Vec<Option<String>> = reqs
            .iter()
            .map(|r| {
                r.headers
                    .get("x-sturdy-retry-count")
                    .map(|v| v.to_str().unwrap().to_owned())
            })
            .collect();
        assert_eq!(counts, vec![None, Some("1".into()), Some("2".into())]);
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 401, 403, 404, 409, 422] {
        let server = MockServer::start().await;
        Mock::given(path("/pets/1"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let clock = clock();
        let client = builder(&server, &clock).build().unwrap();
        let err = get(&client).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(
            received(&server).await.len(),
            1,
            "{status} must not be retried"
        );
        assert!(!err.is_retryable());
        assert!(clock.sleeps().is_empty());
    }
}

#[tokio::test]
async fn a_retry_that_succeeds_returns_the_response() {
    let server = MockServer::start().await;
    fail_then_ok(&server, "/pets/1", 2, ResponseTemplate::new(503)).await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let ok = get(&client).await.unwrap();
    assert_eq!((ok.status, ok.attempts), (200, 3));
    assert_eq!(client.health().state, HealthState::Healthy);
}

#[tokio::test]
async fn retry_after_in_seconds_date_and_ms() {
    let date = chrono_date(START + 3);
    for (header, value, expected) in [
        ("retry-after", "2".to_owned(), Duration::from_secs(2)),
        ("retry-after", date, Duration::from_secs(3)),
        (
            "retry-after-ms",
            "1500".to_owned(),
            Duration::from_millis(1500),
        ),
    ] {
        let server = MockServer::start().await;
        fail_then_ok(
            &server,
            "/pets/1",
            1,
            ResponseTemplate::new(429).insert_header(header, value.as_str()),
        )
        .await;
        let clock = clock();
        let client = builder(&server, &clock).build().unwrap();
        let ok = get(&client).await.unwrap();
        assert_eq!(ok.attempts, 2);
        assert_eq!(clock.sleeps(), vec![expected], "{header}: {value}");
    }
}

fn chrono_date(epoch: u64) -> String {
    let t = sturdy_runtime::chrono::DateTime::from_timestamp(epoch as i64, 0).unwrap();
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[tokio::test]
async fn a_wait_longer_than_the_cap_is_returned_not_slept() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let err = get(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(received(&server).await.len(), 1);
    assert!(clock.sleeps().is_empty(), "no sleep, no silent shortening");
    assert_eq!(client.health().state, HealthState::RateLimited);
    // The limiter holds the client for the 60 s cap, not the 120 s asked: the next call
    // waits the cap, then probes (and is told the provider's wait again).
    let err = get(&client).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.sent()),
        (ErrorKind::RateLimited, Sent::Yes)
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(received(&server).await.len(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(60)]);
    // A smaller per-call cap applies as well.
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "2"))
        .mount(&server)
        .await;
    let clock2 = self::clock();
    let client = builder(&server, &clock2).build().unwrap();
    let err = client
        .execute(
            Request::new(&GET_PET, "/pets/1".into()),
            RequestOptions::new().retry(RetryPolicy::new().max_retry_after(Duration::from_secs(1))),
        )
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(received(&server).await.len(), 1);
    assert!(clock2.sleeps().is_empty());
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(503).insert_header("x-should-retry", "false"))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let err = get(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(!err.is_retryable());
    assert_eq!(received(&server).await.len(), 1);

    let server = MockServer::start().await;
    fail_then_ok(
        &server,
        "/pets/1",
        1,
        ResponseTemplate::new(400).insert_header("x-should-retry", "true"),
    )
    .await;
    let client = builder(&server, &clock).build().unwrap();
    assert_eq!(get(&client).await.unwrap().attempts, 2);
}

#[tokio::test]
async fn stripe_should_retry_overrides_the_status() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(500).insert_header("stripe-should-retry", "false"))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let err = get(&client).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(received(&server).await.len(), 1);

    let server = MockServer::start().await;
    fail_then_ok(
        &server,
        "/pets/1",
        1,
        ResponseTemplate::new(409).insert_header("Stripe-Should-Retry", "true"),
    )
    .await;
    let client = builder(&server, &clock).build().unwrap();
    assert_eq!(get(&client).await.unwrap().attempts, 2);
}

#[tokio::test]
async fn terminal_codes_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/complete"))
        .respond_with(ResponseTemplate::new(429).set_body_string(
            r#"{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}"#,
        ))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let err = client
        .execute(
            Request::new(&QUOTA_OP, "/complete".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.provider_code(), Some("insufficient_quota"));
    assert_eq!(
        err.provider_message(),
        Some("You exceeded your current quota")
    );
    assert!(!err.is_retryable());
    assert_eq!(received(&server).await.len(), 1);
}

fn keys(reqs: &[WmRequest]) -> Vec<String> {
    reqs.iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn one_idempotency_key_on_every_attempt() {
    let server = MockServer::start().await;
    fail_then_ok(&server, "/pets", 2, ResponseTemplate::new(503)).await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    let call = || {
        client.execute(
            Request::new(&CREATE_PET, "/pets".into()).json(&serde_json::json!({"name": "rex"})),
            RequestOptions::new(),
        )
    };
    let ok = call().await.unwrap();
    let ks = keys(&received(&server).await);
    assert_eq!(ks.len(), 3);
    assert!(ks.iter().all(|k| k == &ks[0]), "{ks:?}");
    assert_eq!(uuid::Uuid::parse_str(&ks[0]).unwrap().get_version_num(), 4);
    assert_eq!(ok.idempotency_key.as_deref(), Some(ks[0].as_str()));

    // A second call gets a new key; the error carries it too.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let err = call().await.unwrap_err();
    let ks2 = keys(&received(&server).await);
    assert_eq!(ks2.len(), 3);
    assert!(ks2.iter().all(|k| k == &ks2[0]));
    assert_ne!(ks2[0], ks[0]);
    assert_eq!(err.idempotency_key(), Some(ks2[0].as_str()));
    // One correlation id per call too, on every attempt, and on the error.
    let corr: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("x-correlation-id")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(corr.iter().all(|c| c == &corr[0]), "{corr:?}");
    assert_eq!(err.correlation_id(), Some(corr[0].as_str()));
    assert_eq!((err.operation_id(), err.method()), ("createPet", "POST"));
    assert!(err.url().unwrap().ends_with("/pets"));
}

#[tokio::test]
async fn the_callers_key_is_never_overwritten() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .circuit_breaker(BreakerConfig::disabled())
        .build()
        .unwrap();
    let cases: [(Request, RequestOptions, &str); 3] = [
        (
            Request::new(&CREATE_PET, "/pets".into()),
            RequestOptions::new().idempotency_key("opt-key"),
            "opt-key",
        ),
        (
            Request::new(&CREATE_PET, "/pets".into()).header("Idempotency-Key", "param-key"),
            RequestOptions::new(),
            "param-key",
        ),
        (
            Request::new(&CREATE_PET, "/pets".into()),
            RequestOptions::new().header("idempotency-key", "extra-key"),
            "extra-key",
        ),
    ];
    for (req, opts, want) in cases {
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        let err = client.execute(req, opts).await.unwrap_err();
        let ks = keys(&received(&server).await);
        assert_eq!(ks, vec![want.to_owned(); 3]);
        assert_eq!(err.idempotency_key(), Some(want));
    }
}

#[tokio::test]
async fn a_keyless_post_is_not_resent_once_it_may_have_been_sent() {
    let server = MockServer::start().await;
    Mock::given(path("/messages"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client
        .execute(
            Request::new(&POST_NO_KEY, "/messages".into()).json("hi"),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.sent(), Sent::Maybe);
    assert_eq!(err.idempotency_key(), None);
    assert_eq!(received(&server).await.len(), 1, "never resent");
    assert!(
        err.is_retryable(),
        "a timeout is retryable in kind; resending is the caller's call"
    );
    assert!(clock.sleeps().is_empty());

    // A 503 answer was sent too: not resent either.
    let server = MockServer::start().await;
    Mock::given(path("/messages"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server, &clock).build().unwrap();
    let err = client
        .execute(
            Request::new(&POST_NO_KEY, "/messages".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_refused_connection_sent_nothing_and_is_retried_even_for_post() {
    // Bind then drop a listener: nothing listens on the port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = clock();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .time_source(clock.time_source(0.5))
        .build()
        .unwrap();
    let err = client
        .execute(
            Request::new(&POST_NO_KEY, "/messages".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Connect, Sent::No));
    assert_eq!(err.attempts(), 3);
    assert_eq!(clock.sleeps(), ms(&[250, 500]));
    assert_eq!(client.health().state, HealthState::Degraded);
}

#[tokio::test]
async fn the_total_deadline_cuts_an_attempt_in_flight() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .attempt_timeout(Duration::from_secs(30))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("total deadline"), "{err}");
    assert_eq!(err.attempts(), 1, "no retry past the deadline");
    assert_eq!(received(&server).await.len(), 1);

    // A wait that would pass the deadline is not slept either (per-call deadline).
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "5"))
        .mount(&server)
        .await;
    let clock = self::clock();
    let client = builder(&server, &clock).build().unwrap();
    let err = client
        .execute(
            Request::new(&GET_PET, "/pets/1".into()),
            RequestOptions::new().timeout(Duration::from_secs(4)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(clock.sleeps().is_empty());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn the_retry_budget_stops_retrying() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string(r#"{"error":{"code":"overloaded","message":"busy"}}"#),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .retry_budget(Some(RetryBudget::new().capacity(10)))
        .circuit_breaker(BreakerConfig::disabled())
        .build()
        .unwrap();
    let shared = client.clone();
    // First call: two retries at 5 tokens each empty the bucket.
    let err = get(&client).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Server, 3));
    assert_eq!(client.retry_budget().unwrap().available(), 0);
    // A clone shares the bucket: its call fails after one attempt, keeping the last status.
    let err = get(&shared).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExhausted);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.provider_code(), Some("overloaded"));
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.sent(), Sent::Yes);
    assert_eq!(received(&server).await.len(), 4);
    assert_eq!(client.health().state, HealthState::Degraded);
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_and_closes_after_a_good_probe() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .retry(RetryPolicy::none())
        .circuit_breaker(
            BreakerConfig::new()
                .threshold(3)
                .cool_down(Duration::from_secs(30))
                .half_open_probes(1),
        )
        .build()
        .unwrap();
    let host = server.uri().trim_start_matches("http://").to_owned();
    for _ in 0..3 {
        assert_eq!(get(&client).await.unwrap_err().status(), Some(503));
    }
    assert_eq!(client.circuit_state(&host), CircuitState::Open);
    let err = get(&client).await.unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::CircuitOpen, Sent::No));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(received(&server).await.len(), 3, "fail fast: nothing sent");
    let health = client.health();
    assert_eq!(health.state, HealthState::CircuitOpen);
    assert_eq!(health.circuits, vec![(host.clone(), "open")]);

    clock.advance(Duration::from_secs(30));
    assert_eq!(client.circuit_state(&host), CircuitState::HalfOpen);
    let ok = get(&client).await.unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(client.circuit_state(&host), CircuitState::Closed);
    assert_eq!(client.health().state, HealthState::Healthy);
    assert_eq!(received(&server).await.len(), 4);
}

#[tokio::test]
async fn the_client_side_limiter_spaces_calls() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).rate_limit(2.0, 1).build().unwrap();
    let other = client.clone();
    get(&client).await.unwrap();
    get(&other).await.unwrap();
    get(&client).await.unwrap();
    assert_eq!(clock.sleeps(), ms(&[500, 500]));
    assert!(Client::builder()
        .base_url(server.uri())
        .rate_limit(0.0, 1)
        .build()
        .is_err());
}

#[tokio::test]
async fn the_limiter_follows_the_providers_headers() {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", (START + 7).to_string().as_str()),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/pets/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ratelimit", "limit=100, remaining=0, reset=3"),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(3)
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock).build().unwrap();
    get(&client).await.unwrap();
    assert_eq!(client.health().state, HealthState::RateLimited);
    get(&client).await.unwrap(); // waits for GitHub-style reset at START+7
    get(&client).await.unwrap(); // waits for the IETF reset=3
    get(&client).await.unwrap(); // no wait
    assert_eq!(clock.sleeps(), ms(&[7000, 3000]));
    assert_eq!(client.health().state, HealthState::Healthy);
}

static SCHEMES: &[SecurityScheme] = &[
    SecurityScheme {
        name: "hdr",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "x-api-key",
        },
    },
    SecurityScheme {
        name: "qry",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Query,
            name: "api_key",
        },
    },
    SecurityScheme {
        name: "bearer",
        kind: SchemeKind::Bearer,
    },
];
static SECURED: OperationMeta =
    OperationMeta::new("getSecret", Method::Get, "/secret").security(&[&["hdr", "qry", "bearer"]]);

const CANARY_HEADER: &str = "CANARYhdr7f3a9";
const CANARY_QUERY: &str = "CANARYqry9c2b1";
const CANARY_BEARER: &str = "CANARYbearer55e";

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
async fn secrets_never_reach_traces_or_errors() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = traces::scoped(subscriber);

    let server = MockServer::start().await;
    Mock::given(path("/secret"))
        .respond_with(ResponseTemplate::new(500).set_body_string(r#"{"message":"boom"}"#))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .api(ApiMeta {
            security_schemes: SCHEMES,
            ..ApiMeta::default()
        })
        .credential("hdr", Credential::token(CANARY_HEADER))
        .credential("qry", Credential::token(CANARY_QUERY))
        .credential("bearer", Credential::token(CANARY_BEARER))
        .build()
        .unwrap();
    let err = client
        .execute(
            Request::new(&SECURED, "/secret".into()).query("page", &2),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();

    // The secrets really were sent, so the test can fail.
    let reqs = received(&server).await;
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].headers.get("x-api-key").unwrap(), CANARY_HEADER);
    assert_eq!(
        reqs[0]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Bearer {CANARY_BEARER}")
    );
    assert!(reqs[0].url.query().unwrap().contains(CANARY_QUERY));

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("sturdy.call") && logs.contains("sturdy.attempt"),
        "spans were captured"
    );
    assert!(
        logs.contains("api_key=%5Bredacted%5D") || logs.contains("api_key=[redacted]"),
        "{logs}"
    );
    assert!(logs.contains("page=2"));
    let debug = format!("{err:?}");
    let display = format!("{err}");
    let health = format!("{:?}", client.health());
    let client_debug = format!("{client:?}");
    for text in [&logs, &debug, &display, &health, &client_debug] {
        for canary in [CANARY_HEADER, CANARY_QUERY, CANARY_BEARER] {
            assert!(
                !text.contains(canary),
                "secret {canary} leaked into:\n{text}"
            );
        }
    }
    assert!(
        err.url().unwrap().contains("api_key=%5Bredacted%5D"),
        "{:?}",
        err.url()
    );
    assert!(
        display.contains("server") && display.contains("HTTP 500"),
        "{display}"
    );
}

#[tokio::test]
async fn a_401_after_a_forced_refresh_needs_reauth() {
    let server = MockServer::start().await;
    Mock::given(path("/secret"))
        .respond_with(ResponseTemplate::new(401).set_body_string(r#"{"error":"invalid_token"}"#))
        .mount(&server)
        .await;
    let clock = clock();
    let client = builder(&server, &clock)
        .api(ApiMeta {
            security_schemes: SCHEMES,
            ..ApiMeta::default()
        })
        .credential("hdr", Credential::token("a"))
        .credential("qry", Credential::token("b"))
        .credential(
            "bearer",
            Credential::provider_fn(|_| async { Ok("c".to_owned().into()) }),
        )
        .build()
        .unwrap();
    let err = client
        .execute(
            Request::new(&SECURED, "/secret".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        received(&server).await.len(),
        2,
        "one forced refresh, then give up"
    );
    let health = client.health();
    assert_eq!(health.state, HealthState::NeedsReauth);
    let last = health.last_error.unwrap();
    assert_eq!(
        (last.kind, last.status),
        (ErrorKind::Unauthorized, Some(401))
    );
    assert_eq!(last.provider_code.as_deref(), Some("invalid_token"));
    assert_eq!(last.operation_id, "getSecret");
}
