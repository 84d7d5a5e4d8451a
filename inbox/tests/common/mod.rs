//! Scenarios run against every store (SQLite here, PostgreSQL when `STURDY_PG_URL` is set).

#![allow(dead_code)]

pub mod dedupe;
pub mod lease;
pub mod tx;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use http::HeaderMap;
use sturdy_inbox::{
    HandlerError, Inbox, InboxError, ListQuery, Outcome, Receipt, Status, Store, StoredEvent,
    Worker,
};
use sturdy_runtime::time::{Clock, ManualClock};
use sturdy_runtime::webhooks::Verifier;

pub const STRIPE_SECRET: &str = "whsec_inbox_test";
pub const STD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const GITHUB_SECRET: &str = "gh-secret";

/// Where the events live for one test.
pub enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    #[cfg(feature = "postgres")]
    Postgres { url: String, table: String },
}

impl Backend {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("inbox.db");
        Backend::Sqlite { _dir: dir, path }
    }

    /// A backend with a fresh table, or `None` (with a message) when `STURDY_PG_URL` is unset.
    #[cfg(feature = "postgres")]
    pub fn postgres() -> Option<Self> {
        match std::env::var("STURDY_PG_URL") {
            Ok(url) if !url.is_empty() => {
                let table = format!("inbox_test_{}", uuid::Uuid::new_v4().simple());
                Some(Backend::Postgres { url, table })
            }
            _ => {
                let why = "STURDY_PG_URL is not set; run `export STURDY_PG_URL=$(tests/peers/postgres.sh start)`";
                // Under CI a missing peer is a failure, never a silent pass.
                if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                    panic!("a test peer is missing under CI: {why}");
                }
                eprintln!("SKIP: {why}");
                None
            }
        }
    }

    /// The spec a child process needs to open the same store.
    pub fn spec(&self) -> String {
        match self {
            Backend::Sqlite { path, .. } => format!("sqlite|{}", path.display()),
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, table } => format!("postgres|{url}|{table}"),
        }
    }

    pub async fn inbox(&self, clock: Arc<dyn Clock>) -> Inbox {
        let b = match self {
            Backend::Sqlite { path, .. } => {
                Inbox::builder(sturdy_inbox::SqliteStore::open(path).unwrap())
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, table } => Inbox::builder(
                sturdy_inbox::PostgresStore::connect_table(url, table)
                    .await
                    .unwrap(),
            ),
        };
        b.provider("stripe", Verifier::stripe([STRIPE_SECRET]).build().unwrap())
            .provider(
                "std",
                Verifier::standard_webhooks([STD_SECRET]).build().unwrap(),
            )
            .provider("github", Verifier::github([GITHUB_SECRET]).build().unwrap())
            .clock(clock)
            .build()
    }

    /// Gives `worker` its own connection to the store.
    pub async fn own_connection(&self, worker: Worker) -> Worker {
        match self {
            Backend::Sqlite { path, .. } => {
                worker.store(sturdy_inbox::SqliteStore::open(path).unwrap())
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, table } => worker.store(
                sturdy_inbox::PostgresStore::connect_table(url, table)
                    .await
                    .unwrap(),
            ),
        }
    }

    pub async fn cleanup(&self) {
        #[cfg(feature = "postgres")]
        if let Backend::Postgres { url, table } = self {
            let s = sturdy_inbox::PostgresStore::connect_table(url, table)
                .await
                .unwrap();
            s.drop_table().await.unwrap();
        }
    }
}

pub fn manual_clock() -> ManualClock {
    ManualClock::new(SystemTime::now())
}

/// A signed delivery for `provider` (the body carries `n`).
pub fn delivery(provider: &str, n: usize, at: SystemTime) -> (HeaderMap, Vec<u8>) {
    let body = format!(r#"{{"id":"evt_{n}","type":"test.event","n":{n}}}"#).into_bytes();
    let v = match provider {
        "stripe" => Verifier::stripe([STRIPE_SECRET]),
        "std" => Verifier::standard_webhooks([STD_SECRET]),
        _ => Verifier::github([GITHUB_SECRET]),
    }
    .build()
    .unwrap();
    let mut headers = v.sign(&format!("evt_{n}"), at, &body).unwrap();
    headers.insert("authorization", "Bearer do-not-store".parse().unwrap());
    (headers, body)
}

pub fn n_of(event: &StoredEvent) -> usize {
    event.json().unwrap()["n"].as_u64().unwrap() as usize
}

/// Counts handler runs per event number.
#[derive(Clone)]
pub struct Tally(Arc<Vec<AtomicU32>>);

impl Tally {
    pub fn new(n: usize) -> Self {
        Tally(Arc::new((0..n).map(|_| AtomicU32::new(0)).collect()))
    }
    pub fn hit(&self, event: &StoredEvent) {
        self.0[n_of(event)].fetch_add(1, Ordering::SeqCst);
    }
    pub fn get(&self, n: usize) -> u32 {
        self.0[n].load(Ordering::SeqCst)
    }
    pub fn all_exactly_once(&self) -> Result<(), String> {
        let wrong: Vec<(usize, u32)> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.load(Ordering::SeqCst)))
            .filter(|(_, c)| *c != 1)
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} events not applied exactly once, e.g. {:?}",
                wrong.len(),
                &wrong[..wrong.len().min(5)]
            ))
        }
    }
}

