//! Limits shared across a fleet: the seam a client's limiter consults when many processes
//! share one provider quota.
//!
//! A [`SharedLimit`] keeps a token bucket per key (the limiter's key: the request's
//! `host:port`, narrowed to the provider's resource once a response names one) and a hold-until
//! time per key, somewhere every process sees: `sturdy-inbox`'s `PgFleetLimit` keeps them in
//! one PostgreSQL row per key. The runtime takes no database dependency; it only knows this
//! trait, set with [`ClientBuilder::shared_limit`](crate::ClientBuilder::shared_limit). Without one (the default) the limiter is
//! the in-process one, unchanged.
//!
//! The bucket's rate and burst belong to the backend (every process must agree on them), so
//! a client with a shared limit needs no [`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit) of its own; when it has
//! one too, a call waits for both. A provider's 429 with `Retry-After` is passed on with
//! [`SharedLimit::hold`], so every process backs off, not only the one that received it.
//!
//! The client's retry budget ([`crate::budget`]) is shared the same way, one bucket per
//! server for the fleet, so a fleet stops retrying together during an outage.
//!
//! When the backend fails (database down), the limiter logs a warning and lets the call go
//! with the in-process limits only: a broken shared store never stops calls.
//!
//! ```
//! use std::sync::Arc;
//! use sturdy_runtime::ratelimit::{MemorySharedLimit, RateLimit};
//! use sturdy_runtime::time::SystemClock;
//! // One process: the in-memory backend behaves like the fleet one, for tests and examples.
//! let shared = MemorySharedLimit::new(RateLimit { per_second: 45.0, burst: 5 }, Arc::new(SystemClock));
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("http://127.0.0.1:9")
//!     .shared_limit(Arc::new(shared))
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use super::RateLimit;
use crate::time::Clock;

/// Why a shared backend could not answer (connection lost, query failed).
pub type SharedLimitError = Box<dyn std::error::Error + Send + Sync>;

/// What a shared bucket granted one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// How long the call waits from now (the bucket's refill, or a fleet-wide hold).
    pub wait: Duration,
    /// Whether a slot was taken. `false` when `wait` exceeds the caller's `max_wait`: nothing
    /// is taken then and the call fails unsent.
    pub taken: bool,
}

/// State shared by every process that calls one provider. Implementations must make each
/// method one atomic step on the shared store.
pub trait SharedLimit: Send + Sync + 'static {
    /// Takes `cost` tokens from `key`'s bucket unless the call would wait longer than
    /// `max_wait` (counting a hold set by [`SharedLimit::hold`]). The bucket may go negative:
    /// a taken slot lies in the future and later callers queue behind it.
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Reservation, SharedLimitError>>;

    /// Holds every call of `key` for `wait` from now (a provider's 429 `Retry-After`); a
    /// later hold already in place is kept.
    fn hold<'a>(
        &'a self,
        key: &'a str,
        wait: Duration,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>>;

    /// Takes `cost` tokens from the fleet's retry budget `key`, a bucket of `capacity` that
    /// starts full and refills only through [`SharedLimit::give_budget`]; `false` (nothing
    /// taken) when it cannot pay.
    fn take_budget<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> BoxFuture<'a, Result<bool, SharedLimitError>>;

    /// Puts `tokens` back into the fleet's retry budget `key`, never above `capacity`.
    fn give_budget<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>>;
}

/// A [`SharedLimit`] on the client builder; prints no more than its name.
#[derive(Clone)]
pub(crate) struct SharedHandle(pub(crate) Arc<dyn SharedLimit>);

impl fmt::Debug for SharedHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedLimit")
    }
}

/// One token-bucket step, the maths every backend applies: refill `tokens` for `elapsed_secs`
/// at `limit.per_second` (at most `limit.burst`), then take `cost` unless the wait for it
/// would exceed `max_wait`. Returns the tokens left and the reservation. A `hold` still to run
/// adds to the wait. A negative `elapsed_secs` (clocks that went back) refills nothing.
pub fn bucket_step(
    tokens: f64,
    elapsed_secs: f64,
    limit: RateLimit,
    cost: u32,
    hold: Duration,
    max_wait: Duration,
) -> (f64, Reservation) {
    let burst = f64::from(limit.burst);
    let refill = if elapsed_secs.is_finite() {
        elapsed_secs.max(0.0) * limit.per_second
    } else {
        0.0
    };
    let refilled = (tokens + refill).min(burst);
    let wait = hold.max(wait_for(refilled, cost, limit.per_second));
    if wait > max_wait {
        (refilled, Reservation { wait, taken: false })
    } else {
        (
            refilled - f64::from(cost),
            Reservation { wait, taken: true },
        )
    }
}

