//! Drift signals end to end, against a wiremock server: what generated decoding reports is
//! counted once per call under the operation and spec pointer, reports of a union variant
//! that is not chosen are not, and `Deprecation`/`Sunset` headers show on the response and in
//! the report. The rate limit of the warnings is tested in `drift_warnings.rs`.

use std::time::{Duration, UNIX_EPOCH};

use futures::TryStreamExt;
use serde_json::{json, Value};
use sturdy_runtime::drift::DriftKind;
use sturdy_runtime::paginate::{PageSpec, Paginated};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{Call, Client, Method, OperationMeta, Request, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/drift_model.rs"]
mod model;

use model::{Account, CustomerOrId, Status};

static GET_CUSTOMER: OperationMeta =
    OperationMeta::new("getCustomer", Method::Get, "/customers/{id}");
static GET_ACCOUNT: OperationMeta = OperationMeta::new("getAccount", Method::Get, "/accounts/{id}");
static LIST_STATUSES: OperationMeta = OperationMeta::new("listStatuses", Method::Get, "/statuses");
static GET_WIDGET: OperationMeta = OperationMeta::new("getWidget", Method::Get, "/widgets/{id}");

const START: u64 = 1_700_000_000;

fn client(server: &MockServer, clock: &ManualClock) -> Client {
    Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.5))
        .retry(RetryPolicy::new().max_retries(0))
        .build()
        .unwrap()
}

fn call<T>(client: &Client, op: &'static OperationMeta, path: &str) -> Call<T, Value>
where
    T: serde::de::DeserializeOwned,
{
    Call::new(
        client,
        Request::new(op, path.into()),
        sturdy_runtime::decode::json,
        |_, b| serde_json::from_slice(b).ok(),
    )
}

async fn serve(server: &MockServer, at: &str, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(answer)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_catch_all_decode_counts_once_per_call_under_its_operation_and_pointer() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/customers/1",
        ResponseTemplate::new(200).set_body_json(json!({"kind": 42})),
    )
    .await;
    serve(
        &server,
        "/customers/2",
        ResponseTemplate::new(200).set_body_json(json!("cus_2")),
    )
    .await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(START));
    let client = client(&server, &clock);
    for _ in 0..2 {
        let got = call::<CustomerOrId>(&client, &GET_CUSTOMER, "/customers/1")
            .await
            .unwrap();
        assert_eq!(*got.body(), CustomerOrId::Other(json!({"kind": 42})));
        clock.advance(Duration::from_secs(5));
    }
    let got = call::<CustomerOrId>(&client, &GET_CUSTOMER, "/customers/2")
        .await
        .unwrap();
    assert_eq!(*got.body(), CustomerOrId::String("cus_2".into()));

    let report = client.drift();
    assert_eq!(report.len(), 1, "{report}");
    let e = report.iter().next().unwrap();
    assert_eq!(e.operation, "getCustomer");
    assert_eq!(e.pointer, "#/components/schemas/CustomerOrId");
    assert_eq!(
        (e.kind, e.type_name, e.count),
        (DriftKind::CatchAll, "CustomerOrId", 2)
    );
    // The payload's shape, not its values.
    assert_eq!(e.sample.as_deref(), Some("{kind}"));
    assert_eq!(e.first_seen, UNIX_EPOCH + Duration::from_secs(START));
    assert_eq!(e.last_seen, UNIX_EPOCH + Duration::from_secs(START + 5));
    // A clone of the client shares the counts.
    assert_eq!(client.clone().drift(), report);
}

#[tokio::test]
async fn a_report_from_a_variant_that_is_not_chosen_is_not_counted() {
    let server = MockServer::start().await;
    // The typed variant decodes (status unknown: a report) but drops `meta.tier`; the loose
    // one reproduces the payload and wins.
    let body = json!({"id": "acc_1", "status": "paused", "meta": {"region": "eu", "tier": 2}});
    serve(
        &server,
        "/accounts/1",
        ResponseTemplate::new(200).set_body_json(&body),
    )
    .await;
    let clock = ManualClock::new(UNIX_EPOCH);
    let client = client(&server, &clock);
    let got = call::<Account>(&client, &GET_ACCOUNT, "/accounts/1")
        .await
        .unwrap();
    assert!(matches!(got.body(), Account::LooseAccount(_)), "{got:?}");
    assert!(client.drift().is_empty(), "{}", client.drift());
}

#[tokio::test]
async fn unknown_enum_values_are_counted_with_the_last_sample() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/statuses",
        ResponseTemplate::new(200).set_body_json(json!(["active", "paused", "frozen"])),
    )
    .await;
    let clock = ManualClock::new(UNIX_EPOCH);
    let client = client(&server, &clock);
    let got = call::<Vec<Status>>(&client, &LIST_STATUSES, "/statuses")
        .await
        .unwrap();
    assert_eq!(got.body()[2], Status::Unknown("frozen".into()));
    let report = client.drift();
    let e = report.iter().next().unwrap();
    assert_eq!(
        (e.operation, e.pointer.as_str()),
        ("listStatuses", "#/components/schemas/Status")
    );
    assert_eq!((e.kind, e.count), (DriftKind::UnknownEnumValue, 2));
    assert_eq!(e.sample.as_deref(), Some("frozen"));
    // The same values decoded by user code, outside any call, are not counted.
    let _: Vec<Status> = serde_json::from_value(json!(["paused"])).unwrap();
    assert_eq!(
        client
            .drift()
            .count("listStatuses", DriftKind::UnknownEnumValue),
        2
    );
}