pub fn counting(
    tally: &Tally,
) -> impl Fn(StoredEvent) -> futures::future::Ready<Result<(), HandlerError>> + Send + Sync + 'static
{
    let tally = tally.clone();
    move |e: StoredEvent| {
        tally.hit(&e);
        futures::future::ready(Ok(()))
    }
}

pub async fn drain(worker: &Worker) -> usize {
    let mut total = 0;
    loop {
        let r = worker.run_once().await.unwrap();
        if r.claimed == 0 {
            return total;
        }
        total += r.claimed;
    }
}

pub async fn delivered_three_times_applied_once(backend: &Backend) {
    let clock = manual_clock();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    let providers = ["stripe", "std", "github"];
    let n = 30;
    for round in 0..3 {
        for i in 0..n {
            let provider = providers[i % 3];
            let (h, body) = delivery(provider, i, clock.system_now());
            let receipt = inbox.receive(provider, &h, &body).await.unwrap();
            match (round, receipt) {
                (0, Receipt::Stored { event_id, .. })
                | (1 | 2, Receipt::Duplicate { event_id }) => {
                    assert_eq!(event_id, format!("evt_{i}"))
                }
                (r, other) => panic!("round {r}, event {i}: {other:?}"),
            }
        }
    }
    // A tampered delivery is refused and not stored.
    let (h, _) = delivery("stripe", 99, clock.system_now());
    let err = inbox
        .receive("stripe", &h, br#"{"id":"evt_99","n":100}"#)
        .await
        .unwrap_err();
    assert!(err.is_rejection(), "{err}");
    assert!(matches!(
        inbox.receive("nobody", &h, b"{}").await,
        Err(InboxError::UnknownProvider(_))
    ));

    let tally = Tally::new(n);
    let worker = inbox.worker(counting(&tally));
    assert_eq!(drain(&worker).await, n);
    tally.all_exactly_once().unwrap();
    let counts = inbox.counts().await.unwrap();
    assert_eq!(counts[&Status::Applied], n as u64, "{counts:?}");
    let s = inbox.stats();
    assert_eq!(
        (s.received, s.duplicates, s.rejected, s.applied),
        (n as u64, 2 * n as u64, 1, n as u64)
    );
    assert!(s.end_to_end_p50.is_some() && s.handler_p95.is_some());
    // Stored as received, minus credentials.
    let e = &inbox
        .list(ListQuery::new(1).provider("github"))
        .await
        .unwrap()[0];
    assert!(e.header("x-hub-signature-256").is_some());
    assert!(e.header("authorization").is_none());
    assert_eq!(e.event_type.as_deref(), Some("test.event"));
    backend.cleanup().await;
}

pub async fn many_events_across_four_workers(backend: &Backend, n: usize) {
    let inbox = backend
        .inbox(Arc::new(sturdy_runtime::time::SystemClock))
        .await;
    let now = SystemTime::now();
    let deliveries: Vec<(HeaderMap, Vec<u8>)> =
        (0..n).map(|i| delivery("github", i, now)).collect();
    let stored = futures::stream::iter(deliveries.iter())
        .map(|(h, b)| inbox.receive("github", h, b))
        .buffer_unordered(8)
        .filter(|r| futures::future::ready(matches!(r, Ok(Receipt::Stored { .. }))))
        .count()
        .await;
    assert_eq!(stored, n);

    let tally = Tally::new(n);
    let mut tasks = Vec::new();
    for w in 0..4 {
        let worker = backend
            .own_connection(
                inbox
                    .worker(counting(&tally))
                    .name(format!("w{w}"))
                    .batch(25)
                    .lease(Duration::from_secs(600)),
            )
            .await;
        tasks.push(tokio::spawn(async move { drain(&worker).await }));
    }
    let mut per_worker = Vec::new();
    for t in tasks {
        per_worker.push(t.await.unwrap());
    }
    assert_eq!(
        per_worker.iter().sum::<usize>(),
        n,
        "claims per worker: {per_worker:?}"
    );
    tally.all_exactly_once().unwrap();
    let counts = inbox.counts().await.unwrap();
    assert_eq!(counts[&Status::Applied], n as u64);
    assert_eq!(inbox.stats().applied, n as u64);
    eprintln!("claims per worker: {per_worker:?}");
    backend.cleanup().await;
}

pub async fn failing_handler_dead_letters_then_replay(backend: &Backend) {
    let clock = manual_clock();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    let (h, body) = delivery("stripe", 0, clock.system_now());
    let Receipt::Stored { id, .. } = inbox.receive("stripe", &h, &body).await.unwrap() else {
        panic!()
    };

    let fixed = Arc::new(AtomicBool::new(false));
    let tally = Tally::new(1);
    let (f, t) = (fixed.clone(), tally.clone());
    let worker = inbox
        .worker(move |e: StoredEvent| {
            let ok = f.load(Ordering::SeqCst);
            if ok {
                t.hit(&e);
            }
            async move {
                if ok {
                    Ok(())
                } else {
                    Err(HandlerError::from("downstream said no"))
                }
            }
        })
        .max_attempts(3)
        .backoff(Duration::from_secs(10), Duration::from_secs(60));

    let r = worker.run_once().await.unwrap();
    assert_eq!((r.claimed, r.failed), (1, 1));
    let e = inbox.get(id).await.unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (Status::Failed, 1));
    assert_eq!(
        sturdy_inbox::to_ms(e.next_attempt_at) - sturdy_inbox::to_ms(clock.system_now()),
        10_000
    );
    assert_eq!(
        worker.run_once().await.unwrap().claimed,
        0,
        "not due before the backoff"
    );
    clock.advance(Duration::from_secs(10));
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    clock.advance(Duration::from_secs(19));
    assert_eq!(
        worker.run_once().await.unwrap().claimed,
        0,
        "second backoff is 20 s"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(worker.run_once().await.unwrap().dead, 1);
    clock.advance(Duration::from_secs(3600));
    assert_eq!(
        worker.run_once().await.unwrap().claimed,
        0,
        "dead letters are not retried"
    );

    let dead = inbox
        .list(ListQuery::new(10).status(Status::Dead))
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, id);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].last_error.as_deref(), Some("downstream said no"));

    fixed.store(true, Ordering::SeqCst);
    assert!(inbox.replay(id).await.unwrap());
    let r = worker.run_once().await.unwrap();
    assert_eq!((r.claimed, r.applied), (1, 1));
    assert_eq!(tally.get(0), 1);
    let e = inbox.get(id).await.unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (Status::Applied, 1));
    let s = inbox.stats();
    assert_eq!((s.failed, s.dead, s.applied), (2, 1, 1));
    backend.cleanup().await;
}

