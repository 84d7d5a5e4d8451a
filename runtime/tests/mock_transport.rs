//! The test kit's [`MockTransport`] (feature `test-util`): the reliability, idempotency and
//! timeout rules of `reliability.rs`, `idempotency.rs` and `call_semantics.rs` driven without
//! sockets (the socket versions stay), plus the kit's own promises: recording with secrets
//! redacted, per-call scripts, delays on the manual clock, dropped and refused connections.

use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::auth::{ApiKeyLocation, SchemeKind};
use sturdy_runtime::time::{Clock, ManualClock};
use sturdy_runtime::transport::mock::{MockResponse, MockTransport, REDACTED};
use sturdy_runtime::{
    ApiMeta, Client, ClientBuilder, Credential, ErrorKind, Method, OperationMeta, RawResponse,
    Request, RequestOptions, SecurityScheme, Sent,
};

static GET_PET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}");
static CREATE_PET: OperationMeta =
    OperationMeta::new("createPet", Method::Post, "/pets").idempotency_header("Idempotency-Key");
static POST_NO_KEY: OperationMeta = OperationMeta::new("sendMessage", Method::Post, "/messages");

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

fn builder(mock: &MockTransport, clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .base_url("https://api.example.com")
        .transport(std::sync::Arc::new(mock.clone().clock(clock)))
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

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|m| Duration::from_millis(*m)).collect()
}

fn header(mock: &MockTransport, name: &str) -> Vec<Option<String>> {
    mock.requests()
        .iter()
        .map(|r| r.header(name).map(str::to_owned))
        .collect()
}

/// `reliability.rs::retried_statuses_use_three_attempts_with_exact_backoff`, without sockets.
#[tokio::test]
async fn retried_statuses_use_three_attempts_with_exact_backoff() {
    for status in [408u16, 429, 500, 502, 503, 504] {
        let mock = MockTransport::new().otherwise(MockResponse::status(status));
        let clock = clock();
        let client = builder(&mock, &clock).build().unwrap();
        let err = get(&client).await.unwrap_err();
        assert_eq!((err.status(), err.attempts()), (Some(status), 3));
        assert!(err.is_retryable(), "{status}");
        assert_eq!(mock.requests().len(), 3);
        assert_eq!(clock.sleeps(), ms(&[250, 500]), "{status}");
        assert_eq!(
            header(&mock, "x-sturdy-retry-count"),
            vec![None, Some("1".into()), Some("2".into())]
        );
    }
}

