//! The retry budget: a token bucket per client, shared by its clones, that stops retry storms.
//!
//! Defaults (smithy's standard retry strategy): capacity 500 tokens; a retry costs 5, a retry
//! after a timeout costs 10; a call that succeeds on its first attempt puts 1 back, and a call
//! that succeeds after retries gives back what its retries took. While the provider is down,
//! every call spends tokens and none come back, so after about 100 retries the client stops
//! retrying and fails fast with [`crate::ErrorKind::BudgetExhausted`] until calls succeed again.
//!
//! With a shared limit ([`ClientBuilder::shared_limit`](crate::ClientBuilder::shared_limit)) the bucket is the fleet's, one per
//! server, in the shared backend: every process spends from it and refills it, so a fleet
//! stops retrying together (the settings above still apply; [`RetryBudget::available`] then
//! reads only this process's unused local bucket). A failing backend falls back to the local
//! bucket. The executor consults the shared bucket through
//! `RetryBudget::try_acquire_shared` / `on_success_shared` (not yet wired: see
//! [`crate::ratelimit::shared`]).
//!
//! ```
//! use sturdy_runtime::budget::RetryBudget;
//! let client = sturdy_runtime::Client::builder()
//!     .base_url("http://127.0.0.1:9")
//!     .retry_budget(Some(RetryBudget::new().capacity(100).retry_cost(10)))
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::sync::{Arc, Mutex};

use crate::error::ErrorKind;
use crate::ratelimit::shared::SharedHandle;

/// A retry budget: its settings, and the bucket shared by every clone of the client.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refill: u32,
    tokens: Arc<Mutex<u32>>,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
            success_refill: 1,
            tokens: Arc::new(Mutex::new(500)),
        }
    }
}