pub async fn replay_by_time_range(backend: &Backend) {
    let clock = manual_clock();
    let t0 = clock.system_now();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    for i in 0..3 {
        let (h, body) = delivery("github", i, clock.system_now());
        inbox.receive("github", &h, &body).await.unwrap();
        clock.advance(Duration::from_secs(3600));
    }
    let tally = Tally::new(3);
    let worker = inbox.worker(counting(&tally));
    assert_eq!(drain(&worker).await, 3);
    let hour = Duration::from_secs(3600);
    assert_eq!(
        inbox
            .replay_range(t0, t0 + 3 * hour, Some(Status::Dead))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        inbox
            .replay_range(t0 + hour / 2, t0 + 2 * hour, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(drain(&worker).await, 1);
    assert_eq!((tally.get(0), tally.get(1), tally.get(2)), (1, 2, 1));
    assert!(!inbox.replay(123_456).await.unwrap());
    backend.cleanup().await;
}

/// A late outcome from a worker whose lease passed to another is discarded.
pub async fn lost_lease_outcome_is_discarded(backend: &Backend, store: impl Store) {
    let clock = manual_clock();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    let (h, body) = delivery("std", 0, clock.system_now());
    inbox.receive("std", &h, &body).await.unwrap();
    let now = sturdy_inbox::to_ms(clock.system_now());
    let a = store.claim("a".into(), now, 10_000, 5).await.unwrap();
    assert_eq!(a.len(), 1);
    assert!(
        store
            .claim("b".into(), now + 9_999, 10_000, 5)
            .await
            .unwrap()
            .is_empty(),
        "lease still live"
    );
    let b = store
        .claim("b".into(), now + 10_000, 10_000, 5)
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].event.attempts, 2);
    let id = a[0].event.id;
    assert!(!store
        .complete(id, a[0].token.clone(), Outcome::Applied, now + 10_001)
        .await
        .unwrap());
    assert!(store
        .complete(id, b[0].token.clone(), Outcome::Applied, now + 10_002)
        .await
        .unwrap());
    assert!(!store
        .complete(id, b[0].token.clone(), Outcome::Applied, now + 10_003)
        .await
        .unwrap());
    assert_eq!(
        inbox.get(id).await.unwrap().unwrap().status,
        Status::Applied
    );
    backend.cleanup().await;
}

