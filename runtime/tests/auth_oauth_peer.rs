//! OAuth2 against the real oauth2-mock-server (npm, installed by
//! `tests/peers/install-oauth.sh` into `target/peers/oauth` with the shared harness
//! `oauth-peer.mjs`), issuing 2 s tokens:
//! - 200 concurrent calls cost one token request; 200 more after the refresh point cost
//!   exactly one more, and 200 more after the token's expiry one more again, with no 401s;
//! - rotated refresh tokens are kept, and a revoked one is `invalid_grant`, a Credentials error
//!   (the client's health says it needs re-auth, and nothing reaches the API);
//! - injected 503s at the token endpoint are retried (with the injected backoff) and succeed;
//! - a wrong client secret is `invalid_client`, with either client authentication style;
//! - the authorization-code flow with PKCE: the server checks the S256 challenge against the
//!   verifier, a wrong verifier is refused, and a forged `state` sends nothing.
//!
//! API calls go to a wiremock server that accepts only unexpired JWTs issued by this peer.
//! The tests skip (and say so) when node or the peer is not installed; CI installs them.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use secrecy::ExposeSecret;
use sturdy_runtime::auth::oauth2::{ClientAuth, OAuth2, OAuth2Config};
use sturdy_runtime::auth::pkce::AuthorizationRequest;
use sturdy_runtime::auth::store::{MemoryStore, TokenStore};
use sturdy_runtime::auth::{SchemeKind, SecurityScheme};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{
    ApiMeta, Client, Credential, ErrorKind, HealthState, Method, OperationMeta, Request,
    RequestOptions,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request as WmRequest, ResponseTemplate};

static SCHEMES: [SecurityScheme; 1] = [SecurityScheme {
    name: "oauth",
    kind: SchemeKind::OAuth2 {
        token_url: None,
        authorization_url: None,
    },
}];
static GET: OperationMeta =
    OperationMeta::new("getThing", Method::Get, "/thing").security(&[&["oauth"]]);

