//! Workers: claim due events, run the handler, record the outcome.

use std::error::Error as StdError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, Either};
use futures::FutureExt;
use sturdy_runtime::time::{Clock, Sleeper};

use crate::event::{from_ms, to_ms};
use crate::stats::{Counter, Stats};
use crate::store::{Outcome, Store};
use crate::tx::{TxApply, TxResult};
use crate::{Claimed, InboxError, StoredEvent};

/// What a handler returns when it fails; its `Display` text is stored as `last_error`.
pub type HandlerError = Box<dyn StdError + Send + Sync>;

/// Processes one event. Implemented for every `Fn(StoredEvent) -> impl Future<Output =
/// Result<(), HandlerError>>`.
///
/// A handler starts only while its worker holds a live lease on the event, and the worker
/// extends that lease while the handler runs (see [`Worker`]). Its effects are still
/// *at least once*: if its process dies after the effect but before the outcome is recorded,
/// or the store stays unreachable for a whole lease, the event runs again. Make the effect
/// idempotent on `(provider, event_id)`, or, when the effect's tables live in the inbox's
/// database, use a transactional handler ([`Inbox::transactional_worker`](crate::Inbox::transactional_worker)),
/// whose writes commit together with the event's `applied` mark.
pub trait Handler: Send + Sync + 'static {
    /// Handles `event`.
    fn handle(&self, event: StoredEvent) -> BoxFuture<'static, Result<(), HandlerError>>;
}

impl<F, Fut> Handler for F
where
    F: Fn(StoredEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn handle(&self, event: StoredEvent) -> BoxFuture<'static, Result<(), HandlerError>> {
        self(event).boxed()
    }
}

/// What one [`Worker::run_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Events claimed.
    pub claimed: usize,
    /// Handler successes recorded.
    pub applied: usize,
    /// Failures scheduled for retry.
    pub failed: usize,
    /// Events moved to dead letters.
    pub dead: usize,
    /// Outcomes dropped because the lease had been taken over.
    pub lost: usize,
    /// Claimed events not started because their lease had run out before their turn
    /// (given back without counting an attempt, or already taken by another worker).
    pub skipped: usize,
}

impl RunReport {
    fn add(&mut self, o: RunReport) {
        self.claimed += o.claimed;
        self.applied += o.applied;
        self.failed += o.failed;
        self.dead += o.dead;
        self.lost += o.lost;
        self.skipped += o.skipped;
    }
}

/// What runs for each event: a plain handler, or one inside the store's transaction.
#[derive(Clone)]
pub(crate) enum Body {
    Plain(Arc<dyn Handler>),
    Tx(Arc<dyn TxApply>),
}

