//! A rate limit shared by a fleet, on a real PostgreSQL server. Needs `--features postgres`
//! and `STURDY_PG_URL` (`export STURDY_PG_URL=$(tests/peers/postgres.sh start)`); each test
//! prints SKIP without it, and fails under `CI=true`.
#![cfg(feature = "postgres")]

use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sturdy_inbox::PgFleetLimit;
use sturdy_runtime::breaker::BreakerConfig;
use sturdy_runtime::ratelimit::{RateLimit, SharedLimit};
use sturdy_runtime::{Client, Method, OperationMeta, Request, RequestOptions, RetryPolicy};

/// What the loopback provider allows in each wall-clock second.
const SERVER_LIMIT: u64 = 50;
/// What the clients are configured with: rate plus burst never exceeds the provider's window.
const CLIENT_LIMIT: RateLimit = RateLimit {
    per_second: 45.0,
    burst: 5,
};
const PROCESSES: usize = 4;
const RUN: Duration = Duration::from_secs(3);

static PING: OperationMeta = OperationMeta::new("ping", Method::Get, "/ping");

fn pg_url() -> Option<String> {
    match std::env::var("STURDY_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let why = "STURDY_PG_URL is not set; run `export STURDY_PG_URL=$(tests/peers/postgres.sh start)`";
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("a test peer is missing under CI: {why}");
            }
            eprintln!("SKIP: {why}");
            None
        }
    }
}

fn fresh_table() -> String {
    format!("fleet_test_{}", uuid::Uuid::new_v4().simple())
}

/// Requests the provider saw in each wall-clock second: (answered 200, answered 429).
type Counts = Arc<Mutex<BTreeMap<u64, (u64, u64)>>>;

async fn ping(axum::extract::State(counts): axum::extract::State<Counts>) -> http::StatusCode {
    let second = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut c = counts.lock().unwrap();
    let (ok, limited) = c.entry(second).or_default();
    if *ok < SERVER_LIMIT {
        *ok += 1;
        http::StatusCode::OK
    } else {
        *limited += 1;
        http::StatusCode::TOO_MANY_REQUESTS
    }
}

/// A provider on loopback that answers 429 above [`SERVER_LIMIT`] requests a second.
async fn provider() -> (String, Counts) {
    let counts = Counts::default();
    let app = axum::Router::new()
        .route("/ping", axum::routing::get(ping))
        .with_state(counts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), counts)
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One run's figures, from the provider's counts.
#[derive(Debug)]
struct Figures {
    sent: u64,
    limited: u64,
    busiest_second: u64,
    per_second: f64,
}

