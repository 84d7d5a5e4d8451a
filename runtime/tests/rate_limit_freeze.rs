//! One absurd rate-limit answer must not freeze the client. Prism serves a spec's
//! `Retry-After: {type: integer, minimum: 1}` as 27,925,299 (323 days); the client once
//! refused every later call of every operation for that long. Against wiremock, with a
//! [`ManualClock`] and jitter pinned at 0.5, so every wait is asserted exactly.

use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{
    Client, ErrorKind, HealthState, Method, OperationMeta, Request, RequestOptions,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

static GET_PET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}");
static LIST_PETS: OperationMeta = OperationMeta::new("listPets", Method::Get, "/pets");

fn client(server: &MockServer, clock: &ManualClock) -> Client {
    Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.5))
        .build()
        .unwrap()
}

async fn call(
    client: &Client,
    op: &'static OperationMeta,
    path: &str,
) -> Result<(), sturdy_runtime::Error> {
    client
        .execute(Request::new(op, path.into()), RequestOptions::new())
        .await
        .map(|_| ())
}

/// `/pets/1` answers 429 with `retry_after` once, then 200; `/pets` always 200.
async fn server(retry_after: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", retry_after))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/pets/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/pets"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_impossible_retry_after_is_ignored_and_freezes_nothing() {
    let server = server("27925299").await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = client(&server, &clock);
    // The 429 is retried after the ordinary backoff (0.5 s, jitter 0.5), not 323 days.
    call(&client, &GET_PET, "/pets/1").await.unwrap();
    // Every other operation goes at once.
    call(&client, &LIST_PETS, "/pets").await.unwrap();
    call(&client, &GET_PET, "/pets/1").await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert_eq!(client.health().state, HealthState::Healthy);
}

#[tokio::test]
async fn a_long_retry_after_holds_the_client_for_the_cap_then_a_call_probes() {
    let server = server("3600").await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = client(&server, &clock);
    // The call that got it is told the provider's wait, unslept.
    let err = call(&client, &GET_PET, "/pets/1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(clock.sleeps().is_empty());
    // The next call waits the 60 s cap, not the hour, and then goes out.
    call(&client, &LIST_PETS, "/pets").await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(60)]);
    call(&client, &GET_PET, "/pets/1").await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(60)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_exhausted_resource_holds_only_its_own_operations() {
    static SEARCH: OperationMeta = OperationMeta::new("searchCode", Method::Get, "/search/code");
    let server = MockServer::start().await;
    let reset = (1_700_000_000u64 + 30).to_string();
    Mock::given(path("/search/code"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{}")
                .insert_header("x-ratelimit-resource", "search")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(path("/pets"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("[]")
                .insert_header("x-ratelimit-resource", "core")
                .insert_header("x-ratelimit-remaining", "4000"),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = client(&server, &clock);
    call(&client, &SEARCH, "/search/code").await.unwrap();
    // GitHub's core window is not the search window: no wait.
    call(&client, &LIST_PETS, "/pets").await.unwrap();
    call(&client, &LIST_PETS, "/pets").await.unwrap();
    assert!(clock.sleeps().is_empty());
    // The next search waits for its own reset.
    call(&client, &SEARCH, "/search/code").await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
}
