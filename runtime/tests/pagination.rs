//! Pagination against wiremock servers that page a known list of items: every scheme with
//! 0, 1 and many pages, a repeated cursor, an empty last page with a cursor, a failure on
//! page 3 that is retried, resume from a saved position, and 100,000 items through GitHub's
//! `Link` header arriving exactly once, in order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use sturdy_runtime::paginate::{PageSpec, Paginated, Position};
use sturdy_runtime::time::ManualClock;
use sturdy_runtime::{Call, Client, Method, OperationMeta, Request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as WmRequest, Respond, ResponseTemplate};

static LIST: OperationMeta = OperationMeta::new("list", Method::Get, "/items");

fn client(server: &MockServer) -> Client {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    Client::builder()
        .base_url(server.uri())
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap()
}

fn list(
    client: &Client,
    spec: &'static PageSpec,
    extra: &[(&'static str, &str)],
) -> Paginated<Value, u64, std::convert::Infallible> {
    let mut req = Request::new(&LIST, "/items".into());
    for (k, v) in extra {
        req = req.query(k, *v);
    }
    Paginated::new(
        Call::new(client, req, sturdy_runtime::decode::json, |_, _| None),
        spec,
    )
}

fn q(req: &WmRequest, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Pages `total` items (0..total) `size` at a time, in the shape of `scheme`.
struct Pager {
    total: u64,
    size: u64,
    scheme: &'static str,
    calls: Arc<AtomicUsize>,
    /// Fail this call number (1-based) once with a 503.
    fail_call: Option<usize>,
    /// The server's URL, for next links.
    base: String,
}

impl Respond for Pager {
    fn respond(&self, req: &WmRequest) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if Some(n) == self.fail_call {
            return ResponseTemplate::new(503).insert_header("retry-after", "0");
        }
        let base = format!("{}{}", self.base, req.url.path());
        let start = match self.scheme {
            "stripe" => q(req, "starting_after")
                .map(|c| c.parse::<u64>().unwrap() + 1)
                .unwrap_or(0),
            "slack" | "token" => q(req, "cursor")
                .map(|c| c.trim_start_matches('c').parse().unwrap())
                .unwrap_or(0),
            "offset" => q(req, "offset").map(|c| c.parse().unwrap()).unwrap_or(0),
            "page" | "link" | "next" => {
                (q(req, "page")
                    .map(|c| c.parse::<u64>().unwrap())
                    .unwrap_or(1)
                    - 1)
                    * self.size
            }
            _ => 0,
        };
        let end = (start + self.size).min(self.total);
        let items: Vec<Value> = (start..end).map(|i| json!({"id": i})).collect();
        let ids: Vec<u64> = (start..end).collect();
        let more = end < self.total;
        let page = start / self.size + 1;
        match self.scheme {
            "stripe" => ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": items, "has_more": more})),
            "slack" => ResponseTemplate::new(200).set_body_json(json!({"ok": true, "members": items, "response_metadata": {"next_cursor": if more { format!("c{end}") } else { String::new() }}})),
            "offset" | "page" => ResponseTemplate::new(200).set_body_json(json!(ids)),
            "next" => ResponseTemplate::new(200).set_body_json(json!({"items": ids, "next": if more { Value::String(format!("{base}?page={}", page + 1)) } else { Value::Null }})),
            "link" => {
                let mut t = ResponseTemplate::new(200).set_body_json(json!(ids));
                if more {
                    t = t.insert_header("link", format!("<{base}?page={}&per_page={}>; rel=\"next\", <{base}?page=999>; rel=\"last\"", page + 1, self.size).as_str());
                }
                t
            }
            _ => ResponseTemplate::new(500),
        }
    }
}

static STRIPE: PageSpec = PageSpec::cursor("starting_after")
    .items("/data")
    .has_more("/has_more")
    .cursor_from_last_item("id");
static SLACK: PageSpec = PageSpec::cursor("cursor")
    .items("/members")
    .next_cursor("/response_metadata/next_cursor");
static OFFSET: PageSpec = PageSpec::offset("offset").limit_param("limit");
static PAGE: PageSpec = PageSpec::page_number("page", 1);
static NEXT: PageSpec = PageSpec::next_url("/next").items("/items");
static LINK: PageSpec = PageSpec::link_header();

async fn collect(
    scheme: &'static str,
    spec: &'static PageSpec,
    total: u64,
    size: u64,
    fail_call: Option<usize>,
) -> (Vec<u64>, usize) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(Pager {
            total,
            size,
            scheme,
            calls: calls.clone(),
            fail_call,
            base: server.uri(),
        })
        .mount(&server)
        .await;
    let c = client(&server);
    let limit = size.to_string();
    let extra: Vec<(&'static str, &str)> = if scheme == "offset" {
        vec![("limit", limit.as_str())]
    } else {
        vec![]
    };
    // Stripe and Slack items are objects; take the id out.
    let items: Vec<u64> = if matches!(scheme, "stripe" | "slack") {
        let req = Request::new(&LIST, "/items".into());
        let p: Paginated<Value, Value, std::convert::Infallible> = Paginated::new(
            Call::new(&c, req, sturdy_runtime::decode::json, |_, _| None),
            spec,
        );
        p.items()
            .map_ok(|v| v["id"].as_u64().unwrap())
            .try_collect()
            .await
            .unwrap()
    } else {
        list(&c, spec, &extra).items().try_collect().await.unwrap()
    };
    (items, calls.load(Ordering::SeqCst))
}

#[tokio::test]
async fn every_scheme_with_zero_one_and_many_pages() {
    for (scheme, spec) in [
        ("stripe", &STRIPE),
        ("slack", &SLACK),
        ("offset", &OFFSET),
        ("page", &PAGE),
        ("next", &NEXT),
        ("link", &LINK),
    ] {
        for (total, size) in [(0u64, 10u64), (7, 10), (95, 10)] {
            let (items, calls) = collect(scheme, spec, total, size, None).await;
            assert_eq!(
                items,
                (0..total).collect::<Vec<_>>(),
                "{scheme} total {total}"
            );
            let pages = total.div_ceil(size).max(1) as usize;
            // Offset and page-number paging need one more (empty or short) request to know the end,
            // except when a short page ends it.
            assert!(
                calls == pages || calls == pages + 1,
                "{scheme} total {total}: {calls} calls for {pages} pages"
            );
        }
    }
}

#[tokio::test]
async fn a_page_number_list_starts_at_the_callers_page() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .respond_with(Pager {
            total: 95,
            size: 10,
            scheme: "page",
            calls: calls.clone(),
            fail_call: None,
            base: server.uri(),
        })
        .mount(&server)
        .await;
    let c = client(&server);
    let items: Vec<u64> = list(&c, &PAGE, &[("page", "5")])
        .items()
        .try_collect()
        .await
        .unwrap();
    // Pages 5..=10 once each, then the empty page 11 ends it.
    assert_eq!(items, (40..95).collect::<Vec<_>>());
    let pages: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| q(r, "page"))
        .collect();
    let expected: Vec<Option<String>> = (5..=11).map(|n| Some(n.to_string())).collect();
    assert_eq!(pages, expected);
}