impl RetryBudget {
    /// The default budget: 500 tokens, retry 5, timeout retry 10, success refill 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bucket's size; it starts full.
    pub fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self.tokens = Arc::new(Mutex::new(tokens));
        self
    }

    /// Tokens one retry takes.
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// Tokens one retry after a timeout takes.
    pub fn timeout_cost(mut self, tokens: u32) -> Self {
        self.timeout_cost = tokens;
        self
    }

    /// Tokens a call that succeeds on its first attempt puts back.
    pub fn success_refill(mut self, tokens: u32) -> Self {
        self.success_refill = tokens;
        self
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        *self.lock()
    }

    /// The bucket's size.
    pub fn max(&self) -> u32 {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, u32> {
        // A poisoned lock only means another thread panicked mid-update of a plain integer.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a retry after a failure of `kind` costs.
    pub fn cost_of(&self, kind: ErrorKind) -> u32 {
        if kind == ErrorKind::Timeout {
            self.timeout_cost
        } else {
            self.retry_cost
        }
    }

    /// Takes the cost of a retry after a failure of `kind`; `None` when the bucket cannot pay
    /// (nothing is taken then). Returns the tokens taken.
    pub fn try_acquire(&self, kind: ErrorKind) -> Option<u32> {
        let cost = self.cost_of(kind);
        let mut t = self.lock();
        if *t < cost {
            return None;
        }
        *t -= cost;
        Some(cost)
    }

    /// Records a successful call: gives back what its retries took (`taken`), or the success
    /// refill when it needed no retry.
    pub fn on_success(&self, taken: u32) {
        let back = if taken == 0 {
            self.success_refill
        } else {
            taken
        };
        let mut t = self.lock();
        *t = t.saturating_add(back).min(self.capacity);
    }
}

/// The shared budget's key for calls to `server` (`host:port`).
fn shared_key(server: &str) -> String {
    format!("retry-budget:{server}")
}

impl RetryBudget {
    /// [`RetryBudget::try_acquire`] from the fleet's bucket for `server` when `shared` is set.
    pub(crate) async fn try_acquire_shared(
        &self,
        shared: Option<&SharedHandle>,
        server: &str,
        kind: ErrorKind,
    ) -> Option<u32> {
        let Some(s) = shared else {
            return self.try_acquire(kind);
        };
        let cost = self.cost_of(kind);
        match s
            .0
            .take_budget(&shared_key(server), cost, self.capacity)
            .await
        {
            Ok(taken) => taken.then_some(cost),
            Err(e) => {
                tracing::warn!(error = %e, "shared retry budget unavailable: the local budget");
                self.try_acquire(kind)
            }
        }
    }

    /// [`RetryBudget::on_success`] into the fleet's bucket for `server` when `shared` is set.
    pub(crate) async fn on_success_shared(
        &self,
        shared: Option<&SharedHandle>,
        server: &str,
        taken: u32,
    ) {
        let Some(s) = shared else {
            return self.on_success(taken);
        };
        let back = if taken == 0 {
            self.success_refill
        } else {
            taken
        };
        if let Err(e) =
            s.0.give_budget(&shared_key(server), back, self.capacity)
                .await
        {
            tracing::warn!(error = %e, "shared retry budget unavailable: the local budget");
            self.on_success(taken);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smithy_defaults() {
        let b = RetryBudget::new();
        assert_eq!((b.available(), b.max()), (500, 500));
        assert_eq!(b.cost_of(ErrorKind::Server), 5);
        assert_eq!(b.cost_of(ErrorKind::Timeout), 10);
    }

    #[test]
    fn empties_under_an_outage_and_refills_on_success() {
        let b = RetryBudget::new();
        let mut retries = 0;
        while b.try_acquire(ErrorKind::Server).is_some() {
            retries += 1;
        }
        assert_eq!(retries, 100);
        assert_eq!(b.available(), 0);
        assert_eq!(b.try_acquire(ErrorKind::Server), None);
        b.on_success(0);
        assert_eq!(b.available(), 1);
        assert_eq!(
            b.try_acquire(ErrorKind::Server),
            None,
            "1 token cannot pay for a retry"
        );
        for _ in 0..4 {
            b.on_success(0);
        }
        assert_eq!(b.try_acquire(ErrorKind::Server), Some(5));
        assert_eq!(b.available(), 0);
    }

    #[test]
    fn timeouts_cost_more_and_refunds_are_capped() {
        let b = RetryBudget::new().capacity(25);
        assert_eq!(b.try_acquire(ErrorKind::Timeout), Some(10));
        assert_eq!(b.try_acquire(ErrorKind::Timeout), Some(10));
        assert_eq!(b.try_acquire(ErrorKind::Timeout), None);
        assert_eq!(b.try_acquire(ErrorKind::Server), Some(5));
        assert_eq!(b.available(), 0);
        b.on_success(20);
        assert_eq!(b.available(), 20);
        b.on_success(20);
        assert_eq!(b.available(), 25, "never above capacity");
    }

    #[test]
    fn clones_share_one_bucket() {
        let a = RetryBudget::new().capacity(10);
        let b = a.clone();
        assert!(a.try_acquire(ErrorKind::Server).is_some());
        assert!(b.try_acquire(ErrorKind::Server).is_some());
        assert_eq!(a.try_acquire(ErrorKind::Server), None);
        assert_eq!(b.available(), 0);
    }

    fn fleet() -> SharedHandle {
        use crate::ratelimit::{MemorySharedLimit, RateLimit};
        let limit = RateLimit {
            per_second: 1.0,
            burst: 1,
        };
        let clock = crate::time::ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        SharedHandle(Arc::new(MemorySharedLimit::new(limit, Arc::new(clock))))
    }

    /// Two processes' budgets spend from and refill one fleet bucket per server.
    #[tokio::test]
    async fn a_fleet_spends_one_shared_budget() {
        let shared = fleet();
        let s = Some(&shared);
        let (a, b) = (
            RetryBudget::new().capacity(12),
            RetryBudget::new().capacity(12),
        );
        let (srv, kind) = ("api:443", ErrorKind::Server);
        assert_eq!(a.try_acquire_shared(s, srv, kind).await, Some(5));
        assert_eq!(b.try_acquire_shared(s, srv, kind).await, Some(5));
        assert_eq!(
            a.try_acquire_shared(s, srv, kind).await,
            None,
            "2 left for the fleet"
        );
        assert_eq!(b.try_acquire_shared(s, "other:443", kind).await, Some(5));
        b.on_success_shared(s, srv, 5).await;
        assert_eq!(a.try_acquire_shared(s, srv, kind).await, Some(5));
        for _ in 0..20 {
            a.on_success_shared(s, srv, 0).await;
        }
        assert_eq!(
            b.try_acquire_shared(s, srv, ErrorKind::Timeout).await,
            Some(10)
        );
        assert_eq!(
            b.try_acquire_shared(s, srv, kind).await,
            None,
            "capped at 12"
        );
        assert_eq!(
            (a.available(), b.available()),
            (12, 12),
            "local buckets untouched"
        );
    }

    #[tokio::test]
    async fn a_failing_backend_falls_back_to_the_local_budget() {
        let down = SharedHandle(Arc::new(crate::ratelimit::shared::tests::Down));
        let b = RetryBudget::new().capacity(5);
        assert_eq!(
            b.try_acquire_shared(Some(&down), "api:443", ErrorKind::Server)
                .await,
            Some(5)
        );
        assert_eq!(
            b.try_acquire_shared(Some(&down), "api:443", ErrorKind::Server)
                .await,
            None
        );
        b.on_success_shared(Some(&down), "api:443", 5).await;
        assert_eq!(b.available(), 5);
        assert_eq!(
            b.try_acquire_shared(None, "api:443", ErrorKind::Server)
                .await,
            Some(5)
        );
    }
}
