//! The test kit for applications (`sturdy_runtime::testing`, feature `test-util`): the
//! spec-driven [`Fake`] and the failure scenarios, each driven through a real `Client` on the
//! manual clock.

use std::time::{Duration, UNIX_EPOCH};

use sturdy_runtime::testing::scenario::{self, AppliedThenDropped, ExpiredToken};
use sturdy_runtime::testing::Fake;
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::transport::mock::MockResponse;
use sturdy_runtime::transport::{Transport, TransportRequest};
use sturdy_runtime::webhooks::Verifier;
use sturdy_runtime::{
    ApiMeta, Client, ErrorKind, Method, OperationMeta, RawResponse, Request, RequestOptions,
    SecurityScheme, Sent,
};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme::bearer("token")];
static GET_PET: OperationMeta =
    OperationMeta::new("getPet", Method::Get, "/pets/{id}").security(&[&["token"]]);
static MINE: OperationMeta = OperationMeta::new("myPets", Method::Get, "/pets/mine");
static CREATE_PET: OperationMeta =
    OperationMeta::new("createPet", Method::Post, "/pets").idempotency_header("Idempotency-Key");
static SEND: OperationMeta = OperationMeta::new("sendMessage", Method::Post, "/messages");

const ANSWERS: &str = r#"{
  "operations": [
    {"operation": "getPet", "name": "get_pet", "method": "GET", "path": "/pets/{id}", "status": 200,
     "content_type": "application/json", "body": {"id": 7, "name": "Rex"}},
    {"operation": "myPets", "method": "GET", "path": "/pets/mine", "status": 200,
     "content_type": "application/json", "body": [{"id": 1, "name": "Mine"}]},
    {"operation": "createPet", "method": "POST", "path": "/pets", "status": 201,
     "content_type": "application/json", "body": {"id": 8, "name": "New"}},
    {"operation": "sendMessage", "method": "POST", "path": "/messages", "status": 202},
    {"operation": "readme", "method": "GET", "path": "/readme", "status": 200,
     "content_type": "text/plain", "body": "hello"}
  ],
  "schemes": {"token": "token"}
}"#;

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

fn client(fake: Fake) -> Client {
    fake.configure(Client::builder().api(ApiMeta {
        security_schemes: SCHEMES,
        ..ApiMeta::default()
    }))
    .build()
    .unwrap()
}

async fn call(client: &Client, op: &'static OperationMeta, path: &str) -> RawResponse {
    let mut req = Request::new(op, path.into());
    if op.method == Method::Post {
        req = req.json(&serde_json::json!({"name": "x"}));
    }
    client.execute(req, RequestOptions::new()).await.unwrap()
}

fn json(raw: &RawResponse) -> serde_json::Value {
    serde_json::from_slice(&raw.body).unwrap()
}

#[tokio::test]
async fn the_fake_answers_each_operation_with_its_example_status_and_content_type() {
    let client = client(Fake::from_json(ANSWERS).unwrap());
    // `getPet` needs the `token` scheme: the fake set a placeholder credential.
    let pet = call(&client, &GET_PET, "/pets/42").await;
    assert_eq!(
        (pet.status, json(&pet)["name"].as_str()),
        (200, Some("Rex"))
    );
    // `/pets/mine` also matches `/pets/{id}`: the literal template wins.
    assert_eq!(
        json(&call(&client, &MINE, "/pets/mine").await)[0]["name"],
        "Mine"
    );
    let created = call(&client, &CREATE_PET, "/pets").await;
    assert_eq!(
        (created.status, json(&created)["id"].as_i64()),
        (201, Some(8))
    );
    let sent = call(&client, &SEND, "/messages").await;
    assert_eq!((sent.status, sent.body.len()), (202, 0));
    static README: OperationMeta = OperationMeta::new("readme", Method::Get, "/readme");
    let text = call(&client, &README, "/readme").await;
    assert_eq!(
        (
            text.headers["content-type"].to_str().unwrap(),
            &text.body[..]
        ),
        ("text/plain", &b"hello"[..])
    );
}

