//! The OAuth2 token manager against a wiremock token endpoint, with a [`ManualClock`] so
//! every expiry decision and every backoff delay is exact: client authentication styles,
//! refresh ahead of expiry, single-flight refresh (successes and failures), retried 503s,
//! the still-valid token kept through a token-endpoint outage, one forced refresh and replay
//! after a 401 (and none for a static key), rotated refresh tokens kept, the credential check
//! at start-up, environment variable names, and secrets kept out of Debug and traces.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use secrecy::ExposeSecret;
use sturdy_runtime::auth::oauth2::{ClientAuth, OAuth2, OAuth2Config, RETRY_PAUSE};
use sturdy_runtime::auth::pkce::{AuthorizationRequest, Pkce};
use sturdy_runtime::auth::signing::RequestSigner;
use sturdy_runtime::auth::store::{MemoryStore, TokenStore};
use sturdy_runtime::auth::{env_var_name, ApiKeyLocation, SchemeKind, SecurityScheme};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{
    ApiMeta, Client, Credential, ErrorKind, HealthState, Method, OperationMeta, Request,
    RequestOptions, Sent,
};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request as WmRequest, ResponseTemplate};

#[path = "support/traces.rs"]
mod traces;

static SCHEMES: [SecurityScheme; 2] = [
    SecurityScheme {
        name: "oauth",
        kind: SchemeKind::OAuth2 {
            token_url: None,
            authorization_url: None,
        },
    },
    SecurityScheme {
        name: "apiKey",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "x-api-key",
        },
    },
];
static API: ApiMeta = ApiMeta {
    name: "t",
    version: "1",
    security_schemes: &SCHEMES,
    error_pointer: None,
    version_header: None,
};
static GET: OperationMeta =
    OperationMeta::new("getThing", Method::Get, "/thing").security(&[&["oauth"]]);
static GET_KEYED: OperationMeta =
    OperationMeta::new("getKeyed", Method::Get, "/thing").security(&[&["apiKey"]]);

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

/// A token endpoint that hands out `tok-1`, `tok-2`, ... (and rotated refresh tokens
/// `rt-2`, `rt-3`, ...) with the given lifetime.
struct Issuer {
    issued: AtomicUsize,
    expires_in: u64,
}

impl wiremock::Respond for Issuer {
    fn respond(&self, _req: &WmRequest) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("tok-{n}"),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": format!("rt-{}", n + 1),
        }))
    }
}

async fn token_server(expires_in: u64) -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(Issuer {
            issued: AtomicUsize::new(0),
            expires_in,
        })
        .mount(&s)
        .await;
    s
}

async fn token_requests(s: &MockServer) -> Vec<WmRequest> {
    s.received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/token")
        .collect()
}

fn form(r: &WmRequest) -> std::collections::BTreeMap<String, String> {
    url::form_urlencoded::parse(&r.body).into_owned().collect()
}

fn config(s: &MockServer) -> OAuth2Config {
    OAuth2Config::new(format!("{}/token", s.uri()), "my client", "s3cr:t+/=").scope("read")
}

/// An API that accepts `Bearer tok-N` for N in `accepted` and answers 401 otherwise.
async fn bearer_api(accepted: &'static [&'static str]) -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/thing"))
        .and(move |r: &WmRequest| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| accepted.iter().any(|t| v == format!("Bearer {t}")))
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "invalid_token"})),
        )
        .mount(&s)
        .await;
    s
}

fn client(api: &MockServer, clock: &ManualClock, tokens: &OAuth2) -> Client {
    Client::builder()
        .base_url(api.uri())
        .api(API)
        .time_source(clock.time_source(0.0))
        .credential("oauth", Credential::Provider(Arc::new(tokens.clone())))
        .build()
        .unwrap()
}

async fn call(c: &Client, op: &'static OperationMeta) -> Result<(), sturdy_runtime::Error> {
    c.execute(Request::new(op, "/thing".into()), RequestOptions::new())
        .await
        .map(|_| ())
}

