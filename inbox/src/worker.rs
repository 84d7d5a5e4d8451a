//! Workers: claim due events, run the handler, record the outcome.

use std::error::Error as StdError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use sturdy_runtime::time::{Clock, Sleeper};

use crate::event::{from_ms, to_ms};
use crate::stats::{Counter, Stats};
use crate::store::{Outcome, Store};
use crate::{Claimed, InboxError, StoredEvent};

/// What a handler returns when it fails; its `Display` text is stored as `last_error`.
pub type HandlerError = Box<dyn StdError + Send + Sync>;

/// Processes one event. Implemented for every `Fn(StoredEvent) -> impl Future<Output =
/// Result<(), HandlerError>>`.
///
/// A handler runs at least once per event and, as long as it finishes within the lease,
/// exactly once. If it can outlive the lease (or its process can die after its side
/// effect but before the outcome is recorded), make its effect idempotent on
/// `(provider, event_id)`: for example insert the event id into a table in the same
/// transaction as the effect.
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
}

/// Claims and processes events. Build with [`Inbox::worker`](crate::Inbox::worker).
///
/// Defaults: lease 30 s, batch 16, at most 8 attempts, backoff 1 s doubling up to 1 h,
/// idle poll every 500 ms.
pub struct Worker {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) handler: Arc<dyn Handler>,
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
    /// PostgreSQL connection).
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
        let lease_ms = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
        let claimed = self
            .store
            .claim(self.name.clone(), now, lease_ms, self.batch)
            .await?;
        let mut report = RunReport {
            claimed: claimed.len(),
            ..RunReport::default()
        };
        for c in claimed {
            self.process(c, &mut report).await?;
        }
        Ok(report)
    }

    async fn process(
        &self,
        Claimed { event, token }: Claimed,
        report: &mut RunReport,
    ) -> Result<(), InboxError> {
        let id = event.id;
        let attempts = event.attempts;
        let received_at = event.received_at;
        let span = tracing::info_span!("inbox.handle", id, provider = %event.provider, event_id = %event.event_id, attempts);
        let outcome = if attempts > self.max_attempts {
            // Its earlier workers died mid-handler this many times: stop retrying it.
            Err("lease expired on every attempt (the handler's process keeps dying)".to_owned())
        } else {
            let started = self.clock.now();
            let fut = AssertUnwindSafe(self.handler.handle(event)).catch_unwind();
            let result = tracing::Instrument::instrument(fut, span.clone()).await;
            let took = self.clock.now().saturating_duration_since(started);
            match result {
                Ok(Ok(())) => {
                    let e2e = self
                        .clock
                        .system_now()
                        .duration_since(received_at)
                        .unwrap_or(Duration::ZERO);
                    self.stats.record(e2e, took);
                    Ok(())
                }
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("handler panicked".to_owned()),
            }
        };
        let now = self.clock.system_now();
        let outcome = match outcome {
            Ok(()) => Outcome::Applied,
            Err(error) if attempts >= self.max_attempts => Outcome::Dead { error },
            Err(error) => {
                let next = now + self.backoff_after(attempts);
                Outcome::Failed {
                    error,
                    next_attempt_ms: to_ms(next),
                }
            }
        };
        let kind = match &outcome {
            Outcome::Applied => Counter::Applied,
            Outcome::Failed { .. } => Counter::Failed,
            Outcome::Dead { .. } => Counter::Dead,
        };
        let recorded = self
            .store
            .complete(id, token, outcome.clone(), to_ms(now))
            .await?;
        let _enter = span.enter();
        if !recorded {
            report.lost += 1;
            self.stats.incr(Counter::LostLease);
            tracing::warn!(
                "lease lost before the outcome was recorded; another worker has the event"
            );
            return Ok(());
        }
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
        Ok(())
    }

    /// Processes events until `shutdown` completes, sleeping
    /// [`poll_interval`](Self::poll_interval) whenever nothing is due. Store errors are logged and retried
    /// after the poll interval.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        loop {
            let idle = match self.run_once().await {
                Ok(r) => r.claimed == 0,
                Err(e) => {
                    tracing::error!(error = %e, worker = %self.name, "inbox worker: store error");
                    true
                }
            };
            if idle {
                futures::select! {
                    _ = shutdown.as_mut() => return,
                    _ = self.sleeper.sleep(self.poll).fuse() => {}
                }
            } else if shutdown.as_mut().now_or_never().is_some() {
                return;
            }
        }
    }
}
