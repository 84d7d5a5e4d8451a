//! End-to-end fault test: sturdy-runtime → mockttp fault proxy → a loopback server written
//! here that creates one resource per `Idempotency-Key` and replays the stored result for a
//! repeated key.
//!
//! 300 POSTs run in batches of 20 under mixed faults armed on the proxy: connection resets
//! and closes before the server sees the request, resets and closes AFTER the server applied
//! it (the dangerous case: the write happened, the client saw nothing), 503s, 429s with
//! `Retry-After: 1`, a hung connection, a truncated body. Every call must succeed or return a
//! classified error, and no logical call may create two resources.
//!
//! Needs node and mockttp 4.6.5 (`tests/peers/install.sh`); under CI (`CI=true`) a missing
//! peer fails the test, elsewhere it prints `SKIP` and passes without them. Every process
//! and server started here is stopped on drop.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use sturdy_runtime::breaker::BreakerConfig;
use sturdy_runtime::budget::RetryBudget;
use sturdy_runtime::{
    Client, ErrorKind, Method, OperationMeta, Request, RequestOptions, RetryPolicy,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CALLS: usize = 300;
const BATCH: usize = 20;

static CREATE_ITEM: OperationMeta =
    OperationMeta::new("createItem", Method::Post, "/items").idempotency_header("Idempotency-Key");

/// What the upstream server saw and created.
#[derive(Default)]
struct Store {
    /// Key → (resource id, call number from the body).
    by_key: BTreeMap<String, (u64, u64)>,
    /// Call number → resources created for it (must never exceed 1).
    per_call: BTreeMap<u64, Vec<u64>>,
    posts: u64,
    replays: u64,
    keyless: u64,
    next_id: u64,
}

async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
    store: Arc<Mutex<Store>>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_create = req.method() == hyper::Method::POST && req.uri().path() == "/items";
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let reply = |status: u16, text: String| {
        let mut r = hyper::Response::new(Full::new(Bytes::from(text)));
        *r.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        r.headers_mut().insert(
            "content-type",
            hyper::header::HeaderValue::from_static("application/json"),
        );
        Ok(r)
    };
    if !is_create {
        return reply(404, r#"{"error":"not found"}"#.into());
    }
    let n = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("n").and_then(|n| n.as_u64()));
    let Some(n) = n else {
        return reply(400, r#"{"error":"body needs n"}"#.into());
    };
    let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
    s.posts += 1;
    let Some(key) = key else {
        s.keyless += 1;
        return reply(400, r#"{"error":"Idempotency-Key required"}"#.into());
    };
    if let Some((id, stored_n)) = s.by_key.get(&key).copied() {
        s.replays += 1;
        return reply(
            200,
            format!(r#"{{"id":{id},"n":{stored_n},"replayed":true}}"#),
        );
    }
    s.next_id += 1;
    let id = s.next_id;
    s.by_key.insert(key, (id, n));
    s.per_call.entry(n).or_default().push(id);
    reply(201, format!(r#"{{"id":{id},"n":{n}}}"#))
}

/// The upstream server; aborted on drop.
struct Upstream {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start_upstream(store: Arc<Mutex<Store>>) -> Upstream {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let port = listener.local_addr().expect("upstream addr").port();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(req, store.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Upstream { port, task }
}

/// The node proxy process; killed on drop.
struct Proxy {
    child: Child,
    port: u16,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn peer_modules() -> Option<PathBuf> {
    let modules = workspace_root().join("target/peers/faults/node_modules");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success());
    if !matches!(node, Ok(true)) {
        sturdy_tests::missing_peer("faults: `node` is not installed");
        return None;
    }
    if !modules.join("mockttp/package.json").exists() {
        sturdy_tests::missing_peer(&format!(
            "faults: mockttp is not installed in {}; run tests/peers/install.sh",
            modules.display()
        ));
        return None;
    }
    Some(modules)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn start_proxy(modules: &Path, upstream: u16) -> Proxy {
    let port = free_port();
    let script = workspace_root().join("tests/peers/mockttp-faults.js");
    let child = Command::new("node")
        .arg(&script)
        .env("PORT", port.to_string())
        .env("UPSTREAM", format!("http://127.0.0.1:{upstream}"))
        .env("NODE_PATH", modules)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn node");
    let mut proxy = Proxy { child, port };
    let started = Instant::now();
    loop {
        // Ready when the control endpoint answers (not merely when the port is open).
        if let Ok(resp) = raw_request(port, "GET", "/__seen").await {
            if resp.starts_with("HTTP/1.1 200") {
                return proxy;
            }
        }
        if let Ok(Some(status)) = proxy.child.try_wait() {
            panic!("mockttp proxy exited early: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "mockttp proxy did not start within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A bare HTTP/1.1 request to the proxy's control endpoints.
async fn raw_request(port: u16, method: &str, target: &str) -> std::io::Result<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

async fn arm(port: u16, query: &str) {
    let resp = raw_request(port, "POST", &format!("/__fault?path=/items&{query}"))
        .await
        .expect("arm fault");
    assert!(
        resp.starts_with("HTTP/1.1 204"),
        "arming `{query}` failed: {resp}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_duplicates_under_mixed_faults() {
    let Some(modules) = peer_modules() else {
        return;
    };
    let store = Arc::new(Mutex::new(Store::default()));
    let upstream = start_upstream(store.clone()).await;
    let proxy = start_proxy(&modules, upstream.port).await;

    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{}", proxy.port))
        .attempt_timeout(Duration::from_secs(1))
        .retry(
            RetryPolicy::new()
                .max_retries(6)
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(100))
                .max_retry_after(Duration::from_secs(2)),
        )
        // This test is about replay safety; the breaker and budget have their own tests and
        // would (correctly) start failing calls fast under a fault rate this high.
        .circuit_breaker(BreakerConfig::disabled())
        .retry_budget(Some(RetryBudget::new().capacity(100_000)))
        .build()
        .expect("client");

    let started = Instant::now();
    let mut results = Vec::with_capacity(CALLS);
    for (b, chunk) in (0..CALLS).collect::<Vec<_>>().chunks(BATCH).enumerate() {
        arm(proxy.port, "kind=applied_close&count=2").await;
        arm(proxy.port, "kind=reset&count=1").await;
        arm(proxy.port, "kind=status&code=503&count=2").await;
        arm(proxy.port, "kind=applied_reset&count=2").await;
        arm(proxy.port, "kind=close&count=1").await;
        arm(proxy.port, "kind=midbody&count=1").await;
        if b % 3 == 0 {
            arm(proxy.port, "kind=status&code=429&retry_after=1&count=1").await;
        }
        if b % 5 == 0 {
            arm(proxy.port, "kind=timeout&count=1").await;
        }
        let calls = chunk.iter().map(|&n| {
            let client = &client;
            async move {
                let req = Request::new(&CREATE_ITEM, "/items".into())
                    .json(&serde_json::json!({ "n": n }));
                (n as u64, client.execute(req, RequestOptions::new()).await)
            }
        });
        results.extend(futures::future::join_all(calls).await);
        // Drop whatever was armed and not used, so batches do not bleed into each other.
        let _ = raw_request(proxy.port, "POST", "/__clear").await;
    }
    let elapsed = started.elapsed();

    let store = store.lock().unwrap_or_else(|p| p.into_inner());
    let mut ok = 0usize;
    let mut retried_ok = 0usize;
    let mut errors: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (n, result) in &results {
        match result {
            Ok(raw) => {
                ok += 1;
                if raw.attempts > 1 {
                    retried_ok += 1;
                }
                let body: serde_json::Value = serde_json::from_slice(&raw.body).expect("json body");
                let key = raw.idempotency_key.as_deref().expect("key on the response");
                let (id, stored_n) = store
                    .by_key
                    .get(key)
                    .copied()
                    .expect("the server stored the key");
                assert_eq!(
                    body["id"].as_u64(),
                    Some(id),
                    "call {n}: the replay returns the stored resource"
                );
                assert_eq!(stored_n, *n, "call {n}: its key belongs to it");
            }
            Err(e) => {
                assert!(
                    matches!(
                        e.kind(),
                        ErrorKind::Timeout
                            | ErrorKind::Network
                            | ErrorKind::Server
                            | ErrorKind::RateLimited
                            | ErrorKind::Connect
                            | ErrorKind::BudgetExhausted
                    ),
                    "call {n}: unclassified failure {e:?}"
                );
                assert!(
                    e.idempotency_key().is_some(),
                    "call {n}: the error carries the key"
                );
                assert!(e.attempts() >= 1);
                *errors.entry(e.kind().as_str()).or_default() += 1;
            }
        }
    }
    let duplicates: Vec<(&u64, &Vec<u64>)> = store
        .per_call
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    eprintln!(
        "faults: {CALLS} calls in {:.1}s: {ok} ok ({retried_ok} after retries), errors {errors:?}; \
         server saw {} POSTs, {} replays of a stored key, {} resources, {} duplicates",
        elapsed.as_secs_f64(),
        store.posts,
        store.replays,
        store.by_key.len(),
        duplicates.len()
    );
    assert!(
        duplicates.is_empty(),
        "logical calls that created more than one resource: {duplicates:?}"
    );
    assert_eq!(store.keyless, 0, "every POST carried a key");
    assert_eq!(results.len(), CALLS);
    assert!(
        store.replays > 0,
        "the after-apply faults were exercised: some keys were replayed"
    );
    assert!(retried_ok > 0, "some calls succeeded only after retries");
    assert!(
        ok * 10 >= CALLS * 9,
        "at least 90% succeed with 6 retries: {ok}/{CALLS}"
    );
    assert!(store.by_key.len() >= ok, "every success has its resource");
    drop(proxy);
    drop(upstream);
}

/// Runs `n` concurrent creates (calls `first..first + n`) through `client`.
async fn creates(
    client: &Client,
    first: u64,
    n: u64,
) -> Vec<(
    u64,
    Result<sturdy_runtime::RawResponse, sturdy_runtime::Error>,
)> {
    let calls = (first..first + n).map(|n| {
        let client = client.clone();
        async move {
            let req =
                Request::new(&CREATE_ITEM, "/items".into()).json(&serde_json::json!({ "n": n }));
            (n, client.execute(req, RequestOptions::new()).await)
        }
    });
    futures::future::join_all(calls).await
}

/// Items 1 and 4 of "Truthful reliability semantics" through the fault proxy: a burst of
/// 503s that retries resolve leaves the default breaker closed, and when every first attempt
/// is applied upstream and then dropped and the retries are refused by the client itself,
/// every error says the write may have been applied: what the server applied is checked
/// against what the errors say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_breaker_tell_the_truth_under_faults() {
    use sturdy_runtime::Sent;
    let Some(modules) = peer_modules() else {
        return;
    };
    let store = Arc::new(Mutex::new(Store::default()));
    let upstream = start_upstream(store.clone()).await;
    let proxy = start_proxy(&modules, upstream.port).await;
    let base = format!("http://127.0.0.1:{}", proxy.port);
    let retry = RetryPolicy::new()
        .max_retries(4)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50));

    // 16 concurrent writes meet 32 injected 503s; default breaker and budget.
    let client = Client::builder()
        .base_url(&base)
        .attempt_timeout(Duration::from_secs(2))
        .retry(retry.clone())
        .build()
        .expect("client");
    arm(proxy.port, "kind=status&code=503&count=32").await;
    let results = creates(&client, 0, 16).await;
    let failed: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    assert!(
        failed.is_empty(),
        "a burst that retries resolve: {failed:?}"
    );
    let host = format!("127.0.0.1:{}", proxy.port);
    assert_eq!(
        client.circuit_state(&host),
        sturdy_runtime::breaker::CircuitState::Closed
    );
    assert_eq!(store.lock().unwrap().by_key.len(), 16);

    // Every first attempt is applied, then its connection closes; the client-side limiter
    // (burst 16, then one request per 100 s) refuses every retry.
    let _ = raw_request(proxy.port, "POST", "/__clear").await;
    let client = Client::builder()
        .base_url(&base)
        .attempt_timeout(Duration::from_secs(2))
        .retry(retry.max_retry_after(Duration::from_secs(1)))
        .rate_limit(0.01, 16)
        .build()
        .expect("client");
    arm(proxy.port, "kind=applied_close&count=16").await;
    let results = creates(&client, 100, 16).await;
    let store = store.lock().unwrap_or_else(|p| p.into_inner());
    let mut said_unsent_but_applied = Vec::new();
    for (n, result) in &results {
        let applied = store.per_call.get(n).map_or(0, Vec::len);
        match result {
            Ok(_) => {}
            Err(e) => {
                if applied > 0 && e.sent() == Sent::No {
                    said_unsent_but_applied.push((*n, e.to_string()));
                }
                assert!(
                    applied == 0 || !e.to_string().contains("nothing was sent"),
                    "call {n}: {e}"
                );
            }
        }
    }
    let errors = results.iter().filter(|(_, r)| r.is_err()).count();
    let applied = (100..116)
        .filter(|n| store.per_call.contains_key(n))
        .count();
    eprintln!("faults/truth: {errors} errors, {applied} writes applied upstream");
    assert!(applied > 0 && errors > 0, "the faults were exercised");
    assert!(
        said_unsent_but_applied.is_empty(),
        "errors claiming nothing was sent for applied writes: {said_unsent_but_applied:?}"
    );
    drop(store);
    drop(proxy);
    drop(upstream);
}
