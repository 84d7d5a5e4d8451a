//! Dedupe store scenarios run against SQLite and PostgreSQL: the store contract, and a client
//! process SIGKILLed mid-write.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sturdy_runtime::dedupe::DedupeStore;
use sturdy_runtime::{decode, Call, Client, Method, OperationMeta, Request};

use super::Backend;

/// A write whose API accepts no idempotency key.
static CREATE: OperationMeta = OperationMeta::new("createOrder", Method::Post, "/orders");

impl Backend {
    /// The spec a child process opens the dedupe store from.
    pub fn dedupe_spec(&self) -> String {
        match self {
            Backend::Sqlite { path, .. } => format!("sqlite|{}", path.display()),
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, table } => format!("postgres|{url}|{table}_d"),
        }
    }

    pub async fn dedupe_cleanup(&self) {
        #[cfg(feature = "postgres")]
        if let Backend::Postgres { url, table } = self {
            let s = sturdy_inbox::PostgresDedupeStore::connect_table(url, &format!("{table}_d"))
                .await
                .unwrap();
            s.drop_table().await.unwrap();
        }
    }
}

/// Opens the dedupe store a spec names.
pub async fn open_dedupe(spec: &str) -> Arc<dyn DedupeStore> {
    let parts: Vec<&str> = spec.split('|').collect();
    match parts[..] {
        ["sqlite", path] => Arc::new(sturdy_inbox::SqliteDedupeStore::open(path).unwrap()),
        #[cfg(feature = "postgres")]
        ["postgres", url, table] => Arc::new(
            sturdy_inbox::PostgresDedupeStore::connect_table(url, table)
                .await
                .unwrap(),
        ),
        _ => panic!("bad dedupe spec {spec}"),
    }
}

/// Every rule of the `DedupeStore` contract, then the records read back by a new connection
/// (as after a restart).
pub async fn store_keeps_the_contract(backend: &Backend) {
    let store = open_dedupe(&backend.dedupe_spec()).await;
    sturdy_runtime::dedupe::contract::check(store.as_ref(), "contract").await;
    let e = sturdy_runtime::dedupe::DedupeEntry {
        operation: "createOrder".into(),
        key: "reopened".into(),
        payload_hash: "sha256:aa".into(),
        at: std::time::UNIX_EPOCH + Duration::from_millis(1_700_000_000_456),
    };
    use sturdy_runtime::dedupe::{Begin, InDoubtRecord};
    assert_eq!(store.begin(&e, false).await.unwrap(), Begin::Fresh(1));
    drop(store);
    let reopened = open_dedupe(&backend.dedupe_spec()).await;
    assert_eq!(
        reopened.begin(&e, false).await.unwrap(),
        Begin::InDoubt(InDoubtRecord {
            started_at: e.at,
            attempt: 1
        })
    );
    backend.dedupe_cleanup().await;
}