fn api_calls(reqs: &[WmRequest]) -> Vec<String> {
    reqs.iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn client_authentication_styles_scopes_and_params() {
    let s = token_server(3600).await;
    let clock = clock();
    // HTTP basic (default): id and secret form-urlencoded, then base64 (RFC 6749 §2.3.1).
    let t = OAuth2::client_credentials(config(&s).scope("write").param("audience", "https://api"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    let reqs = token_requests(&s).await;
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode("my+client:s3cr%3At%2B%2F%3D");
    assert_eq!(
        reqs[0]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Basic {basic}")
    );
    assert_eq!(
        reqs[0].headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let f = form(&reqs[0]);
    assert_eq!(f["grant_type"], "client_credentials");
    assert_eq!(f["scope"], "read write");
    assert_eq!(f["audience"], "https://api");
    assert!(!f.contains_key("client_secret"));

    // client_secret_post.
    let t = OAuth2::client_credentials(config(&s).client_auth(ClientAuth::Post))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    t.access_token(false).await.unwrap();
    let reqs = token_requests(&s).await;
    assert!(reqs[1].headers.get("authorization").is_none());
    let f = form(&reqs[1]);
    assert_eq!(f["client_id"], "my client");
    assert_eq!(f["client_secret"], "s3cr:t+/=");

    // A public client sends its id only.
    let t = OAuth2::client_credentials(OAuth2Config::public(format!("{}/token", s.uri()), "pub"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    t.access_token(false).await.unwrap();
    let reqs = token_requests(&s).await;
    let f = form(&reqs[2]);
    assert_eq!(f["client_id"], "pub");
    assert!(!f.contains_key("client_secret"));
    assert!(reqs[2].headers.get("authorization").is_none());
}

#[tokio::test]
async fn tokens_are_cached_and_refreshed_ahead_of_expiry_by_the_injected_clock() {
    let s = token_server(3600).await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    clock.advance(Duration::from_secs(3479));
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    assert_eq!(token_requests(&s).await.len(), 1);
    // 120 s before expiry: refreshed.
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-2"
    );
    assert_eq!(token_requests(&s).await.len(), 2);

    // A 2 s token is refreshed when half its lifetime is left.
    let s = token_server(2).await;
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    clock.advance(Duration::from_millis(999));
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh_and_one_failure() {
    let s = token_server(3600).await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let burst = |t: OAuth2| async move {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let t = t.clone();
                tokio::spawn(async move { t.access_token(false).await })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    };
    for r in burst(t.clone()).await {
        assert_eq!(r.unwrap().expose_secret(), "tok-1");
    }
    assert_eq!(token_requests(&s).await.len(), 1);

    // A refresh token that the provider refuses: one request, and every waiter gets the error.
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(
                    serde_json::json!({"error": "invalid_grant", "error_description": "revoked"}),
                )
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&s)
        .await;
    let t = OAuth2::refresh_token(config(&s), Some("rt-revoked".into()))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    for r in burst(t.clone()).await {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert_eq!(e.provider_code(), Some("invalid_grant"));
        assert_eq!(e.provider_message(), Some("revoked"));
        assert!(e.hint().unwrap().contains("reconnect"));
    }
    assert_eq!(
        token_requests(&s).await.len(),
        1,
        "one request for 100 waiters"
    );
}

#[tokio::test]
async fn token_endpoint_failures_are_retried_with_injected_backoff() {
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(path("/token"))
        .respond_with(Issuer {
            issued: AtomicUsize::new(0),
            expires_in: 3600,
        })
        .mount(&s)
        .await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    // 200 ms and 400 ms bases, equal jitter pinned at 0: half of each.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );

    // Always failing: three attempts, then a clear, retryable Credentials error.
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(serde_json::json!({"error": "temporarily_unavailable"})),
        )
        .mount(&s)
        .await;
    let api = bearer_api(&["tok-1"]).await;
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let c = client(&api, &clock, &t);
    let e = call(&c, &GET).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
    assert_eq!(e.provider_code(), Some("temporarily_unavailable"));
    assert_eq!(e.sent(), Sent::No);
    assert!(e.to_string().contains("failed 3 times"), "{e}");
    assert_eq!(
        e.attempts(),
        1,
        "the call itself is not retried: the token manager did"
    );
    assert_eq!(token_requests(&s).await.len(), 3);
    assert!(api.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_outage_at_refresh_time_keeps_the_valid_token() {
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(Issuer {
            issued: AtomicUsize::new(0),
            expires_in: 3600,
        })
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&s)
        .await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s).attempts(2))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    clock.advance(Duration::from_secs(3500));
    // Due, but the endpoint is down: the still-valid token is used, and the next try waits.
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    assert_eq!(token_requests(&s).await.len(), 3);
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    assert_eq!(token_requests(&s).await.len(), 3, "no try during the pause");
    clock.advance(RETRY_PAUSE);
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    assert_eq!(
        token_requests(&s).await.len(),
        5,
        "tried again after the pause"
    );
    // Once expired, the failure surfaces.
    clock.advance(Duration::from_secs(100));
    let e = t.access_token(false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("token_endpoint_unavailable"));
    assert!(e.is_retryable(), "trying later may work");
    assert_eq!(e.status(), None, "the API call was not sent");
    assert!(e.message().contains("HTTP 502"), "{e}");
}

#[tokio::test]
async fn a_401_forces_one_refresh_and_one_replay() {
    let s = token_server(3600).await;
    let api = bearer_api(&["tok-2"]).await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let c = client(&api, &clock, &t);
    // tok-1 is refused (revoked at the API, say) well before it expires.
    t.access_token(false).await.unwrap();
    clock.advance(Duration::from_secs(60));
    call(&c, &GET).await.expect("replayed with a new token");
    assert_eq!(
        api_calls(&api.received_requests().await.unwrap()),
        vec!["Bearer tok-1", "Bearer tok-2"]
    );
    assert_eq!(token_requests(&s).await.len(), 2);

    // Refused again after the forced refresh: no further replay, and the client needs re-auth.
    let api = bearer_api(&[]).await;
    let c = client(&api, &clock, &t);
    clock.advance(Duration::from_secs(60));
    let e = call(&c, &GET).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.attempts(), 2);
    assert_eq!(api.received_requests().await.unwrap().len(), 2);
    assert_eq!(token_requests(&s).await.len(), 3);
    assert_eq!(c.health().state, HealthState::NeedsReauth);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_401s_costs_one_forced_refresh() {
    let s = token_server(3600).await;
    let api = bearer_api(&["tok-2"]).await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    t.access_token(false).await.unwrap();
    clock.advance(Duration::from_secs(60));
    let c = client(&api, &clock, &t);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { call(&c, &GET).await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("every call succeeds after the replay");
    }
    assert_eq!(
        token_requests(&s).await.len(),
        2,
        "one forced refresh for 50 401s"
    );
}

#[tokio::test]
async fn a_token_revoked_right_after_it_was_issued_is_refreshed_on_its_first_401() {
    let s = token_server(3600).await;
    let api = bearer_api(&["tok-2"]).await;
    let clock = clock();
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    // tok-1 is issued and revoked at once: no time passes on the manual clock.
    t.access_token(false).await.unwrap();
    let c = client(&api, &clock, &t);
    call(&c, &GET)
        .await
        .expect("the replay carries a fresh token");
    assert_eq!(
        token_requests(&s).await.len(),
        2,
        "one refresh for the refused token"
    );
    let sent = api_calls(&api.received_requests().await.unwrap());
    assert_eq!(sent, ["Bearer tok-1", "Bearer tok-2"]);
    // A later 401 on an older token another call already replaced costs no refresh.
    assert_eq!(
        t.access_token_after_rejection(&"tok-1".to_owned().into())
            .await
            .unwrap()
            .expose_secret(),
        "tok-2"
    );
    assert_eq!(token_requests(&s).await.len(), 2);
}

#[tokio::test]
async fn a_static_key_is_not_replayed_after_a_401() {
    let api = bearer_api(&[]).await;
    let clock = clock();
    let c = Client::builder()
        .base_url(api.uri())
        .api(API)
        .time_source(clock.time_source(0.0))
        .credential("apiKey", Credential::token("k"))
        .build()
        .unwrap();
    let e = call(&c, &GET_KEYED).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn rotated_refresh_tokens_are_kept_in_the_store() {
    let s = token_server(3600).await;
    let clock = clock();
    let store = Arc::new(MemoryStore::default());
    let t = OAuth2::refresh_token(config(&s), Some("rt-1".into()))
        .store(store.clone())
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    for (i, tok) in ["tok-1", "tok-2", "tok-3"].iter().enumerate() {
        assert_eq!(t.access_token(false).await.unwrap().expose_secret(), *tok);
        assert_eq!(
            store.load().unwrap().expose_secret(),
            format!("rt-{}", i + 2)
        );
        clock.advance(Duration::from_secs(3500));
    }
    let sent: Vec<String> = token_requests(&s)
        .await
        .iter()
        .map(|r| form(r)["refresh_token"].clone())
        .collect();
    assert_eq!(sent, vec!["rt-1", "rt-2", "rt-3"]);

    // A later run starts from the stored token.
    let again = OAuth2::refresh_token(config(&s), None)
        .store(store.clone())
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    again.access_token(false).await.unwrap();
    assert_eq!(
        form(token_requests(&s).await.last().unwrap())["refresh_token"],
        "rt-4"
    );
}

#[tokio::test]
async fn the_code_exchange_sends_the_verifier_and_a_wrong_state_sends_nothing() {
    let s = token_server(3600).await;
    let clock = clock();
    let t = OAuth2::authorization_code(OAuth2Config::public(format!("{}/token", s.uri()), "app"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let req = AuthorizationRequest::new(
        &format!("{}/authorize", s.uri()),
        "app",
        "http://127.0.0.1:1/cb",
        &["read"],
    )
    .unwrap();
    let e = t.connect(&req, "forged", "code-1").await.unwrap_err();
    assert_eq!(e.provider_code(), Some("state_mismatch"));
    assert!(
        token_requests(&s).await.is_empty(),
        "nothing sent on a wrong state"
    );
    assert!(!t.is_connected());

    t.connect_redirect(
        &req,
        &format!("http://127.0.0.1:1/cb?code=code-1&state={}", req.state()),
    )
    .await
    .unwrap();
    let f = form(&token_requests(&s).await[0]);
    assert_eq!(f["grant_type"], "authorization_code");
    assert_eq!(f["code"], "code-1");
    assert_eq!(f["redirect_uri"], "http://127.0.0.1:1/cb");
    assert_eq!(f["code_verifier"], req.verifier().expose_secret());
    assert_eq!(f["client_id"], "app");
    assert!(t.is_connected());
    // The exchanged access token is cached; the refresh token drives the next refresh.
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-1"
    );
    clock.advance(Duration::from_secs(3500));
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "tok-2"
    );
    assert_eq!(form(&token_requests(&s).await[1])["refresh_token"], "rt-2");
}

static HEALTH: OperationMeta =
    OperationMeta::new("getMe", Method::Get, "/thing").security(&[&["apiKey"], &["oauth"]]);

#[tokio::test]
async fn verify_credentials_says_plainly_what_is_wrong() {
    let api_server = MockServer::start().await;
    Mock::given(header("x-api-key", "good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&api_server)
        .await;
    Mock::given(header("x-api-key", "weak"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&api_server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&api_server)
        .await;
    let clock = clock();
    let with = |cred: Option<Credential>| {
        let mut b = Client::builder()
            .base_url(api_server.uri())
            .api(API)
            .time_source(clock.time_source(0.0));
        if let Some(c) = cred {
            b = b.credential("apiKey", c);
        }
        b.build().unwrap()
    };
    with(Some(Credential::token("good")))
        .verify_credentials(&HEALTH, "/thing")
        .await
        .unwrap();
    let e = with(None)
        .verify_credentials(&HEALTH, "/thing")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert!(
        e.hint().unwrap().starts_with("no credentials are set"),
        "{e}"
    );
    let e = with(Some(Credential::token("bad")))
        .verify_credentials(&HEALTH, "/thing")
        .await
        .unwrap_err();
    assert!(
        e.hint().unwrap().contains("refused the credentials (401)"),
        "{e}"
    );
    let e = with(Some(Credential::token("weak")))
        .verify_credentials(&HEALTH, "/thing")
        .await
        .unwrap_err();
    assert!(e.hint().unwrap().contains("lack permission"), "{e}");

    // A wrong OAuth2 client secret.
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        )
        .mount(&s)
        .await;
    let t = OAuth2::client_credentials(config(&s))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let e = client(&api_server, &clock, &t)
        .verify_credentials(&HEALTH, "/thing")
        .await
        .unwrap_err();
    assert_eq!(e.provider_code(), Some("invalid_client"));
    assert!(
        e.hint().unwrap().contains("client id or secret is wrong"),
        "{e}"
    );
    assert!(
        e.to_string().contains("client id or secret is wrong"),
        "{e}"
    );

    // Nothing listening.
    let e = Client::builder()
        .base_url("http://127.0.0.1:9")
        .api(API)
        .time_source(clock.time_source(0.0))
        .credential("apiKey", Credential::token("good"))
        .build()
        .unwrap()
        .verify_credentials(&HEALTH, "/thing")
        .await
        .unwrap_err();
    assert!(e.hint().unwrap().contains("could not be reached"), "{e}");
}

#[test]
fn environment_variable_names_per_scheme() {
    assert_eq!(env_var_name("stripe", "basicAuth"), "STRIPE_BASIC_AUTH");
    assert_eq!(
        env_var_name("acme-api", "bearerAuth"),
        "ACME_API_BEARER_AUTH"
    );
    assert_eq!(
        env_var_name("gitlab", "private_token_header"),
        "GITLAB_PRIVATE_TOKEN_HEADER"
    );
    assert_eq!(
        env_var_name("asana", "personalAccessToken"),
        "ASANA_PERSONAL_ACCESS_TOKEN"
    );
    assert_eq!(env_var_name("x", "api-key"), "X_API_KEY");
    assert_eq!(env_var_name("x", "OAuth2"), "X_O_AUTH2");

    static BASIC: SecurityScheme = SecurityScheme {
        name: "basicAuth",
        kind: SchemeKind::Basic,
    };
    static KEY: SecurityScheme = SecurityScheme {
        name: "apiKey",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "x-api-key",
        },
    };
    std::env::set_var("STURDY_ENVTEST_BASIC_AUTH", "user:CANARY-pw");
    std::env::set_var("STURDY_ENVTEST_API_KEY", "CANARY-key");
    let b = Credential::from_scheme_env("sturdy_envtest", &BASIC).unwrap();
    assert!(matches!(&b, Credential::Basic { username, password }
        if username == "user" && password.expose_secret() == "CANARY-pw"));
    let k = Credential::from_scheme_env("sturdy-envtest", &KEY).unwrap();
    assert!(matches!(&k, Credential::Token(t) if t.expose_secret() == "CANARY-key"));
    assert!(!format!("{b:?} {k:?}").contains("CANARY"));
    std::env::set_var("STURDY_ENVTEST_API_KEY", "");
    assert!(Credential::from_scheme_env("sturdy-envtest", &KEY).is_none());
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
async fn no_secret_reaches_debug_traces_or_errors() {
    const CANARY: &str = "CANARY7q";
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = traces::scoped(subscriber);

    // A token endpoint that issues a canary access token and a canary refresh token, once;
    // then refuses with a 503.
    let s = MockServer::start().await;
    Mock::given(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("{CANARY}-access"),
            "expires_in": 3600,
            "refresh_token": format!("{CANARY}-rotated"),
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s)
        .await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&api)
        .await;
    let clock = clock();
    let store = Arc::new(MemoryStore::default());
    let cfg = OAuth2Config::new(
        format!("{}/token", s.uri()),
        "cid",
        format!("{CANARY}-client-secret"),
    );
    let t = OAuth2::refresh_token(cfg.clone(), Some(format!("{CANARY}-refresh")))
        .store(store.clone())
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let c = client(&api, &clock, &t);
    let e1 = call(&c, &GET).await.unwrap_err();
    assert_eq!(e1.kind(), ErrorKind::Server);
    clock.advance(Duration::from_secs(4000));
    let e2 = call(&c, &GET).await.unwrap_err();
    assert_eq!(e2.kind(), ErrorKind::Credentials);

    // The canaries really were used.
    let sent = api.received_requests().await.unwrap();
    assert!(api_calls(&sent).iter().all(|a| a.contains(CANARY)));
    assert!(store.load().unwrap().expose_secret().contains(CANARY));

    let req =
        AuthorizationRequest::resume("st", format!("{CANARY}{}", "v".repeat(40)), "http://x/cb")
            .unwrap();
    let shown = [
        format!("{:?}", Credential::token(CANARY)),
        format!("{:?}", Credential::basic("u", CANARY)),
        format!("{:?}", Credential::Provider(Arc::new(t.clone()))),
        format!("{cfg:?}"),
        format!("{t:?}"),
        format!(
            "{:?}",
            OAuth2::refresh_token(cfg.clone(), Some(CANARY.into()))
        ),
        format!("{store:?}"),
        format!(
            "{:?}",
            Pkce::from_verifier(format!("{CANARY}{}", "v".repeat(40))).unwrap()
        ),
        format!("{req:?}"),
        format!("{:?}", RequestSigner::new(CANARY)),
        format!("{c:?}"),
        format!("{e1} {e1:?} {e2} {e2:?}"),
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap(),
    ];
    assert!(
        shown[12].contains("sturdy.oauth2.token"),
        "traces were captured"
    );
    for s in &shown {
        assert!(!s.contains(CANARY), "a secret leaked: {s}");
    }
}

/// A token endpoint that answers every request with `status` and `body`.
async fn fixed_token_server(status: u16, body: serde_json::Value) -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&s)
        .await;
    s
}

fn code_request(s: &MockServer) -> AuthorizationRequest {
    AuthorizationRequest::new(
        &format!("{}/authorize", s.uri()),
        "app",
        "http://127.0.0.1:1/cb",
        &["read"],
    )
    .unwrap()
}

#[tokio::test]
async fn a_code_exchange_without_a_refresh_token_uses_its_access_token_until_expiry() {
    let s = fixed_token_server(
        200,
        serde_json::json!({"access_token": "only-1", "token_type": "Bearer", "expires_in": 600}),
    )
    .await;
    let clock = clock();
    let t = OAuth2::authorization_code(OAuth2Config::public(format!("{}/token", s.uri()), "app"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let req = code_request(&s);
    t.connect(&req, req.state(), "code-1").await.unwrap();
    // The exchanged token is used as it is: no refresh grant is attempted.
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "only-1"
    );
    clock.advance(Duration::from_secs(590));
    assert_eq!(
        t.access_token(false).await.unwrap().expose_secret(),
        "only-1"
    );
    assert_eq!(
        token_requests(&s).await.len(),
        1,
        "one exchange, nothing else"
    );
    // Past expiry, with no refresh token, the user must connect again.
    clock.advance(Duration::from_secs(20));
    let e = t.access_token(false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("expired"), "{e}");
    assert_eq!(
        token_requests(&s).await.len(),
        1,
        "no grant without a refresh token"
    );
}

#[tokio::test]
async fn an_invalid_grant_from_the_code_exchange_is_a_credentials_error_with_its_code() {
    let s = fixed_token_server(
        400,
        serde_json::json!({"error": "invalid_grant", "error_description": "code already used"}),
    )
    .await;
    let t = OAuth2::authorization_code(OAuth2Config::public(format!("{}/token", s.uri()), "app"))
        .time_source(clock().time_source(0.0))
        .build()
        .unwrap();
    let req = code_request(&s);
    let e = t.connect(&req, req.state(), "code-1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("invalid_grant"), "{e}");
    assert_eq!(e.sent(), Sent::No, "nothing reached the API");
    assert!(!t.is_connected());
    assert_eq!(
        token_requests(&s).await.len(),
        1,
        "an invalid grant is not retried"
    );
}