#[tokio::test]
async fn a_failure_on_page_three_is_retried() {
    let (items, calls) = collect("link", &LINK, 50, 10, Some(3)).await;
    assert_eq!(items, (0..50).collect::<Vec<_>>());
    assert_eq!(calls, 6, "5 pages plus one retried request");
}

#[tokio::test]
async fn a_repeated_cursor_stops_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"members": [1, 2], "response_metadata": {"next_cursor": "same"}}),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let items: Vec<u64> = list(&c, &SLACK, &[]).items().try_collect().await.unwrap();
    // Page 1 (cursor "same"), page 2 repeats "same": stop after it.
    assert_eq!(items, vec![1, 2, 1, 2]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_empty_page_with_a_cursor_stops_the_stream() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    struct EmptyThenCursor(Arc<AtomicUsize>);
    impl Respond for EmptyThenCursor {
        fn respond(&self, _: &WmRequest) -> ResponseTemplate {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            let members: Vec<u64> = if n == 0 { vec![1] } else { vec![] };
            ResponseTemplate::new(200).set_body_json(
                json!({"members": members, "response_metadata": {"next_cursor": format!("c{n}")}}),
            )
        }
    }
    Mock::given(method("GET"))
        .respond_with(EmptyThenCursor(calls.clone()))
        .mount(&server)
        .await;
    let c = client(&server);
    let items: Vec<u64> = list(&c, &SLACK, &[]).items().try_collect().await.unwrap();
    assert_eq!(items, vec![1]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn resume_from_a_saved_position() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .respond_with(Pager {
            total: 30,
            size: 10,
            scheme: "link",
            calls: calls.clone(),
            fail_call: None,
            base: server.uri(),
        })
        .mount(&server)
        .await;
    let c = client(&server);
    // Read one page and keep its position, as an application would before a crash.
    let mut pages = Box::pin(list(&c, &LINK, &[]).pages());
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(
        first.response.body(),
        &json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    );
    let saved = serde_json::to_string(&first.next).unwrap();
    drop(pages);
    let position: Position = serde_json::from_str(&saved).unwrap();
    let rest: Vec<u64> = list(&c, &LINK, &[])
        .resume(position)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, (10..30).collect::<Vec<_>>());
    // The first page alone, as a plain call.
    let one = list(&c, &LINK, &[]).await.unwrap();
    assert_eq!(one.body().as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn github_link_header_streams_100k_items_once_in_order() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .respond_with(Pager {
            total: 100_000,
            size: 100,
            scheme: "link",
            calls: calls.clone(),
            fail_call: None,
            base: server.uri(),
        })
        .mount(&server)
        .await;
    let c = client(&server);
    let mut expected = 0u64;
    let mut stream = Box::pin(list(&c, &LINK, &[]).items());
    while let Some(item) = stream.next().await {
        assert_eq!(item.unwrap(), expected, "out of order or duplicated");
        expected += 1;
    }
    assert_eq!(expected, 100_000);
    assert_eq!(calls.load(Ordering::SeqCst), 1000);
}
