//! Per-request overhead of the sturdy runtime against plain reqwest, on loopback; the runtime's
//! own work per call with a transport that answers at once (no socket); and the cost of one
//! retry decision. Prints a table; asserts nothing about time.
//!
//! Run: `cargo bench -p sturdy-runtime --bench overhead`
//!
//! Both clients call the same minimal keep-alive HTTP/1.1 server (a fixed 200 with a 2-byte
//! body) in the same process and run, interleaved request by request (in a rotating order)
//! so load on a shared machine hits both alike; the load average is printed with the table. The
//! sturdy client runs with its defaults (correlation id, spans, circuit breaker, adaptive
//! rate limiter, retry budget, health recording); no tracing subscriber is installed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sturdy_runtime::retry::{CallState, Failure, RetryPolicy};
use sturdy_runtime::transport::{
    ResponseBody, Transport, TransportFuture, TransportRequest, TransportResponse,
};
use sturdy_runtime::{
    Client, ErrorKind, Method, OperationMeta, Request, RequestOptions, RetryRules, Sent,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static PING: OperationMeta = OperationMeta::new("ping", Method::Get, "/ping");

const REQUESTS: usize = 5000;
const WARMUP: usize = 300;
/// The orders the three arms (0 plain, 1 careful, 2 sturdy) take turns in.
const ORDERS: [[u8; 3]; 6] = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [0, 2, 1],
    [2, 1, 0],
    [1, 0, 2],
];

/// The 1-minute load average and the number of CPUs, to print beside the figures.
fn loadavg() -> String {
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("load {load} on {cpus} CPUs")
}

/// A keep-alive server answering every request with the same 200.
async fn serve(listener: tokio::net::TcpListener) {
    const RESPONSE: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut buf = vec![0u8; 8192];
            let mut filled = 0usize;
            loop {
                let Ok(n) = stream.read(&mut buf[filled..]).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                filled += n;
                // Requests carry no body: each ends at the blank line.
                while let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                    if stream.write_all(RESPONSE).await.is_err() {
                        return;
                    }
                    buf.copy_within(end + 4..filled, 0);
                    filled -= end + 4;
                }
                if filled == buf.len() {
                    return;
                }
            }
        });
    }
}

/// Answers every request at once with what the loopback server sends.
struct AtOnce;

