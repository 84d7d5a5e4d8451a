//! Streaming 1,000,000 small items through `Paginated::items()` from a loopback server
//! (wiremock, `Link` header pagination, 1,000 items a page): items per second and peak
//! memory. Compared: the stream against the same pages fetched and decoded by hand with
//! plain reqwest + serde_json (no pagination layer), in the same run.

use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use sturdy_runtime::paginate::{PageSpec, Paginated};
use sturdy_runtime::{Call, Client, Method, OperationMeta, Request};
use wiremock::{Mock, MockServer, Request as WmRequest, Respond, ResponseTemplate};

const TOTAL: u64 = 1_000_000;
const PAGE: u64 = 1_000;

struct Pages(String);

impl Respond for Pages {
    fn respond(&self, req: &WmRequest) -> ResponseTemplate {
        let page: u64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let start = (page - 1) * PAGE;
        let end = (start + PAGE).min(TOTAL);
        let body: Vec<serde_json::Value> = (start..end)
            .map(|i| serde_json::json!({"id": i, "name": "item"}))
            .collect();
        let mut t = ResponseTemplate::new(200).set_body_json(body);
        if end < TOTAL {
            t = t.insert_header(
                "link",
                format!("<{}/items?page={}>; rel=\"next\"", self.0, page + 1).as_str(),
            );
        }
        t
    }
}

#[derive(serde::Deserialize)]
struct Item {
    id: u64,
    #[allow(dead_code)]
    name: String,
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

static LIST: OperationMeta = OperationMeta::new("list", Method::Get, "/items");
static SPEC: PageSpec = PageSpec::link_header();

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::method("GET")).respond_with(Pages(server.uri())).mount(&server).await;
        let rss_before = peak_rss_mib();

        // Plain reqwest: the same pages, decoded by hand.
        let http = reqwest::Client::new();
        let t = Instant::now();
        let mut n = 0u64;
        let mut url = Some(format!("{}/items?page=1", server.uri()));
        while let Some(u) = url.take() {
            let resp = http.get(&u).send().await.unwrap();
            url = resp.headers().get("link").and_then(|v| v.to_str().ok()).and_then(sturdy_runtime::paginate::next_link);
            let items: Vec<Item> = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            n += items.len() as u64;
        }
        let plain = t.elapsed();
        assert_eq!(n, TOTAL);

        let clock = sturdy_runtime::time::ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1));
        let client = Client::builder().base_url(server.uri()).time_source(clock.time_source(0.0)).build().unwrap();
        let t = Instant::now();
        let call: Call<serde_json::Value, std::convert::Infallible> = Call::new(&client, Request::new(&LIST, "/items".into()), sturdy_runtime::decode::json, |_, _| None);
        let mut stream = Box::pin(Paginated::<_, Item, _>::new(call, &SPEC).items());
        let mut count = 0u64;
        let mut last = None;
        while let Some(item) = stream.next().await {
            let item = item.unwrap();
            count += 1;
            last = Some(item.id);
        }
        let sturdy = t.elapsed();
        assert_eq!(count, TOTAL);
        assert_eq!(last, Some(TOTAL - 1));
        let rss_after = peak_rss_mib();
        println!("streaming {TOTAL} items ({PAGE} a page, 1,000 requests) from a loopback wiremock server");
        println!("| client | time s | items/s |");
        println!("|---|---|---|");
        println!("| plain reqwest + serde_json, pages by hand | {:.2} | {:.0} |", plain.as_secs_f64(), TOTAL as f64 / plain.as_secs_f64());
        println!("| sturdy Paginated::items() | {:.2} | {:.0} |", sturdy.as_secs_f64(), TOTAL as f64 / sturdy.as_secs_f64());
        println!("peak RSS: {rss_before:.0} MiB before, {rss_after:.0} MiB after (one page held at a time; the server's own pages count too)");
    });
}