/// Runs [`PROCESSES`] children in `mode` against a fresh provider and reads its counts.
async fn run_fleet(mode: &str, pg: &str, table: &str) -> Figures {
    let (base, counts) = provider().await;
    let started = Instant::now();
    let children: Vec<KillOnDrop> = (0..PROCESSES)
        .map(|_| {
            KillOnDrop(
                Command::new(std::env::current_exe().unwrap())
                    .args(["--ignored", "--exact", "fleet_child", "--nocapture"])
                    .env("FLEET_MODE", mode)
                    .env("FLEET_BASE", &base)
                    .env("FLEET_PG", pg)
                    .env("FLEET_TABLE", table)
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    for mut c in children {
        let status = tokio::task::spawn_blocking(move || c.0.wait().unwrap())
            .await
            .unwrap();
        assert!(status.success(), "a {mode} child failed");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let c = counts.lock().unwrap();
    let sent: u64 = c.values().map(|(ok, l)| ok + l).sum();
    Figures {
        sent,
        limited: c.values().map(|(_, l)| l).sum(),
        busiest_second: c.values().map(|(ok, l)| ok + l).max().unwrap_or(0),
        per_second: sent as f64 / elapsed.min(RUN.as_secs_f64() + 1.0).max(1.0),
    }
}

/// Four processes with one 45/s (+5 burst) limit shared in PostgreSQL stay under the
/// provider's 50/s with at most 1% 429s; the same four with the in-process limiter (each its
/// own 45/s) overshoot about four-fold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_sharing_a_limit_stay_under_the_providers() {
    let Some(pg) = pg_url() else { return };
    let table = fresh_table();
    let setup = PgFleetLimit::connect_table(&pg, &table, CLIENT_LIMIT)
        .await
        .unwrap();
    let shared = run_fleet("shared", &pg, &table).await;
    let local = run_fleet("local", &pg, &table).await;
    setup.drop_table().await.unwrap();

    println!("limiter     | requests | 429s | 429 %  | busiest second | mean req/s");
    for (name, f) in [("shared (pg)", &shared), ("in-process", &local)] {
        println!(
            "{name:<11} | {:>8} | {:>4} | {:>5.1}% | {:>14} | {:>10.1}",
            f.sent,
            f.limited,
            100.0 * f.limited as f64 / f.sent.max(1) as f64,
            f.busiest_second,
            f.per_second
        );
    }
    assert!(
        shared.limited * 100 <= shared.sent,
        "at most 1% 429s: {shared:?}"
    );
    assert!(
        shared.busiest_second <= SERVER_LIMIT + 5,
        "the fleet stays under the provider's limit: {shared:?}"
    );
    assert!(
        shared.sent >= 2 * SERVER_LIMIT,
        "the shared limiter still lets the fleet use its quota: {shared:?}"
    );
    assert!(
        local.busiest_second >= 2 * SERVER_LIMIT && local.limited * 5 >= local.sent,
        "four in-process limiters overshoot the provider's limit several-fold: {local:?}"
    );
}

/// Run only as a child of the test above: sends as fast as its limiter lets it for [`RUN`].
#[tokio::test]
#[ignore = "child process of four_processes_sharing_a_limit_stay_under_the_providers"]
async fn fleet_child() {
    let var = |k: &str| std::env::var(k).unwrap();
    let builder = Client::builder()
        .base_url(var("FLEET_BASE"))
        .retry(RetryPolicy::none())
        // The limiter alone is measured: no retries, no breaker opening on the 429s.
        .circuit_breaker(BreakerConfig::disabled());
    let shared = var("FLEET_MODE") == "shared";
    let client = if shared {
        let fleet =
            PgFleetLimit::connect_table(&var("FLEET_PG"), &var("FLEET_TABLE"), CLIENT_LIMIT)
                .await
                .unwrap();
        builder.shared_limit(Arc::new(fleet)).build().unwrap()
    } else {
        builder
            .rate_limit(CLIENT_LIMIT.per_second, CLIENT_LIMIT.burst)
            .build()
            .unwrap()
    };
    let until = Instant::now() + RUN;
    while Instant::now() < until {
        let _ = client
            .execute(
                Request::new(&PING, "/ping".into()),
                RequestOptions::default(),
            )
            .await;
    }
}

/// The bucket and the holds, one process against the real database: exact up to the few
/// milliseconds between statements.
#[tokio::test]
async fn the_bucket_refills_from_the_databases_clock_and_holds_are_shared() {
    let Some(pg) = pg_url() else { return };
    let table = fresh_table();
    // One token every 100 s: the time between statements does not blur the figures.
    let slow = RateLimit {
        per_second: 0.01,
        burst: 3,
    };
    let a = PgFleetLimit::connect_table(&pg, &table, slow)
        .await
        .unwrap();
    let b = PgFleetLimit::connect_table(&pg, &table, slow)
        .await
        .unwrap();
    let big = Duration::from_secs(3600);
    let secs = |d: Duration| d.as_secs_f64();

    for l in [&a, &b, &a] {
        let r = l.acquire("api:443", 1, big).await.unwrap();
        assert!(r.taken && r.wait.is_zero(), "{r:?}");
    }
    let r = b.acquire("api:443", 1, big).await.unwrap();
    assert!(r.taken && (99.0..=100.0).contains(&secs(r.wait)), "{r:?}");
    // Too far for a 10 s limit: refused, and nothing taken.
    let r = a
        .acquire("api:443", 1, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(!r.taken && (199.0..=200.0).contains(&secs(r.wait)), "{r:?}");
    let r = a
        .acquire("api:443", 1, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(!r.taken && (199.0..=200.0).contains(&secs(r.wait)), "{r:?}");

    // A 429's hold set through one connection holds calls on the other; a shorter one later
    // does not shorten it.
    a.hold("other:443", Duration::from_secs(30)).await.unwrap();
    a.hold("other:443", Duration::from_secs(5)).await.unwrap();
    let r = b.acquire("other:443", 1, big).await.unwrap();
    assert!(r.taken && (29.0..=30.0).contains(&secs(r.wait)), "{r:?}");
    let r = b
        .acquire("other:443", 1, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(!r.taken, "{r:?}");

    // Cost per call: one statement per acquire on one connection.
    let fast = RateLimit {
        per_second: 1e9,
        burst: 1_000_000,
    };
    let f = PgFleetLimit::connect_table(&pg, &table, fast)
        .await
        .unwrap();
    let n = 500;
    let started = Instant::now();
    for _ in 0..n {
        assert!(f.acquire("cost:443", 1, big).await.unwrap().taken);
    }
    let per_call = started.elapsed() / n;
    println!("PgFleetLimit::acquire: {per_call:?} per call over {n} calls (one connection)");
    a.drop_table().await.unwrap();
}

/// Two processes spend one retry budget and refill it, never above its capacity.
#[tokio::test]
async fn the_retry_budget_is_one_row_for_the_fleet() {
    let Some(pg) = pg_url() else { return };
    let table = fresh_table();
    let a = PgFleetLimit::connect_table(&pg, &table, CLIENT_LIMIT)
        .await
        .unwrap();
    let b = PgFleetLimit::connect_table(&pg, &table, CLIENT_LIMIT)
        .await
        .unwrap();
    let key = "retry-budget:api:443";
    assert!(a.take_budget(key, 5, 12).await.unwrap());
    assert!(b.take_budget(key, 5, 12).await.unwrap());
    assert!(
        !a.take_budget(key, 5, 12).await.unwrap(),
        "2 left for the fleet"
    );
    assert!(b
        .take_budget("retry-budget:other:443", 5, 12)
        .await
        .unwrap());
    b.give_budget(key, 5, 12).await.unwrap();
    assert!(a.take_budget(key, 5, 12).await.unwrap());
    for _ in 0..20 {
        a.give_budget(key, 1, 12).await.unwrap();
    }
    assert!(b.take_budget(key, 10, 12).await.unwrap());
    assert!(!b.take_budget(key, 5, 12).await.unwrap(), "capped at 12");
    // A key first seen by a refill starts full; a cost above the capacity never pays.
    b.give_budget("retry-budget:new:443", 1, 12).await.unwrap();
    assert!(a.take_budget("retry-budget:new:443", 12, 12).await.unwrap());
    assert!(!a.take_budget("retry-budget:big:443", 13, 12).await.unwrap());
    a.drop_table().await.unwrap();
}

#[tokio::test]
async fn bad_settings_are_refused_before_connecting() {
    let url = "postgres://nobody@127.0.0.1:1/none";
    let bad = RateLimit {
        per_second: f64::NAN,
        burst: 1,
    };
    let e = PgFleetLimit::connect_table(url, "fleet", bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("positive, finite rate"), "{e}");
    let e = PgFleetLimit::connect_table(url, "fleet; DROP", CLIENT_LIMIT)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("table name"), "{e}");
}
