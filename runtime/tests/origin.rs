//! Credentials never leave the API's origin. The API runs on 127.0.0.1 and a second server on
//! 127.0.0.2 (both loopback on Linux): a next-page link or a redirect pointing at the second
//! one must not bring it the client's bearer token, API keys or query keys.

use std::net::TcpListener;
use std::time::{Duration, UNIX_EPOCH};

use futures::StreamExt;
use serde_json::{json, Value};
use sturdy_runtime::auth::{ApiKeyLocation, SchemeKind};
use sturdy_runtime::paginate::{PageSpec, Paginated};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{
    ApiMeta, Call, Client, Credential, ErrorKind, Method, OperationMeta, Request, RequestOptions,
    SecurityScheme,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

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
static SECURED_LIST: OperationMeta =
    OperationMeta::new("listItems", Method::Get, "/items").security(&[&["hdr", "qry", "bearer"]]);
static PUBLIC_LIST: OperationMeta = OperationMeta::new("listPublic", Method::Get, "/items");
static SECURED_GET: OperationMeta =
    OperationMeta::new("getPet", Method::Get, "/pets/{id}").security(&[&["hdr", "qry", "bearer"]]);

static LINK: PageSpec = PageSpec::link_header();
static NEXT: PageSpec = PageSpec::next_url("/next").items("/items");

const TOKEN: &str = "CANARYtoken41";
const KEY: &str = "CANARYkey77";
const QKEY: &str = "CANARYquery03";

async fn other_host() -> MockServer {
    let listener = TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is loopback on Linux");
    MockServer::builder().listener(listener).start().await
}

fn client(api: &MockServer) -> Client {
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    Client::builder()
        .base_url(api.uri())
        .time_source(clock.time_source(0.5))
        .api(ApiMeta {
            security_schemes: SCHEMES,
            ..ApiMeta::default()
        })
        .credential("hdr", Credential::token(KEY))
        .credential("qry", Credential::token(QKEY))
        .credential("bearer", Credential::token(TOKEN))
        .build()
        .unwrap()
}

/// The API's first page names page 2 on the other host, as `spec` carries next links.
async fn first_page_pointing_at(api: &MockServer, other: &MockServer, spec: &PageSpec) {
    let next = format!("{}/items?page=2", other.uri());
    let page = if std::ptr::eq(spec, &LINK) {
        ResponseTemplate::new(200)
            .set_body_json(json!([1, 2]))
            .insert_header("link", format!("<{next}>; rel=\"next\"").as_str())
    } else {
        ResponseTemplate::new(200).set_body_json(json!({"items": [1, 2], "next": next}))
    };
    Mock::given(path("/items"))
        .respond_with(page)
        .mount(api)
        .await;
    let last = if std::ptr::eq(spec, &LINK) {
        json!([3])
    } else {
        json!({"items": [3], "next": null})
    };
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(last))
        .mount(other)
        .await;
}

async fn items(
    client: &Client,
    op: &'static OperationMeta,
    spec: &'static PageSpec,
) -> Vec<Result<u64, sturdy_runtime::Error>> {
    let req = Request::new(op, "/items".into());
    let list: Paginated<Value, u64, std::convert::Infallible> = Paginated::new(
        Call::new(client, req, sturdy_runtime::decode::json, |_, _| None),
        spec,
    );
    list.items()
        .map(|r| r.map_err(|e| e.untyped()))
        .collect()
        .await
}

#[tokio::test]
async fn a_cross_origin_next_link_is_refused_and_the_other_host_gets_nothing() {
    for spec in [&LINK, &NEXT] {
        let api = MockServer::start().await;
        let other = other_host().await;
        first_page_pointing_at(&api, &other, spec).await;
        let client = client(&api);
        let got = items(&client, &SECURED_LIST, spec).await;
        assert_eq!(got.len(), 3, "two items, then the refusal");
        assert_eq!(got[0].as_ref().unwrap(), &1);
        assert_eq!(got[1].as_ref().unwrap(), &2);
        let err = got[2].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert_eq!(err.sent(), sturdy_runtime::Sent::No);
        let msg = err.to_string();
        assert!(msg.contains("not the API's origin"), "{msg}");
        assert!(msg.contains("127.0.0.2"), "{msg}");
        assert!(!msg.contains(TOKEN) && !msg.contains(QKEY) && !msg.contains(KEY));
        assert!(other.received_requests().await.unwrap().is_empty());
        // The API itself got every credential.
        let first = &api.received_requests().await.unwrap()[0];
        assert_eq!(
            first.headers.get("authorization").unwrap(),
            &format!("Bearer {TOKEN}")
        );
        assert_eq!(first.headers.get("x-api-key").unwrap(), KEY);
    }
}

#[tokio::test]
async fn a_cross_origin_next_link_without_credentials_is_followed() {
    let api = MockServer::start().await;
    let other = other_host().await;
    first_page_pointing_at(&api, &other, &LINK).await;
    let client = client(&api);
    let got: Vec<u64> = items(&client, &PUBLIC_LIST, &LINK)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, vec![1, 2, 3]);
    let seen = other.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].headers.get("authorization").is_none());
    assert!(seen[0].headers.get("x-api-key").is_none());
    assert!(!seen[0].url.as_str().contains(QKEY));
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let api = MockServer::start().await;
    let other = other_host().await;
    Mock::given(path("/pets/1"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/pets/1", other.uri()).as_str()),
        )
        .mount(&api)
        .await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&other)
        .await;
    let client = client(&api);
    let err = client
        .execute(
            Request::new(&SECURED_GET, "/pets/1".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    let msg = err.to_string();
    assert!(msg.contains("another origin"), "{msg}");
    assert!(!msg.contains(QKEY), "{msg}");
    assert!(other.received_requests().await.unwrap().is_empty());
    // Not retried: one request reached the API.
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_credentials() {
    let api = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/pets/2"))
        .mount(&api)
        .await;
    Mock::given(path("/pets/2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&api)
        .await;
    let client = client(&api);
    let raw = client
        .execute(
            Request::new(&SECURED_GET, "/pets/1".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    let seen = api.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].url.path(), "/pets/2");
    assert_eq!(seen[1].headers.get("x-api-key").unwrap(), KEY);
}

#[tokio::test]
async fn a_token_endpoint_redirect_to_another_origin_takes_no_client_secret() {
    use sturdy_runtime::auth::oauth2::{ClientAuth, OAuth2, OAuth2Config};
    let issuer = MockServer::start().await;
    let other = other_host().await;
    Mock::given(path("/token"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/token", other.uri()).as_str()),
        )
        .mount(&issuer)
        .await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "stolen", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&other)
        .await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let config = OAuth2Config::new(format!("{}/token", issuer.uri()), "id", "CANARYsecret9")
        .client_auth(ClientAuth::Post)
        .attempts(1);
    let tokens = OAuth2::client_credentials(config)
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    assert!(tokens.access_token(false).await.is_err());
    assert!(other.received_requests().await.unwrap().is_empty());
}
