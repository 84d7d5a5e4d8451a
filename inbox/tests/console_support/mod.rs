//! What the console tests share: a seeded inbox, a served console, an OAuth2 client whose
//! token endpoint answers `invalid_grant`, and the accessibility checklist.

#![allow(dead_code)]

pub mod a11y;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use http::HeaderMap;
use sturdy_inbox::console::Console;
use sturdy_inbox::{HandlerError, Inbox, Receipt, StoredEvent, Worker};
use sturdy_runtime::auth::oauth2::{OAuth2, OAuth2Config};
use sturdy_runtime::auth::{SchemeKind, SecurityScheme};
use sturdy_runtime::time::{Clock, ManualClock};
use sturdy_runtime::webhooks::Verifier;
use sturdy_runtime::{ApiMeta, Client, Credential, Method, OperationMeta, Request, RequestOptions};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "operator-token-for-tests";
pub const SECRET: &str = "whsec_console_test";
/// Put into the dead letter's body and error, to show both are escaped.
pub const SCRIPT: &str = "<script>alert('x')</script>";

pub fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_767_323_040))
}

/// Ids of the seeded events.
pub struct Seeded {
    pub dead: i64,
    pub failed: i64,
    pub applied: i64,
    /// Set to make the handler succeed (the "bug fix" before a replay).
    pub fixed: Arc<AtomicBool>,
}

async fn receive(inbox: &Inbox, clock: &ManualClock, n: usize) -> i64 {
    let body = format!(r#"{{"id":"evt_{n}","type":"invoice.paid","n":{n},"note":"{SCRIPT}"}}"#);
    let v = Verifier::stripe([SECRET]).build().unwrap();
    let mut h: HeaderMap = v
        .sign(&format!("evt_{n}"), clock.system_now(), body.as_bytes())
        .unwrap();
    h.insert("authorization", "Bearer never-stored".parse().unwrap());
    h.insert("x-request-id", format!("req-{n}").parse().unwrap());
    match inbox.receive("stripe", &h, body.as_bytes()).await.unwrap() {
        Receipt::Stored { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

/// A worker whose handler fails (with [`SCRIPT`] in its error) for events 0 and 1 until
/// `fixed` is set.
pub fn worker(inbox: &Inbox, fixed: &Arc<AtomicBool>, max_attempts: u32) -> Worker {
    let fixed = fixed.clone();
    inbox
        .worker(move |e: StoredEvent| {
            let n = e.json().unwrap()["n"].as_u64().unwrap();
            let ok = n == 2 || fixed.load(Ordering::SeqCst);
            async move {
                if ok {
                    Ok(())
                } else {
                    Err(HandlerError::from(format!("downstream said no {SCRIPT}")))
                }
            }
        })
        .max_attempts(max_attempts)
        .backoff(Duration::from_secs(60), Duration::from_secs(600))
}

/// One dead letter, one failed event (to be retried), one applied.
pub async fn seed(inbox: &Inbox, clock: &ManualClock) -> Seeded {
    let fixed = Arc::new(AtomicBool::new(false));
    let dead = receive(inbox, clock, 0).await;
    worker(inbox, &fixed, 1).run_once().await.unwrap();
    let failed = receive(inbox, clock, 1).await;
    let applied = receive(inbox, clock, 2).await;
    worker(inbox, &fixed, 5).run_once().await.unwrap();
    Seeded {
        dead,
        failed,
        applied,
        fixed,
    }
}

pub fn sqlite_inbox(dir: &tempfile::TempDir, clock: &ManualClock) -> Inbox {
    let store = sturdy_inbox::SqliteStore::open(dir.path().join("inbox.db")).unwrap();
    inbox_over(store, clock)
}

pub fn inbox_over(store: impl sturdy_inbox::Store, clock: &ManualClock) -> Inbox {
    Inbox::builder(store)
        .provider("stripe", Verifier::stripe([SECRET]).build().unwrap())
        .clock(Arc::new(clock.clone()))
        .build()
}

/// Serves `console` on a loopback port; returns its base URL.
pub async fn serve(console: Console) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, console.router()).await.unwrap();
    });
    format!("http://{addr}")
}

static SCHEMES: [SecurityScheme; 1] = [SecurityScheme {
    name: "oauth",
    kind: SchemeKind::OAuth2 {
        token_url: None,
        authorization_url: None,
    },
}];
static API: ApiMeta = ApiMeta {
    name: "billing",
    version: "1",
    security_schemes: &SCHEMES,
    error_pointer: None,
    version_header: None,
};
static GET: OperationMeta =
    OperationMeta::new("getInvoice", Method::Get, "/invoice").security(&[&["oauth"]]);

/// A client whose token endpoint answers 400 `invalid_grant` (a revoked refresh token), and
/// the servers it talks to.
pub async fn revoked_client(clock: &ManualClock) -> (Client, MockServer) {
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"error": "invalid_grant", "error_description": "revoked"}),
        ))
        .mount(&s)
        .await;
    Mock::given(path("/invoice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&s)
        .await;
    let config = OAuth2Config::new(format!("{}/token", s.uri()), "console-app", "app-secret");
    let tokens = OAuth2::refresh_token(config, Some("rt-revoked".into()))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(s.uri())
        .api(API)
        .time_source(clock.time_source(0.0))
        .credential("oauth", Credential::Provider(Arc::new(tokens)))
        .build()
        .unwrap();
    (client, s)
}

/// One call through `client`; with a revoked refresh token it fails with `invalid_grant`.
pub async fn call(client: &Client) -> Result<(), sturdy_runtime::Error> {
    client
        .execute(Request::new(&GET, "/invoice".into()), RequestOptions::new())
        .await
        .map(|_| ())
}
