//! Server-sent events and byte streams against a loopback axum server:
//!
//! - 1,000,000 small events (`data: {"id":N,"delta":"word"}`) decoded into a struct through
//!   `SseCall`, against bare reqwest + the same SSE parser (`eventsource-stream`) + serde_json:
//!   events per second and peak memory, each in its own process so the peaks are separate.
//! - A 1 GiB download through `DownloadCall`: throughput and peak memory (flat: the body is
//!   never buffered).
//!
//! `cargo bench -p sturdy-runtime --bench sse` (prints a table).

use std::time::Instant;

use axum::body::Body;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use futures::StreamExt;
use sturdy_runtime::stream::{decode, DownloadCall, SseCall};
use sturdy_runtime::{Client, Method, OperationMeta, Request};

const EVENTS: u64 = 1_000_000;
const BATCH: u64 = 1_000;
const GIB: u64 = 1 << 30;
const CHUNK: usize = 256 * 1024;

static EVENTS_OP: OperationMeta = OperationMeta::new("events", Method::Post, "/events");
static FILE_OP: OperationMeta = OperationMeta::new("file", Method::Get, "/file");

#[derive(serde::Deserialize)]
struct Chunk {
    id: u64,
    #[allow(dead_code)]
    delta: String,
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The events in batches of rendered SSE text, then `[DONE]`.
fn events_body() -> Response {
    let batches = futures::stream::iter(0..EVENTS / BATCH).map(|b| {
        let mut s = String::with_capacity(40 * BATCH as usize);
        for i in b * BATCH..(b + 1) * BATCH {
            s.push_str(&format!("data: {{\"id\":{i},\"delta\":\"word\"}}\n\n"));
        }
        if b + 1 == EVENTS / BATCH {
            s.push_str("data: [DONE]\n\n");
        }
        Ok::<_, std::io::Error>(Bytes::from(s))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(batches))
        .unwrap()
}

fn file_body() -> Response {
    let zeros = Bytes::from(vec![0u8; CHUNK]);
    let n = GIB / CHUNK as u64;
    let chunks = futures::stream::iter(0..n).map(move |_| Ok::<_, std::io::Error>(zeros.clone()));
    Response::builder()
        .header("content-length", GIB.to_string())
        .body(Body::from_stream(chunks))
        .unwrap()
}

async fn server() -> String {
    let app = Router::new()
        .route("/events", post(|| async { events_body() }))
        .route("/file", get(|| async { file_body() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Runs one mode in this process and prints `seconds peak_mib count`.
async fn run(mode: &str) {
    let base = server().await;
    let start = Instant::now();
    let count = match mode {
        "sturdy" => {
            let c = Client::builder().base_url(&base).build().unwrap();
            let mut s = SseCall::new(
                &c,
                Request::new(&EVENTS_OP, "/events".into()),
                decode::json::<Chunk>,
            )
            .await
            .unwrap();
            let mut n = 0u64;
            while let Some(e) = s.next().await {
                assert_eq!(e.unwrap().id, n);
                n += 1;
            }
            n
        }
        "bare" => {
            use eventsource_stream::Eventsource;
            let resp = reqwest::Client::new()
                .post(format!("{base}/events"))
                .send()
                .await
                .unwrap();
            let mut s = resp.bytes_stream().eventsource();
            let mut n = 0u64;
            while let Some(e) = s.next().await {
                let e = e.unwrap();
                if e.data == "[DONE]" {
                    break;
                }
                let c: Chunk = serde_json::from_str(&e.data).unwrap();
                assert_eq!(c.id, n);
                n += 1;
            }
            n
        }
        "download" => {
            let c = Client::builder().base_url(&base).build().unwrap();
            let mut s = DownloadCall::new(&c, Request::new(&FILE_OP, "/file".into()))
                .await
                .unwrap();
            let mut n = 0u64;
            while let Some(chunk) = s.next().await {
                n += chunk.unwrap().len() as u64;
            }
            assert_eq!(n, GIB);
            n
        }
        other => panic!("unknown mode {other}"),
    };
    println!(
        "{} {} {}",
        start.elapsed().as_secs_f64(),
        peak_rss_mib(),
        count
    );
}

fn child(mode: &str) -> (f64, f64, u64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--mode", mode])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Vec<&str> = line.split_whitespace().collect();
    (
        v[0].parse().unwrap(),
        v[1].parse().unwrap(),
        v[2].parse().unwrap(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--mode") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        return rt.block_on(run(&args[i + 1]));
    }
    println!("| run | count | seconds | rate | peak RSS |");
    println!("|---|---|---|---|---|");
    for (mode, label) in [
        ("bare", "reqwest + eventsource-stream + serde_json"),
        ("sturdy", "sturdy SseCall (decode::json)"),
    ] {
        let (secs, peak, n) = child(mode);
        println!(
            "| {label} | {n} events | {secs:.2} | {:.0} events/s | {peak:.1} MiB |",
            n as f64 / secs
        );
    }
    let (secs, peak, n) = child("download");
    println!(
        "| sturdy DownloadCall | {} MiB | {secs:.2} | {:.0} MiB/s | {peak:.1} MiB |",
        n >> 20,
        (n >> 20) as f64 / secs
    );
}