/// The node process of one peer; killed on drop.
struct Peer {
    child: Child,
    port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The peer's issuer (it names `localhost` even when bound to 127.0.0.1).
    fn issuer(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    async fn stats(&self) -> serde_json::Value {
        reqwest::get(self.url("/__stats"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A refresh token straight from the peer (its client-credentials grant hands one out).
    async fn refresh_token(&self) -> String {
        let t: serde_json::Value = reqwest::Client::new()
            .post(self.url("/token"))
            .basic_auth("myclient", Some("mysecret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        t["refresh_token"].as_str().unwrap().to_owned()
    }
}

/// Starts a peer on a free port, or says why not and returns `None`.
fn peer() -> Option<Peer> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/peers/oauth");
    if !dir.join("node_modules/oauth2-mock-server").exists() || !dir.join("oauth-peer.mjs").exists()
    {
        support::missing_peer(&format!(
            "oauth2-mock-server is not installed in {} (run tests/peers/install-oauth.sh)",
            dir.display()
        ));
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("node")
        .arg("oauth-peer.mjs")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .env("TTL", "2")
        .env("CLIENT_ID", "myclient")
        .env("CLIENT_SECRET", "mysecret")
        .env("CC_REFRESH", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            support::missing_peer(&format!("cannot run node for the oauth peer: {e}"));
            return None;
        }
    };
    let mut peer = Peer { child, port };
    for _ in 0..150 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(peer);
        }
        if let Ok(Some(status)) = peer.child.try_wait() {
            panic!("the oauth peer exited at start ({status})");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the oauth peer did not listen on port {port} within 15 s");
}

fn config(p: &Peer, secret: &str) -> OAuth2Config {
    OAuth2Config::new(p.url("/token"), "myclient", secret).scope("read")
}

/// The claims of a JWT, unverified.
fn claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// An API that accepts only bearer JWTs issued by `issuer` that have not expired (by the
/// wall clock, to the second as JWTs count), and answers 401 otherwise.
async fn api(issuer: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(move |r: &WmRequest| {
            let Some(jwt) = r
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
            else {
                return false;
            };
            let Some(c) = claims(jwt) else { return false };
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            c["iss"] == issuer.as_str() && c["exp"].as_u64().is_some_and(|exp| exp >= now)
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    server
}

fn client(api: &MockServer, tokens: &OAuth2) -> Client {
    Client::builder()
        .base_url(api.uri())
        .api(ApiMeta {
            name: "t",
            version: "1",
            security_schemes: &SCHEMES,
            error_pointer: None,
            version_header: None,
        })
        .credential("oauth", Credential::Provider(Arc::new(tokens.clone())))
        .build()
        .unwrap()
}

async fn call(c: &Client) -> Result<(), sturdy_runtime::Error> {
    c.execute(Request::new(&GET, "/thing".into()), RequestOptions::new())
        .await
        .map(|_| ())
}

/// How many requests reached the API.
async fn api_requests(api: &MockServer) -> usize {
    api.received_requests().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_token_request_per_expiry() {
    let Some(p) = peer() else { return };
    let api = api(p.issuer()).await;
    let tokens = OAuth2::client_credentials(config(&p, "mysecret"))
        .build()
        .unwrap();
    let c = client(&api, &tokens);
    let burst = |c: Client| async move {
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move { call(&c).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().expect("call succeeds");
        }
        eprintln!("200 concurrent calls took {:?}", started.elapsed());
    };
    burst(c.clone()).await;
    assert_eq!(
        p.stats().await["client_credentials"],
        1,
        "200 concurrent calls, one token request"
    );
    // Past the refresh point (half of the 2 s lifetime), before expiry.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    burst(c.clone()).await;
    assert_eq!(p.stats().await["client_credentials"], 2, "one refresh");
    // Past the expiry of that token.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    burst(c.clone()).await;
    assert_eq!(p.stats().await["client_credentials"], 3, "one more");
    assert_eq!(
        api_requests(&api).await,
        600,
        "no call was refused and replayed: every token was fresh"
    );
}

#[tokio::test]
async fn rotated_refresh_tokens_are_kept_and_a_revoked_one_is_invalid_grant() {
    let Some(p) = peer() else { return };
    let rt = p.refresh_token().await;
    let clock = ManualClock::new(SystemTime::now());
    let store = Arc::new(MemoryStore::default());
    let tokens = OAuth2::refresh_token(config(&p, "mysecret"), Some(rt.clone()))
        .store(store.clone())
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let api = api(p.issuer()).await;
    let c = Client::builder()
        .base_url(api.uri())
        .api(ApiMeta {
            security_schemes: &SCHEMES,
            ..ApiMeta::default()
        })
        .time_source(clock.time_source(0.0))
        .credential("oauth", Credential::Provider(Arc::new(tokens.clone())))
        .build()
        .unwrap();
    // Each refresh rotates the refresh token; the peer refuses a used one, so three refreshes
    // in a row work only if each rotated token was kept.
    let mut seen = vec![rt];
    for _ in 0..3 {
        call(&c).await.expect("refresh works");
        let current = store.load().unwrap().expose_secret().to_owned();
        assert!(!seen.contains(&current), "rotated");
        seen.push(current);
        clock.advance(Duration::from_millis(1500));
    }
    assert_eq!(p.stats().await["refresh_token"], 3);

    // Revoked (the user disconnected the app, say).
    reqwest::Client::new()
        .post(p.url("/revoke"))
        .form(&[("token", seen.last().unwrap().as_str())])
        .send()
        .await
        .unwrap();
    let before = api_requests(&api).await;
    let e = call(&c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
    assert_eq!(e.provider_code(), Some("invalid_grant"), "{e}");
    assert!(e.hint().unwrap().contains("reconnect"), "{e}");
    assert_eq!(c.health().state, HealthState::NeedsReauth);
    assert_eq!(
        api_requests(&api).await,
        before,
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn token_endpoint_503s_are_retried() {
    let Some(p) = peer() else { return };
    reqwest::Client::new()
        .post(p.url("/__fail?status=503&error=temporarily_unavailable&count=2"))
        .send()
        .await
        .unwrap();
    let clock = ManualClock::new(SystemTime::now());
    let tokens = OAuth2::client_credentials(config(&p, "mysecret"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let api = api(p.issuer()).await;
    call(&client(&api, &tokens))
        .await
        .expect("the third token attempt succeeds");
    let s = p.stats().await;
    assert_eq!(s["client_credentials"], 3, "{s}");
    assert_eq!(s["failed"], 2, "{s}");
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(100), Duration::from_millis(200)],
        "backoff through the injected sleeper"
    );

    // More failures than attempts: a Credentials error that says the endpoint is failing.
    reqwest::Client::new()
        .post(p.url("/__fail?status=503&error=temporarily_unavailable&count=3"))
        .send()
        .await
        .unwrap();
    let tokens = OAuth2::client_credentials(config(&p, "mysecret"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let e = call(&client(&api, &tokens)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("temporarily_unavailable"));
    assert!(e.to_string().contains("failed 3 times"), "{e}");
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client() {
    let Some(p) = peer() else { return };
    let api = api(p.issuer()).await;
    for auth in [ClientAuth::Basic, ClientAuth::Post] {
        let tokens = OAuth2::client_credentials(config(&p, "wrong").client_auth(auth))
            .build()
            .unwrap();
        let c = client(&api, &tokens);
        let e = call(&c).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert_eq!(e.provider_code(), Some("invalid_client"), "{e}");
        assert!(e.hint().unwrap().contains("client id or secret"));
        assert_eq!(c.health().state, HealthState::NeedsReauth);
        // The right secret, same style, works.
        let good = OAuth2::client_credentials(config(&p, "mysecret").client_auth(auth))
            .build()
            .unwrap();
        call(&client(&api, &good)).await.unwrap();
    }
    assert_eq!(p.stats().await["failed"], 2);
}

/// Follows the peer's authorize endpoint (no browser: it redirects at once).
async fn authorize(req: &AuthorizationRequest) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(req.url()).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn authorization_code_with_pkce() {
    let Some(p) = peer() else { return };
    let api = api(p.issuer()).await;
    let redirect_uri = "http://127.0.0.1:1/callback";
    let new_request = || {
        AuthorizationRequest::new(
            &p.url("/authorize"),
            "myclient",
            redirect_uri,
            &["tasks:read"],
        )
        .unwrap()
    };

    // The happy path: the peer checks S256(verifier) against the challenge it was sent.
    let req = new_request();
    let back = authorize(&req).await;
    let clock = ManualClock::new(SystemTime::now());
    let tokens = OAuth2::authorization_code(config(&p, "mysecret"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert!(!tokens.is_connected());
    tokens.connect_redirect(&req, &back).await.unwrap();
    assert!(tokens.is_connected());
    let c = client(&api, &tokens);
    call(&c).await.unwrap();
    let s = p.stats().await;
    assert_eq!(s["authorization_code"], 1, "{s}");
    assert_eq!(s["token"], 1, "the exchanged access token is used: {s}");
    // Then it refreshes with the refresh token the exchange returned.
    clock.advance(Duration::from_millis(1500));
    call(&c).await.unwrap();
    assert_eq!(p.stats().await["refresh_token"], 1);

    // A wrong verifier: the peer refuses the exchange.
    let req = new_request();
    let back = authorize(&req).await;
    let impostor = AuthorizationRequest::resume(req.state(), "x".repeat(43), redirect_uri).unwrap();
    let e = tokens.connect_redirect(&impostor, &back).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    // The peer answers with a problem document rather than an OAuth2 error code.
    assert_eq!(e.provider_code(), Some("token_endpoint_error"), "{e}");
    assert!(
        e.provider_message()
            .unwrap()
            .contains("code_verifier provided does not match"),
        "{e}"
    );

    // A forged state: nothing is sent.
    let req = new_request();
    let back = authorize(&req).await;
    let before = p.stats().await["token"].clone();
    let other = new_request();
    let e = tokens.connect_redirect(&other, &back).await.unwrap_err();
    assert_eq!(e.provider_code(), Some("state_mismatch"));
    assert_eq!(p.stats().await["token"], before);
}
