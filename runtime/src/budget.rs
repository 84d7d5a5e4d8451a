//! The retry budget: a token bucket per client, shared by its clones, that stops retry storms.
//!
//! Defaults (smithy's standard retry strategy): capacity 500 tokens; a retry costs 5, a retry
//! after a timeout costs 10; a call that succeeds on its first attempt puts 1 back, and a call
//! that succeeds after retries gives back what its retries took. While the provider is down,
//! every call spends tokens and none come back, so after about 100 retries the client stops
//! retrying and fails fast with [`crate::ErrorKind::BudgetExhausted`] until calls succeed again.
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

use crate::client::{Client, ClientBuilder};
use crate::error::ErrorKind;

impl ClientBuilder {
    /// The retry budget shared by this client and its clones; `None` retries without one.
    /// Default: [`RetryBudget::new`].
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.retry_budget = budget;
        self
    }
}

impl Client {
    /// The client's retry budget, if it has one (to read [`RetryBudget::available`]).
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_ref()
    }
}

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
}
