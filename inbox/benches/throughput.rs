//! Inbox throughput: deliveries received per second (verify + dedupe + store), and
//! end-to-end latency (received → applied) with two workers running, per store.
//!
//! ```text
//! cargo bench -p sturdy-inbox --bench throughput                      # SQLite
//! STURDY_PG_URL=$(tests/peers/postgres.sh start) \
//!   cargo bench -p sturdy-inbox --features postgres --bench throughput  # + PostgreSQL
//! ```
//! `STURDY_BENCH_EVENTS` sets the events per receive phase (default 5000) and
//! `STURDY_BENCH_RATE` the paced arrival rate of the latency phase (default 1000/s).
//! Prints a table; asserts nothing about time.

use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use http::HeaderMap;
use sturdy_inbox::{HandlerError, Inbox, Store, StoredEvent};
use sturdy_runtime::webhooks::Verifier;

const SECRET: &str = "whsec_bench";

fn deliveries(prefix: &str, n: usize) -> Vec<(HeaderMap, Vec<u8>)> {
    let v = Verifier::stripe([SECRET]).build().expect("verifier");
    (0..n)
        .map(|i| {
            let body = format!(r#"{{"id":"evt_{prefix}_{i}","type":"invoice.paid","data":{{"object":{{"id":"in_{i}","amount":1234}}}}}}"#)
                .into_bytes();
            (v.sign("", SystemTime::now(), &body).expect("sign"), body)
        })
        .collect()
}

fn inbox(store: impl Store) -> Inbox {
    Inbox::builder(store)
        .provider(
            "stripe",
            Verifier::stripe([SECRET]).build().expect("verifier"),
        )
        .build()
}

struct Row {
    store: &'static str,
    seq: f64,
    conc: f64,
    e2e_p50: Option<Duration>,
    e2e_p95: Option<Duration>,
    handler_p50: Option<Duration>,
}

async fn measure<S: Store + Clone>(
    name: &'static str,
    store: S,
    worker_stores: [S; 2],
    n: usize,
    live_n: usize,
    rate: f64,
) -> Row {
    let fresh = inbox(store.clone());
    let inbox = inbox(store);
    // 1. Sequential receives: one request at a time.
    let batch = deliveries("seq", n);
    let t = Instant::now();
    for (h, b) in &batch {
        inbox.receive("stripe", h, b).await.expect("receive");
    }
    let seq = n as f64 / t.elapsed().as_secs_f64();

    // 2. 16 requests in flight.
    let batch = deliveries("conc", n);
    let t = Instant::now();
    let ok = futures::stream::iter(batch.iter())
        .map(|(h, b)| inbox.receive("stripe", h, b))
        .buffer_unordered(16)
        .filter(|r| futures::future::ready(r.is_ok()))
        .count()
        .await;
    assert_eq!(ok, n);
    let conc = n as f64 / t.elapsed().as_secs_f64();

    // Drain the backlog so the latency phase measures a live flow, not a queue.
    let drain = inbox
        .worker(|_e: StoredEvent| async { Ok::<(), HandlerError>(()) })
        .batch(100);
    while drain.run_once().await.expect("drain").claimed > 0 {}

    // 3. End to end with two workers polling every 2 ms while deliveries arrive at `rate`/s.
    // (A fresh inbox over the same store, so its stats hold only this phase.)
    let before = fresh.stats().applied;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for ws in worker_stores {
        let w = fresh
            .worker(|_e: StoredEvent| async { Ok::<(), HandlerError>(()) })
            .store(ws)
            .poll_interval(Duration::from_millis(2));
        let mut rx = rx.clone();
        workers.push(tokio::spawn(async move {
            w.run(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await
        }));
    }
    // Paced below capacity, so the latency is the pipeline's, not a queue's.
    let live = deliveries("live", live_n);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    let mut sends = Vec::with_capacity(live_n);
    for (h, b) in live {
        tick.tick().await;
        let f = fresh.clone();
        sends.push(tokio::spawn(async move {
            f.receive("stripe", &h, &b).await.map(|_| ())
        }));
    }
    for s in sends {
        s.await.expect("task").expect("receive");
    }
    while fresh.stats().applied < before + live_n as u64 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = tx.send(true);
    for w in workers {
        w.await.expect("worker").expect("store");
    }
    let s = fresh.stats();
    Row {
        store: name,
        seq,
        conc,
        e2e_p50: s.end_to_end_p50,
        e2e_p95: s.end_to_end_p95,
        handler_p50: s.handler_p50,
    }
}

fn ms(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2}", d.as_secs_f64() * 1e3))
        .unwrap_or_else(|| "-".into())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let n: usize = std::env::var("STURDY_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let rate: f64 = std::env::var("STURDY_BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000.0);
    let live_n = n.min(2000);
    let mut rows = Vec::new();

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    let open = || sturdy_inbox::SqliteStore::open(&path).expect("sqlite");
    rows.push(
        measure(
            "sqlite (file, WAL)",
            open(),
            [open(), open()],
            n,
            live_n,
            rate,
        )
        .await,
    );

    #[cfg(feature = "postgres")]
    match std::env::var("STURDY_PG_URL") {
        Ok(url) => {
            let table = format!("inbox_bench_{}", std::process::id());
            let connect = || sturdy_inbox::PostgresStore::connect_table(&url, &table);
            let main = connect().await.expect("postgres");
            let workers = [
                connect().await.expect("postgres"),
                connect().await.expect("postgres"),
            ];
            rows.push(measure("postgres", main.clone(), workers, n, live_n, rate).await);
            main.drop_table().await.expect("drop");
        }
        Err(_) => eprintln!("postgres: skipped (set STURDY_PG_URL; tests/peers/postgres.sh start)"),
    }
    #[cfg(not(feature = "postgres"))]
    eprintln!("postgres: skipped (build with --features postgres)");

    println!();
    println!("inbox throughput: {n} events per receive phase (Stripe signature verified on each);");
    println!("end-to-end = received -> applied, 2 workers, no-op handler, {live_n} events paced at {rate}/s");
    println!("| store              | receive 1 at a time (ev/s) | receive 16 in flight (ev/s) | e2e p50 (ms) | e2e p95 (ms) | handler p50 (ms) |");
    println!("|--------------------|---------------------------:|----------------------------:|-------------:|-------------:|-----------------:|");
    for r in rows {
        println!(
            "| {:<18} | {:>26.0} | {:>27.0} | {:>12} | {:>12} | {:>16} |",
            r.store,
            r.seq,
            r.conc,
            ms(r.e2e_p50),
            ms(r.e2e_p95),
            ms(r.handler_p50)
        );
    }
}