/// `reliability.rs::one_idempotency_key_on_every_attempt`, without sockets.
#[tokio::test]
async fn one_idempotency_key_on_every_attempt() {
    let mock = MockTransport::new()
        .answer_call([MockResponse::status(503), MockResponse::status(503)])
        .otherwise(MockResponse::status(500));
    let clock = clock();
    let client = builder(&mock, &clock).build().unwrap();
    let call = || {
        client.execute(
            Request::new(&CREATE_PET, "/pets".into()).json(&serde_json::json!({"name": "rex"})),
            RequestOptions::new(),
        )
    };
    let first = call().await.unwrap_err();
    assert_eq!(
        first.status(),
        Some(500),
        "the script's two 503s, then `otherwise`"
    );
    let ks = header(&mock, "idempotency-key");
    assert_eq!(ks.len(), 3);
    assert!(ks.iter().all(|k| k.is_some() && k == &ks[0]), "{ks:?}");
    assert_eq!(first.idempotency_key(), ks[0].as_deref());
    assert_eq!(&mock.requests()[0].body[..], br#"{"name":"rex"}"#);

    // A second call gets a new key.
    let err = call().await.unwrap_err();
    let ks2 = header(&mock, "idempotency-key")[3..].to_vec();
    assert_eq!(ks2.len(), 3);
    assert!(ks2.iter().all(|k| k == &ks2[0]));
    assert_ne!(ks2[0], ks[0]);
    assert_eq!(err.idempotency_key(), ks2[0].as_deref());
}

/// `reliability.rs::a_keyless_post_is_not_resent_once_it_may_have_been_sent`: the attempt
/// times out on the manual clock, exactly at the attempt timeout.
#[tokio::test]
async fn a_keyless_post_is_not_resent_once_it_may_have_been_sent() {
    let mock =
        MockTransport::new().otherwise(MockResponse::status(200).delay(Duration::from_secs(5)));
    let clock = clock();
    let client = builder(&mock, &clock)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let start = clock.now();
    let err = client
        .execute(
            Request::new(&POST_NO_KEY, "/messages".into()).json("hi"),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Timeout, Sent::Maybe));
    assert_eq!(mock.requests().len(), 1, "never resent");
    assert!(clock.sleeps().is_empty());
    assert_eq!(clock.now() - start, Duration::from_millis(200));

    // A dropped connection may have been applied too: not resent.
    let mock = MockTransport::new().otherwise(MockResponse::drop_connection());
    let client = builder(&mock, &clock).build().unwrap();
    let err = client
        .execute(
            Request::new(&POST_NO_KEY, "/messages".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Network, Sent::Maybe));
    assert_eq!(mock.requests().len(), 1);

    // A refused connection sent nothing: resent even without a key.
    let mock = MockTransport::new()
        .answer(MockResponse::refuse_connection())
        .answer(MockResponse::status(201));
    let client = builder(&mock, &clock).build().unwrap();
    let ok = client
        .execute(
            Request::new(&POST_NO_KEY, "/messages".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!((ok.status, ok.attempts), (201, 2));
}

/// `idempotency.rs::a_write_that_takes_a_key_is_resent_with_the_same_key`, without sockets.
#[tokio::test]
async fn a_write_that_takes_a_key_is_resent_after_a_timeout_with_the_same_key() {
    let mock = MockTransport::new()
        .answer(MockResponse::status(200).delay(Duration::from_secs(30)))
        .answer(MockResponse::status(200).body("{}"));
    let clock = clock();
    let client = builder(&mock, &clock)
        .attempt_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let start = clock.now();
    let ok = client
        .execute(
            Request::new(&CREATE_PET, "/pets".into()).json("x"),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(ok.attempts, 2);
    let ks = header(&mock, "idempotency-key");
    assert_eq!(ks.len(), 2);
    assert_eq!(ks[0], ks[1]);
    assert_eq!(ok.idempotency_key, ks[0]);
    // One attempt timeout, then the backoff of 0.5 jitter of 0.5 s.
    assert_eq!(clock.sleeps(), ms(&[250]));
    assert_eq!(clock.now() - start, Duration::from_millis(1250));
}

/// `call_semantics.rs::attempt_timeout_bounds_each_attempt` and the whole call's deadline.
#[tokio::test]
async fn the_attempt_timeout_and_the_deadline_on_the_manual_clock() {
    let slow = || MockResponse::status(200).delay(Duration::from_secs(10));
    let mock = MockTransport::new().otherwise(slow());
    let clock = clock();
    let client = builder(&mock, &clock).build().unwrap();
    let start = clock.now();
    let err = client
        .execute(
            Request::new(&GET_PET, "/pets/1".into()),
            RequestOptions::new().attempt_timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 3));
    assert_eq!(clock.sleeps(), ms(&[250, 500]));
    assert_eq!(clock.now() - start, Duration::from_millis(3 * 100 + 750));

    let start = clock.now();
    let err = client
        .execute(
            Request::new(&GET_PET, "/pets/1".into()),
            RequestOptions::new().timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
    assert!(err.message().contains("total deadline"), "{err}");
    assert_eq!(clock.now() - start, Duration::from_millis(300));

    // A delay shorter than the timeout is waited out exactly, and answers.
    let mock = MockTransport::new().answer(MockResponse::status(204).delay(Duration::from_secs(2)));
    let client = builder(&mock, &clock).build().unwrap();
    let start = clock.now();
    assert_eq!(get(&client).await.unwrap().status, 204);
    assert_eq!(clock.now() - start, Duration::from_secs(2));
}

/// The same bounds with the client's default time source, where the attempt timeout is
/// tokio's own timer (armed once the attempt is pending): exact on tokio's paused clock.
#[tokio::test(start_paused = true)]
async fn the_attempt_timeout_and_the_deadline_on_the_real_timer() {
    let real = |mock: &MockTransport| {
        Client::builder()
            .base_url("https://api.example.com")
            .transport(std::sync::Arc::new(mock.clone()))
    };
    let slow =
        MockTransport::new().otherwise(MockResponse::status(200).delay(Duration::from_secs(10)));
    let client = real(&slow)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let post = || Request::new(&POST_NO_KEY, "/messages".into()).json("hi");
    let start = tokio::time::Instant::now();
    let err = client
        .execute(post(), RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.sent(), err.attempts()),
        (ErrorKind::Timeout, Sent::Maybe, 1)
    );
    assert_eq!(start.elapsed(), Duration::from_millis(200));

    let start = tokio::time::Instant::now();
    let err = client
        .execute(
            post(),
            RequestOptions::new().timeout(Duration::from_millis(150)),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
    assert!(err.message().contains("total deadline"), "{err}");
    assert_eq!(start.elapsed(), Duration::from_millis(150));

    // A delay shorter than the timeout is waited out exactly, and answers; an answer at once
    // needs no timer.
    let mock = MockTransport::new()
        .answer(MockResponse::status(204).delay(Duration::from_millis(199)))
        .answer(MockResponse::status(201));
    let client = real(&mock)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    assert_eq!(get(&client).await.unwrap().status, 204);
    assert_eq!(start.elapsed(), Duration::from_millis(199));
    assert_eq!(get(&client).await.unwrap().status, 201);
    assert_eq!(start.elapsed(), Duration::from_millis(199));
}

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    name: "key",
    kind: SchemeKind::ApiKey {
        location: ApiKeyLocation::Header,
        name: "x-api-key",
    },
}];
static SECURED: OperationMeta =
    OperationMeta::new("getSecret", Method::Get, "/secret").security(&[&["key"]]);

#[tokio::test]
async fn recordings_keep_no_secret() {
    let mock = MockTransport::new().answer(
        MockResponse::status(200)
            .header("x-request-id", "req_9")
            .json(&serde_json::json!({"ok": true})),
    );
    let clock = clock();
    let client = builder(&mock, &clock)
        .api(ApiMeta {
            security_schemes: SCHEMES,
            ..ApiMeta::default()
        })
        .credential("key", Credential::token("sk_live_CANARY"))
        .build()
        .unwrap();
    let ok = client
        .execute(
            Request::new(&SECURED, "/secret".into())
                .cookie("session", "CANARYcookie")
                .header("authorization", "Bearer CANARYbearer")
                .query("q", "1"),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(ok.request_id.as_deref(), Some("req_9"));
    assert_eq!(&ok.body[..], br#"{"ok":true}"#);
    let r = &mock.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/secret"));
    assert_eq!(r.header("x-api-key"), Some(REDACTED));
    assert_eq!(r.header("cookie"), Some(REDACTED));
    assert_eq!(r.header("authorization"), Some(REDACTED));
    assert!(!format!("{:?}", mock.requests()).contains("CANARY"));
}

#[tokio::test]
async fn a_new_call_drops_the_rest_of_the_last_calls_script() {
    let mock = MockTransport::new()
        .answer_call([MockResponse::status(200), MockResponse::status(503)])
        .answer_call([MockResponse::status(503), MockResponse::status(201)]);
    let clock = clock();
    let client = builder(&mock, &clock).build().unwrap();
    assert_eq!(get(&client).await.unwrap().status, 200);
    let second = get(&client).await.unwrap();
    assert_eq!((second.status, second.attempts), (201, 2));
    let third = get(&client).await.unwrap();
    assert_eq!(
        (third.status, third.attempts),
        (200, 1),
        "the default answer"
    );
}
