//! A webhook inbox: verify every delivery, store it once, and run its handler under a
//! lease, with retries, dead letters and replay.
//!
//! ```text
//! provider ──POST──▶ Inbox::receive ──verify──▶ dedupe on (provider, event id) ──▶ store ──▶ 2xx
//!                                                                                   │
//!            Worker::run ◀── claim (lease, heartbeat) ◀─────────────────────────────┘
//!               │  handler Ok  ──▶ applied
//!               └─ handler Err ──▶ failed (retry at next_attempt_at, backoff) ──▶ … ──▶ dead
//! ```
//!
//! - [`Inbox::receive`] checks the signature with a [`Verifier`] (from `sturdy-runtime`),
//!   deduplicates on the provider's event id (`webhook-id`, Stripe's body `id`,
//!   `X-GitHub-Delivery`, or `sha256:` of the body when there is none), stores the raw body
//!   and headers, and returns without running any handler — answer 2xx right away.
//! - [`Worker`]s claim due events under a lease, run the [`Handler`] and record
//!   `applied`, `failed` (retried after an exponential backoff) or, after the last
//!   attempt, `dead`. [`Worker::run`] loops until shutdown and returns the first store
//!   error; [`Worker::drain`] processes what is due and returns.
//! - Dead letters can be listed, inspected and replayed ([`Inbox::list`], [`Inbox::get`],
//!   [`Inbox::find`] by `(provider, event id)`, [`Inbox::replay`], [`Inbox::replay_range`]),
//!   also from the `sturdy-inbox` CLI.
//! - An operator console (feature `console`): `console::Console` is an axum router
//!   showing counts, dead letters, events (secrets redacted) and the registered API
//!   clients' health, with CSRF-checked replays; `sturdy-inbox serve` runs it on its own.
//! - Stores: embedded SQLite (feature `sqlite`, default) and PostgreSQL (feature
//!   `postgres`) for several instances sharing the work (`FOR UPDATE SKIP LOCKED`).
//! - Also here, for the outgoing side: [`dedupe`], the durable stores behind
//!   `sturdy-runtime`'s `.dedupe_key(..)` ([`SqliteDedupeStore`], `PostgresDedupeStore`).
//! - Every time comes from the injected [`Clock`], so tests can step past leases and
//!   backoffs exactly. [`Inbox::counts`] reads the store (the same from every process);
//!   [`Inbox::stats`] holds this process's counters and latency percentiles; every state
//!   change is also a `tracing` event.
//!
//! # What is guaranteed
//! Each point is shown by the tests in `inbox/tests/`, on SQLite and on PostgreSQL.
//! - **Stored once.** A delivery is stored once per `(provider, event id)`; redeliveries
//!   are reported as [`Receipt::Duplicate`].
//! - **One holder per lease, and a live lease for every handler.** A claim hands an event to
//!   one worker until its lease runs out. The worker renews the event's lease in the store
//!   right before starting its handler and starts it only if the lease was still live; while
//!   a batch runs it extends the leases it holds every lease / 3. With 16 events, 150 ms
//!   handlers, a 1 s lease and two workers, every handler ran once and none started on an
//!   expired lease or went to dead letters.
//! - **Plain handlers: at least once.** A handler whose process dies (tested with SIGKILL)
//!   runs again after the lease; so does one whose lease could not be extended for a whole
//!   lease (store unreachable, or a stalled process). A late outcome from a worker that lost
//!   its lease is discarded. Make such effects idempotent (see below).
//! - **Transactional handlers: effects in the inbox's database commit exactly once.** When
//!   the application's tables live in the same SQLite file or PostgreSQL database, a
//!   transactional handler ([`Inbox::transactional_worker`], [`tx`]) writes them in the
//!   transaction that marks the event applied: a handler error, a panic, or a SIGKILL before
//!   the commit leaves neither its writes nor the mark, and the retry commits them once
//!   (also with a worker process SIGKILLed in the middle of a batch of 16 such 150 ms
//!   handlers under a 1 s lease).
//!   Calls it makes to anything else (HTTP, other databases) are still at least once.
//! - **Dead letters.** After the worker's maximum attempts (failures, or claims whose
//!   worker died mid-handler) an event goes `dead` and waits for a replay.
//!
//! # Do not trust event order
//! Providers deliver at least once and in no particular order: `invoice.paid` may arrive
//! before `invoice.created`, and a retry of an old `customer.updated` may arrive after a
//! newer one. Treat an event as a *hint that something changed*, not as the new state:
//! in the handler, fetch the object's current state from the provider's API (with the
//! generated client) and apply that, keyed by the object id. Then order and duplicates stop
//! mattering, and replaying any event is always safe:
//!
//! ```ignore
//! let handler = move |event: StoredEvent| {
//!     let api = api.clone();
//!     async move {
//!         let id = event.json()?["data"]["object"]["id"].as_str().unwrap_or_default().to_owned();
//!         let invoice = api.get_invoice(&id).await?;   // the provider's latest state
//!         db.upsert_invoice(&invoice).await?;          // idempotent on the invoice id
//!         Ok(())
//!     }
//! };
//! ```
//!
//! # Example
//! ```
//! # #[cfg(feature = "sqlite")]
//! # async fn demo() -> Result<(), sturdy_inbox::InboxError> {
//! use sturdy_inbox::{Inbox, SqliteStore, StoredEvent, HandlerError};
//! use sturdy_runtime::webhooks::Verifier;
//!
//! let stripe = Verifier::stripe(["whsec_test"]).build().expect("secret");
//! let inbox = Inbox::builder(SqliteStore::in_memory()?).provider("stripe", stripe).build();
//!
//! // In the HTTP handler:
//! let headers = http::HeaderMap::new();
//! let body = br#"{"id":"evt_1"}"#;
//! match inbox.receive("stripe", &headers, body).await {
//!     Ok(_) => { /* 200 */ }
//!     Err(e) if e.is_rejection() => { /* 400/401 */ }
//!     Err(_) => { /* 500: the provider retries */ }
//! }
//!
//! // In a background task:
//! let worker = inbox.worker(|event: StoredEvent| async move {
//!     println!("{} {:?}", event.event_id, event.event_type);
//!     Ok::<(), HandlerError>(())
//! });
//! worker.run_once().await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

