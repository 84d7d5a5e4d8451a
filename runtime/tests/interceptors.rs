//! Interceptors, driven by the mock transport: hooks run in registration order, headers they
//! add reach every attempt next to the runtime's own (credentials, idempotency key,
//! correlation id), they observe retries, and an error from any hook ends the call.

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderName, HeaderValue};
use sturdy_runtime::auth::{ApiKeyLocation, SchemeKind};
use sturdy_runtime::intercept::{
    AfterAttempt, BeforeAttempt, BeforeCall, BoxError, Interceptor, Outcome,
};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::transport::mock::{MockResponse, MockTransport, REDACTED};
use sturdy_runtime::{
    ApiMeta, Client, ClientBuilder, Credential, ErrorKind, Method, OperationMeta, RawResponse,
    Request, RequestOptions, SecurityScheme, Sent,
};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    name: "key",
    kind: SchemeKind::ApiKey {
        location: ApiKeyLocation::Header,
        name: "x-api-key",
    },
}];
static CREATE: OperationMeta = OperationMeta::new("createPet", Method::Post, "/pets")
    .idempotency_header("Idempotency-Key")
    .security(&[&["key"]]);

type Log = Arc<Mutex<Vec<String>>>;

/// Logs every hook as `name.hook(details)`; fails the hook named in `fail_on` at `fail_at`.
struct Recorder {
    name: &'static str,
    log: Log,
    fail_on: Option<(&'static str, u32)>,
}

impl Recorder {
    fn new(name: &'static str, log: &Log) -> Self {
        Self {
            name,
            log: log.clone(),
            fail_on: None,
        }
    }
    fn failing(mut self, hook: &'static str, attempt: u32) -> Self {
        self.fail_on = Some((hook, attempt));
        self
    }
    fn note(&self, hook: &'static str, attempt: u32, what: String) -> Result<(), BoxError> {
        self.log
            .lock()
            .unwrap()
            .push(format!("{}.{hook}({what})", self.name));
        if self.fail_on == Some((hook, attempt)) {
            return Err(format!("{} says no", self.name).into());
        }
        Ok(())
    }
}

impl Interceptor for Recorder {
    fn before_call(&self, call: &mut BeforeCall<'_>) -> Result<(), BoxError> {
        call.add_header(
            HeaderName::from_static("x-tenant"),
            HeaderValue::from_static("acme"),
        );
        self.note("before_call", 0, call.operation().id.to_owned())
    }
    fn before_attempt(&self, a: &mut BeforeAttempt<'_>) -> Result<(), BoxError> {
        // Sees what the runtime built: the key and the credential (marked sensitive).
        assert!(a.headers().contains_key("idempotency-key"));
        assert!(a.headers()["x-api-key"].is_sensitive());
        let n = a.attempt();
        a.headers_mut()
            .append("x-hooked", HeaderValue::from_static(self.name));
        self.note(
            "before_attempt",
            n,
            format!("{n} {} {}", a.method(), a.path()),
        )
    }
    fn after_attempt(&self, a: &AfterAttempt<'_>) -> Result<(), BoxError> {
        let what = match (a.status(), a.error()) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => e.kind().to_string(),
            (None, None) => "?".into(),
        };
        self.note(
            "after_attempt",
            a.attempt(),
            format!("{} {what}", a.attempt()),
        )
    }
    fn on_outcome(&self, o: &Outcome<'_>) {
        let what = match o.result() {
            Ok(r) => r.status.to_string(),
            Err(e) => e.kind().to_string(),
        };
        let _ = self.note("on_outcome", 0, format!("{} {what}", o.attempts()));
    }
}

