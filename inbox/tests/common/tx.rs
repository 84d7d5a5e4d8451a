//! Transactional handlers: the effect, written in the application's table in the inbox's
//! database, commits together with the `applied` mark, or not at all.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sturdy_inbox::{HandlerError, Inbox, Receipt, Status, StoredEvent, Worker};
use sturdy_runtime::time::{Clock, ManualClock, SystemClock};

use super::{delivery, wait_for, Backend, KillOnDrop};

/// What a test handler does after writing its effect.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Then {
    Commit,
    /// Take 150 ms (inside the transaction), then commit.
    Slow,
    Fail,
    Panic,
    /// Write the marker file (from `STURDY_INBOX_CHILD_MARKER`) and never return.
    Hang,
}

const SLOW: Duration = Duration::from_millis(150);

pub type Plan = Arc<dyn Fn(&StoredEvent) -> Then + Send + Sync>;

fn finish(then: Then) -> Result<(), HandlerError> {
    match then {
        Then::Commit => Ok(()),
        Then::Slow => {
            std::thread::sleep(SLOW);
            Ok(())
        }
        Then::Fail => Err(HandlerError::from("effect refused")),
        Then::Panic => panic!("handler bug"),
        Then::Hang => {
            let marker = std::env::var("STURDY_INBOX_CHILD_MARKER").unwrap();
            std::fs::write(marker, b"effect written").unwrap();
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
    }
}

impl Backend {
    fn effects_table(&self) -> String {
        match self {
            Backend::Sqlite { .. } => "app_effects".into(),
            #[cfg(feature = "postgres")]
            Backend::Postgres { table, .. } => format!("{table}_effects"),
        }
    }

    /// Creates the application's table, in the inbox's database.
    pub async fn create_effects(&self) {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (event_id TEXT NOT NULL)",
            self.effects_table()
        );
        match self {
            Backend::Sqlite { path, .. } => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(&sql)
                    .unwrap();
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, .. } => {
                let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                c.batch_execute(&sql).await.unwrap();
            }
        }
    }

    /// How many effects `event_id` has in the application's table.
    pub async fn effects(&self, event_id: &str) -> i64 {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE event_id = $1",
            self.effects_table()
        );
        match self {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(&sql.replace("$1", "?1"), [event_id], |r| r.get(0))
                .unwrap(),
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, .. } => {
                let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                c.query_one(&sql, &[&event_id]).await.unwrap().get(0)
            }
        }
    }

    /// A transactional worker that inserts `event_id` into the application's table, then
    /// does what `plan` says.
    pub async fn effect_worker(&self, inbox: &Inbox, plan: Plan) -> Worker {
        let table = self.effects_table();
        match self {
            Backend::Sqlite { path, .. } => {
                let store = sturdy_inbox::SqliteStore::open(path).unwrap();
                let sql = format!("INSERT INTO {table} (event_id) VALUES (?1)");
                inbox.transactional_worker(store.transactional(
                    move |tx: &rusqlite::Transaction<'_>, e: &StoredEvent| {
                        tx.execute(&sql, [&e.event_id])?;
                        finish(plan(e))
                    },
                ))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, table: t } => {
                let store = sturdy_inbox::PostgresStore::connect_table(url, t)
                    .await
                    .unwrap();
                let sql = format!("INSERT INTO {table} (event_id) VALUES ($1)");
                let handler = sturdy_inbox::tx::postgres::handler(move |tx, e| {
                    let (sql, plan) = (sql.clone(), plan.clone());
                    Box::pin(async move {
                        tx.execute(&sql, &[&e.event_id]).await?;
                        match plan(e) {
                            Then::Hang => {
                                let marker = std::env::var("STURDY_INBOX_CHILD_MARKER").unwrap();
                                std::fs::write(marker, b"effect written").unwrap();
                                std::future::pending::<()>().await;
                                Ok(())
                            }
                            Then::Slow => {
                                tokio::time::sleep(SLOW).await;
                                Ok(())
                            }
                            then => finish(then),
                        }
                    })
                });
                inbox.transactional_worker(store.transactional(handler).await.unwrap())
            }
        }
    }

    pub async fn drop_effects(&self) {
        #[cfg(feature = "postgres")]
        if let Backend::Postgres { url, .. } = self {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            c.batch_execute(&format!("DROP TABLE IF EXISTS {}", self.effects_table()))
                .await
                .unwrap();
        }
    }
}