impl Transport for AtOnce {
    fn send(&self, _request: TransportRequest) -> TransportFuture {
        Box::pin(async {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                "content-type",
                http::HeaderValue::from_static("application/json"),
            );
            headers.insert("content-length", http::HeaderValue::from_static("2"));
            Ok(TransportResponse::new(
                200,
                headers,
                ResponseBody::from_bytes(sturdy_runtime::bytes::Bytes::from_static(b"{}")),
            ))
        })
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener));
        let base = format!("http://{addr}");
        let url = format!("{base}/ping");

        let plain = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("reqwest client");
        let sturdy = Client::builder().base_url(&base).build().expect("sturdy client");

        let plain_once = || async {
            let t = Instant::now();
            let resp = plain.get(&url).send().await.expect("plain send");
            let body = resp.bytes().await.expect("plain body");
            black_box(body);
            t.elapsed()
        };
        // What a careful hand-written call does at least: a per-attempt timeout and a
        // correlation id header.
        let careful_once = || async {
            let t = Instant::now();
            let id = sturdy_runtime::uuid::Uuid::new_v4().to_string();
            let fut = async {
                let resp = plain.get(&url).header("x-correlation-id", id).send().await?;
                resp.bytes().await
            };
            let body = tokio::time::timeout(Duration::from_secs(60), fut)
                .await
                .expect("in time")
                .expect("careful call");
            black_box(body);
            t.elapsed()
        };
        let sturdy_once = || async {
            let t = Instant::now();
            let raw = sturdy
                .execute(Request::new(&PING, "/ping".into()), RequestOptions::new())
                .await
                .expect("sturdy call");
            black_box(raw);
            t.elapsed()
        };

        for _ in 0..WARMUP {
            plain_once().await;
            careful_once().await;
            sturdy_once().await;
        }
        let mut plain_times = Vec::with_capacity(REQUESTS);
        let mut sturdy_times = Vec::with_capacity(REQUESTS);
        let mut careful_times = Vec::with_capacity(REQUESTS);
        let load_before = loadavg();
        for i in 0..REQUESTS {
            // One request of each arm per round, in a rotating order, so load spikes and
            // cache warmth hit all three alike.
            for arm in ORDERS[i % ORDERS.len()] {
                match arm {
                    0 => plain_times.push(plain_once().await),
                    1 => careful_times.push(careful_once().await),
                    _ => sturdy_times.push(sturdy_once().await),
                }
            }
        }
        let load_after = loadavg();
        plain_times.sort();
        sturdy_times.sort();
        careful_times.sort();
        let (p50c, p99c) = (percentile(&careful_times, 0.50), percentile(&careful_times, 0.99));

        let (p50a, p99a) = (percentile(&plain_times, 0.50), percentile(&plain_times, 0.99));
        let (p50b, p99b) = (percentile(&sturdy_times, 0.50), percentile(&sturdy_times, 0.99));
        let pct = |a: Duration, b: Duration| (us(b) - us(a)) / us(a) * 100.0;

        println!("Per-request latency on loopback, {REQUESTS} GETs each after {WARMUP} warm-up, same server and run,");
        println!("the three arms interleaved request by request; machine: {load_before} before, {load_after} after");
        println!("  plain   = reqwest::Client::get(url).send() + bytes()");
        println!("  careful = the same + tokio::time::timeout(60 s) + an x-correlation-id header (uuid v4)");
        println!("  sturdy  = sturdy_runtime::Client::execute (defaults: retries, breaker, limiter, budget, spans, health)");
        println!();
        println!("| client | p50 (µs) | p99 (µs) |");
        println!("|--------|---------:|---------:|");
        println!("| plain reqwest | {:.1} | {:.1} |", us(p50a), us(p99a));
        println!("| careful reqwest | {:.1} | {:.1} |", us(p50c), us(p99c));
        println!("| sturdy-runtime | {:.1} | {:.1} |", us(p50b), us(p99b));
        println!(
            "| overhead vs plain | {:+.1} ({:+.1}%) | {:+.1} ({:+.1}%) |",
            us(p50b) - us(p50a),
            pct(p50a, p50b),
            us(p99b) - us(p99a),
            pct(p99a, p99b)
        );
        println!(
            "| overhead vs careful | {:+.1} ({:+.1}%) | {:+.1} ({:+.1}%) |",
            us(p50b) - us(p50c),
            pct(p50c, p50b),
            us(p99b) - us(p99c),
            pct(p99c, p99b)
        );
        println!();
        println!("target: p50 overhead (vs plain) under 5%: {}", if pct(p50a, p50b) < 5.0 { "met" } else { "NOT met" });
    });

    // The runtime's own work per call, with a transport that answers at once.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let per_call = rt.block_on(async {
        let client = Client::builder()
            .base_url("http://127.0.0.1:9")
            .transport(std::sync::Arc::new(AtOnce))
            .build()
            .expect("sturdy client");
        const CALLS: u32 = 200_000;
        let t = Instant::now();
        for _ in 0..CALLS {
            let raw = client
                .execute(Request::new(&PING, "/ping".into()), RequestOptions::new())
                .await
                .expect("sturdy call");
            black_box(raw);
        }
        t.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS)
    });
    println!();
    println!("sturdy-runtime's own work per call (a transport that answers at once, no socket): {per_call:.0} ns");

    // The retry decision on its own.
    let policy = RetryPolicy::default();
    let rules = RetryRules {
        terminal_codes: &["insufficient_quota"],
        ..RetryRules::NONE
    };
    let failure = Failure {
        kind: ErrorKind::Server,
        status: Some(503),
        provider_code: Some("overloaded"),
        should_retry: None,
        retry_after: None,
        sent: Sent::Yes,
    };
    const N: u32 = 1_000_000;
    let t = Instant::now();
    for i in 0..N {
        let state = CallState {
            rules: &rules,
            replay_safe: true,
            attempts: 1 + (i & 1),
            remaining: None,
        };
        black_box(policy.decide(black_box(&failure), &state, black_box(0.5)));
    }
    let per = t.elapsed().as_secs_f64() * 1e9 / f64::from(N);
    let budget = sturdy_runtime::budget::RetryBudget::new();
    let t = Instant::now();
    for _ in 0..N {
        let taken = budget
            .try_acquire(black_box(ErrorKind::Server))
            .unwrap_or(0);
        budget.on_success(taken);
    }
    let per_budget = t.elapsed().as_secs_f64() * 1e9 / f64::from(N);
    println!();
    println!("| retry step ({N} iterations) | ns each |");
    println!("|---|---:|");
    println!("| RetryPolicy::decide (503, terminal-code list of 1) | {per:.1} |");
    println!("| RetryBudget::try_acquire + on_success | {per_budget:.1} |");
}