fn builder(mock: &MockTransport, clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .base_url("https://api.example.com")
        .transport(Arc::new(mock.clone().clock(clock)))
        .time_source(clock.time_source(0.5))
        .api(ApiMeta {
            security_schemes: SCHEMES,
            ..ApiMeta::default()
        })
        .credential("key", Credential::token("sk_test"))
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

async fn create(client: &Client) -> Result<RawResponse, sturdy_runtime::Error> {
    client
        .execute(
            Request::new(&CREATE, "/pets".into()).json("rex"),
            RequestOptions::new(),
        )
        .await
}

fn log(l: &Log) -> Vec<String> {
    l.lock().unwrap().clone()
}

#[tokio::test]
async fn hooks_run_in_order_and_observe_every_retry() {
    let mock = MockTransport::new()
        .answer(MockResponse::status(503))
        .answer(MockResponse::drop_connection())
        .answer(MockResponse::status(201));
    let clock = clock();
    let l = Log::default();
    let client = builder(&mock, &clock)
        .interceptor(Recorder::new("a", &l))
        .interceptor(Recorder::new("b", &l))
        .build()
        .unwrap();
    let ok = create(&client).await.unwrap();
    assert_eq!((ok.status, ok.attempts), (201, 3));
    let mut want = vec![
        "a.before_call(createPet)".to_owned(),
        "b.before_call(createPet)".into(),
    ];
    for (n, seen) in [(1, "503"), (2, "network"), (3, "201")] {
        for who in ["a", "b"] {
            want.push(format!("{who}.before_attempt({n} POST /pets)"));
        }
        for who in ["a", "b"] {
            want.push(format!("{who}.after_attempt({n} {seen})"));
        }
    }
    want.push("a.on_outcome(3 201)".into());
    want.push("b.on_outcome(3 201)".into());
    assert_eq!(log(&l), want);
    // The retries still waited exactly as without interceptors.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(250), Duration::from_millis(500)]
    );
}

#[tokio::test]
async fn added_headers_reach_every_attempt_beside_the_runtimes_own() {
    let mock = MockTransport::new().otherwise(MockResponse::status(503));
    let clock = clock();
    let l = Log::default();
    let client = builder(&mock, &clock)
        .interceptor(Recorder::new("a", &l))
        .interceptor(Recorder::new("b", &l))
        .build()
        .unwrap();
    let err = create(&client).await.unwrap_err();
    assert_eq!(err.attempts(), 3);
    let seen = mock.requests();
    assert_eq!(seen.len(), 3);
    let key = err.idempotency_key().unwrap();
    for r in &seen {
        let tenants: Vec<_> = r.headers.get_all("x-tenant").iter().collect();
        assert_eq!(
            tenants,
            ["acme", "acme"],
            "one per interceptor's before_call"
        );
        let hooked: Vec<_> = r.headers.get_all("x-hooked").iter().collect();
        assert_eq!(hooked, ["a", "b"], "in registration order");
        assert_eq!(r.header("idempotency-key"), Some(key));
        assert_eq!(r.header("x-api-key"), Some(REDACTED));
        assert_eq!(r.header("x-correlation-id"), err.correlation_id());
    }
}

#[tokio::test]
async fn a_hook_error_ends_the_call_and_says_what_was_sent() {
    // before_call: nothing is sent; b's before_call does not run; every on_outcome does.
    let mock = MockTransport::new();
    let clock = clock();
    let l = Log::default();
    let client = builder(&mock, &clock)
        .interceptor(Recorder::new("a", &l).failing("before_call", 0))
        .interceptor(Recorder::new("b", &l))
        .build()
        .unwrap();
    let err = create(&client).await.unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Interceptor, Sent::No));
    assert!(err.message().contains("a says no"), "{err}");
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "a says no"
    );
    assert!(mock.requests().is_empty());
    assert_eq!(
        log(&l),
        [
            "a.before_call(createPet)",
            "a.on_outcome(0 interceptor)",
            "b.on_outcome(0 interceptor)"
        ]
    );

    // before_attempt on the retry: the first attempt was answered, the second not sent.
    let mock = MockTransport::new().otherwise(MockResponse::status(503));
    let l = Log::default();
    let client = builder(&mock, &clock)
        .interceptor(Recorder::new("a", &l).failing("before_attempt", 2))
        .build()
        .unwrap();
    let err = create(&client).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.sent()),
        (ErrorKind::Interceptor, Sent::Yes)
    );
    assert!(!err.is_retryable());
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(err.attempts(), 2);

    // after_attempt: no retry of a retryable 503.
    let mock = MockTransport::new().otherwise(MockResponse::status(503));
    let l = Log::default();
    let client = builder(&mock, &clock)
        .interceptor(Recorder::new("a", &l).failing("after_attempt", 1))
        .build()
        .unwrap();
    let err = create(&client).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.sent()),
        (ErrorKind::Interceptor, Sent::Yes)
    );
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(log(&l).last().unwrap(), "a.on_outcome(1 interceptor)");
}
