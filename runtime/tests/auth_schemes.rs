//! Each security scheme shape as generated from real specs, against wiremock: Stripe's basic
//! (secret key as user) and bearer, GitLab-style header and query keys, Asana's OAuth2 and
//! personal access token, combinations, alternatives, optional auth, rotation while running,
//! and a missing credential that fails before anything is sent.

use std::sync::Arc;

use sturdy_runtime::auth::{ApiKeyLocation, SchemeKind, SecurityScheme, TokenProvider};
use sturdy_runtime::{
    ApiMeta, Call, Client, Credential, ErrorKind, Method, OperationMeta, Request, Sent,
};
use wiremock::matchers::{header, method, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: [SecurityScheme; 6] = [
    SecurityScheme {
        name: "basicAuth",
        kind: SchemeKind::Basic,
    },
    SecurityScheme {
        name: "bearerAuth",
        kind: SchemeKind::Bearer,
    },
    SecurityScheme {
        name: "private_token_header",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "PRIVATE-TOKEN",
        },
    },
    SecurityScheme {
        name: "private_token_query",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Query,
            name: "private_token",
        },
    },
    SecurityScheme {
        name: "oauth2",
        kind: SchemeKind::OAuth2 {
            token_url: Some("https://app.asana.com/-/oauth_token"),
            authorization_url: None,
        },
    },
    SecurityScheme {
        name: "personalAccessToken",
        kind: SchemeKind::Bearer,
    },
];

static STRIPE: OperationMeta = OperationMeta::new("GetBalance", Method::Get, "/x")
    .security(&[&["basicAuth"], &["bearerAuth"]]);
static GITLAB: OperationMeta = OperationMeta::new("getProjects", Method::Get, "/x")
    .security(&[&["private_token_header"], &["private_token_query"]]);
static GITLAB_QUERY: OperationMeta =
    OperationMeta::new("getProjectsQ", Method::Get, "/x").security(&[&["private_token_query"]]);
// asana.json: `security: [{personalAccessToken: []}, {oauth2: []}]`.
static ASANA: OperationMeta = OperationMeta::new("getUsers", Method::Get, "/x")
    .security(&[&["personalAccessToken"], &["oauth2"]]);
static BOTH: OperationMeta = OperationMeta::new("both", Method::Get, "/x")
    .security(&[&["bearerAuth", "private_token_header"]]);
static OPTIONAL: OperationMeta =
    OperationMeta::new("optional", Method::Get, "/x").security(&[&[], &["bearerAuth"]]);

async fn server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&s)
        .await;
    s
}

fn client(s: &MockServer, creds: Vec<(&str, Credential)>) -> Client {
    let mut b = Client::builder().base_url(s.uri()).api(ApiMeta {
        name: "t",
        version: "1",
        security_schemes: &SCHEMES,
        error_pointer: None,
        version_header: None,
    });
    for (n, c) in creds {
        b = b.credential(n, c);
    }
    b.build().unwrap()
}

async fn call(c: &Client, op: &'static OperationMeta) -> Result<(), sturdy_runtime::Error> {
    let call: Call<serde_json::Value, std::convert::Infallible> = Call::new(
        c,
        Request::new(op, "/x".into()),
        sturdy_runtime::decode::json,
        |_, _| None,
    );
    call.await.map(|_| ()).map_err(|e| e.untyped())
}

async fn last_header(s: &MockServer, name: &str) -> Option<String> {
    s.received_requests()
        .await
        .unwrap()
        .last()
        .and_then(|r| r.headers.get(name).map(|v| v.to_str().unwrap().to_owned()))
}

#[tokio::test]
async fn stripe_basic_with_the_secret_key_as_user_or_bearer() {
    let s = server().await;
    call(
        &client(&s, vec![("basicAuth", Credential::token("sk_test_123"))]),
        &STRIPE,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Basic c2tfdGVzdF8xMjM6")
    );
    call(
        &client(&s, vec![("bearerAuth", Credential::token("sk_test_123"))]),
        &STRIPE,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer sk_test_123")
    );
    call(
        &client(&s, vec![("basicAuth", Credential::basic("user", "pass"))]),
        &STRIPE,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Basic dXNlcjpwYXNz")
    );
}

