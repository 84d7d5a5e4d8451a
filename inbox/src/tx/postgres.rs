//! Transactional handlers on PostgreSQL: the handler gets the `tokio_postgres::Transaction`
//! that also marks the event applied, on a connection of its own.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use sturdy_runtime::time::Clock;
use tokio_postgres::{Client, Transaction};

use super::{Transactional, TxApply, TxResult, PANICKED};
use crate::event::to_ms;
use crate::store::postgres::{complete_sql, connect_client};
use crate::store::{outcome_columns, Outcome};
use crate::{HandlerError, InboxError, PostgresStore, StoredEvent};

/// Processes one event inside the transaction that marks it applied. Implemented for every
/// `for<'a> Fn(&'a Transaction<'a>, &'a StoredEvent) -> BoxFuture<'a, Result<(), HandlerError>>`;
/// wrap a closure in [`handler`] so Rust infers that signature.
///
/// ```
/// # async fn demo(url: &str) -> Result<(), sturdy_inbox::InboxError> {
/// use sturdy_inbox::{tx::postgres::handler, Inbox, PostgresStore};
///
/// let store = PostgresStore::connect(url).await?; // the application's tables live here too
/// let inbox = Inbox::builder(store.clone()).build();
/// let seen = handler(|tx, event| {
///     Box::pin(async move {
///         tx.execute("INSERT INTO seen (event_id) VALUES ($1)", &[&event.event_id])
///             .await?;
///         Ok(())
///     })
/// });
/// let worker = inbox.transactional_worker(store.transactional(seen).await?);
/// worker.drain().await?;
/// # Ok(()) }
/// ```
pub trait PostgresTxHandler: Send + Sync + 'static {
    /// Handles `event`, writing through `tx`. An error rolls back everything written.
    fn handle<'a>(
        &'a self,
        tx: &'a Transaction<'a>,
        event: &'a StoredEvent,
    ) -> BoxFuture<'a, Result<(), HandlerError>>;
}

impl<F> PostgresTxHandler for F
where
    F: for<'a> Fn(&'a Transaction<'a>, &'a StoredEvent) -> BoxFuture<'a, Result<(), HandlerError>>
        + Send
        + Sync
        + 'static,
{
    fn handle<'a>(
        &'a self,
        tx: &'a Transaction<'a>,
        event: &'a StoredEvent,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        self(tx, event)
    }
}

/// Returns `f`, typed as a [`PostgresTxHandler`] closure (so `|tx, event| ...` needs no
/// annotations).
pub fn handler<F>(f: F) -> F
where
    F: for<'a> Fn(&'a Transaction<'a>, &'a StoredEvent) -> BoxFuture<'a, Result<(), HandlerError>>
        + Send
        + Sync
        + 'static,
{
    f
}

impl PostgresStore {
    /// Binds `handler` to this store's database: each event's handler runs in a
    /// transaction, on a connection this opens for it, that also marks the event applied.
    /// Claims and lease heartbeats stay on this store's connection. See the
    /// [`tx` module](crate::tx) for what holds.
    pub async fn transactional(
        &self,
        handler: impl PostgresTxHandler,
    ) -> Result<Transactional, InboxError> {
        let conn = connect_client(&self.url).await?;
        let apply = PostgresApply {
            conn: Arc::new(tokio::sync::Mutex::new(conn)),
            table: Arc::clone(&self.table),
            handler: Arc::new(handler),
        };
        Ok(Transactional {
            store: Arc::new(self.clone()),
            apply: Arc::new(apply),
        })
    }
}

struct PostgresApply {
    conn: Arc<tokio::sync::Mutex<Client>>,
    table: Arc<str>,
    handler: Arc<dyn PostgresTxHandler>,
}

impl TxApply for PostgresApply {
    fn apply(
        &self,
        event: StoredEvent,
        token: String,
        clock: Arc<dyn Clock>,
    ) -> BoxFuture<'static, Result<TxResult, InboxError>> {
        let conn = Arc::clone(&self.conn);
        let table = Arc::clone(&self.table);
        let handler = Arc::clone(&self.handler);
        async move {
            let t = &*table;
            let mut conn = conn.lock().await;
            let tx = conn.transaction().await?;
            let now = to_ms(clock.system_now());
            let held = tx
                .query_opt(
                    &format!(
                        "SELECT id FROM {t} WHERE id = $1 AND claim_token = $2
                         AND status = 'processing' AND lease_until > $3 FOR UPDATE"
                    ),
                    &[&event.id, &token, &now],
                )
                .await?;
            if held.is_none() {
                tx.rollback().await?;
                return Ok(TxResult::Lost);
            }
            let ran = AssertUnwindSafe(handler.handle(&tx, &event))
                .catch_unwind()
                .await;
            let error = match ran {
                Ok(Ok(())) => {
                    let now = to_ms(clock.system_now());
                    let (status, error, next, applied) = outcome_columns(Outcome::Applied, now);
                    let n = tx
                        .execute(
                            &complete_sql(t),
                            &[&event.id, &token, &status, &error, &next, &applied],
                        )
                        .await?;
                    if n == 1 {
                        tx.commit().await?;
                        return Ok(TxResult::Applied);
                    }
                    tx.rollback().await?;
                    return Ok(TxResult::Lost);
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => PANICKED.to_owned(),
            };
            tx.rollback().await?;
            Ok(TxResult::Failed(error))
        }
        .boxed()
    }
}
