//! Transactional handlers on SQLite: the handler gets the `rusqlite::Transaction` that
//! also marks the event applied.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use rusqlite::{params, Transaction, TransactionBehavior};
use sturdy_runtime::time::Clock;

use super::{Transactional, TxApply, TxResult, PANICKED};
use crate::event::to_ms;
use crate::store::sqlite::complete_on;
use crate::store::Outcome;
use crate::{HandlerError, InboxError, SqliteStore, StoredEvent};

/// Processes one event inside the transaction that marks it applied. Implemented for every
/// `Fn(&rusqlite::Transaction<'_>, &StoredEvent) -> Result<(), HandlerError>`.
///
/// It runs on a blocking thread, holding SQLite's write lock: keep it short, and write the
/// application's tables (in the same database file) through `tx` only.
///
/// ```
/// # async fn demo() -> Result<(), sturdy_inbox::InboxError> {
/// use sturdy_inbox::{HandlerError, Inbox, SqliteStore, StoredEvent};
///
/// let store = SqliteStore::open("app.db")?; // the application's tables live here too
/// let inbox = Inbox::builder(store.clone()).build();
/// let worker = inbox.transactional_worker(store.transactional(
///     |tx: &rusqlite::Transaction<'_>, event: &StoredEvent| {
///         tx.execute("INSERT INTO seen (event_id) VALUES (?1)", [&event.event_id])?;
///         Ok::<(), HandlerError>(())
///     },
/// ));
/// worker.drain().await?;
/// # Ok(()) }
/// ```
pub trait SqliteTxHandler: Send + Sync + 'static {
    /// Handles `event`, writing through `tx`. An error rolls back everything written.
    fn handle(&self, tx: &Transaction<'_>, event: &StoredEvent) -> Result<(), HandlerError>;
}

impl<F> SqliteTxHandler for F
where
    F: Fn(&Transaction<'_>, &StoredEvent) -> Result<(), HandlerError> + Send + Sync + 'static,
{
    fn handle(&self, tx: &Transaction<'_>, event: &StoredEvent) -> Result<(), HandlerError> {
        self(tx, event)
    }
}

impl SqliteStore {
    /// Binds `handler` to this store's database: each event's handler runs in a transaction
    /// on this store's connection that also marks the event applied. See the
    /// [`tx` module](crate::tx) for what holds.
    pub fn transactional(&self, handler: impl SqliteTxHandler) -> Transactional {
        let apply = SqliteApply {
            store: self.clone(),
            handler: Arc::new(handler),
        };
        Transactional {
            store: Arc::new(self.clone()),
            apply: Arc::new(apply),
        }
    }
}

struct SqliteApply {
    store: SqliteStore,
    handler: Arc<dyn SqliteTxHandler>,
}

impl TxApply for SqliteApply {
    fn apply(
        &self,
        event: StoredEvent,
        token: String,
        clock: Arc<dyn Clock>,
    ) -> BoxFuture<'static, Result<TxResult, InboxError>> {
        let store = self.store.clone();
        let handler = Arc::clone(&self.handler);
        async move {
            store
                .run(move |c, t| {
                    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    let now = to_ms(clock.system_now());
                    let held: i64 = tx.query_row(
                        &format!(
                            "SELECT COUNT(*) FROM {t} WHERE id = ?1 AND claim_token = ?2
                             AND status = 'processing' AND lease_until > ?3"
                        ),
                        params![event.id, token, now],
                        |r| r.get(0),
                    )?;
                    if held != 1 {
                        return Ok(TxResult::Lost);
                    }
                    let ran =
                        std::panic::catch_unwind(AssertUnwindSafe(|| handler.handle(&tx, &event)));
                    match ran {
                        Ok(Ok(())) => {
                            let now = to_ms(clock.system_now());
                            if complete_on(&tx, t, event.id, &token, Outcome::Applied, now)? {
                                tx.commit()?;
                                Ok(TxResult::Applied)
                            } else {
                                Ok(TxResult::Lost)
                            }
                        }
                        Ok(Err(e)) => Ok(TxResult::Failed(e.to_string())),
                        Err(_) => Ok(TxResult::Failed(PANICKED.to_owned())),
                    }
                })
                .await
        }
        .boxed()
    }
}
