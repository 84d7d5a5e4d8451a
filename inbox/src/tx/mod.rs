//! Transactional handlers: the handler's writes and the event's `applied` mark commit in one
//! database transaction, so an effect written through it commits exactly once.
//!
//! What holds, per store (each shown by the tests in `inbox/tests/`):
//! - The transaction starts only if the worker's claim on the event is still live (same
//!   token, lease not run out); otherwise the handler does not run.
//! - While it is open, no other worker can take the event over: SQLite's transaction holds
//!   the database's write lock (`BEGIN IMMEDIATE`; other writers wait up to the busy
//!   timeout), PostgreSQL's holds the event's row lock (`SELECT ... FOR UPDATE`; claims
//!   skip locked rows).
//! - If the handler returns an error or panics, or its process dies before the commit,
//!   nothing it wrote in the transaction stays and the event is not marked applied; it is
//!   retried like any failed event (after the lease, for a dead process).
//! - While a transactional handler runs, the worker's lease heartbeat for the rest of its
//!   batch waits for it (SQLite: the same connection; PostgreSQL: the event's row lock), so
//!   keep such handlers shorter than the lease: events whose lease runs out meanwhile are
//!   not started but given back (never run twice).
//! - Only writes made through the given transaction are covered. Calls to other systems
//!   (HTTP, another database) from the handler are still at least once.

use std::sync::Arc;

use futures::future::BoxFuture;
use sturdy_runtime::time::Clock;

use crate::store::Store;
use crate::{InboxError, StoredEvent};

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// How a transactional run ended.
pub(crate) enum TxResult {
    /// Committed together with the `applied` mark.
    Applied,
    /// The claim no longer held; nothing ran or nothing was committed.
    Lost,
    /// The handler failed (rolled back), with its error text.
    Failed(String),
}

/// Runs a handler inside a store transaction that also records `applied`.
pub(crate) trait TxApply: Send + Sync + 'static {
    fn apply(
        &self,
        event: StoredEvent,
        token: String,
        clock: Arc<dyn Clock>,
    ) -> BoxFuture<'static, Result<TxResult, InboxError>>;
}

/// A handler bound to the store whose transactions it writes in. Make one with
/// `SqliteStore::transactional` or `PostgresStore::transactional`, then a worker with
/// [`Inbox::transactional_worker`](crate::Inbox::transactional_worker).
#[derive(Clone)]
pub struct Transactional {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) apply: Arc<dyn TxApply>,
}

impl std::fmt::Debug for Transactional {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transactional").finish_non_exhaustive()
    }
}

/// The text recorded when a handler panics.
pub(crate) const PANICKED: &str = "handler panicked";