fn plan(f: impl Fn(&StoredEvent) -> Then + Send + Sync + 'static) -> Plan {
    Arc::new(f)
}

/// A failing or panicking transactional handler leaves no effect; the retry commits it once.
pub async fn failed_transaction_leaves_no_effect(backend: &Backend) {
    let clock = super::manual_clock();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    backend.create_effects().await;
    for i in 0..3 {
        let (h, body) = delivery("stripe", i, clock.system_now());
        inbox.receive("stripe", &h, &body).await.unwrap();
    }
    let first = backend
        .effect_worker(
            &inbox,
            plan(|e| match e.event_id.as_str() {
                "evt_1" => Then::Fail,
                "evt_2" => Then::Panic,
                _ => Then::Commit,
            }),
        )
        .await;
    let r = first.run_once().await.unwrap();
    assert_eq!((r.claimed, r.applied, r.failed), (3, 1, 2), "{r:?}");
    let effects = [
        backend.effects("evt_0").await,
        backend.effects("evt_1").await,
        backend.effects("evt_2").await,
    ];
    assert_eq!(effects, [1, 0, 0]);
    let e1 = inbox.find("stripe", "evt_1").await.unwrap().unwrap();
    assert_eq!(
        (e1.status, e1.last_error.as_deref()),
        (Status::Failed, Some("effect refused"))
    );
    let e2 = inbox.find("stripe", "evt_2").await.unwrap().unwrap();
    assert_eq!(e2.last_error.as_deref(), Some("handler panicked"));

    clock.advance(Duration::from_secs(60));
    let fixed = backend.effect_worker(&inbox, plan(|_| Then::Commit)).await;
    let r = fixed.drain().await.unwrap();
    assert_eq!((r.claimed, r.applied), (2, 2), "{r:?}");
    for id in ["evt_0", "evt_1", "evt_2"] {
        assert_eq!(backend.effects(id).await, 1, "{id}");
        let e = inbox.find("stripe", id).await.unwrap().unwrap();
        assert_eq!(e.status, Status::Applied);
    }
    backend.drop_effects().await;
    backend.cleanup().await;
}

/// A worker process writes its effect in the transaction and is SIGKILLed before the
/// commit: neither the effect nor the applied mark remains; after the lease another worker
/// applies it once.
pub async fn killed_transaction_leaves_nothing(backend: &Backend, child_test: &str) {
    let inbox = backend.inbox(Arc::new(SystemClock)).await;
    backend.create_effects().await;
    let (h, body) = delivery("std", 7, SystemTime::now());
    let Receipt::Stored { id, .. } = inbox.receive("std", &h, &body).await.unwrap() else {
        panic!()
    };

    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("effect");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            child_test,
            "--nocapture",
            "--test-threads=1",
        ])
        .env("STURDY_INBOX_TX_CHILD", backend.spec())
        .env("STURDY_INBOX_CHILD_MARKER", &marker)
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    wait_for(&marker, &mut child.0);
    child.0.kill().unwrap(); // SIGKILL inside the open transaction
    child.0.wait().unwrap();

    assert_eq!(
        backend.effects("evt_7").await,
        0,
        "the uncommitted effect is gone"
    );
    let e = inbox.get(id).await.unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (Status::Processing, 1));
    assert_eq!(e.applied_at, None);
    // Counts come from the store: this process sees the child's claim; its own in-process
    // stats know nothing of it.
    let counts = inbox.counts().await.unwrap();
    assert_eq!(
        (counts[&Status::Processing], counts[&Status::Applied]),
        (1, 0)
    );
    assert_eq!(inbox.stats().applied, 0);

    let clock = ManualClock::new(SystemTime::now());
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    let worker = backend
        .effect_worker(&inbox, plan(|_| Then::Commit))
        .await
        .lease(Duration::from_secs(30));
    assert_eq!(
        worker.run_once().await.unwrap().claimed,
        0,
        "lease still live"
    );
    clock.advance(Duration::from_secs(31));
    let r = worker.drain().await.unwrap();
    assert_eq!((r.claimed, r.applied), (1, 1), "{r:?}");
    assert_eq!(backend.effects("evt_7").await, 1);
    let e = inbox.find("std", "evt_7").await.unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (Status::Applied, 2));
    let counts = inbox.counts().await.unwrap();
    assert_eq!(
        (counts[&Status::Applied], counts[&Status::Processing]),
        (1, 0)
    );
    backend.drop_effects().await;
    backend.cleanup().await;
}