#[cfg(feature = "console")]
pub mod console;
pub mod dedupe;
mod error;
mod event;
#[cfg(feature = "postgres")]
pub mod fleet;
mod range;
mod stats;
pub mod store;
pub mod tx;
mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use sha2::Digest;
use sturdy_runtime::time::{Clock, Sleeper, SystemClock, TokioSleeper};
use sturdy_runtime::webhooks::{event_type, Verifier};

#[cfg(feature = "postgres")]
pub use dedupe::postgres::PostgresDedupeStore;
#[cfg(feature = "sqlite")]
pub use dedupe::sqlite::SqliteDedupeStore;
pub use dedupe::DEFAULT_DEDUPE_TABLE;
pub use error::InboxError;
pub use event::{from_ms, to_ms, Claimed, NewEvent, Status, StoredEvent, UnknownStatus};
#[cfg(feature = "postgres")]
pub use fleet::PgFleetLimit;
pub use range::RangeProgress;
pub use stats::{Stats, StatsSnapshot, LATENCY_WINDOW};
#[cfg(feature = "postgres")]
pub use store::postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::sqlite::SqliteStore;
pub use store::{Inserted, ListQuery, Outcome, ReplayTarget, Store};
#[cfg(feature = "postgres")]
pub use tx::postgres::PostgresTxHandler;
#[cfg(feature = "sqlite")]
pub use tx::sqlite::SqliteTxHandler;
pub use tx::Transactional;
pub use worker::{Handler, HandlerError, RunReport, Worker};

