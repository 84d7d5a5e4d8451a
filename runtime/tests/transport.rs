//! The transport seam: a swapped transport receives every attempt as the runtime built it
//! (headers, credentials marked sensitive, the encoded body), its failures are classified as
//! reqwest's are, and the attempt timeout runs on the client's injected timer, not tokio's.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sturdy_runtime::auth::{ApiKeyLocation, SchemeKind};
use sturdy_runtime::time::{FixedJitter, Sleeper, SystemClock, TimeSource};
use sturdy_runtime::transport::{
    ResponseBody, Transport, TransportError, TransportErrorKind, TransportFuture, TransportRequest,
    TransportResponse,
};
use sturdy_runtime::{
    ApiMeta, Client, Credential, ErrorKind, Method, OperationMeta, Request, RequestOptions,
    SecurityScheme, Sent,
};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    name: "key",
    kind: SchemeKind::ApiKey {
        location: ApiKeyLocation::Header,
        name: "x-api-key",
    },
}];
static CREATE: OperationMeta = OperationMeta::new("create", Method::Post, "/things")
    .idempotency_header("Idempotency-Key")
    .security(&[&["key"]]);
static GET: OperationMeta = OperationMeta::new("get", Method::Get, "/things/1");

/// Keeps every request and answers from a list of results (then `200`).
#[derive(Clone, Default)]
struct Scripted {
    seen: Arc<Mutex<Vec<TransportRequest>>>,
    answers: Arc<Mutex<Vec<Result<u16, TransportErrorKind>>>>,
}

impl Transport for Scripted {
    fn send(&self, request: TransportRequest) -> TransportFuture {
        self.seen.lock().unwrap().push(request);
        let mut answers = self.answers.lock().unwrap();
        let next = if answers.is_empty() {
            Ok(200)
        } else {
            answers.remove(0)
        };
        Box::pin(async move {
            match next {
                Ok(status) => Ok(TransportResponse::new(
                    status,
                    http::HeaderMap::new(),
                    ResponseBody::from_bytes("{}"),
                )),
                Err(kind) => Err(TransportError::new(kind, "scripted failure")),
            }
        })
    }
}

/// Sleeps complete at once; timers complete at once when `fire` is set, else never; every
/// duration asked for is recorded.
#[derive(Default, Clone)]
struct Instant {
    fire: bool,
    sleeps: Arc<Mutex<Vec<Duration>>>,
    timers: Arc<Mutex<Vec<Duration>>>,
}

impl Sleeper for Instant {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sleeps.lock().unwrap().push(d);
        Box::pin(std::future::ready(()))
    }
    fn timer(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.timers.lock().unwrap().push(d);
        if self.fire {
            Box::pin(std::future::ready(()))
        } else {
            Box::pin(std::future::pending())
        }
    }
}