/// The child side of [`killed_transaction_leaves_nothing`]: when `STURDY_INBOX_TX_CHILD`
/// is set, claim with a 30 s lease, write the effect and hang before the commit.
pub async fn child_writes_effect_and_hangs() {
    let Ok(spec) = std::env::var("STURDY_INBOX_TX_CHILD") else {
        return;
    };
    let backend = child_backend(&spec);
    let inbox = backend.inbox(Arc::new(SystemClock)).await;
    let worker = backend
        .effect_worker(&inbox, plan(|_| Then::Hang))
        .await
        .lease(Duration::from_secs(30));
    worker.run_once().await.unwrap();
    unreachable!("the handler never returns");
}

/// 16 events, 150 ms transactional handlers, a 1 s lease: a worker process takes the whole
/// batch and is SIGKILLed after starting its third handler; a worker here takes over the
/// rest after their leases run out. Every effect is committed exactly once and no event is
/// dead-lettered.
pub async fn killed_worker_among_slow_transactional_handlers(backend: &Backend, child_test: &str) {
    let n = 16;
    let inbox = backend.inbox(Arc::new(SystemClock)).await;
    backend.create_effects().await;
    for i in 0..n {
        let (h, body) = delivery("github", i, SystemTime::now());
        inbox.receive("github", &h, &body).await.unwrap();
    }
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("third");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            child_test,
            "--nocapture",
            "--test-threads=1",
        ])
        .env("STURDY_INBOX_SLOW_CHILD", backend.spec())
        .env("STURDY_INBOX_CHILD_MARKER", &marker)
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    wait_for(&marker, &mut child.0);
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let after_kill = inbox.counts().await.unwrap()[&Status::Applied];
    assert!(
        (2..n as u64).contains(&after_kill),
        "child applied {after_kill}"
    );

    let worker = backend
        .effect_worker(&inbox, plan(|_| Then::Slow))
        .await
        .lease(Duration::from_secs(1));
    let started = std::time::Instant::now();
    let mut applied = 0;
    while inbox.counts().await.unwrap()[&Status::Applied] < n as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never finished"
        );
        let r = worker.run_once().await.unwrap();
        assert_eq!(r.dead + r.lost, 0, "{r:?}");
        applied += r.applied;
        if r.claimed == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(after_kill as usize + applied, n);
    for i in 0..n {
        assert_eq!(backend.effects(&format!("evt_{i}")).await, 1, "evt_{i}");
    }
    let counts = inbox.counts().await.unwrap();
    assert_eq!(
        (counts[&Status::Applied], counts[&Status::Dead]),
        (n as u64, 0)
    );
    backend.drop_effects().await;
    backend.cleanup().await;
}

/// The child side of [`killed_worker_among_slow_transactional_handlers`].
pub async fn child_runs_slow_transactional_handlers() {
    let Ok(spec) = std::env::var("STURDY_INBOX_SLOW_CHILD") else {
        return;
    };
    let backend = child_backend(&spec);
    let inbox = backend.inbox(Arc::new(SystemClock)).await;
    let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let worker = backend
        .effect_worker(
            &inbox,
            plan(move |_| {
                if started.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
                    let marker = std::env::var("STURDY_INBOX_CHILD_MARKER").unwrap();
                    std::fs::write(marker, b"third handler started").unwrap();
                }
                Then::Slow
            }),
        )
        .await
        .lease(Duration::from_secs(1));
    loop {
        worker.run_once().await.unwrap();
    }
}

/// The backend a child process was given in `spec` (see [`Backend::spec`]).
fn child_backend(spec: &str) -> Backend {
    let parts: Vec<&str> = spec.split('|').collect();
    match parts[..] {
        ["sqlite", path] => Backend::Sqlite {
            // Inside the parent's marker folder, which the parent removes.
            _dir: tempfile::tempdir_in(
                PathBuf::from(std::env::var("STURDY_INBOX_CHILD_MARKER").unwrap())
                    .parent()
                    .unwrap(),
            )
            .unwrap(),
            path: PathBuf::from(path),
        },
        #[cfg(feature = "postgres")]
        ["postgres", url, table] => Backend::Postgres {
            url: url.to_owned(),
            table: table.to_owned(),
        },
        _ => panic!("bad child spec {spec}"),
    }
}