#[tokio::test]
async fn gitlab_header_and_query_keys() {
    let s = MockServer::start().await;
    Mock::given(header("PRIVATE-TOKEN", "glpat-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&s)
        .await;
    Mock::given(query_param("private_token", "glpat-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&s)
        .await;
    call(
        &client(
            &s,
            vec![("private_token_header", Credential::token("glpat-1"))],
        ),
        &GITLAB,
    )
    .await
    .unwrap();
    let c = client(
        &s,
        vec![("private_token_query", Credential::token("glpat-2"))],
    );
    call(&c, &GITLAB_QUERY).await.unwrap();
    // The key in the query never shows in errors.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&s)
        .await;
    let c = client(
        &s,
        vec![("private_token_query", Credential::token("glpat-SECRET"))],
    );
    let e = call(&c, &GITLAB_QUERY).await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("glpat-SECRET"));
}

struct Static(&'static str);
impl TokenProvider for Static {
    fn token(
        &self,
        _force: bool,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<secrecy::SecretString, sturdy_runtime::Error>>
                + Send
                + '_,
        >,
    > {
        let t = self.0;
        Box::pin(async move { Ok(secrecy::SecretString::from(t.to_owned())) })
    }
}

#[tokio::test]
async fn asana_oauth2_or_personal_access_token() {
    let s = server().await;
    call(
        &client(
            &s,
            vec![(
                "oauth2",
                Credential::Provider(Arc::new(Static("oauth-tok"))),
            )],
        ),
        &ASANA,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer oauth-tok")
    );
    call(
        &client(
            &s,
            vec![("personalAccessToken", Credential::token("pat-1"))],
        ),
        &ASANA,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer pat-1")
    );
    // Both available: the first alternative in the spec's order wins.
    call(
        &client(
            &s,
            vec![
                (
                    "oauth2",
                    Credential::Provider(Arc::new(Static("oauth-tok"))),
                ),
                ("personalAccessToken", Credential::token("pat-2")),
            ],
        ),
        &ASANA,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer pat-2")
    );
}

// plaid.json: three header keys required together; and a cookie key.
static PLAID_SCHEMES: [SecurityScheme; 4] = [
    SecurityScheme {
        name: "clientId",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "PLAID-CLIENT-ID",
        },
    },
    SecurityScheme {
        name: "plaidVersion",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "Plaid-Version",
        },
    },
    SecurityScheme {
        name: "secret",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "PLAID-SECRET",
        },
    },
    SecurityScheme {
        name: "session",
        kind: SchemeKind::ApiKey {
            location: ApiKeyLocation::Cookie,
            name: "sid",
        },
    },
];
static PLAID: OperationMeta = OperationMeta::new("itemGet", Method::Get, "/x").security(&[&[
    "clientId",
    "plaidVersion",
    "secret",
]]);
static COOKIE: OperationMeta =
    OperationMeta::new("me", Method::Get, "/x").security(&[&["session"]]);

#[tokio::test]
async fn plaid_three_headers_together_and_a_cookie_key() {
    let s = server().await;
    let c = Client::builder()
        .base_url(s.uri())
        .api(ApiMeta {
            security_schemes: &PLAID_SCHEMES,
            ..ApiMeta::default()
        })
        .credential("clientId", Credential::token("cid"))
        .credential("plaidVersion", Credential::token("2020-09-14"))
        .build()
        .unwrap();
    // One of the three missing: refused before sending.
    let e = call(&c, &PLAID).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert!(
        e.message().contains("clientId + plaidVersion + secret"),
        "{e}"
    );
    assert!(s.received_requests().await.unwrap().is_empty());
    c.set_credential("secret", Credential::token("sec"));
    call(&c, &PLAID).await.unwrap();
    assert_eq!(
        last_header(&s, "PLAID-CLIENT-ID").await.as_deref(),
        Some("cid")
    );
    assert_eq!(
        last_header(&s, "Plaid-Version").await.as_deref(),
        Some("2020-09-14")
    );
    assert_eq!(
        last_header(&s, "PLAID-SECRET").await.as_deref(),
        Some("sec")
    );

    c.set_credential("session", Credential::token("abc"));
    let call_with_cookie: Call<serde_json::Value, std::convert::Infallible> = Call::new(
        &c,
        Request::new(&COOKIE, "/x".into()).cookie("theme", "dark"),
        sturdy_runtime::decode::json,
        |_, _| None,
    );
    call_with_cookie.await.unwrap();
    assert_eq!(
        last_header(&s, "cookie").await.as_deref(),
        Some("theme=dark; sid=abc")
    );
}

#[tokio::test]
async fn combinations_alternatives_and_optional_auth() {
    let s = server().await;
    let c = client(
        &s,
        vec![
            ("bearerAuth", Credential::token("b")),
            ("private_token_header", Credential::token("k")),
        ],
    );
    call(&c, &BOTH).await.unwrap();
    let r = s.received_requests().await.unwrap();
    let last = r.last().unwrap();
    assert_eq!(last.headers.get("authorization").unwrap(), "Bearer b");
    assert_eq!(last.headers.get("PRIVATE-TOKEN").unwrap(), "k");
    // Optional auth: sent without credentials, with them when present.
    call(&client(&s, vec![]), &OPTIONAL).await.unwrap();
    assert_eq!(last_header(&s, "authorization").await, None);
    call(
        &client(&s, vec![("bearerAuth", Credential::token("b2"))]),
        &OPTIONAL,
    )
    .await
    .unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer b2")
    );
}

#[tokio::test]
async fn rotation_takes_effect_on_the_next_request() {
    let s = server().await;
    let c = client(&s, vec![("bearerAuth", Credential::token("old"))]);
    call(&c, &STRIPE).await.unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer old")
    );
    c.set_credential("bearerAuth", Credential::token("new"));
    call(&c, &STRIPE).await.unwrap();
    assert_eq!(
        last_header(&s, "authorization").await.as_deref(),
        Some("Bearer new")
    );
}