/// The wait until a bucket holding `refilled` tokens can pay `cost` at `per_second`.
pub fn wait_for(refilled: f64, cost: u32, per_second: f64) -> Duration {
    let missing = f64::from(cost) - refilled;
    if missing <= 0.0 || !(per_second.is_finite() && per_second > 0.0) {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(missing / per_second).unwrap_or(Duration::MAX)
}

/// A [`SharedLimit`] in this process's memory, with the same maths as the fleet backends:
/// for tests, and for several clients in one process that must share one quota.
pub struct MemorySharedLimit {
    limit: RateLimit,
    clock: Arc<dyn Clock>,
    keys: Mutex<BTreeMap<String, Key>>,
    budgets: Mutex<BTreeMap<String, u32>>,
}

struct Key {
    tokens: f64,
    at: Instant,
    hold_until: Option<Instant>,
}

impl MemorySharedLimit {
    /// Buckets of `limit` per key, timed by `clock`; each starts full.
    pub fn new(limit: RateLimit, clock: Arc<dyn Clock>) -> Self {
        Self {
            limit,
            clock,
            keys: Mutex::new(BTreeMap::new()),
            budgets: Mutex::new(BTreeMap::new()),
        }
    }

    fn with_budget<T>(&self, key: &str, capacity: u32, f: impl FnOnce(&mut u32) -> T) -> T {
        let mut budgets = self.budgets.lock().unwrap_or_else(|p| p.into_inner());
        f(budgets.entry(key.to_owned()).or_insert(capacity))
    }

    fn with_key<T>(&self, key: &str, f: impl FnOnce(&mut Key, Instant) -> T) -> T {
        let now = self.clock.now();
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let k = keys.entry(key.to_owned()).or_insert(Key {
            tokens: f64::from(self.limit.burst),
            at: now,
            hold_until: None,
        });
        f(k, now)
    }
}

impl fmt::Debug for MemorySharedLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySharedLimit")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl SharedLimit for MemorySharedLimit {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Reservation, SharedLimitError>> {
        let r = self.with_key(key, |k, now| {
            let hold = k
                .hold_until
                .map_or(Duration::ZERO, |u| u.saturating_duration_since(now));
            let elapsed = now.saturating_duration_since(k.at).as_secs_f64();
            let (tokens, r) = bucket_step(k.tokens, elapsed, self.limit, cost, hold, max_wait);
            k.tokens = tokens;
            k.at = now;
            r
        });
        Box::pin(async move { Ok(r) })
    }

    fn hold<'a>(
        &'a self,
        key: &'a str,
        wait: Duration,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>> {
        self.with_key(key, |k, now| {
            let until = now + wait.min(super::MAX_PLAUSIBLE_WAIT);
            k.hold_until = Some(k.hold_until.map_or(until, |u| u.max(until)));
        });
        Box::pin(async { Ok(()) })
    }

    fn take_budget<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> BoxFuture<'a, Result<bool, SharedLimitError>> {
        let taken = self.with_budget(key, capacity, |t| {
            let ok = *t >= cost;
            if ok {
                *t -= cost;
            }
            ok
        });
        Box::pin(async move { Ok(taken) })
    }

    fn give_budget<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> BoxFuture<'a, Result<(), SharedLimitError>> {
        self.with_budget(key, capacity, |t| {
            *t = t.saturating_add(tokens).min(capacity)
        });
        Box::pin(async { Ok(()) })
    }
}

/// Passes a provider's hold on to the fleet without delaying the response that carried it;
/// outside a Tokio runtime (never the case inside a call) the hold stays local.
pub(crate) fn spawn_hold(shared: &SharedHandle, key: String, wait: Duration) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let shared = Arc::clone(&shared.0);
    rt.spawn(async move {
        if let Err(e) = shared.hold(&key, wait).await {
            tracing::warn!(error = %e, "shared rate limit: could not share a provider's hold");
        }
    });
}

#[cfg(test)]
pub(crate) mod tests;