/// Headers never stored with an event.
pub const UNSTORED_HEADERS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// The inbox: verifies and stores deliveries, and makes workers and admin calls.
/// Cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    store: Arc<dyn Store>,
    providers: Arc<BTreeMap<String, Verifier>>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    stats: Arc<Stats>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("providers", &self.providers)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Inbox`].
pub struct InboxBuilder {
    store: Arc<dyn Store>,
    providers: BTreeMap<String, Verifier>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
}

impl std::fmt::Debug for InboxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxBuilder")
            .field("providers", &self.providers)
            .finish_non_exhaustive()
    }
}

impl InboxBuilder {
    /// Accepts deliveries for `name` (the path segment or label the service uses), verified
    /// by `verifier`.
    pub fn provider(mut self, name: impl Into<String>, verifier: Verifier) -> Self {
        self.providers.insert(name.into(), verifier);
        self
    }

    /// The clock for "now" (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How workers wait when idle (default: `tokio::time::sleep`).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The inbox. (Nothing here can fail: verifiers and stores are checked when built.)
    pub fn build(self) -> Inbox {
        Inbox {
            store: self.store,
            providers: Arc::new(self.providers),
            clock: self.clock,
            sleeper: self.sleeper,
            stats: Arc::new(Stats::default()),
        }
    }
}

/// What [`Inbox::receive`] did with a verified delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Receipt {
    /// Stored as a new event.
    Stored {
        /// The inbox id.
        id: i64,
        /// The provider's event id.
        event_id: String,
    },
    /// Already stored earlier (a redelivery); nothing changed.
    Duplicate {
        /// The provider's event id.
        event_id: String,
    },
}

impl Inbox {
    /// Starts building an inbox over `store`.
    pub fn builder(store: impl Store) -> InboxBuilder {
        InboxBuilder {
            store: Arc::new(store),
            providers: BTreeMap::new(),
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Verifies a delivery for `provider` over its raw `body`, and stores it unless it is a
    /// duplicate. Runs no handler, so it returns in the time of one insert.
    pub async fn receive(
        &self,
        provider: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Receipt, InboxError> {
        let verifier = self
            .providers
            .get(provider)
            .ok_or_else(|| InboxError::UnknownProvider(provider.to_owned()))?;
        let now = self.clock.system_now();
        if let Err(source) = verifier.verify(headers, body, now) {
            self.stats.incr(stats::Counter::Rejected);
            tracing::warn!(provider, error = %source, "webhook rejected");
            return Err(InboxError::Rejected {
                provider: provider.to_owned(),
                source,
            });
        }
        let event_id = verifier
            .event_id(headers, body)
            .unwrap_or_else(|| format!("sha256:{}", hex::encode(sha2::Sha256::digest(body))));
        let stored_headers: Vec<(&str, String)> = headers
            .iter()
            .filter(|(k, _)| !UNSTORED_HEADERS.contains(&k.as_str()))
            .map(|(k, v)| {
                (
                    k.as_str(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let new = NewEvent {
            provider: provider.to_owned(),
            event_id: event_id.clone(),
            event_type: event_type(headers, body),
            headers_json: serde_json::to_string(&stored_headers)
                .map_err(|e| InboxError::Corrupt(e.to_string()))?,
            body: body.to_vec(),
            received_at_ms: to_ms(now),
        };
        match self.store.insert(new).await? {
            Inserted::New(id) => {
                self.stats.incr(stats::Counter::Received);
                tracing::info!(provider, %event_id, id, "webhook stored");
                Ok(Receipt::Stored { id, event_id })
            }
            Inserted::Duplicate => {
                self.stats.incr(stats::Counter::Duplicate);
                tracing::info!(provider, %event_id, "webhook duplicate ignored");
                Ok(Receipt::Duplicate { event_id })
            }
        }
    }

    /// A worker running `handler` over this inbox's store, clock and stats.
    pub fn worker(&self, handler: impl Handler) -> Worker {
        self.make_worker(
            Arc::clone(&self.store),
            worker::Body::Plain(Arc::new(handler)),
        )
    }

    /// A worker whose handler writes in the transaction that marks each event applied
    /// (see the [`tx`] module); it claims through the store the handler was bound to.
    pub fn transactional_worker(&self, handler: Transactional) -> Worker {
        self.make_worker(handler.store, worker::Body::Tx(handler.apply))
    }

    fn make_worker(&self, store: Arc<dyn Store>, body: worker::Body) -> Worker {
        Worker {
            store,
            body,
            clock: Arc::clone(&self.clock),
            sleeper: Arc::clone(&self.sleeper),
            stats: Arc::clone(&self.stats),
            name: format!("worker-{}", uuid::Uuid::new_v4()),
            lease: Duration::from_secs(30),
            batch: 16,
            max_attempts: 8,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(3600),
            poll: Duration::from_millis(500),
        }
    }

    /// Counters and latency percentiles of this process only (this inbox and its workers);
    /// for totals across processes use [`counts`](Self::counts), which reads the store.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// The event `provider` delivered with id `event_id` (as [`Receipt`] reports it).
    pub async fn find(
        &self,
        provider: &str,
        event_id: &str,
    ) -> Result<Option<StoredEvent>, InboxError> {
        self.store
            .find(provider.to_owned(), event_id.to_owned())
            .await
    }

    /// One event, with its body and headers.
    pub async fn get(&self, id: i64) -> Result<Option<StoredEvent>, InboxError> {
        self.store.get(id).await
    }

    /// Events matching `query`, newest first; `ListQuery::new(50).status(Status::Dead)`
    /// lists dead letters.
    pub async fn list(&self, query: ListQuery) -> Result<Vec<StoredEvent>, InboxError> {
        self.store.list(query).await
    }

    /// Makes event `id` due again now, with its attempts reset (unless a worker holds it
    /// under a live lease). Returns whether it was reset.
    pub async fn replay(&self, id: i64) -> Result<bool, InboxError> {
        let n = self
            .store
            .replay(ReplayTarget::Id(id), to_ms(self.clock.system_now()))
            .await?;
        tracing::info!(id, replayed = n, "inbox replay");
        Ok(n == 1)
    }

    /// Replays every event received in `[from, to)`, optionally only those in `status`.
    /// Returns how many were reset.
    pub async fn replay_range(
        &self,
        from: SystemTime,
        to: SystemTime,
        status: Option<Status>,
    ) -> Result<u64, InboxError> {
        let target = ReplayTarget::Range {
            from_ms: to_ms(from),
            to_ms: to_ms(to),
            status,
        };
        let n = self
            .store
            .replay(target, to_ms(self.clock.system_now()))
            .await?;
        tracing::info!(replayed = n, "inbox replay of a time range");
        Ok(n)
    }

    /// How many events are in each status, read from the store: the same from every process
    /// sharing it.
    pub async fn counts(&self) -> Result<BTreeMap<Status, u64>, InboxError> {
        self.store.counts().await
    }
}