/// Claims and processes events. Build with [`Inbox::worker`](crate::Inbox::worker).
///
/// Defaults: lease 30 s, batch 16, at most 8 attempts, backoff 1 s doubling up to 1 h,
/// idle poll every 500 ms.
///
/// Leases: a claim takes a batch under one lease, and while the batch is being processed
/// the worker extends the lease of every event it still holds every lease / 3 (a heartbeat
/// on the injected [`Sleeper`]). Right before each handler starts, the worker renews that
/// event's lease in the store and starts the handler only if the lease was still live; an
/// event whose lease ran out first is given back (its attempt not counted) or left to the
/// worker that took it over. An expired lease is never renewed.
pub struct Worker {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) body: Body,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) stats: Arc<Stats>,
    pub(crate) name: String,
    pub(crate) lease: Duration,
    pub(crate) batch: usize,
    pub(crate) max_attempts: u32,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_cap: Duration,
    pub(crate) poll: Duration,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("lease", &self.lease)
            .field("batch", &self.batch)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Claims from this store instead of the inbox's (to give each worker its own
    /// PostgreSQL connection). A transactional worker's handler keeps running in the store
    /// it was bound to.
    pub fn store(mut self, store: impl Store) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// The worker's name, recorded on its claims (default: a random id).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How long a claim is held before another worker may take the event over.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many events one claim takes (at least 1).
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// After this many attempts (at least 1) a failing event goes to dead letters.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Retry delay after attempt `n`: `base * 2^(n-1)`, at most `cap`.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// How the worker waits, when idle and between lease heartbeats (default: the inbox's
    /// sleeper).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// How long [`run`](Self::run) sleeps when there is nothing to do.
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// The delay before retrying after `attempts` failed attempts.
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let shift = attempts.saturating_sub(1).min(31);
        self.backoff_base
            .saturating_mul(1u32 << shift)
            .min(self.backoff_cap)
    }

    /// Claims one batch and processes it. Returns what happened; `claimed == 0` means
    /// nothing was due.
    pub async fn run_once(&self) -> Result<RunReport, InboxError> {
        let now = to_ms(self.clock.system_now());
        let claimed = self
            .store
            .claim(self.name.clone(), now, self.lease_ms(), self.batch)
            .await?;
        let mut report = RunReport {
            claimed: claimed.len(),
            ..RunReport::default()
        };
        let Some(token) = claimed.first().map(|c| c.token.clone()) else {
            return Ok(report);
        };
        let result = {
            let work = std::pin::pin!(async {
                for c in claimed {
                    self.process(c, &mut report).await?;
                }
                Ok::<(), InboxError>(())
            });
            let beat = std::pin::pin!(self.heartbeat(token));
            match futures::future::select(work, beat).await {
                Either::Left((r, _)) => r,
                Either::Right((never, _)) => match never {},
            }
        };
        result.map(|()| report)
    }

    /// Runs [`run_once`](Self::run_once) until nothing is due now, then returns the sum
    /// of what it did (events failing with a backoff in the future are left for later).
    pub async fn drain(&self) -> Result<RunReport, InboxError> {
        let mut total = RunReport::default();
        loop {
            let r = self.run_once().await?;
            if r.claimed == 0 {
                return Ok(total);
            }
            total.add(r);
        }
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// Extends the leases still held under `token` every lease / 3, forever (the caller
    /// drops it when the batch is done).
    async fn heartbeat(&self, token: String) -> std::convert::Infallible {
        let every = (self.lease / 3).max(Duration::from_millis(1));
        loop {
            self.sleeper.sleep(every).await;
            let now = to_ms(self.clock.system_now());
            match self
                .store
                .extend(token.clone(), None, now, self.lease_ms())
                .await
            {
                Ok(n) => {
                    tracing::trace!(worker = %self.name, extended = n, "inbox lease heartbeat")
                }
                Err(e) => {
                    tracing::warn!(worker = %self.name, error = %e, "inbox lease heartbeat failed")
                }
            }
        }
    }

    /// Renews the lease of one claimed event right before its handler starts; when it has
    /// run out, gives the event back. Returns whether the handler may start.
    async fn renew_before_start(
        &self,
        id: i64,
        token: &str,
        report: &mut RunReport,
    ) -> Result<bool, InboxError> {
        let now = to_ms(self.clock.system_now());
        let renewed = self
            .store
            .extend(token.to_owned(), Some(id), now, self.lease_ms())
            .await?;
        if renewed == 1 {
            return Ok(true);
        }
        let released = self.store.release(id, token.to_owned(), now).await?;
        report.skipped += 1;
        tracing::warn!(id, released, worker = %self.name, "lease ran out before the handler started; not started");
        Ok(false)
    }

    /// Runs the body for `event`: `Ok(Some(applied))` when a transaction already recorded
    /// the outcome (`false`: the claim was lost first), `Ok(None)` when a plain handler
    /// succeeded, `Err(text)` when the handler failed.
    async fn run_body(
        &self,
        event: StoredEvent,
        token: &str,
        span: &tracing::Span,
    ) -> Result<Result<Option<bool>, String>, InboxError> {
        let received_at = event.received_at;
        let started = self.clock.now();
        let result = match &self.body {
            Body::Plain(handler) => {
                let fut = AssertUnwindSafe(handler.handle(event)).catch_unwind();
                match tracing::Instrument::instrument(fut, span.clone()).await {
                    Ok(Ok(())) => Ok(None),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("handler panicked".to_owned()),
                }
            }
            Body::Tx(apply) => {
                let fut = apply.apply(event, token.to_owned(), Arc::clone(&self.clock));
                match tracing::Instrument::instrument(fut, span.clone()).await? {
                    TxResult::Applied => Ok(Some(true)),
                    TxResult::Lost => Ok(Some(false)),
                    TxResult::Failed(e) => Err(e),
                }
            }
        };
        if let Ok(None | Some(true)) = result {
            let took = self.clock.now().saturating_duration_since(started);
            let e2e = self
                .clock
                .system_now()
                .duration_since(received_at)
                .unwrap_or(Duration::ZERO);
            self.stats.record(e2e, took);
        }
        Ok(result)
    }

    async fn process(
        &self,
        Claimed { event, token }: Claimed,
        report: &mut RunReport,
    ) -> Result<(), InboxError> {
        let id = event.id;
        let attempts = event.attempts;
        let span = tracing::info_span!("inbox.handle", id, provider = %event.provider, event_id = %event.event_id, attempts);
        if !self.renew_before_start(id, &token, report).await? {
            return Ok(());
        }
        let ran = if attempts > self.max_attempts {
            // Its earlier workers died mid-handler this many times: stop retrying it.
            Err("lease expired on every attempt (the handler's process keeps dying)".to_owned())
        } else {
            self.run_body(event, &token, &span).await?
        };
        let now = self.clock.system_now();
        let (outcome, recorded) = match ran {
            Ok(Some(recorded)) => (Outcome::Applied, recorded),
            ran => {
                let outcome = match ran {
                    Ok(_) => Outcome::Applied,
                    Err(error) if attempts >= self.max_attempts => Outcome::Dead { error },
                    Err(error) => Outcome::Failed {
                        error,
                        next_attempt_ms: to_ms(now + self.backoff_after(attempts)),
                    },
                };
                let recorded = self
                    .store
                    .complete(id, token, outcome.clone(), to_ms(now))
                    .await?;
                (outcome, recorded)
            }
        };
        let _enter = span.enter();
        self.record(outcome, recorded, report);
        Ok(())
    }

    fn record(&self, outcome: Outcome, recorded: bool, report: &mut RunReport) {
        if !recorded {
            report.lost += 1;
            self.stats.incr(Counter::LostLease);
            tracing::warn!(
                "lease lost before the outcome was recorded; another worker has the event"
            );
            return;
        }
        let kind = match &outcome {
            Outcome::Applied => Counter::Applied,
            Outcome::Failed { .. } => Counter::Failed,
            Outcome::Dead { .. } => Counter::Dead,
        };
        match outcome {
            Outcome::Applied => {
                report.applied += 1;
                tracing::debug!("applied");
            }
            Outcome::Failed {
                error,
                next_attempt_ms,
            } => {
                report.failed += 1;
                tracing::warn!(%error, retry_at = ?from_ms(next_attempt_ms), "handler failed; will retry");
            }
            Outcome::Dead { error } => {
                report.dead += 1;
                tracing::error!(%error, "handler failed for the last time; event moved to dead letters");
            }
        }
        self.stats.incr(kind);
    }

    /// Processes events until `shutdown` completes, sleeping
    /// [`poll_interval`](Self::poll_interval) whenever nothing is due. Returns `Ok` at shutdown, or the
    /// first store error (after tracing it); restart the worker, after a pause, to keep
    /// going. A handler's error is not a store error: it is recorded on the event.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), InboxError> {
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        loop {
            let idle = match self.run_once().await {
                Ok(r) => r.claimed == 0,
                Err(e) => {
                    tracing::error!(error = %e, worker = %self.name, "inbox worker: store error");
                    return Err(e);
                }
            };
            if idle {
                futures::select! {
                    _ = shutdown.as_mut() => return Ok(()),
                    _ = self.sleeper.sleep(self.poll).fuse() => {}
                }
            } else if shutdown.as_mut().now_or_never().is_some() {
                return Ok(());
            }
        }
    }
}