/// A store error (here: the table is gone) ends `Worker::run` with that error instead of
/// being retried forever behind a log line.
pub async fn store_error_reaches_the_caller_of_run(backend: &Backend) {
    let inbox = backend.inbox(Arc::new(manual_clock())).await;
    let worker = backend
        .own_connection(inbox.worker(counting(&Tally::new(1))))
        .await;
    match backend {
        Backend::Sqlite { path, .. } => {
            rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(&format!(
                    "DROP TABLE {}",
                    sturdy_inbox::store::DEFAULT_TABLE
                ))
                .unwrap();
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres { .. } => backend.cleanup().await,
    }
    let ran = tokio::time::timeout(
        Duration::from_secs(60),
        worker.run(std::future::pending::<()>()),
    )
    .await
    .expect("run returned instead of retrying forever");
    let err = ran.unwrap_err();
    assert!(!err.is_rejection(), "{err}");
    assert!(err.to_string().contains("store"), "{err}");
    assert!(inbox.counts().await.is_err());
}

/// Kills the child on drop, so a failing test leaves no process behind.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A worker process (this test binary, re-run as `child_test`) claims the event and hangs in
/// its handler; it is killed with SIGKILL. After the lease, another worker applies it once.
pub async fn killed_worker_event_is_reclaimed(backend: &Backend, child_test: &str) {
    let inbox = backend
        .inbox(Arc::new(sturdy_runtime::time::SystemClock))
        .await;
    let (h, body) = delivery("stripe", 0, SystemTime::now());
    let Receipt::Stored { id, .. } = inbox.receive("stripe", &h, &body).await.unwrap() else {
        panic!()
    };

    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("claimed");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            child_test,
            "--nocapture",
            "--test-threads=1",
        ])
        .env("STURDY_INBOX_CHILD", backend.spec())
        .env("STURDY_INBOX_CHILD_MARKER", &marker)
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    wait_for(&marker, &mut child.0);
    child.0.kill().unwrap(); // SIGKILL: no destructor, no outcome recorded
    child.0.wait().unwrap();

    let e = inbox.get(id).await.unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (Status::Processing, 1));

    let clock = ManualClock::new(SystemTime::now());
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    let tally = Tally::new(1);
    let worker = inbox
        .worker(counting(&tally))
        .lease(Duration::from_secs(30));
    assert_eq!(
        worker.run_once().await.unwrap().claimed,
        0,
        "the dead worker's lease is still live"
    );
    clock.advance(Duration::from_secs(31));
    let r = worker.run_once().await.unwrap();
    assert_eq!((r.claimed, r.applied), (1, 1));
    assert_eq!(worker.run_once().await.unwrap().claimed, 0);
    assert_eq!(tally.get(0), 1);
    let e = inbox.get(id).await.unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (Status::Applied, 2));
    backend.cleanup().await;
}

pub fn wait_for(marker: &Path, child: &mut Child) {
    // Waits for an event, not a duration: the deadline only stops a broken child hanging CI.
    for _ in 0..6000 {
        if marker.exists() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("child worker exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("child worker never claimed the event");
}

/// The child side: when `STURDY_INBOX_CHILD` is set, claim with a 30 s lease and hang in
/// the handler after writing the marker. Does nothing otherwise.
pub async fn child_claims_and_hangs() {
    let Ok(spec) = std::env::var("STURDY_INBOX_CHILD") else {
        return;
    };
    let marker = PathBuf::from(std::env::var("STURDY_INBOX_CHILD_MARKER").unwrap());
    let parts: Vec<&str> = spec.split('|').collect();
    let inbox = match parts[..] {
        ["sqlite", path] => Inbox::builder(sturdy_inbox::SqliteStore::open(path).unwrap()).build(),
        #[cfg(feature = "postgres")]
        ["postgres", url, table] => Inbox::builder(
            sturdy_inbox::PostgresStore::connect_table(url, table)
                .await
                .unwrap(),
        )
        .build(),
        _ => panic!("bad child spec {spec}"),
    };
    let marker = Arc::new(Mutex::new(Some(marker)));
    let worker = inbox
        .worker(move |_e: StoredEvent| {
            if let Some(m) = marker.lock().unwrap().take() {
                std::fs::write(m, b"claimed").unwrap();
            }
            async move {
                std::future::pending::<()>().await;
                Ok::<(), HandlerError>(())
            }
        })
        .lease(Duration::from_secs(30));
    worker.run_once().await.unwrap();
    unreachable!("the handler never returns");
}