/// A loopback API that applies each write (counting it) and then, while `stall` is set,
/// never answers; otherwise answers 201 with the order.
struct WriteServer {
    url: String,
    writes: Arc<AtomicU32>,
    stall: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl WriteServer {
    async fn start() -> Self {
        let writes = Arc::new(AtomicU32::new(0));
        let stall = Arc::new(AtomicBool::new(true));
        let (w, s) = (Arc::clone(&writes), Arc::clone(&stall));
        let app = axum::Router::new().route(
            "/orders",
            axum::routing::post(move || {
                let (w, s) = (Arc::clone(&w), Arc::clone(&s));
                async move {
                    let n = w.fetch_add(1, Ordering::SeqCst) + 1;
                    if s.load(Ordering::SeqCst) {
                        std::future::pending::<()>().await;
                    }
                    (
                        http::StatusCode::CREATED,
                        [(http::header::CONTENT_TYPE, "application/json")],
                        format!(r#"{{"id":"ord_{n}"}}"#),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            writes,
            stall,
            task,
        }
    }

    fn writes(&self) -> u32 {
        self.writes.load(Ordering::SeqCst)
    }
}

impl Drop for WriteServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn child(
    child_test: &str,
    backend: &Backend,
    url: &str,
    mode: &str,
    result: &Path,
) -> tokio::process::Child {
    tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            child_test,
            "--nocapture",
            "--test-threads=1",
        ])
        .env("STURDY_DEDUPE_CHILD", backend.dedupe_spec())
        .env("STURDY_DEDUPE_URL", url)
        .env("STURDY_DEDUPE_MODE", mode)
        .env("STURDY_DEDUPE_RESULT", result)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Runs a child to its end and returns what it reported.
async fn run_child(
    child_test: &str,
    backend: &Backend,
    url: &str,
    mode: &str,
    dir: &Path,
) -> String {
    let result = dir.join(format!("{mode}.result"));
    let status = child(child_test, backend, url, mode, &result)
        .wait()
        .await
        .unwrap();
    assert!(status.success(), "child {mode} failed: {status}");
    std::fs::read_to_string(&result).unwrap()
}

/// A client process sends a write with `.dedupe_key("order-42")`; the server applies it and
/// stalls; the process is SIGKILLed. A restarted process with the same key gets the in-doubt
/// error and sends nothing; with `.resend_in_doubt()` it sends again, and a later repeat gets
/// that recorded answer without sending.
pub async fn killed_writer_is_in_doubt_not_resent(backend: &Backend, child_test: &str) {
    let server = WriteServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Create the table before any child runs (PostgreSQL's CREATE TABLE IF NOT EXISTS may race).
    drop(open_dedupe(&backend.dedupe_spec()).await);

    let mut first = child(
        child_test,
        backend,
        &server.url,
        "write",
        &dir.path().join("write"),
    );
    // Waits for an event, not a duration: the deadline only stops a broken child hanging CI.
    for _ in 0..6000 {
        if server.writes() == 1 {
            break;
        }
        if let Ok(Some(status)) = first.try_wait() {
            panic!("child exited before the write reached the server: {status}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.writes(), 1, "the write never reached the server");
    first.start_kill().unwrap(); // SIGKILL: no destructor, no outcome recorded
    first.wait().await.unwrap();
    server.stall.store(false, Ordering::SeqCst);

    let doubt = run_child(child_test, backend, &server.url, "repeat", dir.path()).await;
    let fields: Vec<&str> = doubt.split('|').collect();
    assert_eq!(fields[..3], ["in_doubt", "Maybe", "order-42"], "{doubt}");
    let earlier_ms: i64 = fields[3].parse().unwrap();
    let now_ms = sturdy_inbox::to_ms(std::time::SystemTime::now());
    assert!(earlier_ms > 0 && earlier_ms <= now_ms, "{doubt}");
    assert_eq!(server.writes(), 1, "0 duplicate writes");

    let resent = run_child(child_test, backend, &server.url, "resend", dir.path()).await;
    assert_eq!(resent, "ok|201|ord_2|1");
    assert_eq!(server.writes(), 2, "resent because the caller asked");

    let replayed = run_child(child_test, backend, &server.url, "repeat", dir.path()).await;
    assert_eq!(replayed, "ok|201|ord_2|0", "the recorded answer, not sent");
    assert_eq!(server.writes(), 2);
    backend.dedupe_cleanup().await;
}

/// The child side: when `STURDY_DEDUPE_CHILD` is set, send the write and write what came
/// back to `STURDY_DEDUPE_RESULT`. Does nothing otherwise.
pub async fn child_sends_deduplicated_write() {
    let Ok(spec) = std::env::var("STURDY_DEDUPE_CHILD") else {
        return;
    };
    let url = std::env::var("STURDY_DEDUPE_URL").unwrap();
    let mode = std::env::var("STURDY_DEDUPE_MODE").unwrap();
    let result = PathBuf::from(std::env::var("STURDY_DEDUPE_RESULT").unwrap());
    let client = Client::builder()
        .base_url(url)
        .dedupe_store(open_dedupe(&spec).await)
        .build()
        .unwrap();
    let req =
        Request::new(&CREATE, "/orders".into()).json(&serde_json::json!({"sku": "A1", "qty": 2}));
    let call: Call<serde_json::Value, std::convert::Infallible> =
        Call::new(&client, req, decode::json, |_, _| None).dedupe_key("order-42");
    let call = if mode == "resend" {
        call.resend_in_doubt()
    } else {
        call
    };
    let line = match call.await {
        Ok(r) => format!(
            "ok|{}|{}|{}",
            r.status(),
            r.body()["id"].as_str().unwrap_or("?"),
            r.attempts()
        ),
        Err(e) => format!(
            "{}|{:?}|{}|{}",
            e.kind(),
            e.sent(),
            e.dedupe_key().unwrap_or_default(),
            e.earlier_attempt_at()
                .map(sturdy_inbox::to_ms)
                .unwrap_or_default()
        ),
    };
    std::fs::write(result, line).unwrap();
}
