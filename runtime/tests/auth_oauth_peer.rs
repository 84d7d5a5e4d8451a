//! OAuth2 against the real oauth2-mock-server (`tests/peers/install-oauth.sh`), with 2 s
//! tokens: one token request however many concurrent calls wait, refresh ahead of expiry,
//! `invalid_grant` for a revoked refresh token (and the client's health says "needs
//! re-auth"), retried 503s at the token endpoint, and `invalid_client` for a wrong secret.
//! API calls go to a wiremock server that only accepts the peer's current tokens.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use sturdy_runtime::auth::oauth2::{OAuth2, OAuth2Config};
use sturdy_runtime::auth::{SchemeKind, SecurityScheme};
use sturdy_runtime::{
    ApiMeta, Call, Client, Credential, ErrorKind, HealthState, Method, OperationMeta, Request,
};
use wiremock::matchers::{header_regex, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: [SecurityScheme; 1] = [SecurityScheme {
    name: "oauth",
    kind: SchemeKind::OAuth2 {
        token_url: None,
        authorization_url: None,
    },
}];
static GET: OperationMeta =
    OperationMeta::new("getThing", Method::Get, "/thing").security(&[&["oauth"]]);

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

fn peer() -> Option<Peer> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/peers/oauth");
    if !dir.join("node_modules/oauth2-mock-server").exists() || !dir.join("oauth-peer.mjs").exists()
    {
        eprintln!("SKIP: oauth2-mock-server is not installed (run tests/peers/install-oauth.sh)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let mut child = Command::new("node")
        .arg("oauth-peer.mjs")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .env("TTL", "2")
        .env("CLIENT_ID", "myclient")
        .env("CLIENT_SECRET", "mysecret")
        .env("CC_REFRESH", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Peer { child, port });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("oauth peer did not start");
}

async fn stats(p: &Peer) -> serde_json::Value {
    reqwest::get(format!("http://127.0.0.1:{}/__stats", p.port))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn config(p: &Peer, secret: &str) -> OAuth2Config {
    OAuth2Config::new(
        format!("http://127.0.0.1:{}/token", p.port),
        "myclient",
        secret,
    )
    .scope("read")
}

async fn api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_regex(
            "authorization",
            r"^Bearer ey[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    server
}

fn client(api: &MockServer, tokens: OAuth2) -> Client {
    Client::builder()
        .base_url(api.uri())
        .api(ApiMeta {
            name: "t",
            version: "1",
            security_schemes: &SCHEMES,
            error_pointer: None,
            version_header: None,
        })
        .credential("oauth", Credential::Provider(Arc::new(tokens)))
        .build()
        .unwrap()
}

async fn call(c: &Client) -> Result<(), sturdy_runtime::Error> {
    let call: Call<'_, serde_json::Value, std::convert::Infallible> = Call::new(
        c,
        Request::new(&GET, "/thing".into()),
        sturdy_runtime::decode::json,
        |_, _| None,
    );
    call.await.map(|_| ()).map_err(|e| e.untyped())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_token_request_and_refresh_ahead_of_expiry() {
    let Some(p) = peer() else { return };
    let api = api().await;
    let c = client(
        &api,
        OAuth2::client_credentials(config(&p, "mysecret"))
            .build()
            .unwrap(),
    );
    let burst = |c: Client| async move {
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move { call(&c).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().expect("call succeeds");
        }
    };
    burst(c.clone()).await;
    assert_eq!(
        stats(&p).await["client_credentials"],
        1,
        "200 concurrent calls, one token request"
    );
    // The 2 s token is refreshed once half its lifetime is left.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    burst(c.clone()).await;
    assert_eq!(
        stats(&p).await["client_credentials"],
        2,
        "one refresh across the expiry"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_is_invalid_grant_and_needs_reauth() {
    let Some(p) = peer() else { return };
    // A refresh token from the peer, then revoked.
    let http = reqwest::Client::new();
    let t: serde_json::Value = http
        .post(format!("http://127.0.0.1:{}/token", p.port))
        .basic_auth("myclient", Some("mysecret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "read")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    // Works before revocation, and rotates.
    let tokens = OAuth2::refresh_token(config(&p, "mysecret"), Some(rt.clone()))
        .build()
        .unwrap();
    tokens.access_token(false).await.expect("refresh works");
    http.post(format!("http://127.0.0.1:{}/revoke", p.port))
        .form(&[("token", rt.as_str())])
        .send()
        .await
        .unwrap();
    // The rotated token is still valid; revoke a fresh one we hold instead.
    let t2: serde_json::Value = http
        .post(format!("http://127.0.0.1:{}/token", p.port))
        .basic_auth("myclient", Some("mysecret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt2 = t2["refresh_token"].as_str().unwrap().to_owned();
    http.post(format!("http://127.0.0.1:{}/revoke", p.port))
        .form(&[("token", rt2.as_str())])
        .send()
        .await
        .unwrap();
    let api = api().await;
    let c = client(
        &api,
        OAuth2::refresh_token(config(&p, "mysecret"), Some(rt2))
            .build()
            .unwrap(),
    );
    let e = call(&c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
    assert_eq!(e.provider_code(), Some("invalid_grant"), "{e}");
    assert_eq!(c.health().state, HealthState::NeedsReauth);
    assert_eq!(
        api.received_requests().await.unwrap().len(),
        0,
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn token_endpoint_503s_are_retried() {
    let Some(p) = peer() else { return };
    reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}/__fail?status=503&error=temporarily_unavailable&count=2",
            p.port
        ))
        .send()
        .await
        .unwrap();
    let api = api().await;
    let c = client(
        &api,
        OAuth2::client_credentials(config(&p, "mysecret"))
            .build()
            .unwrap(),
    );
    call(&c).await.expect("third token attempt succeeds");
    let s = stats(&p).await;
    assert_eq!(s["client_credentials"], 3, "{s}");
    assert_eq!(s["failed"], 2, "{s}");
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client() {
    let Some(p) = peer() else { return };
    let api = api().await;
    let c = client(
        &api,
        OAuth2::client_credentials(config(&p, "wrong"))
            .build()
            .unwrap(),
    );
    let e = call(&c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("invalid_client"), "{e}");
    assert!(e.hint().unwrap().contains("client id or secret"));
}