fn client(transport: Arc<dyn Transport>, time: &Instant) -> Client {
    Client::builder()
        .base_url("https://api.example.com/v1")
        .api(ApiMeta {
            security_schemes: SCHEMES,
            ..ApiMeta::default()
        })
        .credential("key", Credential::token("sk_secret"))
        .transport(transport)
        .time_source(TimeSource {
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(time.clone()),
            jitter: Arc::new(FixedJitter(0.5)),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_swapped_transport_receives_every_attempt_as_built() {
    let transport = Scripted::default();
    transport.answers.lock().unwrap().push(Ok(503));
    let time = Instant::default();
    let client = client(Arc::new(transport.clone()), &time);
    let ok = client
        .execute(
            Request::new(&CREATE, "/things".into()).json(&serde_json::json!({"a": 1})),
            RequestOptions::new().header("x-extra", "1"),
        )
        .await
        .unwrap();
    assert_eq!((ok.status, ok.attempts), (200, 2));
    let seen = transport.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for (i, r) in seen.iter().enumerate() {
        assert_eq!(r.method, http::Method::POST);
        assert_eq!(r.url.as_str(), "https://api.example.com/v1/things");
        assert_eq!(&r.body[..], br#"{"a":1}"#);
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.headers["x-extra"], "1");
        assert_eq!(
            r.headers["idempotency-key"],
            ok.idempotency_key.as_deref().unwrap()
        );
        let key = &r.headers["x-api-key"];
        assert_eq!(key, "sk_secret");
        assert!(key.is_sensitive(), "credentials are marked sensitive");
        assert_eq!(
            r.headers
                .get("x-sturdy-retry-count")
                .map(|v| v.to_str().unwrap()),
            (i == 1).then_some("1")
        );
        assert!(!format!("{r:?}").contains("sk_secret"));
    }
    assert_eq!(
        *time.sleeps.lock().unwrap(),
        vec![Duration::from_millis(250)]
    );
}

#[tokio::test]
async fn transport_failures_are_classified_with_what_was_sent() {
    let cases = [
        (TransportErrorKind::Connect, ErrorKind::Connect, Sent::No),
        (TransportErrorKind::Network, ErrorKind::Network, Sent::Maybe),
        (TransportErrorKind::Timeout, ErrorKind::Timeout, Sent::Maybe),
        (TransportErrorKind::Redirect, ErrorKind::Status, Sent::Yes),
        (
            TransportErrorKind::InvalidRequest,
            ErrorKind::InvalidRequest,
            Sent::No,
        ),
    ];
    for (given, kind, sent) in cases {
        let transport = Scripted::default();
        transport.answers.lock().unwrap().extend([Err(given); 5]);
        let time = Instant::default();
        let client = client(Arc::new(transport.clone()), &time);
        // A keyless POST: resent only when nothing was sent.
        static POST: OperationMeta = OperationMeta::new("post", Method::Post, "/p");
        let err = client
            .execute(Request::new(&POST, "/p".into()), RequestOptions::new())
            .await
            .unwrap_err();
        assert_eq!((err.kind(), err.sent()), (kind, sent), "{given:?}");
        assert_eq!(err.message(), "scripted failure");
        let attempts = transport.seen.lock().unwrap().len();
        let retried = matches!(given, TransportErrorKind::Connect);
        assert_eq!(attempts, if retried { 3 } else { 1 }, "{given:?}");
    }
}

/// Never answers.
struct Silent;

impl Transport for Silent {
    fn send(&self, _request: TransportRequest) -> TransportFuture {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn the_attempt_timeout_runs_on_the_injected_timer() {
    let time = Instant {
        fire: true,
        ..Instant::default()
    };
    let client = client(Arc::new(Silent), &time);
    let err = client
        .execute(
            Request::new(&GET, "/things/1".into()),
            RequestOptions::new().attempt_timeout(Duration::from_secs(7)),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 3));
    assert_eq!(
        *time.timers.lock().unwrap(),
        vec![Duration::from_secs(7); 3]
    );
    assert_eq!(
        *time.sleeps.lock().unwrap(),
        vec![Duration::from_millis(250), Duration::from_millis(500)]
    );
}

#[tokio::test]
async fn a_multipart_body_reaches_the_transport_encoded() {
    static UPLOAD: OperationMeta = OperationMeta::new("upload", Method::Post, "/files");
    let transport = Scripted::default();
    let time = Instant::default();
    let client = client(Arc::new(transport.clone()), &time);
    client
        .execute(
            Request::new(&UPLOAD, "/files".into())
                .multipart(&serde_json::json!({"purpose": "fine-tune"})),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    let r = transport.seen.lock().unwrap()[0].clone();
    let ct = r.headers["content-type"].to_str().unwrap().to_owned();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let body = std::str::from_utf8(&r.body).unwrap();
    assert_eq!(
        body,
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\
             fine-tune\r\n--{boundary}--\r\n"
        )
    );
}

#[tokio::test]
async fn the_correlation_header_is_parsed_once_and_still_checked() {
    let time = Instant::default();
    let transport = Scripted::default();
    let build = |name: &str| {
        Client::builder()
            .base_url("https://api.example.com")
            .correlation_header(Some(name.to_owned()))
            .transport(Arc::new(transport.clone()))
            .time_source(TimeSource {
                clock: Arc::new(SystemClock),
                sleeper: Arc::new(time.clone()),
                jitter: Arc::new(FixedJitter(0.5)),
            })
            .build()
            .unwrap()
    };
    let get = |client: Client, id: &'static str| async move {
        client
            .execute(
                Request::new(&GET, "/things/1".into()),
                RequestOptions::new().correlation_id(id),
            )
            .await
    };
    get(build("X-Trace"), "t-1").await.unwrap();
    assert_eq!(transport.seen.lock().unwrap()[0].headers["x-trace"], "t-1");
    let err = get(build("bad name"), "t-2").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let err = get(build("x-trace"), "bad\nid").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(!err.message().contains("bad\nid"));
    assert_eq!(
        transport.seen.lock().unwrap().len(),
        1,
        "nothing sent after"
    );
}

/// Answers 200, then the body breaks after one chunk.
struct CutBody;

impl Transport for CutBody {
    fn send(&self, _request: TransportRequest) -> TransportFuture {
        Box::pin(async {
            let body = futures::stream::iter([
                Ok(bytes::Bytes::from_static(b"{\"a\":")),
                Err(TransportError::new(TransportErrorKind::Network, "reset")),
            ]);
            Ok(TransportResponse::new(
                200,
                http::HeaderMap::new(),
                ResponseBody::from_stream(body),
            ))
        })
    }
}

#[tokio::test]
async fn a_body_cut_mid_stream_is_a_network_failure_that_may_have_been_applied() {
    static POST: OperationMeta = OperationMeta::new("post", Method::Post, "/p");
    let time = Instant::default();
    let client = client(Arc::new(CutBody), &time);
    let err = client
        .execute(Request::new(&POST, "/p".into()), RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.sent()), (ErrorKind::Network, Sent::Maybe));
    assert_eq!(err.attempts(), 1, "a keyless POST is not resent");
}