#[tokio::test]
async fn a_missing_credential_fails_before_sending() {
    let s = server().await;
    let e = call(&client(&s, vec![]), &STRIPE).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.sent(), Sent::No);
    assert!(s.received_requests().await.unwrap().is_empty());
    // Debug of credentials never shows the secret.
    assert!(!format!("{:?}", Credential::token("CANARY")).contains("CANARY"));
    assert!(!format!("{:?}", Credential::basic("u", "CANARY")).contains("CANARY"));
}

#[tokio::test]
async fn hmac_signed_requests_carry_a_fresh_signature() {
    use std::time::{Duration, SystemTime};
    use sturdy_runtime::auth::signing::RequestSigner;
    static SIGNED: OperationMeta = OperationMeta::new("signed", Method::Post, "/x");
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&s)
        .await;
    let clock = sturdy_runtime::time::ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    );
    let signer =
        RequestSigner::new("CANARY-SIGNING-KEY").template("{timestamp}.{method}.{path}.{body}");
    let c = Client::builder()
        .base_url(s.uri())
        .time_source(clock.time_source(0.0))
        .request_signer(signer.clone())
        .build()
        .unwrap();
    let call: Call<serde_json::Value, std::convert::Infallible> = Call::new(
        &c,
        Request::new(&SIGNED, "/x".into())
            .query("a", "1")
            .json(&serde_json::json!({"n": 1})),
        sturdy_runtime::decode::json,
        |_, _| None,
    );
    call.await.unwrap();
    let r = &s.received_requests().await.unwrap()[0];
    let ts = r.headers.get("X-Timestamp").unwrap().to_str().unwrap();
    assert_eq!(ts, "1700000000");
    let expected = signer.sign(
        "POST",
        "/x?a=1",
        &r.body,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    );
    assert_eq!(
        r.headers.get("X-Signature").unwrap().to_str().unwrap(),
        expected[1].1
    );
    assert!(!format!("{c:?}").contains("CANARY"));
}