#[tokio::test]
async fn an_override_by_method_name_replaces_one_operation_and_unknown_routes_get_404() {
    let fake = Fake::from_json(ANSWERS).unwrap().answer(
        "getPet",
        MockResponse::status(200).json(&serde_json::json!({"id": 1})),
    );
    let client = client(fake);
    assert_eq!(
        json(&call(&client, &GET_PET, "/pets/1").await),
        serde_json::json!({"id": 1})
    );
    assert_eq!(json(&call(&client, &MINE, "/pets/mine").await)[0]["id"], 1);
    static OTHER: OperationMeta = OperationMeta::new("other", Method::Delete, "/pets/{id}");
    let err = client
        .execute(
            Request::new(&OTHER, "/pets/1".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[test]
fn a_broken_answers_file_is_an_error_not_a_panic() {
    assert!(Fake::from_json("{").is_err());
    assert!(Fake::from_json(r#"{"operations": [{"operation": 1}]}"#).is_err());
    assert_eq!(Fake::from_json("{}").unwrap().operations().count(), 0);
}

#[tokio::test]
async fn rate_limited_waits_exactly_the_retry_after_then_gets_the_example() {
    let clock = clock();
    let fake = Fake::from_json(ANSWERS)
        .unwrap()
        .clock(&clock, 0.5)
        .with_transport(|m| m.answer(scenario::rate_limited(Duration::from_millis(2500))));
    let mock = fake.transport();
    let client = client(fake);
    let raw = call(&client, &GET_PET, "/pets/1").await;
    assert_eq!((raw.status, raw.attempts), (200, 2));
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(3)],
        "2.5 s rounds up"
    );
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn unavailable_once_then_the_example_after_one_backoff() {
    let clock = clock();
    let fake = Fake::from_json(ANSWERS)
        .unwrap()
        .clock(&clock, 0.5)
        .with_transport(|m| m.answer(scenario::unavailable()));
    let client = client(fake);
    let raw = call(&client, &GET_PET, "/pets/1").await;
    assert_eq!(
        (raw.status, raw.attempts, json(&raw)["id"].as_i64()),
        (200, 2, Some(7))
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
}

#[tokio::test]
async fn applied_then_dropped_applies_a_keyed_write_once() {
    let clock = clock();
    let fake = Fake::from_json(ANSWERS).unwrap().clock(&clock, 0.5);
    let server = AppliedThenDropped::new("Idempotency-Key");
    server.install(&fake.transport());
    let mock = fake.transport();
    let client = client(fake);
    let raw = call(&client, &CREATE_PET, "/pets").await;
    assert_eq!((raw.status, raw.attempts), (201, 2));
    assert_eq!((server.applied(), server.replays()), (1, 1));
    let keys: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
}

#[tokio::test]
async fn applied_then_dropped_counts_a_keyless_resend_as_a_second_write() {
    let server = AppliedThenDropped::new("Idempotency-Key");
    let mock = sturdy_runtime::transport::MockTransport::new();
    server.install(&mock);
    let req = || {
        TransportRequest::new(
            http::Method::POST,
            "https://api.example.com/messages".parse().unwrap(),
            http::HeaderMap::new(),
            bytes::Bytes::new(),
        )
    };
    assert!(
        mock.send(req()).await.is_err(),
        "the first write is dropped"
    );
    assert_eq!(mock.send(req()).await.unwrap().status, 200);
    assert_eq!((server.applied(), server.replays()), (2, 0));
    // Reads are never applied.
    let mut get = req();
    get.method = http::Method::GET;
    mock.send(get).await.unwrap();
    assert_eq!(server.applied(), 2);
}

#[tokio::test]
async fn a_keyless_write_dropped_after_applying_is_not_resent() {
    let clock = clock();
    let fake = Fake::from_json(ANSWERS).unwrap().clock(&clock, 0.5);
    let server = AppliedThenDropped::new("Idempotency-Key");
    server.install(&fake.transport());
    let client = client(fake);
    let err = client
        .execute(
            Request::new(&SEND, "/messages".into()),
            RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.sent(), err.attempts()),
        (ErrorKind::Network, Sent::Maybe, 1)
    );
    assert_eq!(server.applied(), 1);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_replayed() {
    let expired = ExpiredToken::new();
    let fake = Fake::from_json(ANSWERS)
        .unwrap()
        .credential("token", expired.credential());
    expired.install(&fake.transport());
    let mock = fake.transport();
    let client = client(fake);
    let raw = call(&client, &GET_PET, "/pets/1").await;
    assert_eq!((raw.status, raw.attempts), (200, 2));
    assert_eq!((expired.refreshes(), expired.issued()), (1, 2));
    assert_eq!(mock.requests().len(), 2);
    // The next call uses the refreshed token: no more 401s.
    let raw = call(&client, &GET_PET, "/pets/2").await;
    assert_eq!((raw.attempts, expired.refreshes()), (1, 1));
}

#[test]
fn a_duplicate_delivery_is_two_identical_correctly_signed_deliveries() {
    let verifier = Verifier::standard_webhooks(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        .build()
        .unwrap();
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let body = br#"{"type":"pet.created","id":"evt_1"}"#;
    let [a, b] = scenario::duplicate_delivery(&verifier, "msg_1", body, at).unwrap();
    for d in [&a, &b] {
        verifier.verify(&d.headers, &d.body, at).unwrap();
        assert_eq!(
            verifier.event_id(&d.headers, &d.body).as_deref(),
            Some("msg_1")
        );
    }
    let mut tampered = b.clone();
    tampered.body = bytes::Bytes::from_static(b"{}");
    assert!(verifier
        .verify(&tampered.headers, &tampered.body, at)
        .is_err());
}