#[tokio::test]
async fn page_items_are_decoded_in_the_operations_scope() {
    static ITEMS: PageSpec = PageSpec::next_url("/next").items("/items");
    let server = MockServer::start().await;
    serve(
        &server,
        "/statuses",
        ResponseTemplate::new(200)
            .set_body_json(json!({"items": ["paused", "active", "gone"], "next": null})),
    )
    .await;
    let clock = ManualClock::new(UNIX_EPOCH);
    let client = client(&server, &clock);
    let pages: Paginated<Value, Status, Value> =
        Paginated::new(call::<Value>(&client, &LIST_STATUSES, "/statuses"), &ITEMS);
    let items: Vec<Status> = pages.items().try_collect().await.unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        client
            .drift()
            .count("listStatuses", DriftKind::UnknownEnumValue),
        2
    );
}

#[tokio::test]
async fn deprecation_and_sunset_show_on_the_response_and_in_the_report() {
    let server = MockServer::start().await;
    let link = r#"<https://api.example.com/docs/deprecations>; rel="deprecation"; type="text/html", <https://api.example.com/docs/sunset>; rel="sunset""#;
    serve(
        &server,
        "/widgets/1",
        ResponseTemplate::new(200)
            .insert_header("deprecation", "@1688169599")
            .insert_header("sunset", "Wed, 11 Nov 2026 23:59:59 GMT")
            .insert_header("link", link)
            .set_body_json(json!({})),
    )
    .await;
    serve(
        &server,
        "/widgets/2",
        ResponseTemplate::new(404)
            .insert_header("deprecation", "true")
            .set_body_json(json!({"error": "gone"})),
    )
    .await;
    serve(
        &server,
        "/widgets/3",
        ResponseTemplate::new(200)
            .insert_header("deprecation", "not a date")
            .set_body_json(json!({})),
    )
    .await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(START));
    let client = client(&server, &clock);
    let got = call::<Value>(&client, &GET_WIDGET, "/widgets/1")
        .await
        .unwrap();
    let d = got.deprecation().expect("deprecated");
    assert!(d.deprecated);
    assert_eq!(d.since, Some(UNIX_EPOCH + Duration::from_secs(1688169599)));
    assert_eq!(d.sunset, Some(UNIX_EPOCH + Duration::from_secs(1794441599)));
    assert_eq!(
        d.link.as_deref(),
        Some("https://api.example.com/docs/deprecations")
    );
    assert_eq!(
        d.sunset_link.as_deref(),
        Some("https://api.example.com/docs/sunset")
    );
    // An error response counts too; a value that is not a deprecation does not.
    let err = call::<Value>(&client, &GET_WIDGET, "/widgets/2")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    let got = call::<Value>(&client, &GET_WIDGET, "/widgets/3")
        .await
        .unwrap();
    assert_eq!(got.deprecation(), None);

    let report = client.drift();
    let rows: Vec<_> = report
        .iter()
        .map(|e| {
            (
                e.operation,
                e.pointer.as_str(),
                e.kind,
                e.count,
                e.sample.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "getWidget",
                "#/paths/~1widgets~1{id}/get",
                DriftKind::Deprecated,
                2,
                Some("true")
            ),
            (
                "getWidget",
                "#/paths/~1widgets~1{id}/get",
                DriftKind::Sunset,
                1,
                Some("Wed, 11 Nov 2026 23:59:59 GMT")
            ),
        ]
    );
    let table = report.to_string();
    assert!(
        table.contains("deprecated") && table.contains("sunset"),
        "{table}"
    );
}

#[tokio::test]
async fn stream_events_are_decoded_in_the_operations_scope() {
    use futures::StreamExt;
    use sturdy_runtime::stream::{decode, SseCall};
    static EVENTS: OperationMeta = OperationMeta::new("watchStatus", Method::Get, "/events");
    let server = MockServer::start().await;
    serve(
        &server,
        "/events",
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_string("data: \"paused\"\n\ndata: \"active\"\n\ndata: \"stopped\"\n\n"),
    )
    .await;
    let clock = ManualClock::new(UNIX_EPOCH);
    let client = client(&server, &clock);
    let request = Request::new(&EVENTS, "/events".into());
    let stream = SseCall::new(&client, request, decode::json::<Status>)
        .await
        .unwrap();
    let events: Vec<_> = stream.collect().await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(
        client
            .drift()
            .count("watchStatus", DriftKind::UnknownEnumValue),
        2
    );
}
